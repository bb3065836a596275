"""Catalog workbench pages: drafting with the field-schema editor, lifecycle buttons, comments,
comparison, export and import, and refusals for published catalogs (web and admin)."""

import io

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.catalog.choices import ListStatus
from apps.catalog.exchange import export_catalog
from apps.catalog.models import Catalog, CatalogItem
from tests.catalog.factories import (
    CatalogFactory,
    CatalogItemFactory,
    ConsultationCatalogFactory,
    PublishedCatalogFactory,
)
from tests.factories import AuditorFactory, AuthorityUserFactory, ClerkFactory, OfficerFactory

pytestmark = pytest.mark.django_db


def item_post(**extra):
    data = {
        "code": "NJ9001",
        "name": "城市管理行政处罚信息",
        "category": "dishonest",
        "severity": "",
        "subject_types": ["legal_person", "natural_person"],
        "disclosure": "public",
        "sharing_scope": "各级政务部门",
        "frequency": "on_occurrence",
        "period_rule": "policy",
        "legal_basis": "《行政处罚法》第四十八条",
        "description": "",
        "position": "0",
        "reason": "新增信息项",
        "fields-TOTAL_FORMS": "2",
        "fields-INITIAL_FORMS": "0",
        "fields-MIN_NUM_FORMS": "0",
        "fields-MAX_NUM_FORMS": "1000",
        "fields-0-name": "decision_no",
        "fields-0-label": "处罚决定书文号",
        "fields-0-type": "text",
        "fields-0-required": "on",
        "fields-0-max_length": "50",
        "fields-1-name": "",
        "fields-1-label": "",
        "fields-1-type": "text",
    }
    data.update(extra)
    return data


def test_draft_to_published_through_the_pages(client, policy):
    clerk, authority = ClerkFactory(), AuthorityUserFactory()
    client.force_login(clerk)
    response = client.post(
        reverse("catalog:document_create", args=["catalogs"]),
        {"new-level": "city", "new-title": "南京市补充目录", "new-reason": "编制"},
    )
    catalog = Catalog.objects.get(title="南京市补充目录")
    assert response.url == reverse("catalog:document_detail", args=["catalogs", catalog.pk])
    page = client.get(reverse("catalog:entry_add", args=["catalogs", catalog.pk])).content.decode()
    assert "记录字段" in page and "fields-TOTAL_FORMS" in page
    response = client.post(reverse("catalog:entry_add", args=["catalogs", catalog.pk]), item_post())
    assert response.status_code == 302
    item = catalog.items.get()
    assert item.record_fields == [
        {
            "name": "decision_no",
            "label": "处罚决定书文号",
            "type": "text",
            "required": True,
            "max_length": 50,
            "choices": [],
        }
    ]
    today = timezone.localdate().isoformat()
    step = reverse("catalog:document_step", args=["catalogs", catalog.pk, "consultation"])
    client.post(step, {"start": today, "end": today, "reason": "征求意见"})
    catalog.refresh_from_db()
    assert catalog.status == ListStatus.CONSULTATION

    client.force_login(authority)
    page = client.get(reverse("catalog:document_detail", args=["catalogs", catalog.pk])).content.decode()
    assert "批准" in page and "批准文号" in page
    client.post(
        reverse("catalog:document_step", args=["catalogs", catalog.pk, "approve"]),
        {"approval_document": "宁政复〔2026〕12号", "reason": "市政府批准"},
    )
    client.post(
        reverse("catalog:document_step", args=["catalogs", catalog.pk, "publish"]),
        {"effective_date": today, "reason": "公布"},
    )
    catalog.refresh_from_db()
    assert catalog.status == ListStatus.PUBLISHED
    page = client.get(reverse("catalog:item_list")).content.decode()
    assert "城市管理行政处罚信息" in page


