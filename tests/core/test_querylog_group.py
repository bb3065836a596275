"""Group commit of public lookups' log rows (`apps.core.querylog.GroupInsert`, issue 18 item 5):
concurrent lookups of one process share one INSERT, each row committed before its lookup returns
and returned to its own lookup; an error reaches every lookup of the batch; a lookup inside a
transaction keeps its own row in that transaction."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import OperationalError, connection, connections, transaction

from apps.core import querylog
from apps.core.choices import QueryChannel, QueryMode, QueryPurpose
from apps.core.models import QueryLog
from apps.core.querylog import LookupRequest, log_query

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the group commit is PostgreSQL's"),
]

THREADS = 8


def _public(address: str) -> LookupRequest:
    return LookupRequest(
        user=None,
        mode=QueryMode.PUBLIC,
        purpose=QueryPurpose.PUBLIC_INFORMATION,
        channel=QueryChannel.PUBLIC,
        client_ip=address,
    )


@pytest.fixture
def group(monkeypatch):
    """A fresh group whose first INSERT waits until every other thread has queued its row, so
    that the grouping is certain, not a matter of timing."""
    fresh = querylog.GroupInsert()
    monkeypatch.setattr(querylog, "_group", fresh)
    original = fresh._insert
    first = threading.Event()

    def held(rows):
        if not first.is_set():
            first.set()
            for _ in range(500):
                with fresh._ready:
                    if len(fresh._queue) == THREADS - 1:
                        break
                threading.Event().wait(0.01)
        return original(rows)

    monkeypatch.setattr(fresh, "_insert", held)
    yield fresh
    fresh.close()


def _in_threads(call) -> tuple[dict, list]:
    """Each of THREADS threads, with its own connection, calls `call(n)`: ({n: result}, errors)."""
    start = threading.Barrier(THREADS)
    results, errors = {}, []

    def worker(n):
        try:
            start.wait()
            results[n] = call(n)
        except Exception as error:  # collected: every thread's outcome is asserted
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 60
    for thread in threads:
        thread.join(timeout=max(deadline - time.monotonic(), 0))
    # A thread never woken (its row written, or the lead handed to it) fails the test, not the run.
    assert not any(thread.is_alive() for thread in threads), "a lookup is still waiting for its row"
    return results, errors


def test_concurrent_public_lookups_share_inserts_and_each_gets_its_own_row(group):
    """DESIGN.md section 4: one row per lookup, written before the lookup returns — eight at once
    are written by two statements (the first alone, the seven queued behind it together)."""
    results, errors = _in_threads(
        lambda n: log_query(_public(f"198.51.100.{n}"), subject_identifier="", query={"search": f"第{n}次"})
    )
    assert errors == []
    assert group.statements == 2
    assert (group._leading, group._queue) == (False, [])  # the lead is free for the next lookup
    assert QueryLog.objects.count() == THREADS
    for n, entry in results.items():
        row = QueryLog.objects.get(pk=entry.pk)
        assert (row.client_ip, row.query) == (f"198.51.100.{n}", {"search": f"第{n}次"})
        assert row.mode == QueryMode.PUBLIC and row.user_id is None


def test_an_insert_error_reaches_every_lookup_of_its_batch(group, monkeypatch):
    def broken(rows):
        raise RuntimeError("数据库不可用")

    monkeypatch.setattr(group, "_insert", broken)
    results, errors = _in_threads(lambda n: log_query(_public("198.51.100.1"), query={"search": "x"}))
    assert results == {} and len(errors) == THREADS
    assert all(str(error) == "数据库不可用" for error in errors)
    assert QueryLog.objects.count() == 0


def test_a_lookup_inside_a_transaction_keeps_its_row_in_it(group):
    """A caller's transaction rolled back takes its lookup's row with it: such a row is never
    handed to another thread's statement."""
    with pytest.raises(RuntimeError), transaction.atomic():
        log_query(_public("198.51.100.2"), query={"search": "回滚"})
        raise RuntimeError("rolled back")
    assert group.statements == 0 and QueryLog.objects.count() == 0


def test_the_setting_turns_it_off(group, settings):
    settings.QUERY_LOG_GROUP_COMMIT = False
    log_query(_public("198.51.100.3"), query={"search": "逐条"})
    assert group.statements == 0 and QueryLog.objects.count() == 1


def test_a_leader_whose_row_is_past_the_batch_writes_it_next(group, monkeypatch):
    """More rows queued than one statement takes: every lookup still gets its own row."""
    monkeypatch.setattr(querylog.GroupInsert, "MAX_ROWS", 3)
    results, errors = _in_threads(lambda n: log_query(_public(f"198.51.100.{n}"), query={"search": str(n)}))
    assert errors == [] and len({entry.pk for entry in results.values()}) == THREADS
    assert group.statements >= 3
    for n, entry in results.items():
        assert QueryLog.objects.get(pk=entry.pk).query == {"search": str(n)}


