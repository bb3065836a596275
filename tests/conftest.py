import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management.commands import flush

from apps.core.audit import drop_append_only_triggers

_original_flush = flush.Command.handle


def _flush_with_triggers_lifted(self, **options):
    """Transactional tests empty every table afterwards; the append-only triggers (reinstalled by
    the post_migrate that follows the flush) would refuse that. Only the test suite does this."""
    from django.db import connections

    drop_append_only_triggers(connections[options.get("database", "default")])
    return _original_flush(self, **options)


flush.Command.handle = _flush_with_triggers_lifted


@pytest.fixture
def policy(db, settings):
    """The five city presets loaded, Nanjing active; returns the active policy."""
    from apps.core.management.commands.load_policies import load_presets
    from apps.core.selectors import active_policy

    settings.CREDIT_POLICY = "nanjing"
    load_presets()
    return active_policy()


@pytest.fixture(autouse=True)
def _clock_at_marked_day(request):
    """`@pytest.mark.today("2026-12-02T10:00")`: the test runs with the clock at that local time
    (Asia/Shanghai), ticking on from there. For tests whose data carries fixed dates (records
    determined in 2026 that must still be disclosed), so that the suite passes on any real date.
    Autouse, so it is in force before the test's other fixtures create data."""
    marker = request.node.get_closest_marker("today")
    if marker is None:
        yield
        return
    moment = dt.datetime.fromisoformat(marker.args[0]).replace(tzinfo=ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(moment, tick=True):
        yield


@pytest.fixture(autouse=True)
def _empty_process_caches():
    """The per-process caches (tokens, the policy) do not outlive a test: its rows are rolled back.
    Nor does the default cache: the public pages count requests per address there (every test
    client is 127.0.0.1), so the pages one test renders must not use up the next test's allowance.
    (Only the default one, the process's memory in the tests: the job queue's Redis is shared.)"""
    from django.core.cache import cache

    from apps.core.process_cache import clear_all

    def clear():
        clear_all()
        cache.clear()

    clear()
    yield
    clear()


@pytest.fixture(autouse=True)
def _query_log_anchor_file(settings, tmp_path):
    """Every test anchors the query log in its own scratch file: the database is rolled back
    after each test, and anchors of another test's chain would not match this one's."""
    settings.QUERY_LOG_ANCHOR_PATH = tmp_path / "query_log_anchors.jsonl"


@pytest.fixture
def disclosure_extension():
    """`disclosure_extension(date)`: every subject's dishonest records count as disclosed until
    `date` by an extension (as a serious listing would answer `disclosure_extensions`)."""
    from apps.subjects import events

    receivers = []

    def extend(until):
        def receiver(sender, *, subject_ids, **kwargs):
            return dict.fromkeys(subject_ids, until)

        receivers.append(receiver)
        events.disclosure_extensions.connect(receiver)

    yield extend
    for receiver in receivers:
        events.disclosure_extensions.disconnect(receiver)
