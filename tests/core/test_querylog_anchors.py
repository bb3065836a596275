"""Anchors of the query-log chain outside the database (apps.core.anchors): each checkpoint is
appended to a file with an HMAC the database cannot compute, so that a rewrite and re-seal by the
database owner is reported by `verify_query_log`."""

import hashlib
import hmac
import json

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import translation

from apps.core.audit import drop_append_only_triggers, install_append_only_triggers
from apps.core.checks import query_log_anchor_key_is_set
from apps.core.models import QueryLog, QueryLogCheckpoint
from apps.core.querylog import seal_query_log, verify_query_log
from tests.factories import QueryLogFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """The messages are asserted on in English (the source strings); one test reads the Chinese."""
    with translation.override("en"):
        yield


def anchor_lines(settings) -> list[dict]:
    return [json.loads(line) for line in settings.QUERY_LOG_ANCHOR_PATH.read_text().splitlines()]


def sealed_in_runs(*sizes: int) -> None:
    """Rows sealed in separate runs: one checkpoint, and one anchor line, per run."""
    for size in sizes:
        QueryLogFactory.create_batch(size)
        assert seal_query_log() == size


def rewrite_and_reseal(first_seq: int) -> None:
    """What a database owner can do: with the triggers out of the way, change the rows from
    `first_seq` on, clear their seal columns, delete the checkpoints that named them, then seal
    again, which gives the chain a consistent new head."""
    drop_append_only_triggers(connection)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE core_querylog SET subject_name = '李四', seq = NULL, prev_hash = NULL, row_hash = NULL, "
                "sealed_at = NULL WHERE seq >= %s",
                [first_seq],
            )
            cursor.execute("DELETE FROM core_querylogcheckpoint WHERE last_seq >= %s", [first_seq])
    finally:
        install_append_only_triggers(connection)
    seal_query_log()


def test_each_seal_appends_one_signed_line_with_the_chain_head(settings):
    sealed_in_runs(3, 2)
    lines = anchor_lines(settings)
    checkpoints = list(QueryLogCheckpoint.objects.order_by("last_seq"))
    assert [(line["seq"], line["hash"], line["first_seq"]) for line in lines] == [
        (3, checkpoints[0].last_hash, 1),
        (5, checkpoints[1].last_hash, 4),
    ]
    assert checkpoints[1].last_hash == QueryLog.objects.get(seq=5).row_hash
    # The HMAC is over the other fields, with the key from the settings (not from the database).
    signed = "|".join(str(lines[0][name]) for name in ("seq", "hash", "first_seq", "checkpoint", "at"))
    expected = hmac.new(settings.QUERY_LOG_ANCHOR_KEY.encode(), signed.encode(), hashlib.sha256).hexdigest()
    assert lines[0]["hmac"] == expected
    report = verify_query_log()
    assert report.ok and report.anchors_checked == 2, report.message


def test_a_rewrite_and_reseal_by_the_database_owner_is_reported():
    sealed_in_runs(3, 2)
    first_rewritten = QueryLog.objects.get(seq=4).pk
    rewrite_and_reseal(4)
    # The database alone now tells a consistent story: every row links and matches its hash.
    assert QueryLog.objects.get(seq=5).row_hash == QueryLogCheckpoint.objects.get(last_seq=5).last_hash
    report = verify_query_log()
    assert not report.ok
    assert report.problem == "anchor_mismatch"
    assert report.first_bad_id == first_rewritten
    assert "sequence 4" in report.message and "anchor line 2" in report.message, report.message
    with translation.override("zh-hans"):
        assert "序号4（记录" in verify_query_log(record=False).message


def test_the_reseal_own_fresh_anchor_does_not_hide_the_old_one(settings):
    """The re-seal ran with the key and appended a valid anchor for the new head; the old
    anchor of the same sequence still disagrees with the chain."""
    sealed_in_runs(2, 2)
    rewrite_and_reseal(3)
    assert [line["seq"] for line in anchor_lines(settings)] == [2, 4, 4]
    assert verify_query_log().problem == "anchor_mismatch"


def test_removed_rows_and_checkpoints_are_found_missing_by_their_anchor():
    sealed_in_runs(3, 2)
    drop_append_only_triggers(connection)
    try:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM core_querylog WHERE seq >= 4")
            cursor.execute("DELETE FROM core_querylogcheckpoint WHERE last_seq >= 4")
    finally:
        install_append_only_triggers(connection)
    report = verify_query_log()
    assert not report.ok and report.problem == "anchored_row_missing"
    assert "sequence 5 (anchor line 2)" in report.message and "ends at sequence 3" in report.message


