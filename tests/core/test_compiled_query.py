"""Querysets compiled once per process (`apps.core.db.CompiledQuery`, issue 18 item 5): the rows are
the ones the ORM gives for the same values — model instances with what `select_related` joined
and their annotations, `values_list` tuples and flat values — the statement is built once per
database and keyword values, each call's values take the stand-ins' places, and a changed
setting drops what was compiled."""

import datetime as dt

import pytest
from django.db.models import Count

from apps.catalog.choices import ReportSection
from apps.core.db import CompiledQuery
from apps.subjects import portal
from apps.subjects.models import CreditRecord, Subject
from apps.subjects.selectors import newest_per_category
from tests.subjects.factories import (
    CommitmentFactory,
    CompanyFactory,
    PublicBasicItemFactory,
    PublishedItemFactory,
    RecordFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.today("2026-12-02T10:00")]

TODAY = dt.date(2026, 12, 2)


def _fields(obj, *paths):
    values = []
    for path in paths:
        value = obj
        for name in path.split("."):
            value = getattr(value, name)
        values.append(value)
    return tuple(values)


@pytest.fixture
def companies(policy):
    """Two companies with records in two categories and commitments; the second's records newer."""
    penalty = PublishedItemFactory(report_section=ReportSection.PENALTY)
    basic = PublicBasicItemFactory()
    first, second = CompanyFactory(), CompanyFactory()
    for company, year in ((first, 2025), (second, 2026)):
        for month in (1, 2, 3):
            RecordFactory(subject=company, item=penalty, determined_on=dt.date(year, month, 10))
        RecordFactory(subject=company, item=basic, determined_on=dt.date(year, 4, 1))
        CommitmentFactory(subject=company, matter="bidding", made_on=dt.date(year, 5, 1))
        CommitmentFactory(subject=company, matter="bidding", made_on=dt.date(year, 6, 1))
    return first, second


def test_model_rows_with_joins_and_annotations_are_the_orms(companies):
    newest = CompiledQuery(
        CreditRecord,
        lambda subject, today, shown: newest_per_category(portal.public_records(subject, today=today), shown),
        -1_000_000_007,
        dt.date(1901, 2, 3),
    )
    for company in companies:
        for shown in (1, 2):
            expected = list(newest_per_category(portal.public_records(company, today=TODAY), shown))
            found = newest(company.pk, TODAY, shown=shown)
            paths = ("pk", "subject_id", "category", "determined_on", "rank", "item.name", "item.catalog.status")
            assert [_fields(r, *paths, "provider.name") for r in found] == [
                _fields(r, *paths, "provider.name") for r in expected
            ]
            assert len(found) == shown + 1  # three penalties and one basic record
        expected = list(portal.public_commitments(company)[:1])
        found = portal._commitments_shown(company.pk, shown=1)
        assert [_fields(c, "pk", "made_on", "made_to.name") for c in found] == [
            _fields(c, "pk", "made_on", "made_to.name") for c in expected
        ]


def test_values_list_rows_are_the_orms(companies):
    for company in companies:
        records = portal.public_records(company, today=TODAY)
        for shown in (1, 2):
            assert portal._newest_records(company.pk, TODAY, shown=shown) == list(portal.newest_rows(records, shown))
        assert set(portal._category_counts(company.pk, TODAY)) == set(
            records.order_by().values_list("category").annotate(n=Count("id"))
        )


def test_each_calls_values_take_the_stand_ins_places(companies):
    first, second = companies
    assert {r[1] for r in portal._newest_records(first.pk, TODAY, shown=10)} == {first.pk}
    assert {r[1] for r in portal._newest_records(second.pk, TODAY, shown=10)} == {second.pk}
    # The day too: a later day, past the end of the first company's disclosure periods.
    later = dt.date(2028, 6, 1)
    expected = set(portal.public_records(first, today=later).values_list("pk", flat=True))
    assert expected != {r[0] for r in portal._newest_records(first.pk, TODAY, shown=10)}
    assert {r[0] for r in portal._newest_records(first.pk, later, shown=10)} == expected


def test_the_statement_is_built_once_per_database_and_keyword_values(companies):
    built = []

    def build(pk, *, limit):
        built.append(limit)
        return Subject.objects.filter(pk=pk).order_by("pk")[:limit]

    query = CompiledQuery(Subject, build, -1_000_000_007)
    first, second = companies
    assert [s.name for s in query(first.pk, limit=1)] == [first.name]
    assert [s.name for s in query(second.pk, limit=1)] == [second.name]
    assert [s.pk for s in query(second.pk, limit=5)] == [second.pk]
    assert built == [1, 5]


def test_a_changed_setting_drops_what_was_compiled(companies, settings):
    built = []

    def build(pk):
        built.append(pk)
        return Subject.objects.filter(pk=pk)

    query = CompiledQuery(Subject, build, -1_000_000_007)
    query(companies[0].pk)
    settings.PUBLIC_PORTAL_PAGE_SIZE = 7
    query(companies[0].pk)
    assert len(built) == 2


def test_a_stand_in_not_among_the_parameters_is_refused(policy):
    query = CompiledQuery(Subject, lambda pk: Subject.objects.filter(name=f"单位{pk}"), -1_000_000_007)
    with pytest.raises(ValueError, match="stand-ins not among"):
        query(1)


@pytest.mark.parametrize("shown", [1, 3, 4, 11])
def test_the_newest_of_each_category_are_the_windows_with_ties_undated_and_hidden_records(policy, shown):
    """The organisation page's newest records of each category, compiled once
    (`portal._newest_records`), are the rows `newest_rows` gives, in its order: records
    determined on the same day (newest id first), records with no determination date (where each
    database sorts NULLs descending: PostgreSQL first, SQLite last), and never one the public
    does not see (revoked, past its disclosure period, of a 政务共享 item)."""
    from apps.catalog.choices import Category, Disclosure
    from apps.subjects.choices import RecordStatus
    from tests.catalog.factories import CatalogItemFactory

    company = CompanyFactory()
    items = {category: PublishedItemFactory(category=category) for category in Category.values}
    for at, category in enumerate(Category.values * 3):
        RecordFactory(subject=company, item=items[category], determined_on=dt.date(2026, 1 + at % 3, 5))
    RecordFactory(subject=company, item=items[Category.DISHONEST], determined_on=None)
    RecordFactory(subject=company, item=items[Category.GOOD], determined_on=None)
    RecordFactory(subject=company, item=items[Category.DISHONEST], determined_on=dt.date(2026, 11, 1))
    RecordFactory(
        subject=company, item=items[Category.BASIC], determined_on=dt.date(2026, 11, 2), status=RecordStatus.REVOKED
    )
    RecordFactory(
        subject=company, item=items[Category.BASIC], determined_on=dt.date(2026, 11, 3), disclosure_ends_on=TODAY
    )
    RecordFactory(
        subject=company,
        item=CatalogItemFactory(catalog=items[Category.OTHER].catalog, disclosure=Disclosure.GOVERNMENT),
        determined_on=dt.date(2026, 11, 4),
    )
    RecordFactory(
        subject=company, item=items[Category.OTHER], determined_on=dt.date(2026, 11, 5), disclosure_ends_on=TODAY
    )
    expected = list(portal.newest_rows(portal.public_records(company, today=TODAY + dt.timedelta(days=1)), shown))
    found = portal._newest_records(company.pk, TODAY + dt.timedelta(days=1), shown=shown)
    assert found == expected
    assert {row[2] for row in found} == set(Category.values)
    assert len(found) == sum(min(shown, n) for n in (3, 3 + 1, 3 + 1 + 1, 3))
