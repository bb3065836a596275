"""Acceptance (issue 14 item 6): objections received by a credit service agency about information
it holds or produced (its credit report, its rating) — Tianjin art. 41 para. 2, Dalian art. 42
(last sentence), Ningbo art. 42 para. 3. The agency's staff record them, mark them and decide
(corrected / kept) within the Policy's service-agency days counted in working days from receipt;
the reply names the source of the information and, for a refusal to correct, the reasons.

Each agency's staff see only their own agency's objections (web, API, admin → 404 or nothing) and
none of the credit office's; the credit office's clerks and the authority see all."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from apps.core.choices import DeadlineKind, DeadlineStatus, DocumentKind
from apps.core.deadlines import deadlines_of
from apps.core.documents import documents_of
from apps.core.exceptions import Conflict
from apps.core.workbench import workbench_for
from apps.core.workflow import walk
from apps.objections import agency
from apps.objections.choices import AgencyObjectionStatus
from apps.objections.models import AgencyObjection
from tests.factories import AuthorityUserFactory, ClerkFactory, OfficerFactory
from tests.objections.factories import AgencyObjectionFactory, file_objection, make_world, receive_agency_objection
from tests.service_agencies.factories import AgencyStaffFactory

pytestmark = pytest.mark.django_db

D = datetime.date
MARK, DECISION = DeadlineKind.SERVICE_AGENCY_OBJECTION_MARK, DeadlineKind.SERVICE_AGENCY_OBJECTION_DECISION


def _clocks(objection) -> dict:
    return {clock.kind: clock for clock in deadlines_of(objection)}


def _marked(staff, **kwargs) -> AgencyObjection:
    objection = receive_agency_objection(staff, **kwargs)
    return agency.agency_objection_step(objection, "mark", by=staff, reason="作出异议标注")


# --- (1) Ningbo: the clocks ----------------------------------------------------------------------


@pytest.mark.today("2026-09-30T10:00")
def test_ningbo_received_on_09_30_is_marked_by_10_08_and_decided_by_10_13(settings, policy):
    """Ningbo art. 42 para. 3: a service agency marks the objection within one working day of
    receipt and decides within five; 10-01 to 10-07 are the National Day holiday and Saturday 10-10
    is a make-up working day, so 09-30 + 1 = 10-08 and 09-30 + 5 = 10-13."""
    settings.CREDIT_POLICY = "ningbo"
    objection = receive_agency_objection(AgencyStaffFactory())
    assert objection.received_on == D(2026, 9, 30)
    clocks = _clocks(objection)
    assert clocks[MARK].due_on == D(2026, 10, 8)
    assert clocks[DECISION].due_on == D(2026, 10, 13)
    assert "第四十二条第三款" in clocks[MARK].basis and "第四十二条第三款" in clocks[DECISION].basis
    assert clocks[MARK].policy_field == "service_agency_objection_mark_days"
    assert clocks[DECISION].policy_field == "service_agency_objection_decision_days"


@pytest.mark.today("2026-09-30T10:00")
def test_ningbo_the_clocks_count_from_receipt_and_are_met_by_the_steps(settings, policy):
    """Ningbo art. 42 para. 3: both periods run from the day the objection was received, not from
    the day it was recorded; marking meets the mark clock, the decision the decision clock."""
    settings.CREDIT_POLICY = "ningbo"
    staff = AgencyStaffFactory()
    objection = receive_agency_objection(staff, received_on=D(2026, 9, 29))
    assert _clocks(objection)[MARK].due_on == D(2026, 9, 30)
    agency.agency_objection_step(objection, "mark", by=staff, reason="标注")
    assert objection.status == AgencyObjectionStatus.MARKED and objection.marked_on == D(2026, 9, 30)
    agency.agency_objection_step(
        objection,
        "decide",
        by=staff,
        reason="决定",
        outcome="kept",
        source="本机构评级数据库",
        outcome_reason="核实无误",
    )
    clocks = _clocks(objection)
    assert clocks[MARK].status == DeadlineStatus.MET and clocks[DECISION].status == DeadlineStatus.MET


# --- (2) a decision "kept" without reasons is refused ----------------------------------------


def test_a_decision_kept_without_reasons_is_refused(policy):
    """Tianjin art. 41 para. 2, Dalian art. 42, Ningbo art. 42 para. 3: 作出不予更正决定的，应当说明理由."""
    staff = AgencyStaffFactory()
    objection = _marked(staff)
    with pytest.raises(ValidationError) as refused:
        agency.agency_objection_step(
            objection, "decide", by=staff, reason="决定", outcome="kept", source="本机构数据库", outcome_reason="  "
        )
    assert refused.value.message_dict["outcome_reason"] == [str(agency.MSG_KEPT_NEEDS_REASONS)]
    assert "理由" in str(agency.MSG_KEPT_NEEDS_REASONS)
    objection.refresh_from_db()
    assert objection.status == AgencyObjectionStatus.MARKED and objection.outcome == ""
    assert not documents_of(objection).exists()


def test_kept_without_reasons_is_refused_on_the_page_and_the_api(policy, client):
    """The same refusal, in Chinese, on the objection's page and as a 400 of the API."""
    staff = AgencyStaffFactory()
    objection = _marked(staff)
    client.force_login(staff)
    step = reverse("objections:agency_step", args=[objection.pk, "decide"])
    response = client.post(step, {"reason": "决定", "outcome": "kept", "source": "本机构数据库"}, follow=True)
    assert str(agency.MSG_KEPT_NEEDS_REASONS) in response.content.decode()
    api = APIClient()
    api.force_authenticate(staff)
    body = {"reason": "决定", "outcome": "kept", "source": "本机构数据库", "outcome_reason": ""}
    response = api.post(f"/api/v1/agencies/objections/{objection.pk}/decide/", body, format="json")
    assert response.status_code == 400 and str(agency.MSG_KEPT_NEEDS_REASONS) in response.content.decode()
    objection.refresh_from_db()
    assert objection.status == AgencyObjectionStatus.MARKED


