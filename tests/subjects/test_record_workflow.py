"""A credit record's two tables (issue 11 item 4), walked: its status (Nanjing arts. 56, 59–61,
Tianjin arts. 42–43, Dalian arts. 35 and 43, Ningbo arts. 22, 41 and 43) and the objection mark
beside it (Nanjing art. 58, Tianjin art. 41, Dalian art. 42, Ningbo art. 42). For every (state,
step) pair: a step from a state the table does not list is a 409 that changes nothing; a step from
a state it lists is offered to the user its rule names, refused to everyone else, and taken it
moves the record, with the user and the reason in the history and the event sent."""

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from apps.catalog.choices import Category
from apps.core.exceptions import Conflict
from apps.core.workflow import walk
from apps.subjects import events, services
from apps.subjects.choices import ObjectionMark, RecordStatus
from apps.subjects.models import CreditRecord
from apps.subjects.record_workflow import (
    MSG_HIDE_NOT_GOOD,
    MSG_MARK_NOT_ACTIVE,
    MSG_REPAIR_NOT_DISHONEST,
    OBJECTION_MARK,
    RECORD_LIFECYCLE,
)
from tests.factories import AuditorFactory, AuthorityUserFactory, ClerkFactory, NoRoleUserFactory, OfficerFactory
from tests.subjects.factories import MarkedRecordFactory, RecordFactory

# The records carry fixed 2026 dates: the clock is set to match (any real date passes).
pytestmark = [pytest.mark.django_db, pytest.mark.today("2026-12-02T10:00")]

TABLES = {RECORD_LIFECYCLE: "status", OBJECTION_MARK: "mark"}
REASON = "按表逐步检查"


@pytest.fixture
def heard():
    """What `record_status_changed` announced: (record ids, status, reason) per signal."""
    calls = []

    def listener(sender, records, status, by, reason, **kwargs):
        calls.append(([r.pk for r in records], status, str(reason)))

    events.record_status_changed.connect(listener, dispatch_uid="test_record_workflow")
    yield calls
    events.record_status_changed.disconnect(dispatch_uid="test_record_workflow")


def _record(workflow, state: str, step) -> CreditRecord:
    """A record put straight into `state`, of the category the step's guard asks for (good
    information for `hide`, dishonest otherwise): the walk is about the table."""
    category = Category.GOOD if step.name == "hide" else Category.DISHONEST
    if workflow is RECORD_LIFECYCLE:
        return RecordFactory(status=state, category=category)
    since = timezone.now() if state == ObjectionMark.MARKED else None
    return RecordFactory(objection_since=since, category=category)


def _actor(step, record):
    """Someone the step's rule admits (the provider's officer, the credit office), or None for a
    step only the platform takes."""
    for user in (OfficerFactory(organization=record.provider), ClerkFactory()):
        if step.rule(record, user):
            return user
    return None


@pytest.mark.parametrize(
    ("workflow", "state", "step"),
    walk(TABLES),
    ids=lambda v: TABLES[v] if v in TABLES else getattr(v, "name", v),
)
def test_every_state_and_step(policy, heard, workflow, state, step):
    record = _record(workflow, state, step)
    actor = _actor(step, record)
    assert actor is not None or step.automatic, f"{step.name}: nobody may take it, and no job does"
    before = record.history.count()
    if state not in step.sources:
        with pytest.raises(Conflict) as refused:
            workflow.transition(record, step.name, by=actor, reason=REASON, follow=actor is None)
        assert str(workflow.states(state).label) in str(refused.value.messages[0])
        record.refresh_from_db()
        assert (workflow.state_of(record), record.history.count(), heard) == (state, before, [])
        return
    if actor is not None:
        assert step.name in {offer.name for offer in workflow.offered(record, actor)}
        # another agency's officer, the authority, an auditor, someone without a role: no step
        for other in (OfficerFactory(), AuthorityUserFactory(), AuditorFactory(), NoRoleUserFactory()):
            assert workflow.offered(record, other) == []
            with pytest.raises(PermissionDenied):
                workflow.transition(record, step.name, by=other, reason="越权")
    else:
        for by_hand in (OfficerFactory(organization=record.provider), ClerkFactory()):
            with pytest.raises(PermissionDenied):  # a platform step is nobody's to take by hand
                workflow.transition(record, step.name, by=by_hand, reason="手工")
    assert record.history.count() == before
    workflow.transition(record, step.name, by=actor, reason=REASON, follow=actor is None)
    record.refresh_from_db()
    assert workflow.state_of(record) == step.target
    latest = record.history.latest()
    assert (latest.history_change_reason, latest.history_user) == (REASON, actor)
    assert heard == [([record.pk], record.status, REASON)]


