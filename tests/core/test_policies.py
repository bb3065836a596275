"""City policies: five presets, every figure with its article, chosen by CREDIT_POLICY."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from apps.core.choices import RuleSource
from apps.core.models import POLICY_SECTIONS, Policy
from apps.core.selectors import active_policy

pytestmark = pytest.mark.django_db

CITIES = ["nanjing", "tianjin", "dalian", "ningbo", "zhangye"]


def test_the_five_presets_load_and_every_figure_names_its_basis(policy):
    assert sorted(Policy.objects.values_list("code", flat=True)) == sorted(CITIES)
    for preset in Policy.objects.all():
        preset.full_clean()
        for _title, figures in POLICY_SECTIONS:
            for figure, basis in figures:
                if figure.startswith("market_disclosure") and getattr(preset, figure) is None:
                    continue
                assert getattr(preset, basis).strip(), f"{preset.code}.{figure} has no basis"


@pytest.mark.parametrize(
    ("code", "figure", "value"),
    [
        ("nanjing", "objection_mark_days", 1),  # Nanjing art. 58
        ("nanjing", "objection_office_decision_days", 15),  # Nanjing art. 58
        ("nanjing", "revocation_office_change_days", 3),  # Nanjing art. 59
        ("nanjing", "disclosure_general_months", 12),  # Nanjing art. 56
        ("nanjing", "disclosure_serious_months", 36),  # Nanjing art. 56
        ("nanjing", "key_attention_months", 3),  # Nanjing art. 37
        ("nanjing", "good_info_hide_days", 2),  # Nanjing art. 61
        ("tianjin", "objection_office_decision_days", 3),  # Tianjin art. 41
        ("tianjin", "disclosure_general_months", 60),  # Tianjin art. 42
        ("tianjin", "disclosure_start", "conduct_end"),  # Tianjin art. 42
        ("tianjin", "objection_clock_pause_allowed", True),  # Tianjin art. 41
        ("tianjin", "repair_grace_period_allowed", True),  # Tianjin art. 45
        ("tianjin", "free_reports_per_year", None),  # Tianjin art. 38 (art. 39's two a year: service agencies)
        ("tianjin", "key_attention_months", None),  # no key-attention list outside Nanjing art. 37
        ("dalian", "objection_applicant_notice_days", 2),  # Dalian art. 42
        ("dalian", "disclosure_custodial_from_sentence_end", True),  # Dalian art. 35
        ("ningbo", "objection_forward_days", 2),  # Ningbo art. 42
        ("ningbo", "revocation_office_change_days", 5),  # Ningbo art. 43
        ("ningbo", "integration_days", 5),  # Ningbo art. 18
        ("ningbo", "listing_review_by_authority", True),  # Ningbo art. 28
        ("ningbo", "market_disclosure_general_months", 24),  # Ningbo art. 22
        ("ningbo", "good_info_hide_days", 2),  # Ningbo art. 41 para. 1 has no figure: "—" rule, the others' 2
        ("ningbo", "self_declared_hide_days", 5),  # Ningbo art. 41 para. 2 (self-declared market information)
        ("tianjin", "objection_forwarded_overall_days", 10),  # Tianjin art. 41: 10 working days overall
        ("tianjin", "objection_forward_days", 2),  # within the 10 …
        ("tianjin", "objection_agency_answer_days", 8),  # … with the agency's 8
        # Nanjing art. 58 para. 3: 15 working days to handle any objection, forwarded or not
        ("nanjing", "objection_forwarded_overall_days", 15),
        ("ningbo", "objection_forwarded_overall_days", None),  # Ningbo art. 42: no overall limit
        ("nanjing", "remedies_reconsideration_days", 60),  # Administrative Reconsideration Law art. 20
        ("nanjing", "remedies_lawsuit_months", 6),  # Administrative Litigation Law art. 46
        ("zhangye", "free_reports_per_year", None),  # Zhangye art. 50: the platform, unlimited
    ],
)
def test_preset_figures_follow_the_articles(policy, code, figure, value):
    assert getattr(Policy.objects.get(code=code), figure) == value


def test_credit_policy_selects_the_active_preset(policy, settings):
    assert active_policy().code == "nanjing"
    settings.CREDIT_POLICY = "tianjin"
    assert active_policy().code == "tianjin"
    settings.CREDIT_POLICY = "atlantis"
    with pytest.raises(ImproperlyConfigured, match="load_policies"):
        active_policy()


def test_national_rule_holds_city_figures_within_the_national_range(policy):
    """国办发〔2025〕22号 / 信用修复管理办法: general 3–12 months, serious 12–36 months."""
    tianjin = Policy.objects.get(code="tianjin")
    tianjin.disclosure_rule = RuleSource.CITY  # the preset ships the national rule (issue 10)
    assert tianjin.disclosure_months("general") == 60
    tianjin.disclosure_rule = RuleSource.NATIONAL
    assert tianjin.disclosure_months("general") == 12
    assert tianjin.disclosure_months("serious") == 36
    assert tianjin.disclosure_months("minor") == 3  # for an item that publishes minor records


def test_the_2023_measures_are_given_whole_before_the_national_rules(policy):
    """The 2023 measures (国家发展改革委令2023年第58号) are recorded whole, with their own range and a
    date before the current national rules (2026-04-01), or not at all."""
    import datetime as dt

    from django.core.exceptions import ValidationError

    assert (policy.national_2023_general_min_months, policy.national_2023_general_max_months) == (3, 12)
    assert (policy.national_2023_serious_min_months, policy.national_2023_serious_max_months) == (12, 36)
    policy.full_clean()
    for change, field in (
        ({"national_2023_general_max_months": None}, "national_2023_effective_from"),
        ({"national_2023_effective_from": dt.date(2026, 4, 1)}, "national_2023_effective_from"),
        ({"national_2023_serious_min_months": 40}, "national_2023_serious_min_months"),
    ):
        edited = Policy.objects.get(pk=policy.pk)
        for name, value in change.items():
            setattr(edited, name, value)
        with pytest.raises(ValidationError) as caught:
            edited.full_clean()
        assert field in caught.value.message_dict
    for name in ("general_min", "general_max", "serious_min", "serious_max"):
        setattr(policy, f"national_2023_{name}_months", None)
    policy.national_2023_effective_from = None
    policy.full_clean()  # no earlier national rule at all


def test_choosing_the_national_rule_needs_a_reason(policy):
    from django.core.exceptions import ValidationError

    policy.disclosure_rule = RuleSource.NATIONAL
    policy.disclosure_rule_reason = ""
    with pytest.raises(ValidationError) as caught:
        policy.full_clean()
    assert "disclosure_rule_reason" in caught.value.message_dict


def test_loading_again_fills_figures_added_later_and_keeps_the_rest(policy):
    """A database loaded before a figure existed gets it (with its basis) from the preset, with
    history; the authority's other edits stay."""
    from apps.core.audit import audited_save

    policy.query_daily_threshold = 77
    policy.remedies_reconsideration_days, policy.remedies_lawsuit_months, policy.remedies_basis = None, None, ""
    audited_save(policy, by=None, reason="as before the remedies figures existed")
    call_command("load_policies")
    policy.refresh_from_db()
    assert (policy.remedies_reconsideration_days, policy.remedies_lawsuit_months) == (60, 6)
    assert "行政复议法" in policy.remedies_basis
    assert policy.query_daily_threshold == 77
    assert policy.history.first().history_change_reason.startswith("New figures filled")


def test_loading_again_keeps_the_authoritys_edits_unless_reset(policy):
    from apps.core.audit import audited_save

    policy.query_daily_threshold = 77
    audited_save(policy, by=None, reason="test")
    call_command("load_policies")
    policy.refresh_from_db()
    assert policy.query_daily_threshold == 77
    call_command("load_policies", reset=["nanjing"])
    policy.refresh_from_db()
    assert policy.query_daily_threshold == 200
    assert policy.history.first().history_change_reason.startswith("Preset loaded")
