"""Objections (异议): the clocks of every step under each city's rules, the mark, the decision's
effect on the records, who sees what, and bad input."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.core.choices import DeadlineKind, DeadlineStatus
from apps.core.deadlines import deadline_of
from apps.core.exceptions import Conflict
from apps.core.selectors import active_policy
from apps.core.workflow import walk
from apps.objections import services
from apps.objections.choices import ObjectionStatus, Outcome
from apps.objections.models import Objection
from apps.subjects.choices import RecordStatus
from apps.subjects.models import CreditRecord
from tests.objections import factories

D = dt.date
K = DeadlineKind
pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def world(policy):
    return factories.make_world()


def _due(objection, kind):
    clock = deadline_of(objection, kind)
    return None if clock is None else (clock.due_on, clock.due_estimated)


# Working days after Wednesday 2026-09-30: 10-08, 10-09, 10-10 (make-up Saturday), 10-12, 10-13, …
# (National Day and Mid-Autumn 10-01…10-07). After 2026-12-30: 12-31, then 2027 (not published
# yet: New Year's Day off by the statutory rule, estimated): 01-04, 01-05, 01-06, 01-07 …
RECEIVED_0930 = {
    # city: (mark, own decision, forward, overall when forwarded)
    "nanjing": (D(2026, 10, 8), D(2026, 10, 27), D(2026, 10, 9), D(2026, 10, 27)),  # art. 58: 1 / 15 overall
    "tianjin": (D(2026, 9, 30), D(2026, 10, 10), D(2026, 10, 9), D(2026, 10, 20)),  # art. 41: receipt / 3 / 10
    "dalian": (D(2026, 9, 30), D(2026, 10, 10), D(2026, 10, 10), None),  # art. 42: receipt / check 3
    "ningbo": (D(2026, 9, 30), D(2026, 10, 13), D(2026, 10, 9), None),  # art. 42: same day / 5 / forward 2
    "zhangye": (D(2026, 9, 30), D(2026, 10, 10), D(2026, 10, 9), None),  # provincial rule: the presets' common figures
}
RECEIVED_1230 = {
    "nanjing": (D(2026, 12, 31), D(2027, 1, 21), D(2027, 1, 4), D(2027, 1, 21)),
    "tianjin": (D(2026, 12, 30), D(2027, 1, 5), D(2027, 1, 4), D(2027, 1, 14)),
    "dalian": (D(2026, 12, 30), D(2027, 1, 5), D(2027, 1, 5), None),
    "ningbo": (D(2026, 12, 30), D(2027, 1, 7), D(2027, 1, 4), None),
    "zhangye": (D(2026, 12, 30), D(2027, 1, 5), D(2027, 1, 4), None),
}


@pytest.mark.parametrize("city", sorted(RECEIVED_0930))
@pytest.mark.parametrize(
    "received, expected", [(D(2026, 9, 30), RECEIVED_0930), (D(2026, 12, 30), RECEIVED_1230)], ids=["0930", "1230"]
)
def test_the_due_date_of_each_step_under_each_preset(world, settings, city, received, expected, today_is):
    """Nanjing art. 58, Tianjin art. 41, Dalian art. 42, Ningbo art. 42: the mark, the office's
    own decision, the forwarding and (where the city has one) the overall limit, in working
    days from receipt. Across the National Day holiday the days off do not count; into 2027,
    whose schedule is not published, the due date is estimated, never an error."""
    settings.CREDIT_POLICY = city
    today_is(received)
    mark, decision, forward, overall = expected[city]
    objection = factories.accepted(world, received_on=received)
    assert _due(objection, K.OBJECTION_MARK)[0] == mark
    assert _due(objection, K.OBJECTION_DECISION) == (decision, decision.year == 2027)
    assert _due(objection, K.OBJECTION_FORWARD) == (forward, forward.year == 2027)
    assert deadline_of(objection, K.OBJECTION_MARK).status == DeadlineStatus.MET
    services.objection_step(objection, "forward", by=world.clerk, reason="转核查", agency=world.agency_a)
    assert _due(objection, K.OBJECTION_OVERALL) == (None if overall is None else (overall, overall.year == 2027))
    assert deadline_of(objection, K.OBJECTION_DECISION).status == DeadlineStatus.CLOSED
    answer = deadline_of(objection, K.OBJECTION_ANSWER)
    assert answer.started_on == received and answer.figure == active_policy().objection_agency_answer_days


@pytest.fixture
def today_is(monkeypatch):
    """The platform's "today" (`timezone.localdate()`) for the rest of the test."""
    from django.utils import timezone

    real = timezone.localdate

    def set_today(day):
        monkeypatch.setattr(
            timezone, "localdate", lambda value=None, tz=None: day if value is None else real(value, tz)
        )

    return set_today


