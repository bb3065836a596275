"""Issue 10: the national publication limits as the presets ship them, chosen by the
determination date (认定之日) across the 2026-04-01 switch, with the rule that set each end.

Expected dates are worked out by hand from the regulation texts:
- Nanjing art. 56: general 1 year, serious 3 years, from confirmation (determination).
- Tianjin art. 42: 5 years from the end of the act, 「国家另有规定的除外」.
- Dalian art. 35: 5 years from the end of the act, 「另有规定的从其规定」.
- Ningbo art. 22: 5 years from determination, 「另有规定的从其规定」.
- Zhangye art. 36: disclosure per the Gansu provincial rule; the preset takes the national maxima
  (12 / 36 months from determination).
- National rule (国办发〔2025〕22号, 信用修复管理办法, in force from 2026-04-01): general at most
  1 year, serious at most 3 years, from the determination.
- Before it, the 2023 national measures (国家发展改革委令2023年第58号, 失信行为纠正后的信用信息修复管理办法
  （试行）, in force from 2023-05-01): administrative-penalty information, general at least 3
  months and at most 1 year, serious at least 1 year and at most 3 years, from the decision. The
  records here are administrative penalties (the factory's item is in that report section).
- Records determined before 2023-05-01 keep the city period.

Worked by hand, national mode:
- (ended 2026-03-15, determined 2026-03-20): determined before 2026-04-01, so the 2023 measures:
  at most 2027-03-20 (general) and 2029-03-20 (serious). Tianjin and Dalian's 5 years from the
  end of the act (2031-03-15) and Ningbo's from the determination (2031-03-20) are cut to those;
  Nanjing's and Zhangye's 1 / 3 years from the determination are those very dates.
- (2026-03-15, 2026-04-20): determined on or after 2026-04-01, so the current national rule: at
  most 2027-04-20 and 2029-04-20, whatever the act's end (unchanged by the 2023 measures).
- (2023-04-15, 2023-04-20): determined before the 2023 measures: the city period in both modes.
"""

import datetime as dt

import pytest

from apps.catalog.choices import ReportSection
from apps.core.choices import RuleSource
from apps.core.models import Policy
from apps.subjects.choices import DisclosureBasis
from apps.subjects.disclosure import disclosure_for
from tests.subjects.factories import CompanyFactory, PublishedItemFactory, RecordFactory

# The cases and records here carry fixed 2026 dates: the clock is set to match (any real date passes).
pytestmark = [pytest.mark.django_db, pytest.mark.today("2026-12-02T10:00")]

D = dt.date
# (act ended, determined)
BEFORE = (D(2026, 3, 15), D(2026, 3, 20))
AFTER = (D(2026, 4, 15), D(2026, 4, 20))
ACROSS = (D(2026, 3, 15), D(2026, 4, 20))  # act ended before the switch, determined after it
EARLIER = (D(2023, 4, 15), D(2023, 4, 20))  # determined before the 2023 national measures