def test_a_forbidden_field_is_shown_on_the_form_with_the_article(client):
    catalog = CatalogFactory()
    client.force_login(ClerkFactory())
    response = client.post(
        reverse("catalog:entry_add", args=["catalogs", catalog.pk]),
        item_post(**{"fields-0-name": "belief", "fields-0-label": "宗教信仰"}),
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "禁止采集自然人的宗教信仰" in page and "第二十九条" in page
    assert not CatalogItem.objects.exists()


def test_a_published_catalog_cannot_be_edited_on_the_pages_or_in_the_admin(client):
    item = CatalogItemFactory(catalog=PublishedCatalogFactory())
    client.force_login(ClerkFactory())
    response = client.post(
        reverse("catalog:entry_edit", args=["catalogs", item.catalog_id, item.pk]), item_post(name="改名")
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.name != "改名"
    response = client.post(
        reverse("admin:catalog_catalogitem_change", args=[item.pk]), {"name": "改名", "change_reason": "x"}
    )
    assert response.status_code == 403
    response = client.post(reverse("admin:catalog_catalog_change", args=[item.catalog_id]), {"title": "改名"})
    assert response.status_code == 403
    page = client.get(reverse("catalog:document_detail", args=["catalogs", item.catalog_id])).content.decode()
    assert "另起新版本" in page and "新增条目" not in page


def test_officers_read_and_comment_but_do_not_draft(client):
    catalog = ConsultationCatalogFactory(consultation_end=timezone.localdate())
    CatalogItemFactory(catalog=catalog)
    officer = OfficerFactory()
    client.force_login(officer)
    page = client.get(reverse("catalog:document_detail", args=["catalogs", catalog.pk])).content.decode()
    assert "记录意见" in page and "退回草稿" not in page and ">批准</button>" not in page
    client.post(reverse("catalog:comment_add", args=["catalogs", catalog.pk]), {"text": "建议明确共享范围"})
    assert catalog.comments.get().author == officer
    response = client.post(
        reverse("catalog:document_create", args=["catalogs"]),
        {"new-level": "city", "new-title": "x", "new-reason": "x"},
    )
    assert response.status_code == 403
    response = client.post(
        reverse("catalog:document_step", args=["catalogs", catalog.pk, "approve"]),
        {"approval_document": "x", "reason": "x"},
    )
    assert response.status_code == 403
    catalog.refresh_from_db()
    assert catalog.status == ListStatus.CONSULTATION


def test_auditors_read_everything_and_change_nothing(client):
    catalog = CatalogFactory()
    client.force_login(AuditorFactory())
    assert client.get(reverse("catalog:document_detail", args=["catalogs", catalog.pk])).status_code == 200
    assert client.post(reverse("catalog:entry_add", args=["catalogs", catalog.pk]), item_post()).status_code == 404
    assert not CatalogItem.objects.exists()


def test_comparison_page_and_exports(client):
    old = PublishedCatalogFactory()
    CatalogItemFactory(catalog=old, code="A1", name="甲")
    new = CatalogFactory(based_on=old)
    CatalogItemFactory(catalog=new, code="B1", name="乙")
    client.force_login(OfficerFactory())
    page = client.get(reverse("catalog:document_compare", args=["catalogs", new.pk, old.pk])).content.decode()
    assert "新增" in page and "B1 乙" in page and "A1 甲" in page
    response = client.get(reverse("catalog:catalog_export", args=[old.pk, "xlsx"]))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats") and response.content[:2] == b"PK"
    assert client.get(reverse("catalog:catalog_export", args=[old.pk, "csv"])).content.startswith(b"\xef\xbb\xbf")


def test_import_page_shows_row_errors(client):
    source = PublishedCatalogFactory()
    CatalogItemFactory(catalog=source, code="A1")
    content = export_catalog(source, "csv").decode("utf-8-sig").replace("失信信息", "不存在的分类").encode()
    draft = CatalogFactory()
    client.force_login(ClerkFactory())
    upload = io.BytesIO(content)
    upload.name = "items.csv"
    response = client.post(reverse("catalog:catalog_import", args=[draft.pk]), {"file": upload, "reason": "导入"})
    page = response.content.decode()
    assert response.status_code == 200 and "未导入任何数据" in page and "不存在的分类" in page
    assert not draft.items.exists()


def test_a_code_twice_in_one_draft_is_a_form_error_on_the_page_and_in_the_api(client, policy):
    from rest_framework.test import APIClient

    clerk = ClerkFactory()
    catalog = CatalogFactory()
    client.force_login(clerk)
    url = reverse("catalog:entry_add", args=["catalogs", catalog.pk])
    assert client.post(url, item_post()).status_code == 302
    response = client.post(url, item_post(name="另一个信息项"))
    assert response.status_code == 200 and "code" in response.context["form"].errors
    api = APIClient()
    api.force_authenticate(clerk)
    payload = {
        "catalog": catalog.pk,
        "code": "NJ9001",
        "name": "重复编码",
        "category": "basic",
        "subject_types": ["legal_person"],
        "disclosure": "public",
        "frequency": "daily",
        "period_rule": "unlimited",
        "legal_basis": "《公司法》",
        "record_fields": [],
        "reason": "新增",
    }
    response = api.post(reverse("catalogitem-list"), payload, format="json")
    assert response.status_code == 400 and "code" in response.json()
    assert catalog.items.count() == 1


def test_the_measure_admin_shows_bad_matters_on_the_form(client, policy):
    from tests.catalog.factories import MeasureListFactory

    client.force_login(ClerkFactory())
    measure_list = MeasureListFactory()
    data = {
        "measure_list": measure_list.pk,
        "code": "M900",
        "name": "限制参与政府采购",
        "kind": "sanction",
        "applies_to": "serious",
        "implementing_body": "市财政局",
        "legal_basis": "《南京市社会信用条例》第四十条",
        "content": "依法限制。",
        "duration": "名单期间",
        "position": "0",
        "change_reason": "新增措施",
    }
    for matters in ('"public_procurement"', '["tender"]', "5"):
        response = client.post(reverse("admin:catalog_measure_add"), {**data, "matters": matters})
        assert response.status_code == 200, matters
        assert "matters" in response.context["adminform"].form.errors, matters
    response = client.post(reverse("admin:catalog_measure_add"), {**data, "matters": '["public_procurement"]'})
    assert response.status_code == 302
    assert measure_list.measures.get().matters == ["public_procurement"]
