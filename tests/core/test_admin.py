"""The admin follows restrict(): officers only see their own organisation; append-only tables
cannot be changed; every edit carries a reason."""

import pytest
from django.forms.models import model_to_dict
from django.urls import reverse

from apps.core.models import Policy, QueryLog
from tests.factories import AuditorFactory, AuthorityUserFactory, ClerkFactory, OfficerFactory, QueryLogFactory

pytestmark = pytest.mark.django_db


def test_every_role_opens_the_admin(client):
    for factory in (OfficerFactory, ClerkFactory, AuthorityUserFactory, AuditorFactory):
        client.force_login(factory())
        assert client.get(reverse("admin:index")).status_code == 200


def test_an_officer_sees_only_its_own_organisations_users(client):
    me, other = OfficerFactory(), OfficerFactory()
    client.force_login(me)
    page = client.get(reverse("admin:core_user_changelist"))
    assert page.status_code == 200
    assert me.username.encode() in page.content
    assert other.username.encode() not in page.content
    # Another organisation's user does not exist for this officer.
    response = client.get(reverse("admin:core_user_change", args=[other.pk]))
    assert response.status_code == 302 and response.url == reverse("admin:index")
    response = client.get(reverse("admin:core_organization_change", args=[other.organization_id]))
    assert response.status_code == 302
    # Own user: visible, read-only.
    assert client.get(reverse("admin:core_user_change", args=[me.pk])).status_code == 200
    assert client.post(reverse("admin:core_user_change", args=[me.pk]), {"role": "clerk"}).status_code == 403


def test_query_log_rows_cannot_be_changed_or_deleted_in_the_admin(client):
    entry = QueryLogFactory()
    client.force_login(AuditorFactory())
    assert client.get(reverse("admin:core_querylog_change", args=[entry.pk])).status_code == 200
    assert client.post(reverse("admin:core_querylog_change", args=[entry.pk]), {"purpose": "audit"}).status_code == 403
    assert client.post(reverse("admin:core_querylog_delete", args=[entry.pk]), {"post": "yes"}).status_code == 403
    assert QueryLog.objects.get(pk=entry.pk).purpose == entry.purpose
    # Identifiers are masked in the admin too.
    page = client.get(reverse("admin:core_querylog_changelist")).content.decode()
    assert entry.subject_identifier not in page
    assert entry.subject_identifier[:6] + "********" in page


def test_history_pages_show_old_versions_but_never_save_them(client, policy):
    """simple-history would save a POST to an old version with only the *view* permission."""
    client.force_login(AuditorFactory())
    assert client.get(reverse("admin:core_policy_history", args=[policy.pk])).status_code == 200
    history_id = policy.history.first().history_id
    url = reverse("admin:core_policy_simple_history", args=[policy.pk, history_id])
    assert client.get(url).status_code == 200
    data = _policy_form(policy, query_daily_threshold=1, change_reason="revert")
    assert client.post(url, data).status_code == 403
    policy.refresh_from_db()
    assert policy.query_daily_threshold != 1


def _policy_form(policy, **changes):
    import json

    # as the form renders them: JSON fields as JSON text
    data = {
        k: ("" if v is None else json.dumps(v) if isinstance(v, list | dict) else v)
        for k, v in model_to_dict(policy).items()
    }
    data = {k: v for k, v in data.items() if v is not False}  # unchecked checkboxes are absent
    data.update(changes)
    return data


def test_the_authority_edits_the_policy_with_a_reason_kept_in_history(client, policy):
    authority = AuthorityUserFactory()
    client.force_login(authority)
    url = reverse("admin:core_policy_change", args=[policy.pk])
    response = client.post(url, _policy_form(policy, query_daily_threshold=150))
    assert response.status_code == 200 and b"change_reason" in response.content  # reason missing
    response = client.post(url, _policy_form(policy, query_daily_threshold=150, change_reason="市信用办通知调整阈值"))
    assert response.status_code == 302, response.content[:2000]
    policy.refresh_from_db()
    assert policy.query_daily_threshold == 150
    latest = policy.history.first()
    assert latest.history_user == authority and latest.history_change_reason == "市信用办通知调整阈值"


def test_clerks_and_officers_cannot_edit_the_policy(client, policy):
    for factory in (ClerkFactory, OfficerFactory):
        client.force_login(factory())
        url = reverse("admin:core_policy_change", args=[policy.pk])
        assert client.post(url, _policy_form(policy, change_reason="x")).status_code == 403
    assert Policy.objects.get(pk=policy.pk).updated_by is None
