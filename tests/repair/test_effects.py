"""What a repair ends (Tianjin art. 46, Ningbo art. 46) and good information withheld on request
(Nanjing art. 61)."""

from __future__ import annotations

import datetime

import pytest

from apps.core.choices import DeadlineKind, QueryMode
from apps.core.deadlines import deadline_of
from apps.repair import good_info, services
from apps.repair.choices import Means
from apps.sanctions import services as sanction_services
from apps.sanctions.choices import CaseStatus, ListType, RemovalReason
from apps.sanctions.models import ListEntry
from apps.sanctions.selectors import published_entries
from apps.subjects.choices import RecordStatus
from apps.subjects.models import CreditRecord, ResponsiblePerson
from apps.subjects.selectors import visible_records
from tests.factories import ClerkFactory, CreditOfficeFactory, OfficerFactory
from tests.repair.factories import pdf
from tests.sanctions.factories import ListingCaseDraftFactory, decide_after_statement, make_world
from tests.subjects.factories import RecordFactory

pytestmark = pytest.mark.django_db


@pytest.mark.today("2026-12-02T10:00")
def test_repairing_the_only_record_of_a_published_serious_listing_ends_it_the_same_day():
    """Tianjin art. 46, Ningbo art. 46: a repaired subject leaves the serious list at once; the
    public list and the check API stop naming its measures; the legal representative's linked
    entry (Nanjing art. 43) ends too; every change carries the application as its reason."""
    world = make_world()
    # The penalty the listing rests on: serious, determined 2025-11-01 (2023 national measures:
    # at least a year), so repairable from 2026-11-01.
    world.record.determined_on = world.record.document_date = datetime.date(2025, 11, 1)
    world.record.disclosure_ends_on = datetime.date(2028, 11, 1)
    world.record.save()
    case = ListingCaseDraftFactory(world=world)
    people = list(ResponsiblePerson.objects.filter(organization=world.company))
    decide_after_statement(world, case, responsible_people=people)
    sanction_services.case_publish(case, by=world.officer, reason="公布")
    assert published_entries(ListType.SERIOUS).filter(subject=world.company).exists()
    asking = OfficerFactory()
    _check, _subject, _statuses, measures = sanction_services.sanction_check(
        by=asking, identifier=world.company.identifier, matter="bidding"
    )
    assert world.measures["serious"] in measures
    CreditOfficeFactory()
    clerk = ClerkFactory()
    application = services.repair_file(
        by=clerk,
        subject=world.company,
        records=[world.record],
        means=[Means.CORRECTED, Means.OBLIGATIONS, Means.COMMITMENT],
        statement="已纠正并履行全部义务",
        applicant_name="王经办",
        applicant_contact="025-00000000",
        commitment_signed=True,
        commitment_scan=pdf(),
        reason="窗口受理",
    )
    services.repair_step(application, "accept", by=world.officer, reason="受理")
    services.repair_step(application, "repair", by=world.officer, reason="决定修复", outcome_reason="已完成修复")

    case.refresh_from_db()
    assert case.status == CaseStatus.REMOVED and case.removal_reason == RemovalReason.REPAIR
    assert case.removed_on == datetime.date(2026, 12, 2)
    assert application.listings_ended == [case.pk]
    assert not published_entries(ListType.SERIOUS).filter(subject=world.company).exists()
    assert not ListEntry.objects.filter(case=case, active=True).exists()  # the representative's too
    _check, _subject, statuses, measures = sanction_services.sanction_check(
        by=asking, identifier=world.company.identifier, matter="bidding"
    )
    # the listing's measures are gone; only what a subject without dishonest records gets remains
    assert world.measures["serious"] not in measures and world.measures["dishonest"] not in measures
    assert "serious" not in statuses and "dishonest" not in statuses
    rep_record = CreditRecord.objects.get(subject=world.representative)
    assert rep_record.status == RecordStatus.REPAIRED
    reasons = [
        case.history.first().history_change_reason,
        rep_record.history.first().history_change_reason,
        CreditRecord.objects.get(pk=world.record.pk).history.first().history_change_reason,
    ]
    assert all(reason.startswith(application.number) for reason in reasons), reasons


@pytest.mark.today("2026-09-30T10:00")
def test_nanjing_hides_good_information_within_two_working_days():
    """Nanjing art. 61: received 2026-09-30, due 2026-10-09 (the National Day holiday and its
    make-up days counted); once applied, the record is absent from the public and authorised
    lookups and present in the subject's own."""
    from apps.catalog.choices import Category

    CreditOfficeFactory()
    clerk = ClerkFactory()
    good = RecordFactory(
        category=Category.GOOD,
        item__category=Category.GOOD,
        severity="",
        disclosure_ends_on=None,
        determined_on=datetime.date(2026, 5, 1),
    )
    provider_officer = OfficerFactory(organization=good.provider)
    request = good_info.good_info_file(
        by=clerk,
        subject=good.subject,
        records=[good],
        applicant_name="张三",
        applicant_contact="13800000000",
        reason="窗口受理",
    )
    assert deadline_of(request, DeadlineKind.GOOD_INFO_HIDE).due_on == datetime.date(2026, 10, 9)
    good_info.good_info_step(request, "apply", by=clerk, reason="停止对外查询")
    good.refresh_from_db()
    assert good.status == RecordStatus.HIDDEN
    for mode in (QueryMode.PUBLIC, QueryMode.AUTHORISED, QueryMode.GOVERNMENT):
        assert good not in visible_records(good.subject, mode), mode
    assert good in visible_records(good.subject, QueryMode.SELF)
    assert provider_officer.notifications.exists()  # the provider was told
    good_info.good_info_step(request, "publish-again", by=clerk, reason="申请重新公开")
    good.refresh_from_db()
    assert good.status == RecordStatus.ACTIVE


@pytest.mark.today("2026-09-30T10:00")
def test_only_good_information_of_the_subject_is_withheld():
    from django.core.exceptions import ValidationError

    CreditOfficeFactory()
    clerk = ClerkFactory()
    dishonest = RecordFactory()
    with pytest.raises(ValidationError) as excinfo:
        good_info.good_info_file(
            by=clerk,
            subject=dishonest.subject,
            records=[dishonest],
            applicant_name="a",
            applicant_contact="b",
            reason="r",
        )
    assert "records" in excinfo.value.message_dict