# --- (3) who sees what --------------------------------------------------------------------------


@pytest.fixture
def two_agencies(policy):
    staff_a, staff_b = AgencyStaffFactory(), AgencyStaffFactory()
    return staff_a, staff_b, receive_agency_objection(staff_a), receive_agency_objection(staff_b)


def test_staff_of_a_never_see_bs_objections_on_the_web(client, two_agencies):
    staff_a, _staff_b, own, other = two_agencies
    client.force_login(staff_a)
    page = client.get(reverse("objections:agency_list"))
    assert page.status_code == 200
    assert own.number in page.content.decode() and other.number not in page.content.decode()
    assert client.get(reverse("objections:agency_detail", args=[other.pk])).status_code == 404
    assert client.get(reverse("objections:agency_reply", args=[other.pk])).status_code == 404
    step = reverse("objections:agency_step", args=[other.pk, "mark"])
    assert client.post(step, {"reason": "标注"}).status_code == 404
    other.refresh_from_db()
    assert other.status == AgencyObjectionStatus.RECEIVED
    assert client.get(reverse("objections:agency_detail", args=[own.pk])).status_code == 200


def test_staff_of_a_never_see_bs_objections_on_the_api(two_agencies):
    staff_a, _staff_b, own, other = two_agencies
    api = APIClient()
    api.force_authenticate(staff_a)
    listed = api.get("/api/v1/agencies/objections/").json()["results"]
    assert [row["id"] for row in listed] == [own.pk]
    assert api.get(f"/api/v1/agencies/objections/{other.pk}/").status_code == 404
    response = api.post(f"/api/v1/agencies/objections/{other.pk}/mark/", {"reason": "标注"}, format="json")
    assert response.status_code == 404
    assert api.get(f"/api/v1/agencies/objections/{own.pk}/").status_code == 200