def test_tianjin_pauses_for_an_expert_review_nanjing_refuses(world, settings, today_is):
    """Tianjin art. 41: time for testing, inspection or expert review does not count — a pause of
    4 working days moves the overall due date by exactly 4 working days. Nanjing has no such
    rule: the pause step is refused, naming the policy."""
    today_is(D(2026, 11, 2))
    nanjing = factories.forwarded(world, received_on=D(2026, 11, 2))
    assert "pause" not in [s.name for s in services.OBJECTION_CASE.allowed_steps(nanjing, world.clerk)]
    with pytest.raises(Conflict, match="南京"):
        services.objection_step(nanjing, "pause", by=world.clerk, reason="专家评审", why="专家评审")

    settings.CREDIT_POLICY = "tianjin"
    objection = factories.forwarded(world, received_on=D(2026, 11, 2))
    before = _due(objection, K.OBJECTION_OVERALL)[0]
    assert before == D(2026, 11, 16)  # 10 working days from 11-02
    today_is(D(2026, 11, 4))
    services.objection_step(
        objection, "pause", by=world.clerk, reason="送专家评审", why="专家评审", start=D(2026, 11, 4)
    )
    assert deadline_of(objection, K.OBJECTION_OVERALL).status == DeadlineStatus.PAUSED
    assert deadline_of(objection, K.OBJECTION_FORWARD).status == DeadlineStatus.MET  # already met: untouched
    today_is(D(2026, 11, 10))
    # paused 11-04 … 11-09: Wed, Thu, Fri, Mon = 4 working days
    services.objection_step(objection, "resume", by=world.clerk, reason="评审完毕", end=D(2026, 11, 9))
    assert _due(objection, K.OBJECTION_OVERALL)[0] == D(2026, 11, 20)  # 11-16 + 4 working days


@pytest.mark.today("2026-12-02T10:00")  # the factories' records are disclosed until 2027-03-01
def test_a_marked_record_is_under_objection_everywhere_and_cannot_found_a_listing(world, client):
    """Nanjing art. 58 (异议标注); DESIGN.md section 6: a record under objection is shown as such
    wherever it is disclosed, and cannot be the basis of a new listing case."""
    from apps.sanctions import services as sanctions

    objection = factories.file_objection(world)
    world.record_a.refresh_from_db()
    assert not world.record_a.under_objection  # received is not accepted: nothing marked yet
    services.objection_step(objection, "accept", by=world.clerk, reason="受理")
    world.record_a.refresh_from_db()
    assert world.record_a.under_objection and world.record_a.status == RecordStatus.ACTIVE
    with pytest.raises(ValidationError):
        sanctions.case_open(
            by=world.officer_a,
            list_type="serious",
            subject=world.subject,
            facts="事实",
            legal_basis="依据",
            basis_records=[world.record_a],
            reason="立案",
        )
    client.force_login(world.clerk)
    body = client.get(f"/api/v1/records/{world.record_a.pk}/").json()
    assert body["under_objection"] is True
    from apps.core.choices import QueryChannel, QueryMode, QueryPurpose
    from apps.core.querylog import LookupRequest
    from apps.subjects.reports import credit_report_issue

    lookup = LookupRequest(
        user=world.clerk, mode=QueryMode.GOVERNMENT, purpose=QueryPurpose.OBJECTION_PROCESSING, channel=QueryChannel.WEB
    )
    _report, html = credit_report_issue(lookup, world.subject)
    assert "mark-objection" in html


