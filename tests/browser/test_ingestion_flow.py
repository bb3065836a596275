"""An officer uploads a file with errors, sees them, fixes the file and submits; a clerk opens
the subject's credit file with a purpose and sees the new records and the lookup in the file's
query history (Nanjing art. 57); a problem that names a record on file takes the clerk to it in two
clicks (issue 17)."""

import datetime as dt
from urllib.parse import urlparse

import pytest
from django.utils import timezone

from apps.core.tabular import write_csv
from tests.browser.conftest import login, logout, screenshot
from tests.factories import make_uscc

pytestmark = pytest.mark.browser

HEADER = [
    "主体代码",
    "主体名称",
    "文书号",
    "文书日期",
    "认定日期",
    "失信程度",
    "源记录编号",
    "行政处罚决定书文号",
    "违法行为类型及事实",
    "处罚类别",
    "罚款金额（元）",
    "处罚决定日期",
    "处罚机关",
]
COMPANY = make_uscc(987654)
# Dates relative to the day the test runs, so that the record is still disclosed on any date.
DECIDED = timezone.localdate() - dt.timedelta(days=10)
DOCUMENT = f"宁市监罚〔{DECIDED.year}〕901号"


def _row(identifier, penalty="罚款"):
    return [
        identifier,
        "南京浏览器测试贸易有限公司",
        DOCUMENT,
        DECIDED.isoformat(),
        DECIDED.isoformat(),
        "一般",
        "BT-901",
        DOCUMENT,
        "销售不合格产品",
        penalty,
        "20000",
        DECIDED.isoformat(),
        "南京市市场监督管理局",
    ]


def _job_done(page) -> None:
    """The check or submit runs on the portal's worker: the page shows its progress and loads
    itself again when the job is done (static/js/batch_progress.js)."""
    page.wait_for_selector("#batch-progress", state="detached", timeout=60_000)
    page.wait_for_load_state()


def test_officer_fixes_a_file_clerk_sees_the_record_and_the_lookup(page, demo_portal, tmp_path):
    url, logins, _database = demo_portal
    bad = tmp_path / "penalties.csv"
    bad.write_bytes(
        write_csv(HEADER, [_row(COMPANY[:-1] + "0" if COMPANY[-1] != "0" else COMPANY[:-1] + "1", penalty="拘留")])
        .decode("utf-8-sig")
        .encode("gb18030")
    )

    login(page, url, "officer_market", logins["officer_market"])
    page.click("nav.mainnav >> text=归集批次")
    page.select_option("#id_item", label="GJ0301 行政处罚信息")
    page.set_input_files("#id_file", str(bad))
    with page.expect_navigation():
        page.click("button:has-text('上传并校验')")
    _job_done(page)
    problems = page.locator("main table").last.inner_text()
    assert "主体代码" in problems and "第18位校验码" in problems and "处罚类别" in problems
    screenshot(page, "batch_with_errors")

    good = tmp_path / "penalties-fixed.csv"
    good.write_bytes(write_csv(HEADER, [_row(COMPANY)]))
    page.click("text=← 归集批次")
    page.select_option("#id_item", label="GJ0301 行政处罚信息")
    page.set_input_files("#id_file", str(good))
    with page.expect_navigation():
        page.click("button:has-text('上传并校验')")
    _job_done(page)
    assert "没有问题" in page.locator("main").inner_text()
    page.fill("form.step input[name=reason]", f"报送{DECIDED.year}年{DECIDED.month}月行政处罚信息")
    with page.expect_navigation():
        page.click("button:has-text('提交有效行')")
    _job_done(page)
    assert "已提交" in page.locator("main").inner_text()

    # The same source record sent again for another subject: the problem names the record on file.
    clash = tmp_path / "penalties-clash.csv"
    clash.write_bytes(write_csv(HEADER, [_row(make_uscc(987655))]))
    page.click("text=← 归集批次")
    page.select_option("#id_item", label="GJ0301 行政处罚信息")
    page.set_input_files("#id_file", str(clash))
    with page.expect_navigation():
        page.click("button:has-text('上传并校验')")
    _job_done(page)
    clash_batch = urlparse(page.url).path
    assert "BT-901" in page.locator("main table").last.inner_text()
    logout(page)

    login(page, url, "clerk", logins["clerk"])
    page.click("nav.mainnav >> text=信用查询")
    page.fill("#id_query", COMPANY)
    page.select_option("#id_mode", "government")
    page.select_option("#id_purpose", "objection_processing")
    with page.expect_navigation():
        page.click("button:has-text('查询')")
    with page.expect_navigation():
        page.click("button:has-text('打开信用档案')")
    body = page.locator("main").inner_text()
    assert "南京浏览器测试贸易有限公司" in body and DOCUMENT in body
    history = page.locator("main table").last.inner_text()
    assert "南京市公共信用信息中心" in history and "异议处理" in history
    screenshot(page, "credit_file")

    # Issue 17: the clerk finds the record an error message names in two clicks — the batch on the
    # batches list, then the record the problem names.
    page.click("nav.mainnav >> text=归集批次")
    with page.expect_navigation():
        page.click(f"main a[href='{clash_batch}']")
    problems = page.locator("main table").last
    assert "BT-901" in problems.inner_text() and "已有记录" in problems.inner_text()
    with page.expect_navigation():
        problems.locator("a.record-ref").first.click()
    assert page.locator("main h1").inner_text().startswith("信用记录 #")
    assert DOCUMENT in page.locator("main").inner_text()
    screenshot(page, "record_from_batch_error")
