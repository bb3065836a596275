"""The query log: purpose rules, abnormal-volume control, the hash chain and its verification."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.db import connection

from apps.core.audit import drop_append_only_triggers, install_append_only_triggers
from apps.core.choices import QueryChannel, QueryMode, QueryOutcome, QueryPurpose
from apps.core.models import QueryFlag, QueryFlagStatus, QueryLog, QueryLogVerification
from apps.core.querylog import LookupRequest, QueryRefused, log_query, seal_query_log, verify_query_log
from apps.core.services import query_flag_clear
from tests.factories import AuthorityUserFactory, ClerkFactory, OfficerFactory, QueryLogFactory

pytestmark = pytest.mark.django_db


def lookup(user, mode=QueryMode.GOVERNMENT, purpose=QueryPurpose.ADMINISTRATIVE_LICENSING, **extra):
    return LookupRequest(user=user, mode=mode, purpose=purpose, channel=QueryChannel.WEB, client_ip="10.1.2.3", **extra)


def test_a_lookup_writes_one_row_with_who_why_and_what(policy):
    officer = OfficerFactory()
    entry = log_query(
        lookup(officer),
        subject_identifier="１１０１０５１９４９１２３１００２ｘ",
        subject_name="张三",
        query={"identifier": "11010519491231002X"},
        result={"records": 4},
    )
    assert QueryLog.objects.count() == 1
    assert entry.user == officer and entry.organization == officer.organization
    assert entry.subject_identifier == "11010519491231002X"
    assert (entry.mode, entry.purpose, entry.outcome) == ("government", "administrative_licensing", "found")
    assert entry.client_ip == "10.1.2.3"


@pytest.mark.parametrize(
    ("mode", "purpose", "extra", "field"),
    [
        ("", "", {}, None),
        (QueryMode.PUBLIC, QueryPurpose.ADMINISTRATIVE_LICENSING, {}, "purpose"),
        (QueryMode.GOVERNMENT, QueryPurpose.SELF_INQUIRY, {}, "purpose"),
        (QueryMode.GOVERNMENT, QueryPurpose.DAILY_SUPERVISION, {}, "purpose_detail"),
        (QueryMode.AUTHORISED, QueryPurpose.AUTHORISED_USE, {}, "authorization_document"),
        # longer than the log's columns: refused with the field, not a database error
        (QueryMode.GOVERNMENT, QueryPurpose.DAILY_SUPERVISION, {"purpose_detail": "查" * 501}, "purpose_detail"),
        (
            QueryMode.AUTHORISED,
            QueryPurpose.AUTHORISED_USE,
            {"authorization_document": "书" * 201},
            "authorization_document",
        ),
    ],
)
def test_a_lookup_without_a_fitting_purpose_is_refused(policy, mode, purpose, extra, field):
    """Nanjing art. 44, Tianjin art. 19, Ningbo art. 39: government lookups serve listed work only."""
    with pytest.raises(ValidationError) as caught:
        log_query(lookup(OfficerFactory(), mode=mode, purpose=purpose, **extra), subject_identifier="x")
    if field:
        assert field in caught.value.message_dict
    assert QueryLog.objects.count() == 0


def test_the_21st_lookup_of_a_day_is_refused_and_the_user_flagged(policy):
    """Nanjing art. 52: 查询流量异常管控 — over the threshold the user is flagged and refused."""
    policy.query_daily_threshold = 20
    policy.save()
    officer = OfficerFactory()
    for _ in range(20):
        log_query(lookup(officer), subject_identifier="11010519491231002X")
    with pytest.raises(QueryRefused) as caught:
        log_query(lookup(officer), subject_identifier="11010519491231002X")
    assert isinstance(caught.value, PermissionDenied)
    assert "20" in str(caught.value)
    flag = QueryFlag.objects.get(user=officer)
    assert flag.status == QueryFlagStatus.OPEN and flag.lookups == 20 and flag.threshold == 20
    refused = QueryLog.objects.filter(user=officer, outcome=QueryOutcome.REFUSED)
    assert refused.count() == 1  # the refusal itself is on record
    # Still refused while the flag is open.
    with pytest.raises(QueryRefused):
        log_query(lookup(officer), subject_identifier="11010519491231002X")
    # Another user is not affected.
    log_query(lookup(OfficerFactory()), subject_identifier="11010519491231002X")


def test_the_credit_office_clears_a_flag_with_a_reason_and_it_is_audited(policy):
    """Nanjing art. 52: the credit office clears the flag; the clearing is in the history."""
    policy.query_daily_threshold = 2
    policy.save()
    officer, clerk = OfficerFactory(), ClerkFactory()
    for _ in range(2):
        log_query(lookup(officer), subject_identifier="11010519491231002X")
    with pytest.raises(QueryRefused):
        log_query(lookup(officer), subject_identifier="11010519491231002X")
    flag = QueryFlag.objects.get(user=officer)

    with pytest.raises(PermissionDenied):
        query_flag_clear(flag, by=AuthorityUserFactory(), reason="想清除")
    with pytest.raises(PermissionDenied):
        query_flag_clear(flag, by=officer, reason="自己清除")
    with pytest.raises(ValidationError):
        query_flag_clear(flag, by=clerk, reason="")

    query_flag_clear(flag, by=clerk, reason="核实为批量审批业务需要")
    flag.refresh_from_db()
    assert flag.status == QueryFlagStatus.CLEARED and flag.cleared_by == clerk
    latest = flag.history.first()
    assert latest.history_user == clerk and latest.history_change_reason == "核实为批量审批业务需要"
    # A fresh allowance after the clearing.
    log_query(lookup(officer), subject_identifier="11010519491231002X")
    with pytest.raises(ValidationError):
        query_flag_clear(flag, by=clerk, reason="再次")


def test_no_volume_control_when_the_policy_switches_it_off(policy):
    policy.query_daily_threshold = 1
    policy.query_abnormal_control = False
    policy.save()
    officer = OfficerFactory()
    for _ in range(3):
        log_query(lookup(officer), subject_identifier="11010519491231002X")
    assert not QueryFlag.objects.exists()


def test_public_lookups_have_no_user(policy):
    entry = log_query(
        LookupRequest(
            user=None, mode=QueryMode.PUBLIC, purpose=QueryPurpose.PUBLIC_INFORMATION, channel=QueryChannel.PUBLIC
        ),
        subject_identifier="914403001922038216",
    )
    assert entry.user is None and entry.organization is None


def test_sealing_chains_rows_in_order_and_verification_passes():
    rows = QueryLogFactory.create_batch(5)
    assert seal_query_log() == 5
    rows = list(QueryLog.objects.order_by("seq"))
    assert [r.seq for r in rows] == [1, 2, 3, 4, 5]
    assert all(rows[i].prev_hash == rows[i - 1].row_hash for i in range(1, 5))
    QueryLogFactory.create_batch(2)
    assert seal_query_log() == 2
    assert seal_query_log() == 0
    report = verify_query_log()
    assert report.ok and report.rows_checked == 7
    assert QueryLogVerification.objects.get().ok


def _tamper(sql, params=()):
    """Tampering needs the triggers out of the way, as a superuser could do."""
    drop_append_only_triggers(connection)
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
    finally:
        install_append_only_triggers(connection)


def test_verification_names_an_altered_row():
    QueryLogFactory.create_batch(5)
    seal_query_log()
    victim = QueryLog.objects.get(seq=3)
    _tamper("UPDATE core_querylog SET purpose = 'audit' WHERE id = %s", [victim.pk])
    report = verify_query_log()
    assert not report.ok
    assert report.first_bad_id == victim.pk
    assert report.problem == "altered"


def test_verification_names_a_removed_row():
    QueryLogFactory.create_batch(5)
    seal_query_log()
    victim = QueryLog.objects.get(seq=2)
    _tamper("DELETE FROM core_querylog WHERE id = %s", [victim.pk])
    report = verify_query_log()
    assert not report.ok
    assert report.first_bad_id == QueryLog.objects.get(seq=3).pk
    assert report.problem == "missing"


def test_verification_detects_removed_newest_rows():
    QueryLogFactory.create_batch(4)
    seal_query_log()
    _tamper("DELETE FROM core_querylog WHERE seq = 4")
    report = verify_query_log()
    assert not report.ok
    assert report.problem == "tail_removed"


def test_verification_detects_a_rehashed_row():
    """Recomputing one row's hash breaks the link of the next one."""
    QueryLogFactory.create_batch(3)
    seal_query_log()
    _tamper("UPDATE core_querylog SET row_hash = %s WHERE seq = 2", ["f" * 64])
    report = verify_query_log()
    assert not report.ok
    assert report.first_bad_id == QueryLog.objects.get(seq=2).pk
    assert report.problem == "altered"


def test_verify_command_exits_non_zero_and_names_the_row():
    QueryLogFactory.create_batch(3)
    call_command("verify_query_log")  # seals first, then passes
    victim = QueryLog.objects.get(seq=2)
    _tamper("UPDATE core_querylog SET subject_name = '李四' WHERE id = %s", [victim.pk])
    with pytest.raises(CommandError, match=f"row id {victim.pk}"):
        call_command("verify_query_log")


def test_rows_logged_late_join_the_next_seal():
    first = QueryLogFactory()
    seal_query_log()
    late = QueryLogFactory()
    assert QueryLog.objects.get(pk=late.pk).seq is None
    seal_query_log()
    assert QueryLog.objects.get(pk=late.pk).seq == QueryLog.objects.get(pk=first.pk).seq + 1
    assert verify_query_log().ok
