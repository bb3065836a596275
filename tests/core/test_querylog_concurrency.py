"""The query log under load (issue 16): the abnormal-volume control is exact at the threshold with
16 connections at once, no lookup seals or waits for sealing, and the chain verifies after
concurrent load and after a bulk insert of 200,000 rows."""

import threading
import time

import pytest
from django.db import connection, connections

from apps.core.choices import QueryChannel, QueryMode, QueryOutcome, QueryPurpose
from apps.core.models import QueryFlag, QueryFlagStatus, QueryLog, QueryVolume, User
from apps.core.querylog import (
    SYSTEM_COUNTER_SLOTS,
    LookupRequest,
    QueryRefused,
    log_query,
    seal_query_log,
    verify_query_log,
)
from tests.factories import OfficerFactory, SystemAccountFactory

# SQLite has one writer at a time: the races these tests look for need PostgreSQL.
postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers: PostgreSQL")


def lookup(user):
    return LookupRequest(
        user=user, mode=QueryMode.GOVERNMENT, purpose=QueryPurpose.ADMINISTRATIVE_LICENSING, channel=QueryChannel.API
    )


def run_in_threads(threads: int, calls: int, call) -> tuple[int, int]:
    """`threads` threads, each with its own database connection, make `calls` calls each, all
    starting together; returns (passed, refused)."""
    start = threading.Barrier(threads)
    counts = {"passed": 0, "refused": 0}
    errors = []
    lock = threading.Lock()

    def worker():
        try:
            start.wait()
            for _ in range(calls):
                try:
                    call()
                except QueryRefused:
                    outcome = "refused"
                else:
                    outcome = "passed"
                with lock:
                    counts[outcome] += 1
        except Exception as error:  # reported below: a thread's failure must fail the test
            errors.append(error)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(timeout=120)
    assert not errors, errors
    return counts["passed"], counts["refused"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
@postgres_only
def test_16_connections_at_a_threshold_of_100_let_exactly_100_lookups_through(policy):
    """Nanjing art. 52 under concurrency: exactly the threshold passes, every other lookup is
    refused, and each of them, passed or refused, is logged; the chain then verifies."""
    policy.query_daily_threshold = 100
    policy.save()
    officer = OfficerFactory()
    passed, refused = run_in_threads(
        16, 10, lambda: log_query(lookup(officer), subject_identifier="11010519491231002X")
    )
    assert (passed, refused) == (100, 60)
    rows = QueryLog.objects.filter(user=officer)
    assert rows.count() == 160
    assert rows.exclude(outcome=QueryOutcome.REFUSED).count() == 100
    assert rows.filter(outcome=QueryOutcome.REFUSED).count() == 60
    assert QueryVolume.objects.get(user=officer).lookups == 100
    flag = QueryFlag.objects.get(user=officer)
    assert flag.status == QueryFlagStatus.OPEN and (flag.lookups, flag.threshold) == (100, 100)
    assert seal_query_log() == 160
    report = verify_query_log()
    assert report.ok and report.rows_checked == 160


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
@postgres_only
def test_a_system_on_16_connections_gets_exactly_its_quota_over_its_counter_slots(policy):
    """Issue 16: a system account's day is counted on several rows so that its parallel calls do
    not queue on one; with 16 connections at a quota of 100 exactly 100 lookups pass, every other
    is refused and logged, the slots add up to 100, and a quota raises no person's flag."""
    system = SystemAccountFactory(daily_quota=100)
    user = User.objects.select_related("system_account").get(pk=system.user_id)
    passed, refused = run_in_threads(16, 10, lambda: log_query(lookup(user), subject_identifier="11010519491231002X"))
    assert (passed, refused) == (100, 60)
    rows = QueryLog.objects.filter(user=user)
    assert rows.exclude(outcome=QueryOutcome.REFUSED).count() == 100
    assert rows.filter(outcome=QueryOutcome.REFUSED).count() == 60
    counters = QueryVolume.objects.filter(user=user)
    assert sum(c.lookups for c in counters) == 100 and counters.count() == SYSTEM_COUNTER_SLOTS
    assert not QueryFlag.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
@postgres_only
def test_lookups_seal_nothing_and_sealing_alongside_them_keeps_the_chain_intact(policy):
    """Lookups from 8 connections while the sealing job runs beside them: no lookup seals, every
    row is sealed once, in one chain that verifies."""
    policy.query_abnormal_control = False
    policy.save()
    officers = [OfficerFactory() for _ in range(8)]
    stop = threading.Event()
    sealed = []

    def sealer():
        try:
            while not stop.is_set():
                sealed.append(seal_query_log(wait=False))
                time.sleep(0.01)
        finally:
            connections.close_all()

    sealing = threading.Thread(target=sealer)
    sealing.start()
    index = iter(range(10**6))
    lock = threading.Lock()

    def one_lookup():
        with lock:
            officer = officers[next(index) % len(officers)]
        log_query(lookup(officer), subject_identifier="11010519491231002X")

    try:
        passed, refused = run_in_threads(8, 25, one_lookup)
    finally:
        stop.set()
        sealing.join(timeout=60)
    assert (passed, refused) == (200, 0)
    seal_query_log()
    assert sum(sealed) <= 200
    report = verify_query_log()
    assert report.ok and report.rows_checked == 200 and report.unsealed_rows == 0


BULK_ROWS = 200_000


@pytest.mark.django_db
@pytest.mark.postgres
@postgres_only
def test_after_a_bulk_insert_of_200000_rows_a_lookup_seals_nothing_and_the_chain_verifies(policy):
    """Before issue 16 the next lookup after a bulk path sealed the whole backlog inline (163 s)."""
    officer = OfficerFactory()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO core_querylog (created_at, user_id, organization_id, channel, mode, purpose, "
            "purpose_detail, authorization_document, subject_identifier, subject_name, query, outcome, result) "
            "SELECT now(), %s, %s, 'api', 'government', 'administrative_licensing', '', '', "
            "'11010519491231002X', '张三', jsonb_build_object('n', n), 'found', '{}'::jsonb "
            "FROM generate_series(1, %s) AS n",
            [officer.pk, officer.organization_id, BULK_ROWS],
        )
    started = time.monotonic()
    entry = log_query(lookup(officer), subject_identifier="11010519491231002X")
    assert time.monotonic() - started < 1
    assert QueryLog.objects.filter(seq__isnull=False).count() == 0
    assert seal_query_log() == BULK_ROWS + 1
    assert QueryLog.objects.get(pk=entry.pk).seq == BULK_ROWS + 1
    report = verify_query_log()
    assert report.ok and report.rows_checked == BULK_ROWS + 1