def test_kept_deleted_corrected(world):
    """After "kept" the record is active and unmarked; after "deleted" it leaves disclosure
    (revoked: nothing is physically deleted); after "corrected" its history has the old and the
    new values with the objection as the reason."""
    kept = factories.decided(world, outcome=Outcome.KEPT)
    world.record_a.refresh_from_db()
    assert world.record_a.status == RecordStatus.ACTIVE and not world.record_a.under_objection
    assert kept.status == ObjectionStatus.DECIDED

    deleted = factories.decided(world, outcome=Outcome.DELETED, records=[world.record_b])
    world.record_b.refresh_from_db()
    assert world.record_b.status == RecordStatus.REVOKED and not world.record_b.under_objection
    assert CreditRecord.objects.filter(pk=world.record_b.pk).exists()
    assert deleted.number in world.record_b.history.first().history_change_reason

    objection = factories.answered(world, answer=Outcome.CORRECTED)
    old_number = world.record_a.document_number
    services.objection_step(
        objection,
        "decide",
        by=world.clerk,
        reason="更正",
        outcome=Outcome.CORRECTED,
        outcome_reason="文书号录入错误",
        corrections={world.record_a.pk: {"document_number": "宁市监罚〔2026〕999号"}},
    )
    world.record_a.refresh_from_db()
    assert world.record_a.document_number == "宁市监罚〔2026〕999号"
    rows = list(world.record_a.history.order_by("history_id"))
    changed = next(
        r for r in rows if r.document_number == "宁市监罚〔2026〕999号" and objection.number in r.history_change_reason
    )
    assert changed.prev_record.document_number == old_number


def test_an_agency_sees_only_what_was_forwarded_to_it(world, client):
    """An officer of agency A never sees an objection about B's record nor one forwarded to B
    (page 404, API 404) and answers only what was forwarded to A."""
    to_b = factories.forwarded(world, records=[world.record_b], agency=world.agency_b)
    not_forwarded = factories.accepted(world, records=[world.record_b])
    client.force_login(world.officer_a)
    for objection in (to_b, not_forwarded):
        assert client.get(reverse("objections:detail", args=[objection.pk])).status_code == 404
    assert client.get(reverse("objections:list")).content.decode().count(to_b.number) == 0
    with pytest.raises(PermissionDenied):
        services.objection_step(to_b, "answer", by=world.officer_a, reason="x", answer="kept", answer_reason="x")
    to_a = factories.forwarded(world)
    assert client.get(reverse("objections:detail", args=[to_a.pk])).status_code == 200
    client.force_login(world.officer_b)
    assert client.get(reverse("objections:detail", args=[to_a.pk])).status_code == 404


def test_bad_input_names_the_field_and_writes_nothing(world, settings):
    before = Objection.objects.count()
    with pytest.raises(ValidationError) as error:
        factories.file_objection(world, records=[world.other_record])
    assert "records" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        factories.file_objection(world, evidence=[SimpleUploadedFile("证据.pdf", b"MZ\x90\x00 not a pdf")])
    assert "evidence" in error.value.message_dict
    settings.UPLOAD_MAX_BYTES = 64
    with pytest.raises(ValidationError) as error:
        factories.file_objection(world, evidence=[SimpleUploadedFile("证据.pdf", PDF + b" " * 100)])
    assert "evidence" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        factories.file_objection(world, grounds=["because"])
    assert "grounds" in error.value.message_dict
    assert Objection.objects.count() == before
    objection = factories.answered(world)
    with pytest.raises(ValidationError) as error:
        services.objection_step(objection, "decide", by=world.clerk, reason="处理", outcome="kept", outcome_reason=" ")
    assert "outcome_reason" in error.value.message_dict
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.ANSWERED


def test_a_late_decision_is_allowed_with_its_reason(world, today_is):
    """A decision after its due date is allowed, recorded as late with the reason."""
    today_is(D(2026, 11, 2))
    objection = factories.accepted(world, received_on=D(2026, 11, 2))
    today_is(D(2026, 12, 1))  # Nanjing: 15 working days from 11-02 is 11-23
    with pytest.raises(ValidationError) as error:
        services.objection_step(
            objection, "decide", by=world.clerk, reason="处理", outcome="kept", outcome_reason="准确"
        )
    assert "2026-11-23" in str(error.value.message_dict["late_reason"])
    services.objection_step(
        objection,
        "decide",
        by=world.clerk,
        reason="处理",
        outcome="kept",
        outcome_reason="准确",
        late_reason="材料补正",
    )
    clock = deadline_of(objection, K.OBJECTION_DECISION)
    assert clock.status == DeadlineStatus.MET_LATE and objection.late_reason == "材料补正"


