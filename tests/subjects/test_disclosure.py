"""Disclosure end dates from the city policy (DESIGN.md section 5)."""

import datetime as dt

import pytest

from apps.core.models import Policy
from apps.core.selectors import active_policy
from apps.subjects import disclosure
from apps.subjects.disclosure import add_months, disclosure_end
from tests.subjects.factories import CompanyFactory, PublicBasicItemFactory, PublishedItemFactory, RecordFactory

pytestmark = pytest.mark.django_db


def _record(**kwargs):
    return RecordFactory.build(item=kwargs.pop("item", None) or PublishedItemFactory(), **kwargs)


def test_nanjing_general_one_year_serious_three_years_from_confirmation(policy):
    """Nanjing art. 56: general 1 year, serious 3 years, from the date the record was confirmed."""
    general = _record(severity="general", determined_on=dt.date(2026, 3, 1), ended_on=dt.date(2025, 12, 1))
    assert disclosure_end(general, policy) == dt.date(2027, 3, 1)
    serious = _record(severity="serious", determined_on=dt.date(2026, 3, 1), ended_on=dt.date(2025, 12, 1))
    assert disclosure_end(serious, policy) == dt.date(2029, 3, 1)


def test_tianjin_five_years_from_the_end_of_the_conduct(policy, settings):
    """Tianjin art. 42: 5 years from the end of the dishonest act."""
    settings.CREDIT_POLICY = "tianjin"
    tianjin = active_policy()
    tianjin.disclosure_rule = "city"  # the preset ships the national rule (issue 10)
    record = _record(severity="general", determined_on=dt.date(2026, 3, 1), ended_on=dt.date(2025, 12, 15))
    assert disclosure_end(record, tianjin) == dt.date(2030, 12, 15)
    with pytest.raises(disclosure.MissingDate):
        disclosure_end(_record(severity="general", ended_on=None), tianjin)


def test_custodial_sentences_count_from_their_end_where_the_city_says_so(policy):
    """Dalian art. 35, Ningbo art. 22: a custodial sentence is counted from its end."""
    ningbo = Policy.objects.get(code="ningbo")
    ningbo.disclosure_rule = "city"  # the preset ships the national rule (issue 10)
    record = _record(severity="serious", determined_on=dt.date(2026, 3, 1), custodial_sentence_end=dt.date(2028, 6, 30))
    assert disclosure_end(record, ningbo) == dt.date(2033, 6, 30)
    assert disclosure_end(record, policy) == dt.date(2029, 3, 1)  # Nanjing: no such rule


def test_national_rule_holds_the_period_within_the_national_maximum(policy):
    """Tianjin art. 42 (国家另有规定的除外) under the national rule: at most 1 year for general
    information, counted from the determination (issue 10: the national period runs from
    认定之日, no longer from the end of the act)."""
    tianjin = Policy.objects.get(code="tianjin")
    tianjin.disclosure_rule = "national"
    record = _record(severity="general", determined_on=dt.date(2026, 7, 1), ended_on=dt.date(2026, 6, 10))
    assert disclosure_end(record, tianjin) == dt.date(2027, 7, 1)


def test_minor_records_are_not_published_unless_the_item_says_so(policy):
    """National rules: minor dishonest information need not be published; at most 3 months."""
    record = _record(severity="minor", determined_on=dt.date(2026, 3, 1))
    assert disclosure_end(record, policy) == dt.date(2026, 2, 28)
    item = PublishedItemFactory(publish_minor=True)
    assert disclosure_end(_record(item=item, severity="minor", determined_on=dt.date(2026, 3, 1)), policy) == dt.date(
        2026, 6, 1
    )