# preset -> mode -> case -> (general end, serious end)
EXPECTED = {
    "nanjing": {
        "city": {
            BEFORE: (D(2027, 3, 20), D(2029, 3, 20)),
            AFTER: (D(2027, 4, 20), D(2029, 4, 20)),
            ACROSS: (D(2027, 4, 20), D(2029, 4, 20)),
            EARLIER: (D(2024, 4, 20), D(2026, 4, 20)),
        },
        "national": {
            BEFORE: (D(2027, 3, 20), D(2029, 3, 20)),
            AFTER: (D(2027, 4, 20), D(2029, 4, 20)),
            ACROSS: (D(2027, 4, 20), D(2029, 4, 20)),
            EARLIER: (D(2024, 4, 20), D(2026, 4, 20)),
        },
    },
    "tianjin": {
        "city": {
            BEFORE: (D(2031, 3, 15), D(2031, 3, 15)),
            AFTER: (D(2031, 4, 15), D(2031, 4, 15)),
            ACROSS: (D(2031, 3, 15), D(2031, 3, 15)),
            EARLIER: (D(2028, 4, 15), D(2028, 4, 15)),
        },
        "national": {
            BEFORE: (D(2027, 3, 20), D(2029, 3, 20)),
            AFTER: (D(2027, 4, 20), D(2029, 4, 20)),
            ACROSS: (D(2027, 4, 20), D(2029, 4, 20)),
            EARLIER: (D(2028, 4, 15), D(2028, 4, 15)),
        },
    },
    "dalian": {
        "city": {
            BEFORE: (D(2031, 3, 15), D(2031, 3, 15)),
            AFTER: (D(2031, 4, 15), D(2031, 4, 15)),
            ACROSS: (D(2031, 3, 15), D(2031, 3, 15)),
            EARLIER: (D(2028, 4, 15), D(2028, 4, 15)),
        },
        "national": {
            BEFORE: (D(2027, 3, 20), D(2029, 3, 20)),
            AFTER: (D(2027, 4, 20), D(2029, 4, 20)),
            ACROSS: (D(2027, 4, 20), D(2029, 4, 20)),
            EARLIER: (D(2028, 4, 15), D(2028, 4, 15)),
        },
    },
    "ningbo": {
        "city": {
            BEFORE: (D(2031, 3, 20), D(2031, 3, 20)),
            AFTER: (D(2031, 4, 20), D(2031, 4, 20)),
            ACROSS: (D(2031, 4, 20), D(2031, 4, 20)),
            EARLIER: (D(2028, 4, 20), D(2028, 4, 20)),
        },
        "national": {
            BEFORE: (D(2027, 3, 20), D(2029, 3, 20)),
            AFTER: (D(2027, 4, 20), D(2029, 4, 20)),
            ACROSS: (D(2027, 4, 20), D(2029, 4, 20)),
            EARLIER: (D(2028, 4, 20), D(2028, 4, 20)),
        },
    },
    "zhangye": {
        "city": {
            BEFORE: (D(2027, 3, 20), D(2029, 3, 20)),
            AFTER: (D(2027, 4, 20), D(2029, 4, 20)),
            ACROSS: (D(2027, 4, 20), D(2029, 4, 20)),
            EARLIER: (D(2024, 4, 20), D(2026, 4, 20)),
        },
        "national": {
            BEFORE: (D(2027, 3, 20), D(2029, 3, 20)),
            AFTER: (D(2027, 4, 20), D(2029, 4, 20)),
            ACROSS: (D(2027, 4, 20), D(2029, 4, 20)),
            EARLIER: (D(2024, 4, 20), D(2026, 4, 20)),
        },
    },
}
TABLE = [
    pytest.param(
        code, mode, case, severity, ends[index], id=f"{code}-{mode}-ended{case[0]}-determined{case[1]}-{severity}"
    )
    for code, modes in EXPECTED.items()
    for mode, cases in modes.items()
    for case, ends in cases.items()
    for index, severity in enumerate(("general", "serious"))
]


def _record(severity, ended_on, determined_on):
    return RecordFactory.build(
        item=PublishedItemFactory(),
        severity=severity,
        ended_on=ended_on,
        determined_on=determined_on,
        document_date=determined_on,
    )


@pytest.mark.parametrize(("code", "mode", "case", "severity", "expected"), TABLE)
def test_disclosure_end_across_the_national_switch_under_every_preset(policy, code, mode, case, severity, expected):
    """Nanjing art. 56, Tianjin art. 42, Dalian art. 35, Ningbo art. 22, Zhangye art. 36 and the
    national rule in force on the determination date (认定之日): the 信用修复管理办法 from
    2026-04-01, before it the 2023 measures (国家发展改革委令2023年第58号, from 2023-05-01) for
    administrative penalties, before them none."""
    preset = Policy.objects.get(code=code)
    preset.disclosure_rule = mode
    ended_on, determined_on = case
    assert disclosure_for(_record(severity, ended_on, determined_on), preset).end == expected