def test_staff_of_a_never_see_bs_objections_in_the_admin(client, two_agencies):
    staff_a, _staff_b, own, other = two_agencies
    client.force_login(staff_a)
    listing = client.get(reverse("admin:objections_agencyobjection_changelist"))
    assert listing.status_code == 200
    assert own.number in listing.content.decode() and other.number not in listing.content.decode()
    response = client.get(reverse("admin:objections_agencyobjection_change", args=[other.pk]))
    assert response.status_code == 302 and response.url == reverse("admin:index")
    assert client.get(reverse("admin:objections_agencyobjection_change", args=[own.pk])).status_code == 200


def test_agency_staff_never_see_the_credit_offices_objections(client, policy):
    """An objection filed with the credit office is about the platform's credit file: agency
    staff see no such objection, on any page or endpoint."""
    world = make_world()
    office_objection = file_objection(world)
    staff = AgencyStaffFactory()
    client.force_login(staff)
    assert client.get(reverse("objections:list")).status_code == 403
    assert client.get(reverse("objections:detail", args=[office_objection.pk])).status_code == 404
    api = APIClient()
    api.force_authenticate(staff)
    assert api.get("/api/v1/objections/").status_code == 403
    assert api.get(f"/api/v1/objections/{office_objection.pk}/").status_code in (403, 404)
    assert client.get(reverse("admin:objections_objection_changelist")).status_code in (302, 403)
    # and the office's own list does not mix the agencies' objections in
    client.force_login(world.clerk)
    receive_agency_objection(staff)
    assert client.get(reverse("objections:list")).context["page"].paginator.count == 1


def test_a_clerk_and_the_authority_see_every_agencys_objections_but_take_no_step(client, two_agencies):
    _staff_a, _staff_b, own, other = two_agencies
    for user in (ClerkFactory(), AuthorityUserFactory()):
        client.force_login(user)
        page = client.get(reverse("objections:agency_list")).content.decode()
        assert own.number in page and other.number in page
        assert client.get(reverse("objections:agency_detail", args=[other.pk])).status_code == 200
        api = APIClient()
        api.force_authenticate(user)
        assert {row["id"] for row in api.get("/api/v1/agencies/objections/").json()["results"]} == {own.pk, other.pk}
        assert agency.AGENCY_OBJECTION_CASE.offered(other, user) == []
        with pytest.raises(PermissionDenied):
            agency.agency_objection_step(other, "mark", by=user, reason="越权")


def test_an_officer_of_a_providing_agency_sees_none(client, two_agencies):
    _staff_a, _staff_b, own, _other = two_agencies
    client.force_login(OfficerFactory())
    assert client.get(reverse("objections:agency_list")).status_code == 403
    assert client.get(reverse("objections:agency_detail", args=[own.pk])).status_code == 404


def test_only_agency_staff_record_an_objection(policy):
    for user in (ClerkFactory(), OfficerFactory(), AuthorityUserFactory()):
        with pytest.raises(PermissionDenied):
            receive_agency_objection(user)
    assert not AgencyObjection.objects.exists()


# --- (4) Tianjin, Dalian: the reply with the source, reasons for a refusal ------------------