@pytest.mark.django_db
def test_a_minor_record_not_published_reads_not_disclosed_not_a_day_before_its_determination(client, policy):
    """Issue 17: a minor record showed 2026-02-28 as its disclosure end beside 2026-03-01 as its
    determination; the pages say 不公开, and a record kept current —."""
    from django.template import Context, Template
    from django.urls import reverse

    from tests.factories import ClerkFactory

    minor = RecordFactory(severity="minor", determined_on=dt.date(2026, 3, 1))
    disclosure.apply_disclosure(minor, policy)
    minor.save()
    cell = Template("{% load credit %}{{ r|disclosure_end }}")
    assert (minor.disclosure_ends_on, cell.render(Context({"r": minor}))) == (dt.date(2026, 2, 28), "不公开")
    general = RecordFactory(severity="general", determined_on=dt.date(2026, 3, 1))
    disclosure.apply_disclosure(general, policy)
    assert cell.render(Context({"r": general})) == general.disclosure_ends_on.isoformat()
    basic = RecordFactory(item=PublicBasicItemFactory())
    disclosure.apply_disclosure(basic, policy)
    assert (basic.disclosure_ends_on, cell.render(Context({"r": basic}))) == (None, "—")
    # the subject's own inquiry shows every record of its file, the minor one too
    client.force_login(ClerkFactory())
    page = client.post(
        reverse("subjects:credit_file", args=[minor.subject.pk]),
        {
            "mode": "self",
            "purpose": "self_inquiry",
            "identity_checked": "on",
            "checked_identifier": minor.subject.identifier,
        },
    ).content.decode()
    assert "不公开" in page and "2026-02-28" not in page


def test_an_items_own_period_does_not_publish_minor_records_nor_pass_the_national_maximum(policy):
    """Tianjin art. 12, Zhangye art. 34: minor dishonest information is not published, whatever the
    item's own period; under the national rule the item's period keeps within the national range."""
    item = PublishedItemFactory(period_rule="item", period_months=60)
    minor = _record(item=item, severity="minor", determined_on=dt.date(2026, 7, 1))
    assert disclosure_end(minor, policy) == dt.date(2026, 6, 30)
    general = _record(item=item, severity="general", determined_on=dt.date(2026, 7, 1))
    policy.disclosure_rule = "city"  # the preset ships the national rule (issue 10)
    assert disclosure_end(general, policy) == dt.date(2031, 7, 1)  # Nanjing: the city rule, the item's 5 years
    policy.disclosure_rule = "national"
    assert policy.national_general_max_months < 60
    assert disclosure_end(general, policy) == add_months(dt.date(2026, 7, 1), policy.national_general_max_months)


def test_periods_end_on_the_last_day_of_a_shorter_month():
    """Civil Code art. 202: no corresponding day → the last day of the month."""
    assert add_months(dt.date(2026, 8, 31), 6) == dt.date(2027, 2, 28)
    assert add_months(dt.date(2027, 8, 31), 6) == dt.date(2028, 2, 29)


def test_basic_information_has_no_end(policy):
    item = PublicBasicItemFactory()
    assert disclosure_end(_record(item=item, category="basic", severity=""), policy) is None


def test_the_serious_list_hook_extends_disclosure(policy, disclosure_extension):
    """Nanjing art. 56: while listed, the disclosure lasts until the sanction ends."""
    disclosure_extension(dt.date(2031, 1, 1))
    record = _record(severity="general", determined_on=dt.date(2026, 3, 1), subject=CompanyFactory())
    assert disclosure_end(record, policy) == dt.date(2031, 1, 1)
    policy.disclosure_extended_while_listed = False
    assert disclosure_end(record, policy) == dt.date(2027, 3, 1)


def test_the_national_rule_applies_to_records_determined_from_its_effective_date(policy):
    """DESIGN.md section 5: national rules switch by date, chosen by the determination date
    (issue 10). Tianjin art. 42 (5 years from the end of the act) against, for a general
    administrative penalty: the 2023 measures (NDRC order 2023 No. 58, in force from 2023-05-01:
    at most 1 year from the decision) and the 信用修复管理办法 (from 2026-04-01: at most 1 year)."""
    tianjin = Policy.objects.get(code="tianjin")
    tianjin.disclosure_rule = "national"
    earlier = _record(severity="general", determined_on=dt.date(2023, 4, 30), ended_on=dt.date(2023, 3, 31))
    measures = _record(severity="general", determined_on=dt.date(2023, 5, 1), ended_on=dt.date(2023, 3, 31))
    before = _record(severity="general", determined_on=dt.date(2026, 3, 1), ended_on=dt.date(2026, 3, 31))
    after = _record(severity="general", determined_on=dt.date(2026, 5, 1), ended_on=dt.date(2026, 4, 1))
    assert disclosure_end(earlier, tianjin) == dt.date(2028, 3, 31)  # no national rule yet: the city's 5 years
    assert disclosure_end(measures, tianjin) == dt.date(2024, 5, 1)  # the 2023 measures' year from the decision
    assert disclosure_end(before, tianjin) == dt.date(2027, 3, 1)  # still the 2023 measures
    assert disclosure_end(after, tianjin) == dt.date(2027, 5, 1)  # the national year from the determination