def test_refusal_and_reply_are_issued_documents(world, client):
    refused = factories.refused(world)
    assert refused.status == ObjectionStatus.REFUSED
    assert all(not d.running for d in refused.deadlines.all())
    done = factories.closed(world)
    client.force_login(world.clerk)
    page = client.get(reverse("objections:reply", args=[done.pk])).content.decode()
    assert done.number in page and "经提供单位核查" in page and world.agency_a.name in page
    again = client.get(reverse("objections:reply", args=[done.pk])).content.decode()
    assert again == page
    assert deadline_of(done, K.OBJECTION_INFORM).status == DeadlineStatus.MET


@pytest.mark.parametrize("state", ObjectionStatus.values)
def test_every_step_from_every_state(world, state):
    """The table, walked: from each state only its steps are open to the clerk; the others
    are refused with 409 (or 403 for the agency's answer)."""
    build = {
        ObjectionStatus.RECEIVED: factories.file_objection,
        ObjectionStatus.MARKED: factories.accepted,
        ObjectionStatus.FORWARDED: factories.forwarded,
        ObjectionStatus.ANSWERED: factories.answered,
        ObjectionStatus.DECIDED: factories.decided,
        ObjectionStatus.CLOSED: factories.closed,
        ObjectionStatus.REFUSED: factories.refused,
    }[state]
    objection = build(world)
    assert objection.status == state
    offered = {o.name for o in services.OBJECTION_CASE.offered(objection, world.clerk)}
    for _wf, _state, step in walk([services.OBJECTION_CASE]):
        if _state != state:
            continue
        if state in step.sources and step.rule(objection, world.clerk):
            assert step.name in offered
            continue
        assert step.name not in offered
        with pytest.raises((Conflict, PermissionDenied)):
            services.OBJECTION_CASE.check(objection, step, by=world.clerk)


def test_the_workbench_shows_an_objection_due_then_done(world, client, today_is):
    """Issue 12 item 5: the objection's clocks are on the clerk's workbench while running and
    leave it once met; the agency's officer sees its answer clock and nobody else's."""
    from apps.core.workbench import workbench_for

    today_is(D(2026, 11, 2))
    objection = factories.forwarded(world, received_on=D(2026, 11, 2))

    def items(user):
        board = workbench_for(user, today=D(2026, 11, 2), due_to=D(2026, 12, 31))
        return [(item.owner.pk, item.deadline.kind) for group in board.groups for item in group.items]

    assert (objection.pk, K.OBJECTION_ANSWER) in items(world.officer_a)
    assert items(world.officer_b) == []
    services.objection_step(objection, "answer", by=world.officer_a, reason="回复", answer="kept", answer_reason="准确")
    assert (objection.pk, K.OBJECTION_ANSWER) not in items(world.clerk)
    assert (objection.pk, K.OBJECTION_OVERALL) in items(world.clerk)


def test_the_timeline_has_one_line_per_step(world):
    from apps.objections.selectors import timeline

    objection = factories.closed(world)
    assert [entry.reason for entry in timeline(objection)] == [
        "窗口受理异议申请",
        "受理并标注",
        "转提供单位核查",
        "核查回复",
        "作出处理",
        "告知申请人",
    ]