@pytest.mark.today("2026-12-02T10:00")  # a Wednesday: due the same working day
@pytest.mark.parametrize(("city", "article"), [("tianjin", "第四十一条第二款"), ("dalian", "第四十二条")])
def test_tianjin_dalian_mark_on_receipt_and_reply_with_the_source_and_the_reasons(settings, policy, city, article):
    """Tianjin art. 41 para. 2, Dalian art. 42: 信用服务机构收到异议申请后，应当作出异议标注，并及时
    将处理结果和信息来源书面告知异议申请人；作出不予更正决定的，应当说明理由. The mark is due on the
    day of receipt (0 working days); the reply (issued once, stored) names the source and the reasons."""
    settings.CREDIT_POLICY = city
    staff = AgencyStaffFactory()
    objection = receive_agency_objection(staff)
    clocks = _clocks(objection)
    assert clocks[MARK].due_on == objection.received_on and article in clocks[MARK].basis
    agency.agency_objection_step(objection, "mark", by=staff, reason="收到即标注")
    agency.agency_objection_step(
        objection,
        "decide",
        by=staff,
        reason="核查后决定",
        outcome="kept",
        source="市市场监督管理局公示的行政处罚决定书",
        outcome_reason="经核对原始决定书，报告所载处罚信息准确",
    )
    assert objection.status == AgencyObjectionStatus.DECIDED
    issued = documents_of(objection, DocumentKind.OBJECTION_REPLY)
    assert issued.count() == 1
    html = issued.get().html_text()
    assert "市市场监督管理局公示的行政处罚决定书" in html
    assert "经核对原始决定书，报告所载处罚信息准确" in html
    assert objection.report_number in html and staff.organization.name in html
    # issued once: no step leaves the decided state
    with pytest.raises(Conflict):
        agency.agency_objection_step(objection, "decide", by=staff, reason="再次", outcome="corrected", source="x")
    assert documents_of(objection).count() == 1


@pytest.mark.parametrize("city", ["tianjin", "dalian"])
def test_a_correction_names_the_source_and_what_was_corrected(settings, policy, client, city):
    settings.CREDIT_POLICY = city
    staff = AgencyStaffFactory()
    objection = _marked(staff)
    with pytest.raises(ValidationError) as refused:
        agency.agency_objection_step(objection, "decide", by=staff, reason="决定", outcome="corrected", source="")
    assert set(refused.value.message_dict) == {"source", "correction"}
    agency.agency_objection_step(
        objection,
        "decide",
        by=staff,
        reason="决定",
        outcome="corrected",
        source="申请人提交的完税证明",
        correction="删除报告第3页所载欠税记录，评级由BB调整为BBB",
    )
    client.force_login(staff)
    reply = client.get(reverse("objections:agency_reply", args=[objection.pk]))
    assert reply.status_code == 200
    body = reply.content.decode()
    assert "申请人提交的完税证明" in body and "评级由BB调整为BBB" in body


def test_a_late_decision_says_why(settings, policy):
    """A decision after the Policy's days is allowed and recorded as late, with the reason."""
    staff = AgencyStaffFactory()
    objection = _marked(staff, received_on=timezone.localdate() - datetime.timedelta(days=30))
    data = {"outcome": "kept", "source": "本机构数据库", "outcome_reason": "准确"}
    with pytest.raises(ValidationError) as refused:
        agency.agency_objection_step(objection, "decide", by=staff, reason="决定", **data)
    assert "late_reason" in refused.value.message_dict
    agency.agency_objection_step(objection, "decide", by=staff, reason="决定", late_reason="材料核查耗时", **data)
    assert _clocks(objection)[DECISION].status == DeadlineStatus.MET_LATE


# --- recording, the workbench, the API flow, the table ------------------------------------------


def test_recording_checks_each_field_in_chinese_and_writes_nothing(policy):
    staff = AgencyStaffFactory()
    with pytest.raises(ValidationError) as refused:
        receive_agency_objection(
            staff, applicant_name="", report_number="", information="", grounds=["nonsense"], statement=""
        )
    assert set(refused.value.message_dict) >= {"applicant_name", "report_number", "information", "grounds", "statement"}
    with pytest.raises(ValidationError) as refused:
        receive_agency_objection(staff, received_on=timezone.localdate() + datetime.timedelta(days=1))
    assert "received_on" in refused.value.message_dict
    assert not AgencyObjection.objects.exists()


