"""Notifications (`apps.core.notifications`): the daily job that tells the responsible users about
overdue clocks (`manage.py deadlines_daily`), the home page's panel, marking one read, and that a
notification is its recipient's alone."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import DatabaseError, transaction
from django.urls import reverse

from apps.core.choices import DeadlineKind, NotificationKind
from apps.core.models import Deadline, Notification
from apps.core.notifications import MSG_MARKED, deadlines_notify_overdue
from apps.core.permissions import restrict
from apps.subjects.workbench import ImportBatchClocks
from tests.core.test_workbench import MONDAY, _batch, _case, _clock
from tests.factories import (
    AuditorFactory,
    ClerkFactory,
    NoRoleUserFactory,
    NotificationFactory,
    OfficerFactory,
    OrganizationFactory,
)

D = dt.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def overdue(policy):
    """An integration overdue since 30 October, a statement period run out on 27 October, an
    integration due today (not overdue)."""
    agency = OrganizationFactory()
    late = _clock(_batch(agency), DeadlineKind.INTEGRATION, D(2026, 10, 23))
    lapsed = _clock(_case(agency), DeadlineKind.STATEMENT, D(2026, 10, 20))
    due_today = _clock(_batch(agency), DeadlineKind.INTEGRATION, D(2026, 10, 26))
    return late, lapsed, due_today, agency


def _run() -> str:
    out = StringIO()
    call_command("deadlines_daily", stdout=out)
    return out.getvalue()


@pytest.mark.today(MONDAY)
def test_the_daily_job_notifies_once_and_mails_once(overdue):
    late, lapsed, due_today, agency = overdue
    clerk = ClerkFactory(email="clerk@example.gov.cn")
    clerk_without_mail = ClerkFactory(email="")
    officer = OfficerFactory(organization=agency)  # the case's officers: a statement period is not theirs to miss

    first = _run()
    assert "overdue_marked: 1" in first and "notifications: 2" in first and "emails: 1" in first
    clock = late.deadlines.get()
    assert clock.overdue_notified_at is not None
    assert clock.history.first().history_change_reason == str(MSG_MARKED)
    assert lapsed.deadlines.get().overdue_notified_at is None  # a period granted to the subject
    assert due_today.deadlines.get().overdue_notified_at is None
    assert [n.deadline for n in Notification.objects.filter(recipient=clerk)] == [clock]
    assert Notification.objects.filter(recipient=clerk_without_mail).count() == 1
    assert not Notification.objects.filter(recipient=officer).exists()
    note = Notification.objects.get(recipient=clerk)
    assert note.kind == NotificationKind.OVERDUE and note.link == reverse("subjects:batch_detail", args=[late.pk])
    assert "2026-10-30" in note.message and note.emailed_at is not None
    assert Notification.objects.get(recipient=clerk_without_mail).emailed_at is None
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["clerk@example.gov.cn"]
    assert note.message in message.body and note.link in message.body

    second = _run()
    assert "overdue_marked: 0" in second and "notifications: 0" in second and "emails: 0" in second
    assert Notification.objects.filter(recipient=clerk).count() == 1
    assert Notification.objects.count() == 2
    assert len(mail.outbox) == 1
    assert Deadline.objects.get(pk=clock.pk).history.count() == clock.history.count()


@pytest.mark.today(MONDAY)
def test_a_clock_met_before_the_run_tells_nobody(overdue):
    from apps.core.deadlines import deadline_meet

    late, *_ = overdue
    ClerkFactory()
    deadline_meet(late, DeadlineKind.INTEGRATION, by=None, reason="整合")
    result = deadlines_notify_overdue()
    assert (result.overdue_marked, result.notifications, result.emails) == (0, 0, 0)
    assert not Notification.objects.exists() and not mail.outbox


@pytest.mark.today(MONDAY)
def test_a_failed_mail_keeps_the_notice_and_is_tried_again(overdue, monkeypatch):
    clerk = ClerkFactory()
    calls = []

    def refuse(self, fail_silently=False):
        calls.append(self.to)
        raise OSError("mail server down")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    result = deadlines_notify_overdue()
    assert result.notifications == 1 and result.emails == 0 and result.email_failures and calls
    assert Notification.objects.get(recipient=clerk).emailed_at is None
    monkeypatch.undo()
    again = deadlines_notify_overdue()
    assert (again.overdue_marked, again.notifications, again.emails) == (0, 0, 1)
    assert len(mail.outbox) == 1


@pytest.mark.today(MONDAY)
def test_the_batch_owner_uses_the_registered_responsible_users(overdue):
    late, *_ = overdue
    clerk = ClerkFactory()
    assert list(ImportBatchClocks().responsible(late, late.deadlines.get())) == [clerk]


# --- the home panel and marking read ------------------------------------------------------------


def test_the_home_page_shows_ones_own_unread_notifications(client):
    officer = OfficerFactory()
    mine = NotificationFactory(recipient=officer, message="甲批次整合已逾期")
    read = NotificationFactory(recipient=officer, message="已读的通知")
    read.read_at = read.created_at
    read.save(update_fields=["read_at"])
    NotificationFactory(recipient=OfficerFactory(organization=officer.organization), message="同事的通知")
    client.force_login(officer)
    page = client.get(reverse("core:home")).content.decode()
    assert mine.message in page and reverse("core:notification_read", args=[mine.pk]) in page
    assert "已读的通知" not in page and "同事的通知" not in page
    assert 'name="csrfmiddlewaretoken"' in page


def test_marking_read_needs_a_post_with_csrf_and_only_ones_own(client):
    officer, colleague = OfficerFactory(), OfficerFactory()
    mine, theirs = NotificationFactory(recipient=officer), NotificationFactory(recipient=colleague)
    client.force_login(officer)
    url = reverse("core:notification_read", args=[mine.pk])
    assert client.get(url).status_code == 405
    assert client.post(reverse("core:notification_read", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None

    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == reverse("core:home")
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert mine.message not in client.get(reverse("core:home")).content.decode()
    first_read = mine.read_at
    client.post(url)  # twice: nothing changes
    mine.refresh_from_db()
    assert mine.read_at == first_read

    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(colleague)
    assert strict.post(reverse("core:notification_read", args=[theirs.pk])).status_code == 403


def test_notifications_are_personal_for_every_role():
    users = [OfficerFactory(), ClerkFactory(), AuditorFactory(), NoRoleUserFactory(is_superuser=True)]
    notes = {user.pk: NotificationFactory(recipient=user) for user in users}
    for user in users:
        assert list(restrict(Notification.objects.all(), user)) == [notes[user.pk]], user.role
    assert not restrict(Notification.objects.all(), NoRoleUserFactory()).exists()


def test_the_admin_shows_a_user_their_own_notifications_read_only(client):
    auditor, clerk = AuditorFactory(), ClerkFactory()
    mine, theirs = NotificationFactory(recipient=auditor), NotificationFactory(recipient=clerk)
    client.force_login(auditor)
    page = client.get(reverse("admin:core_notification_changelist")).content.decode()
    assert mine.message in page and theirs.message not in page
    assert client.get(reverse("admin:core_notification_change", args=[theirs.pk])).status_code in (302, 404)
    assert client.get(reverse("admin:core_notification_add")).status_code == 403


def test_a_notification_cannot_be_rewritten_once_stored():
    note = NotificationFactory()
    note.message = "篡改"
    with pytest.raises(DatabaseError), transaction.atomic():
        note.save()
    note.refresh_from_db()
    note.read_at = note.created_at
    note.save(update_fields=["read_at"])  # read_at may go from empty to a value once
    note.read_at = None
    with pytest.raises(DatabaseError), transaction.atomic():
        note.save(update_fields=["read_at"])
