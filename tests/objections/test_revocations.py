"""Revocation notices (撤销/变更告知): the two clocks under the city's rules, applying a notice to
the records and to the listing resting on them, who sees what, and bad input."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from apps.core.choices import DeadlineKind, DeadlineStatus
from apps.core.deadlines import deadline_of
from apps.core.exceptions import Conflict
from apps.core.models_deadlines import Deadline
from apps.core.workflow import walk
from apps.objections import revocations
from apps.objections.choices import RevocationKind, RevocationStatus
from apps.objections.models import RevocationNotice
from apps.sanctions.choices import CaseStatus, RemovalReason
from apps.subjects.choices import RecordStatus
from tests.factories import ClerkFactory
from tests.objections import factories
from tests.sanctions import factories as case_factories
from tests.subjects.factories import RecordFactory

D = dt.date
K = DeadlineKind
pytestmark = pytest.mark.django_db

COURT = "南京市中级人民法院"


def on(day: dt.date):
    """The platform's clock at 10:00 local time on `day`, standing still."""
    return time_machine.travel(dt.datetime.combine(day, dt.time(10), tzinfo=ZoneInfo("Asia/Shanghai")), tick=False)


@pytest.fixture
def world(policy):
    return factories.make_world()


def file_notice(world, *, records=None, by=None, **kwargs):
    data = {
        "by": by or world.officer_a,
        "subject": world.subject,
        "records": [world.record_a] if records is None else records,
        "kind": RevocationKind.REVOKED,
        "document_number": "（2026）苏01行终88号",
        "document_date": kwargs.pop("document_date", None) or D(2026, 9, 25),
        "document_body": COURT,
        "document_text": "撤销原行政处罚决定",
        "reason": "判决撤销处罚决定，书面告知",
    }
    data.update(kwargs)
    return revocations.revocation_file(**data)


# Working days after Wednesday 2026-09-30: 10-08, 10-09, 10-10 (make-up Saturday), 10-12, 10-13
# (National Day and Mid-Autumn 10-01 … 10-07). After Friday 2026-09-25: 09-28, 09-29, 09-30, 10-08, 10-09.
FILED_0930 = {
    # city: (the office changes the record by, the agency tells the office by)
    "nanjing": (D(2026, 10, 10), D(2026, 9, 30)),  # art. 59: 3 wd; "promptly", the preset's 3 wd
    "ningbo": (D(2026, 10, 13), D(2026, 10, 9)),  # art. 43: 5 wd / 5 wd
}


@pytest.mark.parametrize("city", sorted(FILED_0930))
def test_the_due_dates_of_a_notice_filed_before_national_day(world, settings, city):
    """Nanjing art. 59 (3 working days from the notice) and Ningbo art. 43 (5 working days from
    the notice; the agency's own 5 from the revoking document): a notice filed on 2026-09-30
    about a judgment of 2026-09-25. The holiday does not count, the make-up Saturday does."""
    settings.CREDIT_POLICY = city
    change_by, tell_by = FILED_0930[city]
    with on(D(2026, 9, 30)):
        notice = file_notice(world, document_date=D(2026, 9, 25))
    change = deadline_of(notice, K.REVOCATION_CHANGE)
    assert (change.started_on, change.due_on, change.status) == (D(2026, 9, 30), change_by, DeadlineStatus.OPEN)
    assert change.basis and change.policy_code == city
    told = deadline_of(notice, K.REVOCATION_AGENCY_NOTICE)
    assert (told.started_on, told.due_on) == (D(2026, 9, 25), tell_by)
    assert (told.status, told.met_on) == (DeadlineStatus.MET, D(2026, 9, 30))


def test_an_agency_that_tells_the_office_late_is_recorded_late(world):
    """Tianjin art. 43 para. 2: the agency tells the office within 3 working days of the
    revocation. Filed weeks after the judgment, the agency's clock is met late; the office's
    clock still runs from the filing."""
    with on(D(2026, 9, 30)):
        notice = file_notice(world, document_date=D(2026, 9, 1))
    told = deadline_of(notice, K.REVOCATION_AGENCY_NOTICE)
    assert told.status == DeadlineStatus.MET_LATE and told.late
    assert deadline_of(notice, K.REVOCATION_CHANGE).status == DeadlineStatus.OPEN


