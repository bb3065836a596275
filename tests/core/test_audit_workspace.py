"""The auditor's workspace (issue 17 item 2): the change history across the audited models with
each entry's diff, a subject's trail (every change and every lookup), the query log's "who looked
at X" / "what did user Y look at", the chain verification run from the page as a background job
with its result history; audit browsing is logged under the purpose "audit", one row per page
view (Nanjing art. 52 keeps the query log; art. 57 lists who looked a subject up)."""

import pytest
from django.core.cache import caches
from django.urls import reverse
from django.utils import translation

from apps.core.audit import audited_save
from apps.core.choices import QueryChannel, QueryMode, QueryPurpose
from apps.core.models import QueryLog, QueryLogVerification
from apps.core.querylog import LookupRequest, log_query
from apps.core.verification_jobs import MARKER_KEY, MSG_ALREADY_RUNNING
from tests.factories import AuditorFactory, AuthorityUserFactory, ClerkFactory, OfficerFactory, QueryFlagFactory
from tests.subjects.factories import PersonFactory, RecordFactory

pytestmark = [pytest.mark.django_db, pytest.mark.today("2026-06-15T10:00")]

CITIZEN = "320102198506120018"


@pytest.fixture(autouse=True)
def _no_marker():
    caches["batch_progress"].delete(MARKER_KEY)
    yield
    caches["batch_progress"].delete(MARKER_KEY)


@pytest.fixture
def record(policy):
    """A person's record, corrected once by its agency (a second version with a diff)."""
    record = RecordFactory(subject=PersonFactory(name="王小明", identifier=CITIZEN), document_number="宁罚〔2026〕1号")
    record.document_number = "宁罚〔2026〕2号"
    audited_save(record, by=OfficerFactory(organization=record.provider), reason="更正文号")
    return record


@pytest.fixture
def auditor(policy):
    return AuditorFactory()


def _lookup_by(user, identifier=CITIZEN, purpose=QueryPurpose.ADMINISTRATIVE_LICENSING) -> QueryLog:
    return log_query(
        LookupRequest(user=user, mode=QueryMode.GOVERNMENT, purpose=purpose, channel=QueryChannel.WEB),
        subject_identifier=identifier,
        subject_name="王小明",
        query={"search": identifier},
    )


# --- change history ---------------------------------------------------------------------------


def test_the_history_lists_each_change_with_its_diff_and_logs_one_audit_row(client, record, auditor):
    client.force_login(auditor)
    response = client.get(reverse("core:audit_history"), {"model": "subjects.creditrecord", "object_id": record.pk})
    assert response.status_code == 200
    entries = response.context["entries"]
    assert len(entries) == 2 and entries[1].changes == []  # the version that created it has no diff
    changed = entries[0]
    assert changed.reason == "更正文号" and changed.who.organization == record.provider
    assert [(str(label), old, new) for label, old, new in changed.changes] == [
        (str(type(record)._meta.get_field("document_number").verbose_name), "宁罚〔2026〕1号", "宁罚〔2026〕2号")
    ]
    page = response.content.decode()
    assert "<del>宁罚〔2026〕1号</del>" in page and "<ins>宁罚〔2026〕2号</ins>" in page
    # A record carries a subject's data: one query-log row for the page, an audit, naming the subject.
    entry = QueryLog.objects.get(user=auditor)
    assert (entry.mode, entry.purpose) == (QueryMode.GOVERNMENT, QueryPurpose.AUDIT)
    assert entry.subject_identifier == CITIZEN
    assert entry.query["audit_history"] == "subjects.CreditRecord"
    assert entry.result["versions"] == 2


def test_the_history_filters_by_reason_user_and_time(client, record, auditor):
    client.force_login(auditor)
    url = reverse("core:audit_history")
    only_fix = client.get(url, {"model": "subjects.creditrecord", "reason": "更正"}).context["entries"]
    assert [e.reason for e in only_fix] == ["更正文号"]
    nobody = client.get(url, {"model": "subjects.creditrecord", "username": "no-such-user"}).context["entries"]
    assert nobody == []
    later = client.get(url, {"model": "subjects.creditrecord", "date_from": "2027-01-01"}).context["entries"]
    assert later == []


def test_a_model_without_personal_data_writes_no_lookup(client, auditor):
    flag = QueryFlagFactory()
    client.force_login(auditor)
    response = client.get(reverse("core:audit_history"), {"model": "core.queryflag"})
    assert response.status_code == 200 and [e.object_id for e in response.context["entries"]] == [flag.pk]
    assert not QueryLog.objects.filter(user=auditor).exists()


