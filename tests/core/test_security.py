"""Security findings of the hostile test of the landed portal (issue 9): role grants are an
allow-list of the project's own models, API keys are shown once, admin list filters answer no
questions about personal data, and every lookup in the admin or a report download is logged with
the purpose its user gave."""

import json
import os
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from apps.core.choices import QueryMode, QueryPurpose, Role
from apps.core.models import QueryLog
from apps.core.permissions import role_group_name
from tests.factories import AuditorFactory, ClerkFactory, OfficerFactory, UserFactory
from tests.subjects.factories import PersonFactory, RecordFactory

pytestmark = pytest.mark.django_db

SNAPSHOT = Path(__file__).with_name("role_permissions.json")
FRAMEWORK_APPS = {"auth", "authtoken", "axes", "admin", "sessions", "contenttypes", "guardian"}


def _group_permissions(role) -> set[str]:
    group = Group.objects.get(name=role_group_name(role))
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}


def test_each_role_group_holds_exactly_its_allow_list():
    """The reviewed permission set of every role (tests/core/role_permissions.json). A change
    to a role's grants must change that file too, so that it is seen in review; regenerate it
    with UPDATE_ROLE_PERMISSIONS=1 after checking the diff this test prints."""
    actual = {role.value: sorted(_group_permissions(role)) for role in Role}
    if os.environ.get("UPDATE_ROLE_PERMISSIONS"):
        SNAPSHOT.write_text(json.dumps(actual, indent=1, ensure_ascii=False) + "\n")
    expected = json.loads(SNAPSHOT.read_text())
    diff = {
        role: {
            "granted but not in the allow-list": sorted(set(actual[role]) - set(expected.get(role, []))),
            "in the allow-list but not granted": sorted(set(expected.get(role, [])) - set(actual[role])),
        }
        for role in actual
    }
    diff = {role: d for role, d in diff.items() if any(d.values())}
    assert not diff, json.dumps(diff, indent=1, ensure_ascii=False)


@pytest.mark.parametrize("role", list(Role))
def test_no_role_holds_a_permission_on_framework_tables(role):
    """Critical finding 1: the auditor's view_* of everything included authtoken.view_tokenproxy."""
    perms = _group_permissions(role)
    assert not {p for p in perms if p.split(".")[0] in FRAMEWORK_APPS}
    assert not {p for p in perms if "objectpermission" in p}  # guardian's direct-FK tables


def test_the_auditor_cannot_read_api_keys_nor_act_with_one(client):
    """Finding 1 reproduced: the auditor listed every key in the admin and PATCHed with the clerk's."""
    clerk = ClerkFactory()
    key = Token.objects.create(user=clerk).key
    client.force_login(AuditorFactory())
    assert client.get("/admin/authtoken/tokenproxy/").status_code == 403
    assert client.get(f"/admin/authtoken/tokenproxy/{clerk.pk}/change/").status_code == 403
    assert key.encode() not in client.get(reverse("admin:index")).content