@pytest.fixture
def own_group(monkeypatch):
    """A fresh group, its connection closed afterwards."""
    fresh = querylog.GroupInsert()
    monkeypatch.setattr(querylog, "_group", fresh)
    yield fresh
    fresh.close()


def _terminate(db) -> None:
    """End the server's session of `db` (as a restart or a network cut would) and wait until it is gone."""
    pid = db.connection.info.backend_pid
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        for _ in range(500):
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
            if cursor.fetchone()[0] == 0:
                return
            time.sleep(0.01)
    raise AssertionError("the group's session did not end")


def test_the_group_checks_its_connection_only_after_it_was_idle(own_group, monkeypatch):
    """A kept page's only statement is its row: the group's connection is not checked (a round
    trip) before every statement as a request's is, only after IDLE_CHECK_SECONDS without one."""
    log_query(_public("198.51.100.30"), query={"search": "一"})
    checks = []
    usable = own_group._db.is_usable
    monkeypatch.setattr(own_group._db, "is_usable", lambda: checks.append("SELECT 1") or usable())
    log_query(_public("198.51.100.31"), query={"search": "二"})
    log_query(_public("198.51.100.32"), query={"search": "三"})
    assert checks == []
    own_group._used -= own_group.IDLE_CHECK_SECONDS
    log_query(_public("198.51.100.33"), query={"search": "四"})
    log_query(_public("198.51.100.34"), query={"search": "五"})
    assert checks == ["SELECT 1"]
    assert QueryLog.objects.count() == 5


def test_a_connection_lost_while_idle_is_replaced_before_the_next_row(own_group):
    log_query(_public("198.51.100.35"), query={"search": "一"})
    _terminate(own_group._db)
    own_group._used -= own_group.IDLE_CHECK_SECONDS
    entry = log_query(_public("198.51.100.36"), query={"search": "二"})
    assert QueryLog.objects.get(pk=entry.pk).query == {"search": "二"}


def test_a_connection_lost_under_load_fails_its_statement_and_the_next_connects_again(own_group):
    """Between checks a lost connection is found by the statement itself: its lookups get the
    error (no page is shown without its row), and the next statement connects again."""
    log_query(_public("198.51.100.37"), query={"search": "一"})
    _terminate(own_group._db)
    with pytest.raises(OperationalError):
        log_query(_public("198.51.100.38"), query={"search": "二"})
    entry = log_query(_public("198.51.100.39"), query={"search": "三"})
    assert list(QueryLog.objects.order_by("id").values_list("query", flat=True)) == [{"search": "一"}, {"search": "三"}]
    assert entry.pk == QueryLog.objects.latest("id").pk


def test_a_repeated_lookup_writes_the_row_record_lookup_writes_with_its_own_time_and_address(own_group):
    """A kept public page's lookup (`RepeatedLookup`): its values are built once, and each row it
    writes through the group is the one `log_query` writes for the same lookup, but for the time
    and the address of that repetition (the address as its field stores it)."""
    fresh = own_group
    row = {
        "subject_identifier": " 91320100mA1x000001 ",
        "subject_name": "南京重复查询有限公司",
        "query": {"public_file": "91320100MA1X000001"},
        "result": {"records": 2, "ids": [7, 9]},
    }
    written = log_query(_public("198.51.100.20"), **row)
    repeated = querylog.RepeatedLookup(_public(None), **row)
    pks = [repeated.log("2001:DB8::1"), repeated.log("198.51.100.21")]
    assert fresh.statements == 3

    def content(entry):
        skip = {"id", "created_at", "client_ip"}
        return {f.attname: getattr(entry, f.attname) for f in QueryLog._meta.concrete_fields if f.attname not in skip}

    reference = QueryLog.objects.get(pk=written.pk)
    rows = [QueryLog.objects.get(pk=pk) for pk in pks]
    assert [content(r) for r in rows] == [content(reference)] * 2
    assert reference.subject_identifier == "91320100MA1X000001"
    assert [r.client_ip for r in rows] == ["2001:db8::1", "198.51.100.21"]
    assert reference.created_at <= rows[0].created_at <= rows[1].created_at


def test_a_repeated_lookup_without_the_group_writes_its_row_itself(group, settings):
    settings.QUERY_LOG_GROUP_COMMIT = False
    repeated = querylog.RepeatedLookup(_public(None), query={"search": "逐条"})
    pk = repeated.log("198.51.100.22")
    assert group.statements == 0
    assert QueryLog.objects.filter(pk=pk, client_ip="198.51.100.22", query={"search": "逐条"}).exists()