def test_every_state_of_a_table_is_reached_from_its_first():
    for workflow in TABLES:
        reached, frontier = set(workflow.initial), list(workflow.initial)
        while frontier:
            for step in workflow.steps_from(frontier.pop()):
                if step.target and step.target not in reached:
                    reached.add(step.target)
                    frontier.append(step.target)
        assert reached == workflow.used_states == set(workflow.states.values), workflow


def test_the_status_table_has_one_final_state_and_no_open_work():
    """Revoked is where every status can go and none leaves; nothing in a record's life is due
    (its disclosure ends by the daily job), so no record is open work on a workbench."""
    assert RECORD_LIFECYCLE.final == {RecordStatus.REVOKED}
    assert RECORD_LIFECYCLE.open_states() == []
    assert OBJECTION_MARK.open_states() == [ObjectionMark.MARKED]  # an objection is pending


def test_the_guards_say_what_is_wrong(policy):
    clerk = ClerkFactory()
    good = RecordFactory(category=Category.GOOD, severity="")
    officer = OfficerFactory(organization=good.provider)
    with pytest.raises(Conflict) as refused:
        services.record_mark_repaired(good, by=officer, reason="修复")
    assert refused.value.messages == [str(MSG_REPAIR_NOT_DISHONEST).format(category=good.get_category_display())]
    dishonest = RecordFactory()
    with pytest.raises(Conflict) as refused:
        services.record_hide(dishonest, by=clerk, reason="申请不公开")
    assert refused.value.messages == [str(MSG_HIDE_NOT_GOOD).format(category=dishonest.get_category_display())]
    expired = RecordFactory(status=RecordStatus.EXPIRED)
    with pytest.raises(Conflict) as refused:
        services.record_mark_objection(expired, by=clerk, reason="异议")
    assert refused.value.messages == [str(MSG_MARK_NOT_ACTIVE).format(status=expired.get_status_display())]
    assert [good.history.count(), dishonest.history.count(), expired.history.count()] == [1, 1, 1]


def test_the_mark_is_set_once_and_removed_once(policy, heard):
    """Only a record that is not marked is marked, only a marked one is unmarked; the status does
    not move, and each change is announced with the status as it is."""
    clerk = ClerkFactory()
    record = RecordFactory()
    services.record_mark_objection(record, by=clerk, reason="收到异议申请")
    record.refresh_from_db()
    marked_at = record.objection_since
    assert marked_at is not None and record.under_objection and record.status == RecordStatus.ACTIVE
    with pytest.raises(Conflict):
        services.record_mark_objection(record, by=clerk, reason="再次标注")
    record.refresh_from_db()
    assert record.objection_since == marked_at
    services.record_clear_objection(record, by=clerk, reason="异议处理完毕")
    record.refresh_from_db()
    assert record.objection_since is None and record.status == RecordStatus.ACTIVE
    with pytest.raises(Conflict):
        services.record_clear_objection(record, by=clerk, reason="再次撤除")
    assert [reason for _ids, _status, reason in heard] == ["收到异议申请", "异议处理完毕"]
    assert {status for _ids, status, _reason in heard} == {RecordStatus.ACTIVE}
    assert [v.objection_since is None for v in record.history.order_by("history_id")] == [True, False, True]


def test_a_record_under_objection_past_its_disclosure_end_expires_and_stays_marked(policy, heard):
    """Issue 11's acceptance line: the daily expiry takes records under objection too (it skipped
    them while the mark was a status), in bulk; the mark stays until the objection is settled,
    and can then be removed from the expired record."""
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    marked = MarkedRecordFactory(disclosure_ends_on=yesterday)
    plain = RecordFactory(disclosure_ends_on=yesterday)
    running = MarkedRecordFactory(disclosure_ends_on=timezone.localdate())
    marked_at = marked.objection_since

    assert services.records_expire() == 2
    assert services.records_expire() == 0  # safe to run twice
    for record in (marked, plain, running):
        record.refresh_from_db()
    assert (marked.status, marked.objection_since) == (RecordStatus.EXPIRED, marked_at)
    assert plain.status == RecordStatus.EXPIRED and plain.objection_since is None
    assert (running.status, running.under_objection) == (RecordStatus.ACTIVE, True)
    latest = marked.history.latest()
    assert (latest.status, latest.objection_since, latest.history_change_reason) == (
        RecordStatus.EXPIRED,
        marked_at,
        "公开期限届满",
    )
    assert [(set(ids), status, reason) for ids, status, reason in heard] == [
        ({marked.pk, plain.pk}, RecordStatus.EXPIRED, "公开期限届满")
    ]

    services.record_clear_objection(marked, by=ClerkFactory(), reason="异议处理完毕，维持")
    marked.refresh_from_db()
    assert (marked.status, marked.objection_since) == (RecordStatus.EXPIRED, None)