@pytest.mark.today("2026-12-02T10:00")
def test_a_notice_applied_to_the_only_record_of_a_published_listing_removes_it_from_the_public_list(policy, client):
    """Acceptance (Nanjing art. 59, Tianjin art. 43 para. 2, Dalian art. 43, Ningbo art. 43): a
    revocation notice applied to the only record of a published listing starts its removal by
    revocation; the public serious list (`sanctions:public_serious`) no longer shows it after
    the removal. The record is revoked (not deleted) with the notice as the reason."""
    world = case_factories.make_world()
    case = case_factories.ListingCasePublishedFactory(world=world)
    clerk = ClerkFactory()
    public = reverse("sanctions:public_serious")
    assert world.company.name in client.get(public).content.decode()

    notice = revocations.revocation_file(
        by=world.officer,
        subject=world.company,
        records=[world.record],
        kind=RevocationKind.REVOKED,
        document_number="（2026）苏01行终88号",
        document_date=D(2026, 11, 30),
        document_body=COURT,
        reason="判决撤销处罚决定",
    )
    revocations.revocation_apply(notice, by=clerk, reason="依告知撤销记录")

    notice.refresh_from_db()
    assert notice.status == RevocationStatus.APPLIED and notice.applied_on == D(2026, 12, 2)
    assert deadline_of(notice, K.REVOCATION_CHANGE).status == DeadlineStatus.MET
    world.record.refresh_from_db()
    assert world.record.status == RecordStatus.REVOKED
    assert notice.number in world.record.history.order_by("-history_id").first().history_change_reason
    case.refresh_from_db()
    assert case.status == CaseStatus.REMOVED and case.removal_reason == RemovalReason.REVOCATION
    assert case.removal_document == "（2026）苏01行终88号" and case.removed_on == D(2026, 12, 2)
    assert notice.number in case.history.order_by("-history_id").first().history_change_reason
    assert all(entry.record.status == RecordStatus.REVOKED for entry in case.entries.exclude(record=None))
    assert world.company.name not in client.get(public).content.decode()


@pytest.mark.today("2026-12-02T10:00")
def test_a_listing_that_rests_on_another_record_too_stays_for_its_agency(policy, client):
    """Only a listing left with no basis is removed; one that also rests on a record still in
    force stays, and the notice's page shows it to the clerk."""
    world = case_factories.make_world()
    second = RecordFactory(
        subject=world.company, item=world.record.item, provider=world.officer.organization, severity="serious"
    )
    case = case_factories.ListingCaseDraftFactory(world=world)
    from apps.sanctions import services as sanctions

    sanctions.case_update(case, by=world.officer, reason="补充依据", basis_records=[world.record, second])
    case = case_factories.decide_after_statement(world, case)
    clerk = ClerkFactory()
    notice = revocations.revocation_file(
        by=world.officer,
        subject=world.company,
        records=[world.record],
        kind=RevocationKind.UNLAWFUL,
        document_number="苏府复〔2026〕7号",
        document_date=D(2026, 12, 1),
        document_body="江苏省人民政府",
        reason="复议确认违法",
    )
    revocations.revocation_apply(notice, by=clerk, reason="依告知撤销记录")
    case.refresh_from_db()
    assert case.status == CaseStatus.DECIDED
    client.force_login(clerk)
    page = client.get(reverse("objections:revocation_detail", args=[notice.pk])).content.decode()
    assert f"#{case.pk}" in page


def test_a_changed_decision_corrects_the_record_with_the_notice_as_the_reason(world):
    """Tianjin art. 43, Ningbo art. 43 (变更): the record is corrected, not revoked; its history
    keeps the old values and names the notice."""
    old = world.record_a.document_number
    with on(D(2026, 11, 2)):
        notice = file_notice(
            world,
            kind=RevocationKind.CHANGED,
            document_date=D(2026, 10, 30),
            corrected_values={world.record_a.pk: {"document_number": "宁市监罚变〔2026〕3号", "severity": "minor"}},
        )
        revocations.revocation_apply(notice, by=world.clerk, reason="依告知变更记录")
    world.record_a.refresh_from_db()
    assert world.record_a.status == RecordStatus.ACTIVE
    assert (world.record_a.document_number, world.record_a.severity) == ("宁市监罚变〔2026〕3号", "minor")
    latest, before = world.record_a.history.order_by("-history_id")[:2]
    assert notice.number in latest.history_change_reason and before.document_number == old


def test_an_agency_officer_never_sees_another_agencys_notice(world, client):
    """Page 404, API 404, admin not found, absent from the lists; the clerk sees both."""
    mine = file_notice(world)
    theirs = file_notice(world, by=world.officer_b, records=[world.record_b])
    client.force_login(world.officer_a)
    assert client.get(reverse("objections:revocation_detail", args=[mine.pk])).status_code == 200
    assert client.get(reverse("objections:revocation_detail", args=[theirs.pk])).status_code == 404
    listed = client.get(reverse("objections:revocation_list")).content.decode()
    assert mine.number in listed and theirs.number not in listed
    admin = client.get(reverse("admin:objections_revocationnotice_change", args=[theirs.pk]))
    assert admin.status_code == 302 and admin.url == reverse("admin:index")
    api = APIClient()
    api.force_authenticate(world.officer_a)
    assert api.get(f"/api/v1/revocations/{theirs.pk}/").status_code == 404
    assert [n["number"] for n in api.get("/api/v1/revocations/").json()["results"]] == [mine.number]
    client.force_login(world.clerk)
    listed = client.get(reverse("objections:revocation_list")).content.decode()
    assert mine.number in listed and theirs.number in listed


