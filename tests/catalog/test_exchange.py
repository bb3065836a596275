"""Export of a published catalog to XLSX and CSV; import into a draft with per-row errors."""

import io

import pytest
from openpyxl import Workbook, load_workbook

from apps.catalog import services
from apps.catalog.choices import Level
from apps.catalog.exchange import ImportFailed, catalog_import, export_catalog
from apps.catalog.models import Catalog, CatalogItem
from apps.catalog.selectors import compare_lists
from apps.core.tabular import write_csv
from tests.catalog.factories import CatalogFactory, CatalogItemFactory, PublishedCatalogFactory
from tests.factories import ClerkFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def _published_catalog():
    catalog = PublishedCatalogFactory()
    agency = OrganizationFactory(name="南京市市场监督管理局")
    item = CatalogItemFactory(catalog=catalog, code="NJ0101", name="行政处罚信息")
    item.providers.set([agency])
    CatalogItemFactory(
        catalog=catalog,
        code="NJ0201",
        name="表彰奖励信息",
        category="good",
        subject_types=["natural_person"],
        period_rule="item",
        period_months=36,
        document_required=False,
        record_fields=[
            {"name": "honour", "label": "荣誉名称", "type": "text", "required": True, "max_length": 100, "choices": []}
        ],
    )
    return catalog


def test_xlsx_export_then_import_into_a_new_draft_round_trips():
    published = _published_catalog()
    content = export_catalog(published, "xlsx")
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet.cell(1, 1).value == "编码" and sheet.cell(2, 1).value == "NJ0101"
    draft = services.list_create(Catalog, by=ClerkFactory(), level=Level.PROVINCIAL, title="导入稿", reason="导入")
    assert catalog_import(draft, io.BytesIO(content), by=ClerkFactory(), reason="从表格导入") == 2
    assert compare_lists(published, draft).is_empty
    assert list(draft.items.get(code="NJ0101").providers.values_list("name", flat=True)) == ["南京市市场监督管理局"]


def test_csv_export_is_utf8_with_bom_and_round_trips():
    published = _published_catalog()
    content = export_catalog(published, "csv")
    assert content.startswith(b"\xef\xbb\xbf") and "行政处罚信息".encode() in content
    draft = CatalogFactory(level=Level.PROVINCIAL)
    catalog_import(draft, io.BytesIO(content), by=ClerkFactory(), reason="导入")
    assert compare_lists(published, draft).is_empty


def _xlsx(
    rows, headers=("code", "name", "category", "subject_types", "disclosure", "frequency", "period_rule", "legal_basis")
):
    book = Workbook()
    sheet = book.active
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out


def test_import_reports_every_bad_row_and_writes_nothing():
    draft = CatalogFactory()
    good = ("X01", "好行", "失信信息", "法人", "主动公开", "按次", "policy", "《某法》")
    rows = [
        good,
        ("X02", "坏分类", "莫名分类", "法人", "主动公开", "按次", "policy", "x"),
        ("X03", "坏主体", "基础信息", "外星人", "主动公开", "按次", "unlimited", "x"),
        ("X01", "重复编码", "基础信息", "法人", "主动公开", "按次", "unlimited", "x"),
    ]
    with pytest.raises(ImportFailed) as caught:
        catalog_import(draft, _xlsx(rows), by=ClerkFactory(), reason="导入")
    problems = [(e.row, e.column) for e in caught.value.row_errors]
    assert (3, "信息分类") in problems and (4, "主体类型") in problems and (5, "编码") in problems
    assert all(row != 2 for row, _column in problems)
    assert not CatalogItem.objects.filter(catalog=draft).exists()


def test_import_checks_the_item_rules_too():
    draft = CatalogFactory()
    headers = (
        "编码",
        "名称",
        "信息分类",
        "主体类型",
        "公开属性",
        "归集频率",
        "公开期限规则",
        "法律依据",
        "记录字段（JSON）",
    )
    rows = [
        (
            "Y01",
            "含血型",
            "基础信息",
            "自然人",
            "不公开",
            "按次",
            "unlimited",
            "x",
            '[{"name": "blood_type", "label": "血型", "type": "text"}]',
        )
    ]
    with pytest.raises(ImportFailed) as caught:
        catalog_import(draft, _xlsx(rows, headers), by=ClerkFactory(), reason="导入")
    error = caught.value.row_errors[0]
    assert error.row == 2 and error.column == "记录字段（JSON）" and "第二十九条" in error.message


def test_import_into_a_published_catalog_is_refused():
    from apps.core.exceptions import Conflict

    published = _published_catalog()
    with pytest.raises(Conflict):
        catalog_import(published, io.BytesIO(export_catalog(published, "csv")), by=ClerkFactory(), reason="x")


def test_gb18030_csv_is_read():
    draft = CatalogFactory()
    content = write_csv(
        ["编码", "名称", "信息分类", "主体类型", "公开属性", "归集频率", "公开期限规则", "法律依据"],
        [["Z01", "国标编码文件", "其他信息", "法人", "政务共享", "每月", "不设期限（保持更新）", "《条例》"]],
    )
    gbk = content.decode("utf-8-sig").encode("gb18030")
    assert catalog_import(draft, io.BytesIO(gbk), by=ClerkFactory(), reason="导入") == 1
    assert draft.items.get().name == "国标编码文件"


def test_a_period_that_is_not_a_number_of_months_is_a_row_error():
    draft = CatalogFactory()
    headers = (
        "编码",
        "名称",
        "信息分类",
        "主体类型",
        "公开属性",
        "归集频率",
        "公开期限规则",
        "法律依据",
        "自定期限（月）",
    )
    rows = [
        ("Z01", "甲", "良好信息", "法人", "主动公开", "按次", "item", "x", "inf"),
        ("Z02", "乙", "良好信息", "法人", "主动公开", "按次", "item", "x", "1e400"),
        ("Z03", "丙", "良好信息", "法人", "主动公开", "按次", "item", "x", "36"),
    ]
    with pytest.raises(ImportFailed) as caught:
        catalog_import(draft, _xlsx(rows, headers), by=ClerkFactory(), reason="导入")
    assert [(e.row, e.column, e.message) for e in caught.value.row_errors] == [
        (2, "自定期限（月）", "“inf”不是整数月数。"),
        (3, "自定期限（月）", "“1e400”不是整数月数。"),
    ]
    assert not CatalogItem.objects.filter(catalog=draft).exists()
