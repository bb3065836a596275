"""The repair pages: online application and status (the same identity and abuse rules as online
objections), the credit file's interview panel, and another agency's officer finding nothing."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from apps.core.choices import QueryMode, QueryPurpose
from apps.core.models import QueryLog
from apps.repair.choices import Channel, RepairStatus
from apps.repair.models import RepairApplication
from apps.subjects.choices import RecordStatus
from apps.subjects.selectors import visible_records
from tests.repair.factories import InterviewFactory, make_world, repaired

pytestmark = [pytest.mark.django_db, pytest.mark.today("2026-12-02T10:00")]


def _identity(world) -> dict:
    return {"identifier": world.subject.identifier, "name": world.subject.name, "contact": "13900000000"}


def test_an_online_application_is_received_routed_and_followed_with_its_code():
    world = make_world()
    client = Client()
    page = client.post(reverse("repair:public_apply"), {**_identity(world), "stage": "identify"})
    assert page.status_code == 200 and f"#{world.record.pk}" in page.content.decode()
    assert QueryLog.objects.filter(mode=QueryMode.SELF, purpose=QueryPurpose.SELF_INQUIRY).exists()
    filed = client.post(
        reverse("repair:public_apply"),
        {
            **_identity(world),
            "stage": "file",
            "records": [str(world.record.pk)],
            "means": ["corrected", "obligations", "commitment"],
            "statement": "已缴清罚款并整改",
            "commitment_signed": "on",
        },
    )
    assert filed.status_code == 302, filed.content.decode()[:2000]
    application = RepairApplication.objects.get()
    assert (application.channel, application.status, application.agency) == (
        Channel.ONLINE,
        RepairStatus.RECEIVED,
        world.agency_a,
    )
    assert application.history.first().history_user is None
    world.record.refresh_from_db()
    assert world.record.status == RecordStatus.ACTIVE  # nothing changes before the agency accepts
    confirmation = client.get(reverse("repair:public_filed")).content.decode()
    assert application.tracking_code in confirmation
    status = client.post(
        reverse("repair:public_status"),
        {"tracking_code": application.tracking_code.lower(), "identifier": world.subject.identifier},
    )
    assert status.status_code == 200 and application.statement not in status.content.decode()
    wrong = client.post(
        reverse("repair:public_status"),
        {"tracking_code": application.tracking_code, "identifier": "91320100MA1X00000X"},
    )
    assert wrong.status_code == 404


def test_an_online_application_without_the_signed_commitment_is_refused_on_its_field():
    world = make_world()
    page = Client().post(
        reverse("repair:public_apply"),
        {
            **_identity(world),
            "stage": "file",
            "records": [str(world.record.pk)],
            "means": ["corrected"],
            "statement": "已整改",
        },
    )
    assert page.status_code == 200
    assert not RepairApplication.objects.exists()
    assert page.context["form"].errors["commitment_signed"]


def test_a_wrong_name_gets_the_same_answer_as_an_unknown_identifier():
    world = make_world()
    page = Client().post(reverse("repair:public_apply"), {**_identity(world), "name": "别的名字", "stage": "identify"})
    assert page.status_code == 200 and f"#{world.record.pk}" not in page.content.decode()


def test_another_agencys_officer_gets_404_on_the_page_the_admin_and_the_api():
    world = make_world()
    application = repaired(world)
    client = Client()
    client.force_login(world.officer_b)
    assert client.get(reverse("repair:detail", args=[application.pk])).status_code == 404
    assert client.get(reverse("repair:decision", args=[application.pk])).status_code == 404
    assert client.get(f"/api/v1/repairs/{application.pk}/").status_code == 404
    world.officer_b.is_staff = True
    world.officer_b.save()
    admin = client.get(reverse("admin:repair_repairapplication_change", args=[application.pk]))
    assert admin.status_code in (302, 404)  # the admin's "does not exist" redirect, or 404
    assert application.number not in client.get(reverse("admin:repair_repairapplication_changelist")).content.decode()
    own = Client()
    own.force_login(world.officer_a)
    assert own.get(reverse("repair:detail", args=[application.pk])).status_code == 200
    pdf = own.get(reverse("repair:decision", args=[application.pk]) + "?format=pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"


def test_the_public_announcement_names_the_repair_not_the_reasons():
    """Ningbo art. 45 para. 2: the decision is announced on the platform."""
    world = make_world()
    application = repaired(world)
    page = Client().get(reverse("repair:public_announcements")).content.decode()
    assert application.number in page and world.subject.name in page
    assert application.outcome_reason not in page


def test_ningbo_shows_repaired_records_marked_in_authorised_lookups(settings):
    """Ningbo art. 45: 失信信息修复后不再对外公开，在提供查询时予以标注; Nanjing art. 60: 不再对外
    提供查询服务 — the authorised lookup shows it under Ningbo's policy only."""
    world = make_world()
    repaired(world)
    world.record.refresh_from_db()
    assert world.record not in visible_records(world.subject, QueryMode.AUTHORISED)
    assert world.record in visible_records(world.subject, QueryMode.SELF)
    settings.CREDIT_POLICY = "ningbo"
    assert world.record in visible_records(world.subject, QueryMode.AUTHORISED)
    assert world.record not in visible_records(world.subject, QueryMode.PUBLIC)


def test_the_credit_file_shows_the_interviews_to_officers_in_a_government_lookup():
    """Tianjin art. 44: the interviews the providing agency held show in the subject's file."""
    world = make_world()
    InterviewFactory(subject=world.subject, agency=world.agency_a, held_on=datetime.date(2026, 11, 2))
    client = Client()
    client.force_login(world.officer_a)
    page = client.post(
        reverse("subjects:credit_file", args=[world.subject.pk]),
        {"mode": "government", "purpose": "administrative_penalty"},
    )
    assert page.status_code == 200
    assert "督促履行行政处罚决定" in page.content.decode()