def test_the_agencys_workbench_shows_its_objection_to_mark_then_to_decide(policy):
    staff, other_staff = AgencyStaffFactory(), AgencyStaffFactory()
    objection = receive_agency_objection(staff)
    today = objection.received_on
    horizon = today + datetime.timedelta(days=60)

    def kinds(user):
        board = workbench_for(user, today=today, due_to=horizon)
        return {item.kind for group in board.groups for item in group.items if item.owner == objection}

    assert kinds(staff) == {MARK, DECISION}
    assert kinds(other_staff) == set()
    assert kinds(ClerkFactory()) == {MARK, DECISION}
    agency.agency_objection_step(objection, "mark", by=staff, reason="标注")
    assert kinds(staff) == {DECISION}


def test_the_api_records_marks_and_decides(policy):
    staff = AgencyStaffFactory()
    api = APIClient()
    api.force_authenticate(staff)
    body = {
        "applicant_name": "南京某某建设有限公司",
        "applicant_contact": "025-88888888",
        "report_number": "CXPJ-2026-0137",
        "information": "评级报告第3页所列的欠税记录",
        "grounds": ["error"],
        "statement": "欠税已于报告出具前缴清",
        "reason": "收到异议申请",
    }
    created = api.post("/api/v1/agencies/objections/", body, format="json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["steps"] == ["mark"] and created.json()["agency"] == staff.organization_id
    assert api.post(f"/api/v1/agencies/objections/{pk}/mark/", {"reason": "标注"}, format="json").status_code == 200
    decided = api.post(
        f"/api/v1/agencies/objections/{pk}/decide/",
        {"reason": "决定", "outcome": "corrected", "source": "完税证明", "correction": "删除欠税记录"},
        format="json",
    )
    assert decided.status_code == 200 and decided.json()["status"] == "decided"
    assert api.post(f"/api/v1/agencies/objections/{pk}/mark/", {"reason": "再标注"}, format="json").status_code == 409
    assert api.get("/api/v1/agencies/objections/", {"status": "nonsense"}).status_code == 400


def test_the_page_records_an_objection(policy, client):
    staff = AgencyStaffFactory()
    client.force_login(staff)
    assert client.get(reverse("objections:agency_new")).status_code == 200
    response = client.post(
        reverse("objections:agency_new"),
        {
            "applicant_name": "张三",
            "applicant_contact": "13800000000",
            "report_number": "XYBG-2026-0001",
            "information": "信用报告所载逾期记录",
            "grounds": ["error"],
            "statement": "该笔贷款已按期归还",
            "received_on": timezone.localdate().isoformat(),
            "reason": "窗口收到异议申请",
        },
    )
    objection = AgencyObjection.objects.get()
    assert response.status_code == 302 and response.url == reverse("objections:agency_detail", args=[objection.pk])
    assert objection.agency == staff.organization and objection.history.count() == 1
    client.force_login(ClerkFactory())
    assert client.get(reverse("objections:agency_new")).status_code == 403


@pytest.mark.parametrize(
    ("workflow", "state", "step"), walk([agency.AGENCY_OBJECTION_CASE]), ids=lambda v: getattr(v, "name", str(v))
)
def test_every_state_and_step(policy, workflow, state, step):
    """Walked from the table: a step from a state it does not list is a 409 that changes nothing;
    from a state it lists, it is offered to the agency's own staff and to nobody else."""
    objection = AgencyObjectionFactory(status=state)
    staff = AgencyStaffFactory(organization=objection.agency)
    before = objection.history.count()
    data = {"decide": {"outcome": "kept", "source": "数据库", "outcome_reason": "准确"}}.get(step.name, {})
    if state not in step.sources:
        with pytest.raises(Conflict):
            workflow.transition(objection, step.name, by=staff, reason="按表逐步检查", **data)
        objection.refresh_from_db()
        assert (objection.status, objection.history.count()) == (state, before)
        return
    assert step.name in {offer.name for offer in workflow.offered(objection, staff)}
    for other in (AgencyStaffFactory(), OfficerFactory(), ClerkFactory(), AuthorityUserFactory()):
        assert workflow.offered(objection, other) == []
    workflow.transition(objection, step.name, by=staff, reason="按表逐步检查", **data)
    assert objection.status == step.target and objection.history.count() == before + 1