@pytest.mark.parametrize("code", ["nanjing", "tianjin", "dalian", "ningbo", "zhangye"])
def test_every_preset_ships_the_national_rule_and_says_why(policy, code):
    """Tianjin art. 42 「国家另有规定的除外」, Dalian art. 35 and Ningbo art. 22 「另有规定的从其规定」,
    Nanjing art. 56 「国家、省另有规定的除外」, Zhangye art. 36 (the provincial rule): each preset
    applies the national limits, and its description and reason say so."""
    preset = Policy.objects.get(code=code)
    assert preset.disclosure_rule == RuleSource.NATIONAL
    assert "适用国家规则" in preset.disclosure_rule_reason
    assert "国家规则" in preset.description
    assert "认定之日" in preset.disclosure_rule_reason
    # the 2023 national measures, recorded with their basis and named in the reason
    assert preset.national_2023_effective_from == D(2023, 5, 1)
    assert "2023年第58号" in preset.national_2023_basis and "行政处罚信息" in preset.national_2023_basis
    assert "2023年5月1日至2026年3月31日认定的行政处罚信息" in preset.disclosure_rule_reason
    assert "2023年5月1日至2026年3月31日认定的行政处罚信息" in preset.description


def test_the_basis_says_which_rule_set_the_end(policy):
    """Tianjin art. 42 against the national maximum: the basis names the rule that applied."""
    tianjin = Policy.objects.get(code="tianjin")
    assert disclosure_for(_record("general", *ACROSS), tianjin).basis == DisclosureBasis.NATIONAL_MAX
    assert disclosure_for(_record("general", *BEFORE), tianjin).basis == DisclosureBasis.NATIONAL_2023_MAX
    assert disclosure_for(_record("general", *EARLIER), tianjin).basis == DisclosureBasis.BEFORE_NATIONAL
    tianjin.disclosure_rule = RuleSource.CITY
    assert disclosure_for(_record("general", *ACROSS), tianjin).basis == DisclosureBasis.CITY
    assert disclosure_for(_record("general", *BEFORE), tianjin).basis == DisclosureBasis.CITY
    nanjing = Policy.objects.get(code="nanjing")
    assert disclosure_for(_record("general", *AFTER), nanjing).basis == DisclosureBasis.NATIONAL_WITHIN
    assert disclosure_for(_record("general", *BEFORE), nanjing).basis == DisclosureBasis.NATIONAL_2023_WITHIN


def test_the_2023_measures_bind_administrative_penalties_only(policy):
    """The 2023 measures (国家发展改革委令2023年第58号) set publication periods for administrative-
    penalty information only: a Tianjin record of another report section (a commitment breach)
    determined before 2026-04-01 keeps the city's 5 years from the end of the act (art. 42);
    from 2026-04-01 the 信用修复管理办法 covers every dishonest record. An item naming no section is
    in its category's, administrative penalties for dishonest information."""
    tianjin = Policy.objects.get(code="tianjin")
    breach = PublishedItemFactory(report_section=ReportSection.COMMITMENT)
    before = _record("general", *BEFORE)
    before.item = breach
    assert disclosure_for(before, tianjin) == (D(2031, 3, 15), DisclosureBasis.BEFORE_NATIONAL)
    across = _record("general", *ACROSS)
    across.item = breach
    assert disclosure_for(across, tianjin) == (D(2027, 4, 20), DisclosureBasis.NATIONAL_MAX)
    unnamed = _record("general", *BEFORE)
    unnamed.item = PublishedItemFactory(report_section="")
    assert disclosure_for(unnamed, tianjin) == (D(2027, 3, 20), DisclosureBasis.NATIONAL_2023_MAX)


def test_the_2023_minimum_holds_a_shorter_period(policy):
    """The 2023 measures: general administrative-penalty information is published at least 3
    months from the decision; an item's own month, determined on 2025-01-10, is held to 2025-04-10."""
    nanjing = Policy.objects.get(code="nanjing")
    record = _record("general", D(2025, 1, 5), D(2025, 1, 10))
    record.item = PublishedItemFactory(period_rule="item", period_months=1)
    assert disclosure_for(record, nanjing) == (D(2025, 4, 10), DisclosureBasis.NATIONAL_2023_MIN)


def test_the_2023_figures_come_from_the_policy(policy):
    """Tianjin art. 42: with the 2023 measures' figures emptied, a record determined on
    2026-03-20 keeps the city's 5 years; with another maximum, that maximum applies."""
    tianjin = Policy.objects.get(code="tianjin")
    tianjin.national_2023_general_max_months = 6
    assert disclosure_for(_record("general", *BEFORE), tianjin).end == D(2026, 9, 20)
    tianjin.national_2023_effective_from = None
    assert disclosure_for(_record("general", *BEFORE), tianjin) == (D(2031, 3, 15), DisclosureBasis.BEFORE_NATIONAL)


