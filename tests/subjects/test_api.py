"""Subjects API: what the schema fuzzer found (issue 9): bad rows are row errors, never a 500."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from apps.subjects.models import CreditRecord
from apps.subjects.services import MSG_DATE_OUT_OF_RANGE
from tests.factories import OfficerFactory
from tests.subjects.factories import PublishedItemFactory

pytestmark = pytest.mark.django_db

USCC = "914403001922038216"


def test_a_row_whose_disclosure_would_end_after_the_year_9999_is_a_row_error_naming_the_date(policy):
    """`determined_on: 9999-12-31` answered 500 (ValueError: year 10000 is out of range)."""
    client = APIClient()
    client.force_authenticate(OfficerFactory())
    row = {
        "identifier": USCC,
        "name": "深圳某公司",
        "document_number": "罚1",
        "document_date": "2026-03-01",
        "determined_on": "9999-12-31",
        "severity": "general",
        "penalty_type": "罚款",
    }
    response = client.post(
        reverse("importbatch-list"),
        {"item": PublishedItemFactory().code, "rows": [row], "submit": True, "reason": "接口报送"},
        format="json",
    )
    assert response.status_code == 202, response.content
    data = response.json()
    assert data["rows_invalid"] == 1 and data["rows_created"] == 0
    assert data["errors"] == [{"row": 1, "column": "认定日期", "message": str(MSG_DATE_OUT_OF_RANGE)}]
    assert not CreditRecord.objects.exists()
