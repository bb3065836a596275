"""Statutory clocks (`apps.core.deadlines`): what they count, when they are met, paused, late,
recomputed, and that the workflows open and meet them through their tables."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from apps.core.audit import audited_save
from apps.core.choices import DeadlineKind, DeadlineStatus
from apps.core.deadlines import (
    CLOCKS,
    ClockRule,
    deadline_close,
    deadline_meet,
    deadline_open,
    deadline_pause,
    deadline_resume,
    deadlines_due,
)
from apps.core.exceptions import Conflict
from apps.core.models import Deadline
from apps.sanctions.choices import CaseStatus, ListType
from apps.sanctions.models import ListingCase
from tests.factories import OrganizationFactory
from tests.subjects.factories import CompanyFactory

D = dt.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def today_is():
    """Move the whole clock to a day (10:00 in Shanghai) for the rest of the test. Tests start
    on their first day through `@pytest.mark.today`, so the cases they file are filed then."""
    travels = []

    def move(day):
        moment = dt.datetime.combine(day, dt.time(10), tzinfo=ZoneInfo("Asia/Shanghai"))
        travels.append(time_machine.travel(moment, tick=False))
        travels[-1].start()

    yield move
    for travel in reversed(travels):
        travel.stop()


@pytest.fixture
def world(policy):
    from tests.sanctions.factories import make_world

    return make_world()


def _file(world):
    from tests.sanctions.factories import ListingCaseDraftFactory

    return ListingCaseDraftFactory(world=world)


def _case(status=CaseStatus.NOTICE_ISSUED, list_type=ListType.SERIOUS):
    case = ListingCase(
        list_type=list_type,
        subject=CompanyFactory(),
        deciding_org=OrganizationFactory(),
        status=status,
        facts="事实",
        legal_basis="依据",
    )
    return audited_save(case, by=None, reason="test case")


@pytest.mark.today("2026-12-28T10:00")
def test_a_clock_copies_its_figure_and_basis_from_the_policy(policy, today_is):
    """Nanjing art. 43 via the preset: 5 working days from the delivery, the basis beside it.
    From 2026-12-28 the fifth working day is 2027-01-05 (New Year's Day off), estimated while
    2027's schedule is not published."""
    today_is(D(2026, 12, 28))
    case = _case()
    clock = deadline_open(case, DeadlineKind.STATEMENT, start=D(2026, 12, 28), by=None, reason="送达")
    assert (clock.figure, clock.unit, clock.policy_field) == (5, "working_days", "listing_statement_days")
    assert clock.basis == policy.listing_statement_days_basis and clock.basis
    assert clock.policy_code == "nanjing"
    assert clock.due_on == D(2027, 1, 5) and clock.due_estimated
    assert case.statement_period == clock
    assert clock.history.get().history_change_reason == "送达"


@pytest.mark.today("2026-11-02T10:00")
def test_one_running_clock_of_a_kind_per_case(policy, today_is):
    today_is(D(2026, 11, 2))
    case = _case()
    deadline_open(case, DeadlineKind.STATEMENT, start=D(2026, 11, 2), by=None, reason="送达")
    with pytest.raises(Conflict, match="2026-11-09"):
        deadline_open(case, DeadlineKind.STATEMENT, start=D(2026, 11, 3), by=None, reason="再次送达")
    deadline_close(case, DeadlineKind.STATEMENT, by=None, reason="撤销")
    # once closed, a new period may run (a notice issued again)
    assert deadline_open(case, DeadlineKind.STATEMENT, start=D(2026, 11, 3), by=None, reason="重新送达").running


@pytest.mark.today("2026-11-02T10:00")
def test_met_on_time_met_late_and_overdue(policy, today_is):
    """An office clock (Ningbo art. 18, integration) past its due date is overdue, and met late
    after it; a subject's period past its due date has run out, nobody is late."""
    today_is(D(2026, 11, 2))
    batch_owner, late_owner, period_owner = _case(), _case(), _case()
    on_time = deadline_open(batch_owner, DeadlineKind.INTEGRATION, start=D(2026, 11, 2), by=None, reason="提交")
    late = deadline_open(late_owner, DeadlineKind.INTEGRATION, start=D(2026, 11, 2), by=None, reason="提交")
    period = deadline_open(period_owner, DeadlineKind.STATEMENT, start=D(2026, 11, 2), by=None, reason="送达")
    assert on_time.due_on == D(2026, 11, 9)
    deadline_meet(batch_owner, DeadlineKind.INTEGRATION, on=D(2026, 11, 9), by=None, reason="整合")
    today_is(D(2026, 11, 10))
    late.refresh_from_db()
    period.refresh_from_db()
    assert (
        late.state == DeadlineStatus.OVERDUE and late.late and late.get_state_display() == DeadlineStatus.OVERDUE.label
    )
    assert period.state == DeadlineStatus.OVERDUE and not period.late
    assert period.get_state_display() not in (DeadlineStatus.OVERDUE.label, DeadlineStatus.OPEN.label)
    met = deadline_meet(late_owner, DeadlineKind.INTEGRATION, by=None, reason="整合")
    assert met.status == DeadlineStatus.MET_LATE and met.met_on == D(2026, 11, 10) and met.late
    on_time.refresh_from_db()
    assert on_time.status == DeadlineStatus.MET and not on_time.late


@pytest.mark.today("2026-11-03T10:00")
def test_a_pause_is_refused_where_the_policy_allows_none(policy, today_is):
    """No preset lets a statement period stand still: the refusal names the policy."""
    today_is(D(2026, 11, 3))
    clock = deadline_open(_case(), DeadlineKind.STATEMENT, start=D(2026, 11, 2), by=None, reason="送达")
    with pytest.raises(Conflict, match=str(policy)):
        deadline_pause(clock, why="核查", by=None, reason="暂停")
    clock.refresh_from_db()
    assert clock.status == DeadlineStatus.OPEN and not clock.pauses.exists()


@pytest.mark.today("2026-11-02T10:00")
def test_a_paused_clock_is_not_overdue_and_moves_by_the_days_it_stood_still(policy, today_is, monkeypatch):
    """Where the policy allows a pause (the objection switch, e.g. a check with the source
    agency), the working days in the pause are added to the due date when it resumes."""
    monkeypatch.setitem(
        CLOCKS, DeadlineKind.INTEGRATION, ClockRule("integration_days", pause_field="objection_clock_pause_allowed")
    )
    policy.objection_clock_pause_allowed = True
    audited_save(policy, by=None, reason="test: pauses allowed")
    today_is(D(2026, 11, 2))
    owner = _case()
    clock = deadline_open(owner, DeadlineKind.INTEGRATION, start=D(2026, 11, 2), by=None, reason="提交")
    assert clock.due_on == D(2026, 11, 9)
    today_is(D(2026, 11, 4))
    with pytest.raises(ValidationError):
        deadline_pause(clock, start=D(2026, 11, 5), why="核查", by=None, reason="暂停")  # tomorrow
    with pytest.raises(ValidationError):
        deadline_pause(clock, why=" ", by=None, reason="暂停")
    clock = deadline_pause(clock, start=D(2026, 11, 4), why="向信息提供单位核查", by=None, reason="暂停")
    assert clock.status == DeadlineStatus.PAUSED
    today_is(D(2026, 11, 20))
    assert clock.state == DeadlineStatus.PAUSED and not deadlines_due(owners=ListingCase.objects.all()).exists()
    with pytest.raises(ValidationError):
        deadline_resume(clock, end=D(2026, 11, 3), by=None, reason="恢复")  # before the pause
    clock = deadline_resume(clock, end=D(2026, 11, 6), by=None, reason="核查完毕")
    # 4, 5, 6 November stood still: three working days more
    assert clock.status == DeadlineStatus.OPEN and clock.due_on == D(2026, 11, 12)
    pause = clock.pauses.get()
    assert (pause.started_on, pause.ended_on, pause.reason) == (D(2026, 11, 4), D(2026, 11, 6), "向信息提供单位核查")
    with pytest.raises(Conflict):
        deadline_resume(clock, by=None, reason="再恢复")


@pytest.mark.today("2026-11-02T10:00")
def test_the_workbench_selector_lists_due_and_overdue_across_owners(policy, today_is):
    today_is(D(2026, 11, 2))
    mine, other, far, met = _case(), _case(), _case(), _case()
    deadline_open(mine, DeadlineKind.INTEGRATION, start=D(2026, 10, 26), by=None, reason="提交")  # due 11-02
    deadline_open(other, DeadlineKind.STATEMENT, start=D(2026, 10, 20), by=None, reason="送达")  # due 10-27
    deadline_open(far, DeadlineKind.STATEMENT, start=D(2026, 11, 2), by=None, reason="送达")  # due 11-09
    deadline_open(met, DeadlineKind.STATEMENT, start=D(2026, 10, 20), by=None, reason="送达")
    deadline_meet(met, DeadlineKind.STATEMENT, on=D(2026, 10, 21), by=None, reason="申辩")
    due = list(deadlines_due(within_days=3))
    assert [(d.owner_id, d.current_state) for d in due] == [(other.pk, "overdue"), (mine.pk, "open")]
    assert [d.owner_id for d in deadlines_due(within_days=3, owners=ListingCase.objects.filter(pk=mine.pk))] == [
        mine.pk
    ]
    assert [d.owner_id for d in deadlines_due(within_days=5, kinds=[DeadlineKind.STATEMENT])] == [other.pk, far.pk]


@pytest.mark.today("2026-11-02T10:00")
def test_the_serious_workflow_opens_meets_and_closes_the_statement_period(world, today_is):
    """Nanjing art. 43: the period runs from the delivery; the statement meets it; a decision
    after a lapsed period closes it."""
    from apps.sanctions import services
    from tests.sanctions.factories import DECISION

    today_is(D(2026, 11, 2))
    case = _file(world)
    services.case_issue_notice(case, by=world.officer, notice_number="告1", reason="告知")
    assert case.statement_period is None
    services.case_record_delivery(case, by=world.officer, delivered_on=D(2026, 11, 2), reason="送达")
    assert case.statement_period.due_on == D(2026, 11, 9)
    today_is(D(2026, 11, 5))
    services.case_record_statement(case, by=world.officer, statement="已整改", reason="收到申辩")
    period = case.statement_period
    assert period.status == DeadlineStatus.MET and period.met_on == D(2026, 11, 5)

    lapsed = _file(world)
    services.case_issue_notice(
        lapsed, by=world.officer, notice_number="告2", reason="告知", delivered_on=D(2026, 11, 5)
    )
    today_is(D(2026, 11, 13))
    assert lapsed.statement_period.overdue and not lapsed.statement_period.late
    services.case_decide(lapsed, by=world.officer, reason="期满未申辩", **DECISION)
    closed = lapsed.statement_period
    assert closed.status == DeadlineStatus.CLOSED and closed.met_on == D(2026, 11, 13)


@pytest.mark.today("2026-12-28T10:00")
def test_the_red_list_notice_is_a_clock_an_objection_stops(world, today_is):
    """Ningbo art. 28: the public notice runs for the policy's working days (with the estimated
    flag the old column dropped); an objection stops it, a new notice starts a new one."""
    from apps.sanctions import services

    today_is(D(2026, 12, 28))
    case = services.case_open(
        by=world.officer,
        list_type=ListType.RED,
        subject=world.representative,
        facts="守信",
        legal_basis="第二十八条",
        reason="提名",
    )
    services.red_start_notice(case, by=world.officer, reason="公示")
    notice = case.red_notice
    assert notice.due_on == D(2027, 1, 5) and notice.due_estimated
    services.red_record_objection(case, by=world.officer, objection="群众反映", reason="收到异议")
    assert case.red_notice.status == DeadlineStatus.CLOSED
    services.red_start_notice(case, by=world.officer, reason="重新公示")
    assert case.red_notice.running and Deadline.objects.filter(kind=DeadlineKind.RED_NOTICE).count() == 2


@pytest.mark.today("2026-11-02T10:00")
def test_the_case_page_and_the_api_show_the_clock(client, world, today_is):
    from apps.sanctions import services

    today_is(D(2026, 11, 2))
    case = _file(world)
    services.case_issue_notice(case, by=world.officer, notice_number="告1", reason="告知", delivered_on=D(2026, 11, 2))
    client.force_login(world.officer)
    page = client.get(reverse("sanctions:case_detail", args=[case.pk])).content.decode()
    assert "2026-11-09" in page and case.statement_period.basis in page
    body = client.get(f"/api/v1/cases/{case.pk}/").json()
    assert body["statement_due"] == "2026-11-09"
    assert body["deadlines"] == [
        {
            "kind": "statement",
            "started_on": "2026-11-02",
            "figure": 5,
            "unit": "working_days",
            "basis": case.statement_period.basis,
            "due_on": "2026-11-09",
            "due_estimated": False,
            "state": "open",
            "met_on": None,
        }
    ]


@pytest.mark.today("2026-11-02T10:00")
def test_clocks_are_read_only_in_the_admin(admin_client, policy, today_is):
    today_is(D(2026, 11, 2))
    clock = deadline_open(_case(), DeadlineKind.STATEMENT, start=D(2026, 11, 2), by=None, reason="送达")
    page = admin_client.get(reverse("admin:core_deadline_change", args=[clock.pk]))
    assert page.status_code == 200 and "2026-11-09" in page.content.decode()
    assert admin_client.get(reverse("admin:core_deadline_add")).status_code == 403
    response = admin_client.post(reverse("admin:core_deadline_change", args=[clock.pk]), {"due_on": "2027-01-01"})
    clock.refresh_from_db()
    assert response.status_code == 403 and clock.due_on == D(2026, 11, 9)