def test_the_mark_survives_every_status_change_until_it_is_removed(policy):
    """Revoked or repaired while the objection is open, the record keeps its mark: the objection
    is settled (and the mark removed) by its own step."""
    record = MarkedRecordFactory()
    officer = OfficerFactory(organization=record.provider)
    services.record_mark_repaired(record, by=officer, reason="信用修复")
    services.record_revoke(record, by=officer, reason="原处罚决定被撤销")
    record.refresh_from_db()
    assert (record.status, record.under_objection) == (RecordStatus.REVOKED, True)
    services.record_clear_objection(record, by=ClerkFactory(), reason="异议事项已随撤销处理")
    record.refresh_from_db()
    assert (record.status, record.under_objection) == (RecordStatus.REVOKED, False)


def test_lookups_show_active_records_with_their_mark(policy):
    """Outside modes show active records only; a record under objection is active and comes with
    its mark (the API field), and the credit file shows the mark beside the status."""
    marked = MarkedRecordFactory()
    plain = RecordFactory(subject=marked.subject)
    client = APIClient()
    client.force_authenticate(OfficerFactory())
    response = client.get(
        reverse("api-subject-lookup"),
        {"identifier": marked.subject.identifier, "mode": "government", "purpose": "bidding"},
    )
    assert response.status_code == 200, response.content
    answer = response.json()
    records = {r["id"]: r for r in answer["records"]}
    assert set(records) == {marked.pk, plain.pk}
    assert records[marked.pk]["status"] == records[plain.pk]["status"] == RecordStatus.ACTIVE
    assert (records[marked.pk]["under_objection"], records[plain.pk]["under_objection"]) == (True, False)
    assert records[marked.pk]["objection_since"].startswith("2026-04-01")
    assert records[plain.pk]["objection_since"] is None


def test_the_admin_shows_the_mark_and_changes_neither_status_nor_mark(client, policy):
    """A plain form edit corrects a record's content; the status and the mark are read-only there
    (they change only through the steps, with their rules and history)."""
    from tests.subjects.test_admin import _with_purpose

    record = MarkedRecordFactory()
    client.force_login(NoRoleUserFactory(is_superuser=True, is_staff=True))
    url = reverse("admin:subjects_creditrecord_change", args=[record.pk])
    page = _with_purpose(client, url)
    form = page.context["adminform"].form
    assert "status" not in form.fields and "objection_since" not in form.fields
    assert "异议标注时间" in page.content.decode()
    data = {
        name: form.initial.get(name) or ""
        for name in ("document_number", "document_date", "determined_on", "ended_on", "severity")
    }
    data.update(
        values='{"penalty_type": "罚款"}',
        status=RecordStatus.REVOKED,
        objection_since="",
        document_number="宁市监罚〔2026〕99号",
        change_reason="文号更正",
    )
    assert client.post(url, data).status_code == 302
    record.refresh_from_db()
    assert record.document_number == "宁市监罚〔2026〕99号"
    assert (record.status, record.under_objection) == (RecordStatus.ACTIVE, True)
    listing = client.get(reverse("admin:subjects_creditrecord_changelist"), {"objection_since__isempty": "0"})
    assert listing.status_code == 200 and list(listing.context["cl"].result_list) == [record]


def test_the_migration_turns_the_objection_status_into_the_mark(policy):
    """Records with the old status become active with the mark, marked since the history says they
    went under objection; each gets a history row. Backwards, the active marked ones go back."""
    from apps.core.audit import audited_save

    migration = importlib.import_module("apps.subjects.migrations.0009_objection_status_to_mark")
    record, untouched = RecordFactory(), RecordFactory()
    record.status = "objection"  # the status as it was before the mark became a field
    audited_save(record, by=None, reason="异议标注（旧状态）")
    went_under = record.history.latest().history_date

    migration.status_to_mark(apps, None)
    record.refresh_from_db()
    assert (record.status, record.objection_since) == (RecordStatus.ACTIVE, went_under)
    assert record.history.latest().history_change_reason == migration.FORWARD_REASON
    assert untouched.history.count() == 1

    migration.mark_to_status(apps, None)
    record.refresh_from_db()
    assert record.status == "objection"
    assert record.history.latest().history_change_reason == migration.BACKWARD_REASON