def test_dalian_tells_the_applicant_within_two_working_days_of_the_answer(world, settings, today_is):
    """Dalian art. 42: the office tells the applicant within 2 working days of the agency's
    answer; Nanjing (no separate figure, art. 58) tells with the decision, the same day."""
    settings.CREDIT_POLICY = "dalian"
    today_is(D(2026, 11, 2))
    objection = factories.forwarded(world, received_on=D(2026, 11, 2))
    today_is(D(2026, 11, 4))
    services.objection_step(objection, "answer", by=world.officer_a, reason="回复", answer="kept", answer_reason="准确")
    today_is(D(2026, 11, 5))
    services.objection_step(objection, "decide", by=world.clerk, reason="处理", outcome="kept", outcome_reason="准确")
    inform = deadline_of(objection, K.OBJECTION_INFORM)
    assert (inform.started_on, inform.due_on) == (D(2026, 11, 4), D(2026, 11, 6))

    settings.CREDIT_POLICY = "nanjing"
    decided = factories.decided(world, received_on=D(2026, 11, 2))
    inform = deadline_of(decided, K.OBJECTION_INFORM)
    assert (inform.started_on, inform.due_on) == (D(2026, 11, 5), D(2026, 11, 5))


def test_the_agency_is_told_of_a_forwarded_objection_and_the_office_of_a_direct_one(world):
    from apps.core.models import Notification

    objection = factories.forwarded(world)
    assert list(Notification.objects.filter(recipient=world.officer_a).values_list("link", flat=True)) == [
        reverse("objections:detail", args=[objection.pk])
    ]
    assert not Notification.objects.filter(recipient=world.officer_b).exists()
    direct = services.objection_file(
        by=world.officer_b,
        subject=world.subject,
        records=[world.record_b],
        grounds=["error"],
        statement="向本单位提出",
        applicant_name="李某",
        applicant_contact="139",
        channel="window",
        reason="收到异议",
    )
    assert direct.channel == "direct" and direct.handler == world.agency_b
    assert Notification.objects.filter(recipient=world.clerk, message__contains=direct.number).exists()
    assert deadline_of(direct, K.OBJECTION_DIRECT).figure == 5  # Dalian art. 42 figure in every preset


def test_a_correction_of_a_date_is_stored_with_the_decision(world, client):
    """The web form gives dates as dates: the decision stores them (JSON with Django's encoder)."""
    objection = factories.answered(world, answer=Outcome.CORRECTED)
    client.force_login(world.clerk)
    response = client.post(
        reverse("objections:step", args=[objection.pk, "decide"]),
        {
            "outcome": "corrected",
            "outcome_reason": "认定日期录入错误",
            "correct_record": str(world.record_a.pk),
            "determined_on": "2026-03-02",
            "reason": "更正",
        },
    )
    assert response.status_code == 302
    objection.refresh_from_db()
    world.record_a.refresh_from_db()
    assert objection.status == ObjectionStatus.DECIDED
    assert objection.corrected_values == {str(world.record_a.pk): {"determined_on": "2026-03-02"}}
    assert world.record_a.determined_on == D(2026, 3, 2)


def test_filing_through_the_api_is_a_logged_lookup_and_does_not_tell_which_records_exist(world):
    """DESIGN.md section 4: reading a subject's file is logged, on the API as on the pages. An
    unknown record id and another subject's record get the same answer."""
    from rest_framework.test import APIClient

    from apps.core.models import QueryLog

    client = APIClient()
    client.force_authenticate(world.clerk)
    body = {
        "subject_identifier": world.subject.identifier,
        "grounds": ["error"],
        "statement": "有误",
        "applicant_name": "张经办",
        "applicant_contact": "138",
        "reason": "来信受理",
    }
    before = QueryLog.objects.count()
    other = client.post("/api/v1/objections/", {**body, "records": [world.other_record.pk]}, format="json")
    unknown = client.post("/api/v1/objections/", {**body, "records": [999999]}, format="json")
    assert other.status_code == unknown.status_code == 400
    assert other.json()["records"][0].replace(str(world.other_record.pk), "N") == unknown.json()["records"][0].replace(
        "999999", "N"
    )
    filed = client.post("/api/v1/objections/", {**body, "records": [world.record_a.pk]}, format="json")
    assert filed.status_code == 201, filed.content
    logged = QueryLog.objects.order_by("-id")[: QueryLog.objects.count() - before]
    assert len(logged) == 3 and {row.channel for row in logged} == {"api"}
    assert {row.purpose for row in logged} == {"objection_processing"}
    assert Objection.objects.filter(subject=world.subject).count() == 1
