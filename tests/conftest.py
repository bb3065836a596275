import pytest
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
def _query_log_anchor_file(settings, tmp_path):
    """Every test anchors the query log in its own scratch file: the database is rolled back
    after each test, and anchors of another test's chain would not match this one's."""
    settings.QUERY_LOG_ANCHOR_PATH = tmp_path / "query_log_anchors.jsonl"
