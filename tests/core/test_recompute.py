"""Issue 10: a changed rule reaches what is already filed. Editing the active policy or the
holiday overrides recomputes open deadlines and disclosure ends once the change commits, each
change with history naming the cause; records leaving disclosure are expired the same day."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.core.audit import audited_save
from apps.core.choices import DeadlineKind, RuleSource
from apps.core.deadlines import deadline_meet, deadline_open
from apps.core.models import HolidayOverride
from apps.core.selectors import active_policy
from apps.sanctions.choices import CaseStatus, ListType
from apps.sanctions.models import ListEntry, ListingCase
from apps.subjects.choices import BatchStatus, DisclosureBasis, RecordStatus
from apps.subjects.disclosure import add_months, apply_disclosure
from apps.subjects.models import ImportBatch
from tests.factories import OrganizationFactory
from tests.subjects.factories import CompanyFactory, PublishedItemFactory, RecordFactory

pytestmark = pytest.mark.django_db

D = dt.date


@pytest.fixture
def today_is(monkeypatch):
    """Make `timezone.localdate()` (the platform's "today") a given day."""

    real = timezone.localdate

    def set_today(day):
        monkeypatch.setattr(
            timezone, "localdate", lambda value=None, tz=None: day if value is None else real(value, tz)
        )

    return set_today


def _record(policy, *, severity, ended_on, determined_on):
    record = RecordFactory.build(
        subject=CompanyFactory(),
        item=PublishedItemFactory(),
        provider=OrganizationFactory(),
        severity=severity,
        ended_on=ended_on,
        determined_on=determined_on,
        document_date=determined_on,
    )
    apply_disclosure(record, policy)
    return audited_save(record, by=None, reason="test record")


def test_switching_to_the_national_rule_ends_records_past_its_maximum_and_switching_back_restores_them(
    policy, settings, today_is, django_capture_on_commit_callbacks
):
    """Tianjin art. 42 (5 years from the end of the act, 「国家另有规定的除外」) against the national
    maximum of 1 year from the determination (in force from 2026-04-01; before it the 2023
    measures, NDRC order 2023 No. 58, the same year for administrative penalties): the day the
    authority switches to the national rule, general records determined on 2026-04-20 and on
    2026-03-20 have been disclosed past 2027-04-20 and 2027-03-20 and are expired, with history
    naming the change; switching back restores them."""
    settings.CREDIT_POLICY = "tianjin"
    tianjin = active_policy()
    tianjin.disclosure_rule = RuleSource.CITY
    with django_capture_on_commit_callbacks(execute=True):
        audited_save(tianjin, by=None, reason="setup: the city rule")
    today_is(D(2027, 6, 1))
    past = _record(tianjin, severity="general", ended_on=D(2026, 4, 15), determined_on=D(2026, 4, 20))
    earlier = _record(tianjin, severity="general", ended_on=D(2026, 3, 15), determined_on=D(2026, 3, 20))
    serious = _record(tianjin, severity="serious", ended_on=D(2026, 3, 15), determined_on=D(2026, 4, 20))
    assert past.disclosure_ends_on == D(2031, 4, 15)

    tianjin.disclosure_rule = RuleSource.NATIONAL
    with django_capture_on_commit_callbacks(execute=True):
        audited_save(tianjin, by=None, reason="按国家规则公示")
    for record in (past, earlier, serious):
        record.refresh_from_db()
    assert (past.status, past.disclosure_ends_on) == (RecordStatus.EXPIRED, D(2027, 4, 20))
    assert past.disclosure_basis == DisclosureBasis.NATIONAL_MAX
    change = past.history.first()
    assert change.status == RecordStatus.EXPIRED
    assert "按国家规则公示" in change.history_change_reason and "disclosure_rule" in change.history_change_reason
    # determined before 2026-04-01: the 2023 measures' year from the decision (NDRC order 2023 No. 58)
    assert (earlier.status, earlier.disclosure_ends_on, earlier.disclosure_basis) == (
        RecordStatus.EXPIRED,
        D(2027, 3, 20),
        DisclosureBasis.NATIONAL_2023_MAX,
    )
    assert (serious.status, serious.disclosure_ends_on) == (RecordStatus.ACTIVE, D(2029, 4, 20))

    tianjin.disclosure_rule = RuleSource.CITY
    with django_capture_on_commit_callbacks(execute=True):
        audited_save(tianjin, by=None, reason="改回本市规则")
    past.refresh_from_db()
    serious.refresh_from_db()
    earlier.refresh_from_db()
    assert (earlier.status, earlier.disclosure_ends_on) == (RecordStatus.ACTIVE, D(2031, 3, 15))
    assert (past.status, past.disclosure_ends_on, past.disclosure_basis) == (
        RecordStatus.ACTIVE,
        D(2031, 4, 15),
        DisclosureBasis.CITY,
    )
    assert "改回本市规则" in past.history.first().history_change_reason
    assert serious.disclosure_ends_on == D(2031, 3, 15)


def test_a_rule_change_announces_the_records_it_expires_and_restores(
    policy, settings, today_is, django_capture_on_commit_callbacks
):
    """Tianjin art. 42 against the national maximum of 1 year (信用修复管理办法, from 2026-04-01):
    a record the switch expires, and restores when switching back, is announced by
    `record_status_changed` as the daily expiry (`records_expire`) announces it, with the
    recompute's reason."""
    from apps.subjects import events

    settings.CREDIT_POLICY = "tianjin"
    tianjin = active_policy()
    tianjin.disclosure_rule = RuleSource.CITY
    with django_capture_on_commit_callbacks(execute=True):
        audited_save(tianjin, by=None, reason="setup: the city rule")
    today_is(D(2027, 6, 1))
    past = _record(tianjin, severity="general", ended_on=D(2026, 4, 15), determined_on=D(2026, 4, 20))
    _record(tianjin, severity="serious", ended_on=D(2026, 4, 15), determined_on=D(2026, 4, 20))  # stays active
    heard = []

    def listener(sender, *, records, status, by, reason, **kwargs):
        heard.append((status, [r.pk for r in records], str(reason)))

    events.record_status_changed.connect(listener, dispatch_uid="test_recompute_listener")
    try:
        tianjin.disclosure_rule = RuleSource.NATIONAL
        with django_capture_on_commit_callbacks(execute=True):
            audited_save(tianjin, by=None, reason="按国家规则公示")
        tianjin.disclosure_rule = RuleSource.CITY
        with django_capture_on_commit_callbacks(execute=True):
            audited_save(tianjin, by=None, reason="改回本市规则")
    finally:
        events.record_status_changed.disconnect(dispatch_uid="test_recompute_listener")
    assert [(status, ids) for status, ids, _reason in heard] == [
        (RecordStatus.EXPIRED, [past.pk]),
        (RecordStatus.ACTIVE, [past.pk]),
    ]
    assert "按国家规则公示" in heard[0][2] and "改回本市规则" in heard[1][2]


def test_a_change_of_another_policy_or_of_a_figure_without_dates_recomputes_nothing(
    policy, django_capture_on_commit_callbacks
):
    record = _record(policy, severity="general", ended_on=D(2026, 4, 15), determined_on=D(2026, 4, 20))
    before = record.history.count()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        policy.query_daily_threshold = 150
        audited_save(policy, by=None, reason="阈值调整")
    assert callbacks == []
    record.refresh_from_db()
    assert record.history.count() == before


def _open_notice(delivered_on):
    case = ListingCase(
        list_type=ListType.SERIOUS,
        subject=CompanyFactory(),
        deciding_org=OrganizationFactory(),
        status=CaseStatus.NOTICE_ISSUED,
        facts="事实",
        legal_basis="依据",
        notice_issued_on=delivered_on,
        notice_delivered_on=delivered_on,
    )
    audited_save(case, by=None, reason="test notice")
    deadline_open(case, DeadlineKind.STATEMENT, start=delivered_on, by=None, reason="test notice")
    return case


def _submitted_batch(submitted_on):
    submitted_at = timezone.make_aware(dt.datetime.combine(submitted_on, dt.time(10)))
    batch = ImportBatch(
        provider=OrganizationFactory(),
        item=PublishedItemFactory(),
        status=BatchStatus.SUBMITTED,
        submitted_at=submitted_at,
    )
    audited_save(batch, by=None, reason="test batch")
    deadline_open(batch, DeadlineKind.INTEGRATION, start=submitted_on, by=None, reason="test batch")
    return batch


def test_adding_an_override_moves_an_open_statement_period_and_a_batch_integration(
    policy, django_capture_on_commit_callbacks
):
    """Nanjing art. 43 statement period and Ningbo art. 18 integration, 5 working days each from
    2026-12-28: due 2027-01-05 (2027-01-01 a statutory holiday, estimated); a local day off on
    2027-01-04 entered as an override moves both to 2027-01-06, with history naming the override."""
    assert policy.listing_statement_days == 5 and policy.integration_days == 5
    case = _open_notice(D(2026, 12, 28))
    batch = _submitted_batch(D(2026, 12, 28))
    decided = _open_notice(D(2026, 12, 28))
    decided.status = CaseStatus.STATEMENT_RECEIVED  # no longer waiting: its deadline is met
    audited_save(decided, by=None, reason="test statement")
    deadline_meet(decided, DeadlineKind.STATEMENT, on=D(2026, 12, 30), by=None, reason="test statement")
    assert case.statement_period.due_on == batch.integration_clock.due_on == D(2027, 1, 5)
    assert case.statement_period.due_estimated  # 2027's schedule is not in the package yet
    with django_capture_on_commit_callbacks(execute=True):
        audited_save(
            HolidayOverride(date=D(2027, 1, 4), is_working_day=False, note="本地调休"), by=None, reason="本地放假"
        )
    period, clock = case.statement_period, batch.integration_clock
    assert period.due_on == clock.due_on == D(2027, 1, 6)
    assert period.recomputed_at is not None and clock.recomputed_at is not None
    assert "2027-01-04" in period.history.first().history_change_reason
    assert "本地放假" in clock.history.first().history_change_reason
    assert period.history.count() == 2  # opened, recomputed
    assert decided.statement_period.due_on == D(2027, 1, 5)
    assert decided.statement_period.recomputed_at is None


def test_the_command_recomputes_under_the_current_rules(policy, capsys):
    """`recompute_deadlines` runs the same recompute by hand (cron, or a later task queue)."""
    record = _record(policy, severity="general", ended_on=D(2026, 4, 15), determined_on=D(2026, 4, 20))
    # an end computed under an older rule
    record.disclosure_ends_on, record.disclosure_basis = D(2031, 4, 20), DisclosureBasis.CITY
    audited_save(record, by=None, reason="test: an old end")
    call_command("recompute_deadlines", cause="手工重算")
    record.refresh_from_db()
    assert record.disclosure_ends_on == D(2027, 4, 20)
    assert "手工重算" in record.history.first().history_change_reason
    assert "records_changed: 1" in capsys.readouterr().out


def test_with_recompute_on_commit_off_only_the_command_recomputes(policy, settings, django_capture_on_commit_callbacks):
    """For databases too large to recompute within a request: the change waits for the job."""
    settings.RECOMPUTE_ON_COMMIT = False
    case = _open_notice(D(2026, 12, 28))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        audited_save(HolidayOverride(date=D(2027, 1, 4), is_working_day=False, note="本地调休"), by=None, reason="放假")
    assert callbacks == []
    assert case.statement_period.due_on == D(2027, 1, 5)
    call_command("recompute_deadlines", cause="本地放假", deadlines_only=True)
    assert case.statement_period.due_on == D(2027, 1, 6)


def test_changing_the_notice_period_moves_a_running_red_list_notice(policy, django_capture_on_commit_callbacks):
    """Ningbo art. 28 public notice (5 working days in the presets): a running notice follows a
    changed period; one already confirmed does not."""
    running = ListingCase(
        list_type=ListType.RED,
        subject=CompanyFactory(),
        deciding_org=OrganizationFactory(),
        status=CaseStatus.PUBLIC_NOTICE,
        facts="事实",
        legal_basis="依据",
        notice_start=D(2026, 12, 1),
    )
    audited_save(running, by=None, reason="test notice")
    deadline_open(running, DeadlineKind.RED_NOTICE, start=D(2026, 12, 1), by=None, reason="test notice")
    assert running.red_notice.due_on == D(2026, 12, 8) and running.red_notice.figure == 5
    policy.red_list_notice_days = 7
    with django_capture_on_commit_callbacks(execute=True):
        audited_save(policy, by=None, reason="公示期改为7个工作日")
    notice = running.red_notice
    assert notice.due_on == D(2026, 12, 10) and notice.figure == 7
    assert "red_list_notice_days" in notice.history.first().history_change_reason


def test_changing_the_key_attention_validity_moves_active_listings(
    policy, today_is, django_capture_on_commit_callbacks
):
    """Nanjing art. 37 (key-attention list valid for 3 months): a changed validity moves the end
    of active listings and of their entries, counted from their start, with history naming the
    change; a listing whose new end has passed ends that day; a listing already ended is left."""
    today_is(D(2026, 12, 2))

    def listing(start, status=CaseStatus.ACTIVE):
        case = ListingCase(
            list_type=ListType.KEY_ATTENTION,
            subject=CompanyFactory(),
            deciding_org=OrganizationFactory(),
            status=status,
            facts="事实",
            legal_basis="依据",
            listing_start=start,
            listing_end=add_months(start, policy.key_attention_months),
        )
        audited_save(case, by=None, reason="test listing")
        entry = ListEntry(case=case, subject=case.subject, start=start, end=case.listing_end)
        return case, audited_save(entry, by=None, reason="test entry")

    assert policy.key_attention_months == 3
    running, running_entry = listing(D(2026, 11, 10))
    lapsing, lapsing_entry = listing(D(2026, 10, 20))
    ended, _entry = listing(D(2026, 6, 1), status=CaseStatus.ENDED)
    assert (running.listing_end, lapsing.listing_end) == (D(2027, 2, 10), D(2027, 1, 20))

    policy.key_attention_months = 1
    with django_capture_on_commit_callbacks(execute=True):
        audited_save(policy, by=None, reason="重点关注有效期改为1个月")
    for row in (running, running_entry, lapsing, lapsing_entry, ended):
        row.refresh_from_db()
    assert (running.status, running.listing_end, running_entry.end) == (
        CaseStatus.ACTIVE,
        D(2026, 12, 10),
        D(2026, 12, 10),
    )
    assert "key_attention_months" in running.history.first().history_change_reason
    assert "重点关注有效期改为1个月" in running_entry.history.first().history_change_reason
    assert (lapsing.status, lapsing.listing_end, lapsing.removed_on) == (
        CaseStatus.ENDED,
        D(2026, 11, 20),
        D(2026, 12, 2),
    )
    assert not lapsing_entry.active and lapsing_entry.end == D(2026, 11, 20)
    assert (ended.status, ended.listing_end) == (CaseStatus.ENDED, D(2026, 9, 1))
