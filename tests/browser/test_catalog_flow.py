"""A clerk drafts a catalog item, the authority approves and publishes it, and the item appears
in the catalog in force (Nanjing art. 25)."""

import datetime

import pytest

from tests.browser.conftest import login, logout, screenshot

pytestmark = pytest.mark.browser


def test_clerk_drafts_authority_publishes_item_appears_in_force(page, demo_portal):
    url, logins, _database = demo_portal
    today = datetime.date.today().isoformat()

    login(page, url, "clerk", logins["clerk"])
    page.click("nav.mainnav >> text=信用信息目录")
    page.select_option("#id_new-level", "city")
    page.fill("#id_new-title", "南京市公共信用信息补充目录（浏览器测试）")
    page.fill("#id_new-reason", "编制市级补充目录")
    with page.expect_navigation():
        page.click("text=创建草稿")
    assert "草稿" in page.locator("main").inner_text()

    page.click("text=新增条目")
    page.fill("#id_code", "NJ-BT-01")
    page.fill("#id_name", "城市管理领域行政处罚信息")
    page.select_option("#id_category", "dishonest")
    page.check("input[name=subject_types][value=legal_person]")
    page.select_option("#id_disclosure", "public")
    page.select_option("#id_frequency", "on_occurrence")
    page.select_option("#id_period_rule", "policy")
    page.fill("#id_legal_basis", "《中华人民共和国行政处罚法》第四十八条")
    page.fill("#id_fields-0-name", "decision_no")
    page.fill("#id_fields-0-label", "处罚决定书文号")
    page.check("#id_fields-0-required")
    page.fill("#id_reason", "新增信息项")
    screenshot(page, "catalog_item_form")
    with page.expect_navigation():
        page.click("button:has-text('保存')")
    assert "NJ-BT-01" in page.locator("main").inner_text()

    step = page.locator("form.step", has_text="公开征求意见")
    step.locator("input[name=start]").fill(today)
    step.locator("input[name=end]").fill(today)
    step.locator("input[name=reason]").fill("向社会公开征求意见")
    with page.expect_navigation():
        step.locator("button").click()
    assert "公开征求意见" in page.locator("p .status").inner_text()
    logout(page)

    login(page, url, "authority", logins["authority"])
    page.click("nav.mainnav >> text=信用信息目录")
    page.click("text=南京市公共信用信息补充目录（浏览器测试）")
    step = page.locator("form.step", has_text="批准文号")
    step.locator("input[name=approval_document]").fill("宁政复〔2026〕88号")
    step.locator("input[name=reason]").fill("经市人民政府批准")
    with page.expect_navigation():
        step.locator("button").click()
    step = page.locator("form.step", has_text="公布此版本")
    step.locator("input[name=reason]").fill("向社会公布")
    with page.expect_navigation():
        step.locator("button").click()
    assert "已公布" in page.locator("p .status").inner_text()
    screenshot(page, "catalog_published")

    page.click("nav.mainnav >> text=现行目录")
    page.fill("#id_q", "NJ-BT")
    page.click("button:has-text('筛选')")
    assert "城市管理领域行政处罚信息" in page.locator("main table").inner_text()
    screenshot(page, "catalog_in_force")
