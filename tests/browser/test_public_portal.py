"""A member of the public, not signed in, uses the credit portal (信用门户, issue 18): from the
footer to the search, a company found by part of its name, its page with a penalty an agency's
batch brought in (the demo's GJ0301 batches), then the penalties feed exported as CSV."""

import datetime
import sqlite3
from pathlib import Path

import pytest

from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser


def _company_with_a_batch_penalty(database) -> tuple[str, str]:
    """(name, document number) of an organisation with an active penalty of the demo's batches,
    of the published catalog's 主动公开 item, still disclosed today."""
    today = datetime.date.today().isoformat()
    with sqlite3.connect(database) as db:
        row = db.execute(
            """SELECT s.name, r.document_number FROM subjects_creditrecord r
               JOIN subjects_subject s ON s.id = r.subject_id
               JOIN catalog_catalogitem i ON i.id = r.item_id
               JOIN catalog_catalog c ON c.id = i.catalog_id
               WHERE i.code = 'GJ0301' AND i.disclosure = 'public' AND c.status = 'published'
                 AND r.batch_id IS NOT NULL AND r.status = 'active' AND r.document_number <> ''
                 AND s.kind <> 'natural_person'
                 AND (r.disclosure_ends_on IS NULL OR r.disclosure_ends_on >= ?)
               ORDER BY r.determined_on DESC LIMIT 1""",
            [today],
        ).fetchone()
    assert row is not None, "the demo loads no disclosed penalty of an organisation"
    return row


def test_a_citizen_searches_a_company_sees_its_penalty_and_exports_the_feed(page, demo_portal):
    url, _logins, database = demo_portal
    name, document_number = _company_with_a_batch_penalty(database)
    part = name[2:8]  # part of the name, not its start

    page.goto(url + "/")  # not signed in: the sign-in page, with the public pages in the footer
    with page.expect_navigation():
        page.click("footer >> text=信用门户")
    assert "信用门户" in page.locator("main h1").inner_text()
    page.fill("#id_q", part)
    with page.expect_navigation():
        page.click("main form[role=search] button[type=submit]")
    results = page.locator("main table")
    assert name in results.inner_text()
    screenshot(page, "public_portal_search")

    with page.expect_navigation():
        results.locator("a", has_text=name).first.click()
    main = page.locator("main")
    assert name in page.locator("main h1").inner_text()
    assert "/public/subjects/" in page.url and page.url.rstrip("/").split("/")[-1].count("-") == 4  # a key, not an id
    text = main.inner_text()
    assert document_number in text and "行政处罚信息" in text
    for link in ("对本单位的信用信息提出异议", "申请信用修复", "核验信用报告或其他出具的文书"):
        assert link in text, link
    screenshot(page, "public_portal_subject")

    with page.expect_navigation():
        page.click("nav.portalnav >> text=行政处罚")
    assert "行政处罚" in page.locator("main h1").inner_text()
    assert page.locator("main table tbody tr").count() > 0
    screenshot(page, "public_portal_penalties")
    with page.expect_download() as download_info:
        page.click("main >> text=导出当前筛选结果（CSV）")
    content = Path(download_info.value.path()).read_text(encoding="utf-8-sig")
    assert content.splitlines()[0].startswith("单位") and "文书号" in content.splitlines()[0]
    assert len(content.splitlines()) > 1


def _organisation_with_a_responsible_persons_record(database) -> tuple[str, str, str, bool]:
    """(organisation's name, person's name, person's identifier, whether the record is still
    disclosed today) of a demo organisation whose current responsible person has an active record
    of an item shown under the organisation (the demo catalog's GJ0305 行业禁入信息): the one
    disclosed longest. The demo's dates are fixed, so with the clock moved years on (CI) the
    record may be past its disclosure period."""
    today = datetime.date.today().isoformat()
    with sqlite3.connect(database) as db:
        row = db.execute(
            """SELECT o.name, p.name, p.identifier, r.disclosure_ends_on FROM subjects_responsibleperson rp
               JOIN subjects_subject o ON o.id = rp.organization_id
               JOIN subjects_subject p ON p.id = rp.person_id
               JOIN subjects_creditrecord r ON r.subject_id = p.id
               JOIN catalog_catalogitem i ON i.id = r.item_id
               JOIN catalog_catalog c ON c.id = i.catalog_id
               WHERE i.shown_with_organisation AND i.disclosure = 'public' AND c.status = 'published'
                 AND r.status = 'active' AND o.kind <> 'natural_person' AND p.kind = 'natural_person'
                 AND (rp.start_date IS NULL OR rp.start_date <= ?) AND (rp.end_date IS NULL OR rp.end_date >= ?)
               ORDER BY r.disclosure_ends_on IS NULL DESC, r.disclosure_ends_on DESC LIMIT 1""",
            [today, today],
        ).fetchone()
    assert row is not None, "the demo loads no record of a responsible person shown under an organisation"
    name, person, identifier, ends_on = row
    return name, person, identifier, ends_on is None or ends_on >= today


def test_a_company_page_shows_its_legal_representatives_ban_masked(page, demo_portal):
    """Issue 18 item 1: the responsible person's 行业禁入 record shows on the company's page under
    负责人信息, the person's name and identity number masked; past its disclosure period it is
    not shown (Nanjing art. 56)."""
    url, _logins, database = demo_portal
    name, person, identifier, disclosed = _organisation_with_a_responsible_persons_record(database)
    page.goto(url + "/public/search/")
    page.fill("#id_q", name)
    with page.expect_navigation():
        page.click("main form[role=search] button[type=submit]")
    with page.expect_navigation():
        page.locator("main table a", has_text=name).first.click()
    assert identifier not in page.locator("main").inner_text()
    sections = page.locator("main section", has=page.locator("h2", has_text="负责人信息"))
    if not disclosed:
        assert sections.count() == 0
        return
    section = sections.inner_text()
    assert "行业禁入信息" in section
    # The person's name masked in the section (the company's own registration record, a
    # separate item, names its legal representative as the register does), no identity number.
    assert person[0] + "*" * (len(person) - 1) in section and person not in section
    assert identifier[:6] + "*" * 8 + identifier[-4:] in section
    screenshot(page, "public_portal_responsible")