def test_a_listing_extending_past_the_national_maximum_says_so(policy, disclosure_extension):
    """Nanjing art. 56 and Dalian art. 35: a serious listing extends disclosure to its own end,
    past the national maximum of 3 years; the basis says the listing's period set it."""
    disclosure_extension(D(2030, 1, 1))
    dalian = Policy.objects.get(code="dalian")
    record = _record("serious", *AFTER)
    record.subject = CompanyFactory()
    result = disclosure_for(record, dalian)
    assert result == (D(2030, 1, 1), DisclosureBasis.LISTING_PAST_NATIONAL)
    dalian.disclosure_rule = RuleSource.CITY  # 5 years from the end of the act: later than the listing
    assert disclosure_for(record, dalian) == (D(2031, 4, 15), DisclosureBasis.CITY)


def test_minor_records_follow_the_item_and_the_policys_minor_period(policy):
    """National rule: minor dishonest information need not be published, at most 3 months if it
    is; `disclosure_minor_months` is that period for an item that publishes it, 0 never."""
    nanjing = Policy.objects.get(code="nanjing")
    hidden = _record("minor", D(2026, 4, 15), D(2026, 4, 20))
    assert disclosure_for(hidden, nanjing) == (D(2026, 4, 19), DisclosureBasis.NOT_PUBLISHED)
    published = RecordFactory.build(
        item=PublishedItemFactory(publish_minor=True), severity="minor", determined_on=D(2026, 4, 20)
    )
    assert nanjing.disclosure_minor_months == 3
    assert disclosure_for(published, nanjing).end == D(2026, 7, 20)
    nanjing.disclosure_minor_months = 0
    assert disclosure_for(published, nanjing) == (D(2026, 4, 19), DisclosureBasis.NOT_PUBLISHED)


def test_the_credit_file_says_which_rule_set_the_disclosure_end(client, policy):
    """Tianjin art. 42 capped by the national rule: the credit file shows the end and its basis."""
    from django.urls import reverse
    from django.utils import translation

    from tests.factories import ClerkFactory

    company = CompanyFactory()
    RecordFactory(
        subject=company,
        determined_on=D(2026, 4, 20),
        disclosure_ends_on=D(2027, 4, 20),
        disclosure_basis=DisclosureBasis.NATIONAL_MAX,
    )
    client.force_login(ClerkFactory())
    page = client.post(
        reverse("subjects:credit_file", args=[company.pk]), {"mode": "government", "purpose": "objection_processing"}
    ).content.decode()
    with translation.override("zh-hans"):
        label = str(DisclosureBasis.NATIONAL_MAX.label)
    assert "2027-04-20" in page and label in page and label.startswith("国家规定的最长期限")


def test_the_credit_file_names_the_2023_measures_when_they_set_the_end(client, policy):
    """The 2023 measures (国家发展改革委令2023年第58号) capping Tianjin art. 42: the credit file says so."""
    from django.urls import reverse
    from django.utils import translation

    from tests.factories import ClerkFactory

    company = CompanyFactory()
    RecordFactory(
        subject=company,
        determined_on=D(2026, 3, 20),
        disclosure_ends_on=D(2027, 3, 20),
        disclosure_basis=DisclosureBasis.NATIONAL_2023_MAX,
    )
    client.force_login(ClerkFactory())
    page = client.post(
        reverse("subjects:credit_file", args=[company.pk]), {"mode": "government", "purpose": "objection_processing"}
    ).content.decode()
    with translation.override("zh-hans"):
        label = str(DisclosureBasis.NATIONAL_2023_MAX.label)
    assert "2027-03-20" in page and label in page and "2023年" in label


def test_a_custodial_sentence_still_counts_from_its_end_under_the_national_rule(policy):
    """Ningbo art. 22: a custodial sentence counts from its end; the national maximum of 3 years
    for serious information then runs from that day too."""
    ningbo = Policy.objects.get(code="ningbo")
    record = _record("serious", D(2026, 4, 15), D(2026, 4, 20))
    record.custodial_sentence_end = D(2028, 6, 30)
    assert disclosure_for(record, ningbo) == (D(2031, 6, 30), DisclosureBasis.NATIONAL_MAX)