def test_bad_filter_input_is_named_in_chinese(client, auditor):
    client.force_login(auditor)
    with translation.override("zh-hans"):
        response = client.get(reverse("core:audit_history"), {"model": "auth.user", "date_from": "昨天"})
    page = response.content.decode()
    assert response.status_code == 200 and response.context["chosen"] is None
    assert "模型：" in page and "日期" in page  # the field is named, the error in Chinese


@pytest.mark.parametrize("factory", [ClerkFactory, OfficerFactory, AuthorityUserFactory])
def test_only_the_auditor_reads_the_workspace(client, policy, factory):
    client.force_login(factory())
    assert client.get(reverse("core:audit_history")).status_code == 403
    assert client.get(reverse("core:audit_chain")).status_code == 403
    assert client.post(reverse("core:audit_chain_verify")).status_code == 403
    assert client.get(reverse("subjects:subject_trail")).status_code == 403
    assert not QueryLogVerification.objects.exists()


# --- a subject's trail ----------------------------------------------------------------------


def test_the_trail_shows_every_change_and_every_lookup_and_logs_one_audit_row(client, record, auditor):
    clerk = ClerkFactory()
    looked = _lookup_by(clerk)
    _lookup_by(clerk, identifier="91320100MA1TEST00X"[:18])  # another subject's: not in the trail
    client.force_login(auditor)
    response = client.post(reverse("subjects:subject_trail"), {"identifier": CITIZEN})
    assert response.status_code == 200
    trail = response.context["trail"]
    assert trail.subject == record.subject
    models = {e.model for e in trail.changes}
    assert {type(record), type(record.subject)} <= models  # the subject's own versions and its record's
    assert any(e.reason == "更正文号" and e.changes for e in trail.changes)
    assert [q.pk for q in trail.lookups] == [looked.pk]
    entry = QueryLog.objects.get(user=auditor)
    assert (entry.purpose, entry.subject_identifier, entry.query) == (
        QueryPurpose.AUDIT,
        CITIZEN,
        {"audit_trail": CITIZEN},
    )
    # Each page view is one row; a page naming the subject on file links by its id, no ID in the address.
    again = client.get(reverse("subjects:subject_trail"), {"subject": record.subject.pk})
    assert again.context["trail"].subject == record.subject
    assert QueryLog.objects.filter(user=auditor).count() == 2


def test_a_bad_identifier_is_named_and_nothing_is_logged(client, auditor):
    client.force_login(auditor)
    with translation.override("zh-hans"):
        response = client.post(reverse("subjects:subject_trail"), {"identifier": "320102198506120011"})
    assert response.status_code == 200 and response.context["trail"] is None
    assert "校验" in response.content.decode()
    assert not QueryLog.objects.exists()


# --- the query log ----------------------------------------------------------------------------


def test_who_looked_at_a_subject_is_itself_an_audit_lookup(client, record, auditor):
    clerk = ClerkFactory()
    looked = _lookup_by(clerk)
    client.force_login(auditor)
    response = client.get(reverse("core:querylog_list"), {"subject_identifier": CITIZEN})
    assert [e.pk for e in response.context["items"]] == [looked.pk]
    entry = QueryLog.objects.get(user=auditor)
    assert (entry.purpose, entry.subject_identifier) == (QueryPurpose.AUDIT, CITIZEN)
    assert entry.result["ids"] == [looked.pk]
    # "What did user Y look at" names no subject: no row.
    response = client.get(reverse("core:querylog_list"), {"username": clerk.username})
    assert looked.pk in [e.pk for e in response.context["items"]]
    assert QueryLog.objects.filter(user=auditor).count() == 1


# --- the admin --------------------------------------------------------------------------------


def test_an_auditor_in_the_admin_is_not_asked_a_purpose_and_is_logged_as_audit(client, record, auditor):
    """Issue 17: the auditor's admin lookups were logged as "information integration"."""
    auditor.is_staff = True
    auditor.save()
    client.force_login(auditor)
    for name in ("admin:subjects_creditrecord_change", "admin:subjects_creditrecord_history"):
        assert client.get(reverse(name, args=[record.pk])).status_code == 200
    entries = list(QueryLog.objects.filter(user=auditor).order_by("id"))
    assert [(e.purpose, e.query["page"]) for e in entries] == [
        (QueryPurpose.AUDIT, "change"),
        (QueryPurpose.AUDIT, "history"),
    ]


# --- chain verification -----------------------------------------------------------------------


def test_the_auditor_runs_the_verification_from_the_page(client, auditor):
    _lookup_by(ClerkFactory())
    client.force_login(auditor)
    with translation.override("zh-hans"):
        response = client.post(reverse("core:audit_chain_verify"), follow=True)
    assert response.status_code == 200
    run = QueryLogVerification.objects.get()  # the job ran (eager in the tests) and recorded its result
    assert run.ok and run.rows_checked == 1
    assert response.context["running"] is None
    page = response.content.decode()
    assert "链条完整" in page or "完整" in page
    assert [r.pk for r in response.context["items"]] == [run.pk]


