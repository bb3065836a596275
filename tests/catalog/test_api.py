"""Catalog API: published catalogs, items and measures for other systems; lifecycle steps as
POST actions; a published catalog cannot be changed (409/403, never 500)."""

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from apps.catalog.choices import ListStatus
from tests.catalog.factories import (
    CatalogFactory,
    CatalogItemFactory,
    ConsultationCatalogFactory,
    MeasureFactory,
    MeasureListFactory,
    PublishedCatalogFactory,
    PublishedMeasureListFactory,
)
from tests.factories import AuditorFactory, AuthorityUserFactory, ClerkFactory, NoRoleUserFactory, OfficerFactory
from tests.matrix import Expectation, assert_permission_matrix

pytestmark = pytest.mark.django_db


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_other_systems_read_the_catalog_in_force():
    published = PublishedCatalogFactory()
    CatalogItemFactory(catalog=published, code="P1")
    CatalogItemFactory(catalog=CatalogFactory(), code="D1")
    data = client_for(OfficerFactory()).get(reverse("catalogitem-list"), {"in_force": "true"}).json()
    assert [i["code"] for i in data["results"]] == ["P1"] and data["results"][0]["in_force"] is True


def test_measures_filter_by_status_and_matter():
    published = PublishedMeasureListFactory()
    MeasureFactory(measure_list=published, code="M1", applies_to="serious", matters=["bidding"])
    MeasureFactory(measure_list=published, code="M2", applies_to="serious", matters=["honours"])
    MeasureFactory(measure_list=MeasureListFactory(), code="M3", applies_to="serious", matters=["bidding"])
    data = (
        client_for(OfficerFactory())
        .get(reverse("measure-list"), {"in_force": "true", "applies_to": "serious", "matter": "bidding"})
        .json()
    )
    assert [m["code"] for m in data["results"]] == ["M1"]


def test_permission_matrix_for_reading_and_for_each_step():
    catalog = ConsultationCatalogFactory()
    CatalogItemFactory(catalog=catalog)
    assert_permission_matrix(
        Expectation(
            "GET",
            reverse("catalog-detail", args=[catalog.pk]),
            permitted=AuditorFactory(),
            without_permission=NoRoleUserFactory(),
        )
    )
    assert_permission_matrix(
        Expectation(
            "POST",
            reverse("catalog-approve", args=[catalog.pk]),
            permitted=AuthorityUserFactory(),
            without_permission=ClerkFactory(),
            data={"approval_document": "宁政复〔2026〕3号", "reason": "市政府批准"},
        )
    )
    assert_permission_matrix(
        Expectation(
            "POST",
            reverse("catalog-publish", args=[catalog.pk]),
            permitted=AuthorityUserFactory(),
            without_permission=OfficerFactory(),
            data={"reason": "公布"},
        )
    )
    catalog.refresh_from_db()
    assert catalog.status == ListStatus.PUBLISHED


def test_steps_from_the_wrong_status_are_409_and_bad_input_400():
    authority = AuthorityUserFactory()
    draft = CatalogFactory()
    client = client_for(authority)
    response = client.post(reverse("catalog-publish", args=[draft.pk]), {"reason": "x"}, format="json")
    assert response.status_code == 409 and "草稿" in response.json()["detail"]
    running = ConsultationCatalogFactory(consultation_end=timezone.localdate() + timezone.timedelta(days=5))
    response = client.post(
        reverse("catalog-approve", args=[running.pk]), {"approval_document": "x", "reason": "x"}, format="json"
    )
    assert response.status_code == 409
    response = client.post(reverse("catalog-approve", args=[running.pk]), {"reason": "x"}, format="json")
    assert response.status_code == 400 and "approval_document" in response.json()


def test_a_published_catalog_cannot_be_edited_through_the_api():
    published = PublishedCatalogFactory()
    item = CatalogItemFactory(catalog=published)
    client = client_for(ClerkFactory())
    url = reverse("catalogitem-detail", args=[item.pk])
    response = client.patch(url, {"name": "改名", "reason": "x"}, format="json")
    assert response.status_code == 409
    response = client.post(
        reverse("catalogitem-list"),
        {
            "catalog": published.pk,
            "code": "N1",
            "name": "新",
            "category": "basic",
            "subject_types": ["legal_person"],
            "disclosure": "public",
            "frequency": "daily",
            "period_rule": "unlimited",
            "legal_basis": "x",
            "reason": "x",
        },
        format="json",
    )
    assert response.status_code == 409
    assert client_for(OfficerFactory()).patch(url, {"name": "x", "reason": "x"}, format="json").status_code == 403
    item.refresh_from_db()
    assert item.name != "改名"