def test_bad_input_names_the_field_and_writes_nothing(world):
    before = (RevocationNotice.objects.count(), Deadline.objects.count())
    cases = [
        ({"records": [world.record_b]}, "records"),  # provided by agency B
        ({"records": [world.other_record]}, "records"),  # agency A's, of another subject
        ({"records": []}, "records"),
        ({"document_number": " "}, "document_number"),
        ({"document_body": ""}, "document_body"),
        ({"kind": "withdrawn"}, "kind"),
        ({"kind": RevocationKind.CHANGED}, "corrected_values"),  # a change without its values
        (
            {"kind": RevocationKind.CHANGED, "corrected_values": {world.record_a.pk: {"status": "revoked"}}},
            "corrected_values",
        ),
        ({"corrected_values": {world.record_a.pk: {"document_number": "x"}}}, "corrected_values"),  # not a change
    ]
    for data, field in cases:
        with pytest.raises(ValidationError) as error:
            file_notice(world, **data)
        assert field in error.value.message_dict, (data, error.value.message_dict)
    with pytest.raises(ValidationError) as error:
        file_notice(world, document_date=D(2999, 1, 1))
    assert "document_date" in error.value.message_dict
    with pytest.raises(PermissionDenied):
        file_notice(world, by=world.clerk)
    assert (RevocationNotice.objects.count(), Deadline.objects.count()) == before

    notice = file_notice(world)
    with pytest.raises(ValidationError) as error:
        file_notice(world)  # the same record, while the first notice waits
    assert "records" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        revocations.revocation_return(notice, by=world.clerk, reason="退回", return_reason=" ")
    assert "return_reason" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        revocations.revocation_apply(notice, by=world.clerk, reason="")
    assert "reason" in error.value.message_dict
    notice.refresh_from_db()
    world.record_a.refresh_from_db()
    assert notice.status == RevocationStatus.FILED and world.record_a.status == RecordStatus.ACTIVE
    with pytest.raises(PermissionDenied):
        revocations.revocation_apply(notice, by=world.officer_a, reason="自行撤销")


def test_a_late_application_needs_its_reason(world):
    """Nanjing art. 59: 3 working days from the notice (filed Monday 11-02: due 11-05). Applied
    later, the step is refused without the reason, then recorded as late with it."""
    with on(D(2026, 11, 2)):
        notice = file_notice(world, document_date=D(2026, 10, 30))
    with on(D(2026, 11, 10)):
        with pytest.raises(ValidationError) as error:
            revocations.revocation_apply(notice, by=world.clerk, reason="撤销记录")
        assert "2026-11-05" in str(error.value.message_dict["late_reason"])
        world.record_a.refresh_from_db()
        assert world.record_a.status == RecordStatus.ACTIVE
        revocations.revocation_apply(notice, by=world.clerk, reason="撤销记录", late_reason="待核实判决生效")
    clock = deadline_of(notice, K.REVOCATION_CHANGE)
    assert (clock.status, clock.met_on) == (DeadlineStatus.MET_LATE, D(2026, 11, 10))
    assert notice.late_reason == "待核实判决生效"


def test_a_returned_notice_changes_nothing_and_stops_the_clock(world):
    notice = file_notice(world)
    revocations.revocation_return(notice, by=world.clerk, reason="退回", return_reason="该记录并非被撤销决定所依据")
    world.record_a.refresh_from_db()
    assert notice.status == RevocationStatus.RETURNED and world.record_a.status == RecordStatus.ACTIVE
    assert deadline_of(notice, K.REVOCATION_CHANGE).status == DeadlineStatus.CLOSED
    file_notice(world)  # the agency may file again


@pytest.mark.parametrize("state", RevocationStatus.values)
def test_every_step_from_every_state(world, state):
    """The table, walked: from each state only its steps are open to the clerk, the others are
    refused (409)."""
    notice = file_notice(world)
    if state == RevocationStatus.APPLIED:
        revocations.revocation_apply(notice, by=world.clerk, reason="撤销")
    elif state == RevocationStatus.RETURNED:
        revocations.revocation_return(notice, by=world.clerk, reason="退回", return_reason="非该记录")
    assert notice.status == state
    offered = {o.name for o in revocations.REVOCATION_CASE.offered(notice, world.clerk)}
    for _wf, _state, step in walk([revocations.REVOCATION_CASE]):
        if _state != state:
            continue
        if state in step.sources:
            assert step.name in offered
            continue
        assert step.name not in offered
        with pytest.raises(Conflict):
            revocations.REVOCATION_CASE.check(notice, step, by=world.clerk)
    assert not revocations.REVOCATION_CASE.offered(notice, world.officer_a)


