"""An officer of agency A cannot change agency B's records: web, admin, API → 403/404."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tests.factories import AuditorFactory, ClerkFactory, NoRoleUserFactory, OfficerFactory
from tests.matrix import Expectation, assert_permission_matrix
from tests.subjects.factories import RecordFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_agencies(policy):
    mine, theirs = OfficerFactory(), OfficerFactory()
    record = RecordFactory(provider=theirs.organization)
    record.item.providers.set([])
    return mine, theirs, record


def test_web_correction_of_another_agencys_record_is_refused(client, two_agencies):
    mine, theirs, record = two_agencies
    client.force_login(mine)
    assert client.get(reverse("subjects:record_correct", args=[record.pk])).status_code == 404
    data = {
        "document_number": "改",
        "document_date": "2026-03-01",
        "determined_on": "2026-03-01",
        "severity": "general",
        "reason": "x",
    }
    assert client.post(reverse("subjects:record_correct", args=[record.pk]), data).status_code == 404
    client.force_login(theirs)
    response = client.post(
        reverse("subjects:record_correct", args=[record.pk]),
        {**data, "document_number": "宁市监罚〔2026〕更正1号", "value_penalty_type": "警告", "reason": "文号录入错误"},
    )
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.document_number == "宁市监罚〔2026〕更正1号"
    assert record.history.first().history_change_reason == "文号录入错误"


def test_admin_change_of_another_agencys_record_is_refused(client, two_agencies):
    mine, _theirs, record = two_agencies
    client.force_login(mine)
    # Officers get no subject admin at all (issue 9, finding 2): their own records neither.
    response = client.get(reverse("admin:subjects_creditrecord_change", args=[record.pk]))
    assert response.status_code == 403
    response = client.post(
        reverse("admin:subjects_creditrecord_change", args=[record.pk]), {"document_number": "x", "change_reason": "x"}
    )
    assert response.status_code == 403
    record.refresh_from_db()
    assert record.document_number != "x"


def test_api_matrix_for_records(two_agencies):
    mine, theirs, record = two_agencies
    assert_permission_matrix(
        Expectation(
            "GET",
            reverse("creditrecord-detail", args=[record.pk]),
            permitted=theirs,
            without_permission=NoRoleUserFactory(),
            other_organisation=mine,
        )
    )
    client = APIClient()
    client.force_authenticate(mine)
    assert client.patch(
        reverse("creditrecord-detail", args=[record.pk]), {"document_number": "x"}, format="json"
    ).status_code in (403, 404, 405)
    client.force_authenticate(AuditorFactory())
    assert client.get(reverse("creditrecord-detail", args=[record.pk])).status_code == 200


def test_api_matrix_for_batches(two_agencies):
    mine, theirs, _record = two_agencies
    from apps.subjects.ingestion import batch_from_rows

    item = _record.item
    batch = batch_from_rows(
        by=theirs, item=item, provider=theirs.organization, rows=[{"主体代码": "914403001922038216", "主体名称": "甲"}]
    )
    assert_permission_matrix(
        Expectation(
            "GET",
            reverse("importbatch-detail", args=[batch.pk]),
            permitted=ClerkFactory(),
            without_permission=NoRoleUserFactory(),
            other_organisation=mine,
        )
    )
    assert_permission_matrix(
        Expectation(
            "POST",
            reverse("importbatch-submit", args=[batch.pk]),
            permitted=theirs,
            without_permission=ClerkFactory(),
            other_organisation=mine,
            data={"reason": "报送"},
            permitted_status=409,  # the only row lacks a document: nothing valid to submit
        )
    )


def test_api_ingestion_reports_row_errors_and_submits(two_agencies):
    _mine, theirs, record = two_agencies
    item = record.item
    client = APIClient()
    client.force_authenticate(theirs)
    rows = [
        {
            "identifier": "914403001922038216",
            "name": "深圳某公司",
            "document_number": "罚1",
            "document_date": "2026-03-01",
            "determined_on": "2026-03-01",
            "severity": "general",
            "source_record_id": "A1",
            "penalty_type": "罚款",
        },
        {
            "identifier": "914403001922038217",
            "name": "坏代码",
            "document_number": "罚2",
            "document_date": "2026-03-01",
            "determined_on": "2026-03-01",
            "severity": "general",
            "source_record_id": "A2",
            "penalty_type": "罚款",
        },
    ]
    response = client.post(
        reverse("importbatch-list"),
        {"item": item.code, "rows": rows, "submit": True, "reason": "接口报送"},
        format="json",
    )
    assert response.status_code == 202, response.content
    data = response.json()
    assert data["status"] == "submitted" and data["rows_created"] == 1 and data["rows_invalid"] == 1
    assert data["errors"][0]["row"] == 2 and "“6”" in data["errors"][0]["message"]
