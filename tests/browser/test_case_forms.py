"""The officer files a case choosing the subject's records and the list's measures without typing
an id, issues the notice, and is prompted to record its delivery (issue 17 item 4)."""

import sqlite3

import pytest
from django.utils import timezone

from tests.browser.conftest import login, screenshot

pytestmark = pytest.mark.browser


def _a_company_with_an_eligible_serious_record(database):
    """A company of the demo with an active, undisputed serious record of the market regulator, on no case."""
    with sqlite3.connect(database) as db:
        return db.execute(
            """
            SELECT r.id, r.document_number, s.identifier FROM subjects_creditrecord r
            JOIN subjects_subject s ON s.id = r.subject_id
            JOIN core_organization o ON o.id = r.provider_id
            WHERE o.name = '南京市市场监督管理局' AND r.category = 'dishonest' AND r.status = 'active'
              AND r.severity = 'serious' AND r.objection_since IS NULL AND r.document_number != ''
              AND s.kind != 'natural_person'
              AND s.id NOT IN (SELECT subject_id FROM sanctions_listingcase)
            ORDER BY r.id DESC LIMIT 1
            """
        ).fetchone()


def test_officer_files_a_case_choosing_records_and_measures_without_typing_an_id(page, demo_portal):
    url, logins, database = demo_portal
    record_id, document_number, identifier = _a_company_with_an_eligible_serious_record(database)

    login(page, url, "officer_market", logins["officer_market"])
    page.click("nav.mainnav >> text=名单案件")
    page.click("main a.button:has-text('立案')")
    page.select_option("#id_list_type", "serious")
    page.fill("#id_identifier", identifier)
    with page.expect_navigation():
        page.click("button:has-text('列出该主体的记录')")
    # the records are offered by what they are, not by number; the measures are the serious list's
    records = page.locator("#id_basis_records")
    assert document_number in records.inner_text()
    assert page.locator("input[name=basis_records]").count() >= 1
    screenshot(page, "case_new_choose")
    page.fill("#id_facts", "销售不合格食品，情节严重。")
    page.fill("#id_legal_basis", "《食品安全法》第一百二十四条")
    page.locator("#id_basis_records label", has_text=document_number).locator("input").check()
    measure = page.locator("#id_measures label").first
    measure_text = measure.inner_text().strip()
    measure.locator("input").check()
    page.fill("#case-open #id_reason", "立案")
    with page.expect_navigation():
        page.click("#case-open button:has-text('立案')")
    main = page.locator("main").inner_text()
    assert "草稿" in page.locator("main p .status").inner_text(), main[:2000]
    assert document_number in main and measure_text in main
    assert page.locator(f"a[href*='/records/{record_id}/']").count() >= 1

    # the notice issued without its delivery: the page opens with the prompt to record it
    form = page.locator("form.step", has_text="发出事前告知")
    form.locator("[name=notice_number]").fill("宁市监信告〔2026〕99号")
    form.locator("[name=reason]").fill("发出事前告知")
    with page.expect_navigation():
        form.locator("button").click()
    prompt = page.locator("#delivery-prompt")
    assert "工作日" in prompt.inner_text() and "送达" in prompt.inner_text()
    screenshot(page, "case_delivery_prompt")
    prompt.locator("a.button").click()
    delivery = page.locator("form#step-delivery")
    delivery.locator("[name=delivered_on]").fill(timezone.localdate().isoformat())
    delivery.locator("[name=reason]").fill("直接送达")
    with page.expect_navigation():
        delivery.locator("button").click()
    assert page.locator("#delivery-prompt").count() == 0
    assert "陈述申辩截止日期" in page.locator("main table.figures").inner_text()  # the clock now runs