def test_an_api_key_is_shown_once_then_only_its_prefix(client):
    owner = OfficerFactory()
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    response = client.post("/admin/authtoken/tokenproxy/add/", {"user": owner.pk}, follow=True)
    key = Token.objects.get(user=owner).key
    assert key in response.content.decode()  # the one message right after creation
    for url in (
        "/admin/authtoken/tokenproxy/",
        f"/admin/authtoken/tokenproxy/{owner.pk}/change/",
        reverse("admin:index"),
    ):
        page = client.get(url)
        # The superuser opens each page (a 403 would hide the key without proving it is masked).
        assert page.status_code == 200, url
        assert key not in page.content.decode(), url
    assert key[:6] in client.get("/admin/authtoken/tokenproxy/").content.decode()
    from django.contrib.admin.models import LogEntry

    assert not LogEntry.objects.filter(object_repr__contains=key).exists()
    # The key still works for its owner.
    api = APIClient(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/catalog-items/").status_code == 200


# --- the admin is no oracle of personal data (finding 2) ------------------------------------------


def test_officers_get_no_subject_admin(client, policy):
    """Finding 2 reproduced: ?identifier=… showed 1 row or 0, with no query-log row."""
    person = PersonFactory(identifier="320102197503141011")
    client.force_login(OfficerFactory())
    assert (
        client.get(reverse("admin:subjects_subject_changelist"), {"identifier": person.identifier}).status_code == 403
    )
    assert client.get(reverse("admin:subjects_creditrecord_changelist")).status_code == 403
    assert b"subjects/subject" not in client.get(reverse("admin:index")).content


@pytest.mark.parametrize(
    "lookup",
    ["identifier", "identifier__startswith", "identifier__regex", "name", "name__startswith", "name__contains"],
)
def test_admin_lists_refuse_lookups_on_identifiers_and_names(client, policy, lookup):
    person = PersonFactory(identifier="320102197503141011", name="赵一")
    client.force_login(ClerkFactory())
    value = {"identifier": person.identifier, "name": person.name}[lookup.split("__")[0]][:6]
    response = client.get(reverse("admin:subjects_subject_changelist"), {lookup: value})
    assert response.status_code == 400
    response = client.get(reverse("admin:subjects_creditrecord_changelist"), {f"subject__{lookup}": value})
    assert response.status_code == 400
    assert not QueryLog.objects.exists()


def test_the_admin_lists_own_filters_still_work(client, policy):
    client.force_login(ClerkFactory())
    page = client.get(reverse("admin:subjects_subject_changelist"), {"kind__exact": "natural_person"})
    assert page.status_code == 200
    assert client.get(reverse("admin:core_querylog_changelist"), {"mode__exact": "government"}).status_code == 200
    assert client.get(reverse("admin:core_querylog_changelist"), {"subject_identifier": "3201"}).status_code == 400


def _state_purpose(client, response, purpose=QueryPurpose.DAILY_SUPERVISION, detail="核查归集质量"):
    assert response.status_code == 302 and "lookup-purpose" in response.url
    page = client.get(response.url)
    assert page.status_code == 200 and "查询目的" in page.content.decode()
    return client.post(
        response.url,
        {
            "purpose": purpose,
            "purpose_detail": detail,
            "target": page.context["target"],
            "next": page.context["next_url"],
        },
    )


def test_an_admin_search_asks_the_purpose_and_logs_it(client, policy):
    person = PersonFactory()
    clerk = ClerkFactory()
    client.force_login(clerk)
    url = reverse("admin:subjects_subject_changelist")
    first = client.get(url, {"q": person.identifier})
    assert not QueryLog.objects.exists()  # nothing answered before the purpose is given
    back = _state_purpose(client, first)
    assert back.status_code == 302
    page = client.get(back.url)
    assert page.status_code == 200 and person.masked_identifier in page.content.decode()
    entry = QueryLog.objects.get()
    assert (entry.user, entry.mode, entry.purpose) == (clerk, QueryMode.GOVERNMENT, QueryPurpose.DAILY_SUPERVISION)
    assert entry.purpose_detail == "核查归集质量" and entry.query["q"] == person.identifier


def test_an_admin_object_page_logs_the_purpose_its_user_gave(client, policy):
    """Finding 5: admin pages were logged as government/integration "admin" whatever the user did.
    (An auditor states none: its lookups are audits, tests/core/test_audit_workspace.py.)"""
    record = RecordFactory()
    auditor = ClerkFactory()
    client.force_login(auditor)
    url = reverse("admin:subjects_creditrecord_change", args=[record.pk])
    back = _state_purpose(client, client.get(url), purpose=QueryPurpose.DAILY_SUPERVISION, detail="核查归集质量")
    assert back.url == url
    assert client.get(url).status_code == 200
    # The stated purpose covers this record's other pages for a while; each page is a row.
    assert client.get(reverse("admin:subjects_creditrecord_history", args=[record.pk])).status_code == 200
    change, history = QueryLog.objects.order_by("id")
    for entry in (change, history):
        assert (entry.user, entry.purpose, entry.purpose_detail) == (
            auditor,
            QueryPurpose.DAILY_SUPERVISION,
            "核查归集质量",
        )
        assert entry.subject_identifier == record.subject.identifier
    assert (change.query["page"], history.query["page"]) == ("change", "history")
    # Another record's page asks again.
    other = RecordFactory()
    assert client.get(reverse("admin:subjects_creditrecord_change", args=[other.pk])).status_code == 302


def test_a_purpose_that_needs_a_matter_is_refused_without_one(client, policy):
    record = RecordFactory()
    client.force_login(ClerkFactory())
    first = client.get(reverse("admin:subjects_creditrecord_change", args=[record.pk]))
    response = _state_purpose(client, first, detail="")
    assert response.status_code == 200 and response.context["form"].errors["purpose_detail"]
    assert not QueryLog.objects.exists()


def test_the_purpose_page_refuses_a_foreign_return_address(client, policy):
    client.force_login(ClerkFactory())
    url = reverse("admin:subjects_subject_lookup_purpose")
    for target, next_url in (("subjects.subject:1", "https://evil.example/"), ("core.user:1", "/admin/")):
        assert client.get(url, {"target": target, "next": next_url}).status_code == 403


def test_a_report_download_logs_the_downloaders_own_purpose(client, policy):
    """Finding 5: GET /reports/<code>/pdf/ by the auditor was logged with the issuer's purpose."""
    from apps.core.choices import QueryChannel
    from apps.core.querylog import LookupRequest
    from apps.subjects.reports import credit_report_issue

    company = RecordFactory().subject
    report, _html = credit_report_issue(
        LookupRequest(
            user=ClerkFactory(), mode=QueryMode.GOVERNMENT, purpose=QueryPurpose.BIDDING, channel=QueryChannel.WEB
        ),
        company,
    )
    auditor = AuditorFactory()
    client.force_login(auditor)
    url = reverse("subjects:report_pdf", args=[report.code])
    form = client.get(url)
    assert form.status_code == 200 and "application/pdf" not in form["Content-Type"]
    assert QueryLog.objects.filter(user=auditor).count() == 0
    response = client.post(
        url, {"mode": "government", "purpose": QueryPurpose.DAILY_SUPERVISION, "purpose_detail": "报告抽查"}
    )
    assert response["Content-Type"] == "application/pdf"
    entry = QueryLog.objects.get(user=auditor)
    assert (entry.purpose, entry.purpose_detail) == (QueryPurpose.DAILY_SUPERVISION, "报告抽查")
    assert entry.query == {"report_download": report.code}


# --- passwords, CSP, lockout (finding 7) ---------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Clerk-2026", "密码跟 用户名 太相似了。"),  # accepted before: similarity 0.67 < 0.7
        ("Clerk-2026!!", "密码跟 用户名 太相似了。"),
        ("Xq7-short", "密码太短，至少需要 12 个字符。"),
    ],
)
def test_passwords_like_the_username_or_short_are_refused_in_chinese(password, message):
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        validate_password(password, UserFactory.build(username="clerk", full_name="王晓明"))
    assert message in refused.value.messages