def test_clerks_write_draft_items_through_the_api_with_clear_errors():
    draft = CatalogFactory()
    client = client_for(ClerkFactory())
    payload = {
        "catalog": draft.pk,
        "code": "A1",
        "name": "登记信息",
        "category": "basic",
        "subject_types": ["legal_person"],
        "disclosure": "public",
        "frequency": "daily",
        "period_rule": "unlimited",
        "legal_basis": "《公司法》",
        "record_fields": [{"name": "religion", "label": "宗教", "type": "text"}],
        "reason": "新增",
    }
    response = client.post(reverse("catalogitem-list"), payload, format="json")
    assert response.status_code == 400 and "record_fields" in response.json()
    payload["record_fields"] = [{"name": "reg_no", "label": "注册号", "type": "text", "max_length": 30}]
    response = client.post(reverse("catalogitem-list"), payload, format="json")
    assert response.status_code == 201, response.content
    assert draft.items.get().record_fields[0]["max_length"] == 30


def test_a_partial_update_without_a_reason_is_a_400_naming_the_reason():
    """Issue 9 finding 4: `PATCH {"name": "x"}` answered 500 (KeyError: 'reason'); every change
    carries a reason, a partial one too, and nothing is written without it."""
    item = CatalogItemFactory(catalog=CatalogFactory(), name="旧名")
    client = client_for(ClerkFactory())
    url = reverse("catalogitem-detail", args=[item.pk])
    for body in ({"name": "x"}, {}, {"name": "x", "reason": "  "}):
        response = client.patch(url, body, format="json")
        assert response.status_code == 400, (body, response.content)
        assert list(response.json()) == ["reason"]
    item.refresh_from_db()
    assert item.name == "旧名" and item.history.count() == 1
    response = client.patch(url, {"name": "新名", "reason": "更正名称"}, format="json")
    assert response.status_code == 200 and response.json()["name"] == "新名"
    assert item.history.latest().history_change_reason == "更正名称"


def test_a_reason_or_a_text_field_that_is_a_number_is_refused_naming_it():
    """Issue 9 (fuzzing): `{"reason": 0}` was taken as the reason "0", against `type: string`."""
    draft = CatalogFactory()
    item = CatalogItemFactory(catalog=draft, name="旧名")
    clerk = client_for(ClerkFactory())
    response = clerk.post(
        reverse("catalog-new-version", args=[PublishedCatalogFactory().pk]), {"reason": 0}, format="json"
    )
    assert response.status_code == 400 and list(response.json()) == ["reason"]
    response = clerk.patch(reverse("catalogitem-detail", args=[item.pk]), {"name": 1, "reason": "x"}, format="json")
    assert response.status_code == 400 and list(response.json()) == ["name"]
    item.refresh_from_db()
    assert item.name == "旧名"


def test_a_code_taken_by_a_concurrent_save_is_a_409_not_an_integrity_error(monkeypatch):
    """Issue 9 scope 4: no IntegrityError reaches the client as a 500. The service checks the
    code first; a concurrent save that wins the race (simulated: the check sees nothing) leaves
    only the database index, and the answer is a 409 with nothing written."""
    from apps.catalog import services

    draft = CatalogFactory()
    CatalogItemFactory(catalog=draft, code="A1")
    other = CatalogItemFactory(catalog=draft, code="B1")
    monkeypatch.setattr(services, "_require_code_free", lambda entry, parent_field: None)
    url = reverse("catalogitem-detail", args=[other.pk])
    response = client_for(ClerkFactory()).patch(url, {"code": "A1", "reason": "改代码"}, format="json")
    assert response.status_code == 409, response.content
    assert response.json() == {"detail": "另一项修改已同时保存，与本次修改冲突，请刷新后重试。", "code": "conflict"}
    other.refresh_from_db()
    assert other.code == "B1"