def test_a_second_run_is_refused_while_one_is_running(client, auditor):
    import time

    caches["batch_progress"].set(MARKER_KEY, {"at": time.time(), "by": "审计员甲"})
    client.force_login(auditor)
    response = client.post(reverse("core:audit_chain_verify"), follow=True)
    assert not QueryLogVerification.objects.exists()
    assert response.context["running"].requested_by == "审计员甲"
    with translation.override("zh-hans"):
        expected = str(MSG_ALREADY_RUNNING).split("{")[0]
    assert expected and expected in response.content.decode()


def test_the_verification_needs_a_post(client, auditor):
    client.force_login(auditor)
    assert client.get(reverse("core:audit_chain_verify")).status_code == 405


# --- no English in the admin for a zh-hans user ----------------------------------------------------

# Words that are not English prose: protocol and header names, units, the username of a factory.
NOT_PROSE = {"HTTP", "Accept", "GET", "POST", "SHA"}


def _english_words(html: str) -> set[str]:
    """Latin words of four letters or more in the page's visible text (not in tags, scripts,
    styles, or user data such as usernames given to the check)."""
    import html as html_lib
    import re

    text = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    text = html_lib.unescape(re.sub(r"<[^>]+>", " ", text))
    words = set(re.findall(r"\b[A-Za-z]{4,}\b", text))
    return words - NOT_PROSE


def test_the_admins_history_pages_read_in_chinese(client, record, auditor):
    """Issue 17: the history pages showed the header "CHANGES" in English."""
    auditor.is_staff = True
    auditor.save()
    client.force_login(auditor)
    with translation.override("zh-hans"):
        response = client.get(
            reverse("admin:subjects_creditrecord_history", args=[record.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans"
        )
    page = response.content.decode()
    assert response.status_code == 200 and "变更内容" in page
    # User data (usernames, the factories' change reasons) is not the interface's text.
    data = {auditor.username, *(v.history_change_reason for v in record.history.all())}
    english = _english_words(page) - data
    assert english == set(), english


def test_the_axes_sections_read_in_chinese(client, policy):
    """Issue 17: the admin showed "AXES / Access attempts …" in English."""
    from axes.models import AccessAttempt

    from tests.factories import NoRoleUserFactory

    attempt = AccessAttempt.objects.create(
        username="someone",
        ip_address="127.0.0.1",
        user_agent="test-agent",
        http_accept="*/*",
        path_info="/x",
        get_data="",
        post_data="",
        failures_since_start=3,
    )
    admin = NoRoleUserFactory(is_superuser=True, is_staff=True)
    client.force_login(admin)
    with translation.override("zh-hans"):
        index = client.get(reverse("admin:index")).content.decode()
        listing = client.get(reverse("admin:axes_accessattempt_changelist")).content.decode()
        detail = client.get(reverse("admin:axes_accessattempt_change", args=[attempt.pk])).content.decode()
    assert "登录锁定" in index and "Axes" not in index
    assert "登录尝试" in listing
    for page in (listing, detail):
        english = _english_words(page) - {"someone", "test", "agent", admin.username}
        assert english == set(), english


def test_a_broken_chain_reads_as_broken_in_chinese(client, auditor):
    QueryLogVerification.objects.create(ok=True, rows_checked=5, unsealed_rows=0, message="链完整")
    QueryLogVerification.objects.create(
        ok=False, rows_checked=2, unsealed_rows=0, first_bad_id=3, message="第 3 行被修改"
    )
    client.force_login(auditor)
    with translation.override("zh-hans"):
        response = client.get(reverse("core:audit_chain"))
    page = response.content.decode()
    assert "链条已被破坏" in page and "第 3 行被修改" in page
    assert [r.ok for r in response.context["items"]] == [False, True]  # newest first, every run


def test_the_audit_menu_is_the_auditors(client, policy):
    auditor, clerk = AuditorFactory(), ClerkFactory()
    with translation.override("zh-hans"):
        client.force_login(auditor)
        auditor_menu = client.get(reverse("core:home")).content.decode().split('class="mainnav"')[1].split("</nav>")[0]
        client.force_login(clerk)
        clerk_menu = client.get(reverse("core:home")).content.decode().split('class="mainnav"')[1].split("</nav>")[0]
    for label in ("变更历史", "主体全程轨迹", "链条校验"):
        assert label in auditor_menu and label not in clerk_menu
    assert "查询日志" in clerk_menu  # the clerk keeps the query log itself