def test_a_tampered_anchor_line_fails_its_hmac_and_is_reported(settings):
    sealed_in_runs(3, 2)
    path = settings.QUERY_LOG_ANCHOR_PATH
    lines = path.read_text().splitlines()
    forged = json.loads(lines[1])
    forged["hash"] = "0" * 64
    path.write_text("\n".join([lines[0], json.dumps(forged)]) + "\n")
    report = verify_query_log()
    assert not report.ok
    assert report.problem == "anchor_invalid"
    assert "anchor line 2 (sequence 5)" in report.message and "HMAC" in report.message
    with pytest.raises(CommandError, match=r"anchor line 2 \(sequence 5\)"):
        call_command("verify_query_log", "--no-seal")


def test_anchors_checked_with_another_key_all_fail(settings):
    sealed_in_runs(1, 1)
    settings.QUERY_LOG_ANCHOR_KEY = "another-key-than-the-one-that-signed-the-file"
    report = verify_query_log()
    assert not report.ok
    assert report.problem == "anchor_invalid"
    assert "anchor line 1 (sequence 1)" in report.message and "anchor line 2 (sequence 2)" in report.message
    assert "checkpoint at sequence 1" in report.message  # and so no valid anchor is left for it


def test_a_missing_anchor_file_is_reported(settings):
    sealed_in_runs(2)
    settings.QUERY_LOG_ANCHOR_PATH.unlink()
    report = verify_query_log()
    assert not report.ok and report.problem == "anchor_file_missing"
    assert str(settings.QUERY_LOG_ANCHOR_PATH) in report.message and "sequence 2" in report.message


def test_an_empty_chain_needs_no_anchor_file(settings):
    assert not settings.QUERY_LOG_ANCHOR_PATH.exists()
    assert verify_query_log().ok


def test_an_anchor_file_shorter_than_the_checkpoints_is_reported(settings):
    sealed_in_runs(2, 1, 3)
    path = settings.QUERY_LOG_ANCHOR_PATH
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:2]))
    report = verify_query_log()
    assert not report.ok and report.problem == "unanchored"
    assert "checkpoint at sequence 6" in report.message and "last valid anchor is at sequence 3" in report.message
    # Cut in the middle of a line (a torn write, or a careless edit): the torn line is named too.
    path.write_text("".join(lines[:2]) + lines[2][:40])
    report = verify_query_log()
    assert report.problem == "anchor_invalid"
    assert "anchor line 3" in report.message and "cannot be read" in report.message
    assert "checkpoint at sequence 6" in report.message


def test_checkpoints_older_than_the_first_anchor_predate_anchoring(settings):
    """An installation upgraded to anchoring: its older checkpoints have no anchors."""
    sealed_in_runs(2, 2)
    path = settings.QUERY_LOG_ANCHOR_PATH
    path.write_text(path.read_text().splitlines(keepends=True)[1])
    assert verify_query_log().ok


def test_without_the_key_nothing_is_sealed(settings):
    QueryLogFactory.create_batch(2)
    settings.QUERY_LOG_ANCHOR_KEY = ""
    with pytest.raises(ImproperlyConfigured):
        seal_query_log()
    with pytest.raises(CommandError, match="QUERY_LOG_ANCHOR_KEY"):
        call_command("seal_query_log")
    assert not QueryLog.objects.filter(seq__isnull=False).exists()
    assert not QueryLogCheckpoint.objects.exists()


def test_a_seal_whose_anchor_cannot_be_written_is_rolled_back(settings, tmp_path):
    QueryLogFactory.create_batch(2)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    settings.QUERY_LOG_ANCHOR_PATH = blocker / "anchors.jsonl"
    with pytest.raises(OSError):
        seal_query_log()
    assert not QueryLog.objects.filter(seq__isnull=False).exists()
    assert not QueryLogCheckpoint.objects.exists()


def test_the_auditor_exports_the_anchors_and_verifies_against_the_copy(settings, tmp_path, capsys):
    sealed_in_runs(3, 2)
    copy = tmp_path / "kept-elsewhere.jsonl"
    call_command("export_query_log_anchors", "--output", str(copy))
    assert copy.read_text() == settings.QUERY_LOG_ANCHOR_PATH.read_text()
    call_command("export_query_log_anchors", "--since-seq", "3")
    printed = capsys.readouterr().out.splitlines()
    assert [json.loads(line)["seq"] for line in printed] == [5]
    with pytest.raises(CommandError):  # an earlier copy is never overwritten
        call_command("export_query_log_anchors", "--output", str(copy))

    # Later lookups: the copy does not cover them and is not expected to.
    sealed_in_runs(1)
    call_command("verify_query_log", "--anchor-file", str(copy))
    # Someone who holds the database and the anchor file rewrites both; the copy still tells.
    rewrite_and_reseal(4)
    settings.QUERY_LOG_ANCHOR_PATH.write_text("")
    with pytest.raises(CommandError, match="sequence 4"):
        call_command("verify_query_log", "--no-seal", "--anchor-file", str(copy))


