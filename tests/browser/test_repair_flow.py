"""Credit repair from the public website to the end of a serious listing (Nanjing art. 60, Tianjin
art. 46, Ningbo arts. 45–46): the listed company applies online to repair the penalty its listing
rests on (nothing changes yet), the market regulator's officer accepts and decides "repaired", the
decision opens as a PDF; the same day the public serious list no longer names the company and a
public lookup of its file no longer shows the penalty."""

import sqlite3

import pytest

from tests.browser.conftest import login, logout, screenshot

pytestmark = pytest.mark.browser

STATEMENT = "已缴清罚款、完成整改并作出信用承诺。（浏览器测试）"


def _listed_company(database):
    """The record the demo's published serious listing rests on, with its company."""
    with sqlite3.connect(database) as db:
        return db.execute(
            """
            SELECT r.id, r.document_number, s.identifier, s.name FROM sanctions_listingcase c
            JOIN sanctions_listingcase_basis_records b ON b.listingcase_id = c.id
            JOIN subjects_creditrecord r ON r.id = b.creditrecord_id
            JOIN subjects_subject s ON s.id = r.subject_id
            WHERE c.list_type = 'serious' AND c.status = 'published' AND r.status = 'active'
            ORDER BY c.id LIMIT 1
            """
        ).fetchone()


def _step(page, name: str, fields: dict) -> None:
    form = page.locator(f"form.step[action$='/step/{name}/']")
    for field, value in fields.items():
        form.locator(f"[name={field}]").fill(value)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()


def _public_lookup(page, url, identifier) -> str:
    """A public-information lookup of the company's file (logged), as the clerk."""
    page.goto(url + "/subjects/")
    page.fill("#id_query", identifier)
    page.select_option("#id_mode", "public")
    page.select_option("#id_purpose", "public_information")
    with page.expect_navigation():
        page.click("button:has-text('查询')")
    with page.expect_navigation():
        page.click("button:has-text('打开信用档案')")
    return page.locator("main").inner_text()


def test_online_repair_accepted_decided_and_the_listing_ends(page, demo_portal):
    url, logins, database = demo_portal
    found = _listed_company(database)
    assert found, "the demo has no published serious listing"
    record_id, document_number, identifier, name = found
    page.goto(url + "/public/serious-list/")
    assert name in page.locator("main").inner_text()

    # The company applies online: identity, then its disclosed dishonest records, the means and
    # the commitment it signs; it gets a tracking code.
    page.goto(f"{url}/public/repair/")
    page.fill("input[name=identifier]", identifier)
    page.fill("input[name=name]", name)
    page.fill("input[name=contact]", "经办人 吴敏 025-83000000")
    with page.expect_navigation():
        page.click("button:has-text('下一步')")
    assert "信用承诺书" in page.locator("main").inner_text()
    page.check(f"input[name=records][value='{record_id}']")
    for means in ("corrected", "obligations", "commitment"):
        page.check(f"input[name=means][value={means}]")
    page.fill("textarea[name=statement]", STATEMENT)
    page.check("input[name=commitment_signed]")
    screenshot(page, "repair_online_form")
    with page.expect_navigation():
        page.click("button.primary")
    tracking_code = page.locator(".tracking-code").inner_text().strip()
    assert tracking_code, page.locator("main").inner_text()[:1000]
    assert "南京市市场监督管理局" in page.locator("main").inner_text()

    # The market regulator's officer finds it on its list, accepts and decides "repaired".
    login(page, url, "officer_market", logins["officer_market"])
    page.goto(url + "/repair/?status=received&channel=online")
    with page.expect_navigation():
        page.locator("main table tbody tr").first.locator("a").first.click()
    assert page.locator("main p .status").inner_text() == "已收到，待受理"
    assert STATEMENT in page.locator("main").inner_text()
    application_url = page.url
    _step(page, "accept", {"reason": "材料齐全，予以受理"})
    assert page.locator("main p .status").inner_text() == "已受理，审核中"
    _step(page, "repair", {"outcome_reason": "已纠正失信行为、履行义务并作出信用承诺。", "reason": "决定予以修复"})
    assert page.locator("main p .status").inner_text() == "已决定：予以修复", page.locator("main").inner_text()[:2000]
    screenshot(page, "repair_decided")
    pdf_link = page.locator("main a:has-text('PDF')").first.get_attribute("href")
    pdf = page.request.get(url + pdf_link)
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf" and pdf.body()[:4] == b"%PDF"
    logout(page)

    # The same day: off the public serious list, and gone from a public lookup of the file.
    page.goto(url + "/public/serious-list/")
    assert name not in page.locator("main").inner_text()
    page.goto(url + "/public/repair/announcements/")
    assert name in page.locator("main").inner_text()
    login(page, url, "clerk", logins["clerk"])
    assert document_number not in _public_lookup(page, url, identifier)
    page.goto(application_url)
    assert "予以修复" in page.locator("main").inner_text()