def test_a_long_mixed_password_unlike_the_account_is_accepted():
    from django.contrib.auth.password_validation import validate_password

    validate_password("Window-2026!demo", UserFactory.build(username="clerk", full_name="王晓明"))


def test_pages_carry_a_content_security_policy(client):
    policy = client.get(reverse("login"))["Content-Security-Policy"]
    for directive in ("default-src 'self'", "script-src 'self'", "object-src 'none'", "frame-ancestors 'none'"):
        assert directive in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]


def test_the_api_docs_need_no_inline_script(client):
    client.force_login(ClerkFactory())
    page = client.get("/api/docs/").content.decode()
    assert "<script>" not in page.replace(" ", "")


def test_an_address_is_locked_after_failures_on_many_usernames(client, settings):
    """Password spraying: one address tries one password on many accounts."""
    from apps.core.models import AuthEvent

    settings.AXES_FAILURE_LIMIT = 3
    victims = [OfficerFactory() for _ in range(4)]
    for victim in victims[:3]:
        client.post(reverse("login"), {"username": victim.username, "password": "Wrong-password-1"})
    response = client.post(reverse("login"), {"username": victims[3].username, "password": "Correct-Horse-42!"})
    assert response.status_code == 429
    assert AuthEvent.objects.filter(kind="locked_out", username=victims[3].username).exists()
    # From another address the fourth user still signs in: the address was locked, not the user.
    other = client.__class__(REMOTE_ADDR="10.0.0.9")
    assert (
        other.post(reverse("login"), {"username": victims[3].username, "password": "Correct-Horse-42!"}).status_code
        == 302
    )


def test_a_refused_filter_answers_a_chinese_400_page(client, policy):
    client.force_login(ClerkFactory())
    response = client.get(reverse("admin:subjects_subject_changelist"), {"identifier__regex": "^3201"})
    assert response.status_code == 400 and "无法处理该请求" in response.content.decode()


def test_a_read_only_admin_page_asks_no_change_reason(client, policy):
    from apps.core.models import Policy

    client.force_login(AuditorFactory())
    page = client.get(reverse("admin:core_policy_change", args=[Policy.objects.first().pk])).content.decode()
    assert "Change reason" not in page and "变更原因" not in page