def test_the_export_leaves_out_lines_that_fail_their_check(settings, capsys):
    sealed_in_runs(1, 1)
    path = settings.QUERY_LOG_ANCHOR_PATH
    path.write_text(path.read_text() + "not an anchor\n")
    with pytest.raises(CommandError, match="line 3"):
        call_command("export_query_log_anchors")
    assert len(capsys.readouterr().out.splitlines()) == 2


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        ("", "not set"),
        ("insecure-development-anchor-key-only-for-debug-mode", "development key"),
        ("short-key", "too short"),
        ("the-same-value-as-the-signing-key-0123456789", "same as SECRET_KEY"),
    ],
)
def test_the_deploy_check_requires_a_separate_anchor_key(settings, key, problem):
    settings.SECRET_KEY = "the-same-value-as-the-signing-key-0123456789"
    settings.QUERY_LOG_ANCHOR_KEY = key
    errors = query_log_anchor_key_is_set(None)
    assert [e.id for e in errors] == ["credit_portal.E002"], problem
    settings.QUERY_LOG_ANCHOR_KEY = "a-separate-random-anchor-key-0123456789-abcdefghij"
    assert query_log_anchor_key_is_set(None) == []


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="disabling triggers as superuser: PostgreSQL")
def test_the_superuser_rewrite_and_reseal_of_two_rows_is_reported():
    """Issue 9 finding 6: a superuser disables the triggers, edits two rows, clears their seal
    columns, deletes the later checkpoints, enables the triggers and runs `seal_query_log`; the
    chain in the database is consistent again, and only the anchors outside it tell."""
    sealed_in_runs(3, 2)
    edited = list(QueryLog.objects.filter(seq__in=[4, 5]).order_by("seq").values_list("pk", flat=True))
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('is_superuser')")
        assert cursor.fetchone()[0] == "on"
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE refuses pending deferred FK checks
        for table in ("core_querylog", "core_querylogcheckpoint"):
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        cursor.execute(
            "UPDATE core_querylog SET subject_name = '王五', purpose = 'credit_review', seq = NULL, "
            "prev_hash = NULL, row_hash = NULL, sealed_at = NULL WHERE id = ANY(%s)",
            [edited],
        )
        cursor.execute("DELETE FROM core_querylogcheckpoint WHERE last_seq >= 4")
        for table in ("core_querylog", "core_querylogcheckpoint"):
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
    call_command("seal_query_log")
    assert list(QueryLog.objects.filter(pk__in=edited).order_by("seq").values_list("seq", flat=True)) == [4, 5]
    with pytest.raises(CommandError, match=rf"row id {edited[0]} .*sequence 4 \(row id {edited[0]}\)"):
        call_command("verify_query_log")


def test_a_lookup_never_seals_the_job_anchors_it_and_a_server_without_the_key_still_serves(
    settings, policy, django_capture_on_commit_callbacks
):
    """Sealing is off the request path (issue 16): the lookup only inserts its row, on a web server
    without the anchor key too; the sealing job chains and anchors it."""
    from apps.core.choices import QueryChannel, QueryMode, QueryPurpose
    from apps.core.querylog import LookupRequest, log_query, seal_pending
    from tests.factories import OfficerFactory

    officer = OfficerFactory()
    asked = LookupRequest(
        user=officer, mode=QueryMode.GOVERNMENT, purpose=QueryPurpose.ADMINISTRATIVE_LICENSING, channel=QueryChannel.WEB
    )
    settings.QUERY_LOG_ANCHOR_KEY = ""
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = log_query(asked, subject_identifier="11010519491231002X")
    assert callbacks == []  # nothing left to run after the commit either
    assert QueryLog.objects.get(pk=first.pk).seq is None
    assert not settings.QUERY_LOG_ANCHOR_PATH.exists()
    settings.QUERY_LOG_ANCHOR_KEY = "test-anchor-key-not-for-production-0123456789"
    assert seal_pending() == 1
    assert QueryLog.objects.get(pk=first.pk).seq == 1
    assert [line["seq"] for line in anchor_lines(settings)] == [1]