def test_filing_and_applying_through_the_pages(world, client):
    """The agency files on its pages (its own records of the subject, a logged lookup); the clerk
    applies it on the notice's page, where the clocks are shown."""
    from apps.core.models import QueryLog

    client.force_login(world.officer_a)
    new = reverse("objections:revocation_new") + f"?identifier={world.subject.identifier}"
    page = client.get(new).content.decode()
    assert f"#{world.record_a.pk} " in page and f"#{world.record_b.pk} " not in page
    assert QueryLog.objects.filter(user=world.officer_a, subject_identifier=world.subject.identifier).exists()
    response = client.post(
        new,
        {
            "identifier": world.subject.identifier,
            "records": [str(world.record_a.pk)],
            "kind": RevocationKind.CHANGED,
            "document_number": "宁市监罚变〔2026〕5号",
            "document_date": "2026-03-02",
            "document_body": "南京市市场监督管理局",
            "corrections": f"{world.record_a.pk} severity: gravely",
            "reason": "自行更正",
        },
    )
    assert response.status_code == 200 and "corrections" in response.context["form"].errors
    response = client.post(
        new,
        {
            "identifier": world.subject.identifier,
            "records": [str(world.record_a.pk)],
            "kind": RevocationKind.CHANGED,
            "document_number": "宁市监罚变〔2026〕5号",
            "document_date": "2026-03-02",
            "document_body": "南京市市场监督管理局",
            # the field as the record page names it (its name is accepted too)
            "corrections": f"{world.record_a.pk} 文书号：宁市监罚〔2026〕105号\n#{world.record_a.pk} determined_on: 2026-02-27",
            "reason": "自行更正",
        },
    )
    notice = RevocationNotice.objects.get()
    assert response.status_code == 302 and response.url == reverse("objections:revocation_detail", args=[notice.pk])
    assert notice.agency == world.agency_a and notice.corrected_values == {
        str(world.record_a.pk): {"document_number": "宁市监罚〔2026〕105号", "determined_on": "2026-02-27"}
    }

    client.force_login(world.clerk)
    detail = client.get(response.url).content.decode()
    assert notice.number in detail and "宁市监罚〔2026〕105号" in detail and 'class="deadline' in detail
    step = reverse("objections:revocation_step", args=[notice.pk, "apply"])
    assert client.post(step, {"reason": "依告知更正"}).status_code == 302
    world.record_a.refresh_from_db()
    assert world.record_a.document_number == "宁市监罚〔2026〕105号"


def test_the_api_files_reads_and_applies(world):
    api = APIClient()
    api.force_authenticate(world.officer_a)
    body = {
        "subject_identifier": world.subject.identifier,
        "records": [world.record_a.pk],
        "kind": "revoked",
        "document_date": "2026-03-02",
        "document_body": COURT,
        "reason": "判决撤销",
    }
    response = api.post("/api/v1/revocations/", body, format="json")
    assert response.status_code == 400 and "document_number" in response.json()
    response = api.post(
        "/api/v1/revocations/", {**body, "records": [world.record_b.pk], "document_number": "x"}, format="json"
    )
    assert response.status_code == 400 and "records" in response.json()
    response = api.post("/api/v1/revocations/", {**body, "document_number": "（2026）苏01行终9号"}, format="json")
    assert response.status_code == 201, response.content
    notice = response.json()
    assert notice["status"] == "filed" and notice["steps"] == []
    assert {d["kind"] for d in notice["deadlines"]} == {K.REVOCATION_CHANGE, K.REVOCATION_AGENCY_NOTICE}
    assert api.post(f"/api/v1/revocations/{notice['id']}/apply/", {"reason": "x"}, format="json").status_code == 403

    api.force_authenticate(world.clerk)
    url = f"/api/v1/revocations/{notice['id']}/"
    assert api.get(url).json()["steps"] == ["apply", "return"]
    response = api.post(url + "return/", {"reason": "退回"}, format="json")
    assert response.status_code == 400 and "return_reason" in response.json()
    response = api.post(url + "apply/", {"reason": "依告知撤销"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "applied"
    assert api.post(url + "return/", {"reason": "退回", "return_reason": "x"}, format="json").status_code == 409
