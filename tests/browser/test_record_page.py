"""The clerk finds a record from a page that names it (issue 17 acceptance: "clerk finds a record
from an error message in two clicks"): on the records list, a filter by the subject's name and
the record's number open its page; on an objection's page, the record it disputes is one click
away. Each opening is one query-log row with the purpose of the page it came from."""

import sqlite3

import pytest

from tests.browser.conftest import login, screenshot

pytestmark = pytest.mark.browser


def _a_disputed_record(database):
    """A record named by one of the demo's objections: (record id, document number, subject
    name, objection id)."""
    with sqlite3.connect(database) as db:
        return db.execute(
            """
            SELECT r.id, r.document_number, s.name, l.objection_id FROM subjects_creditrecord r
            JOIN subjects_subject s ON s.id = r.subject_id
            JOIN objections_objection_records l ON l.creditrecord_id = r.id
            WHERE s.kind != 'natural_person' AND r.document_number != ''
            ORDER BY r.id LIMIT 1
            """
        ).fetchone()


def _record_lookups(database, record_id):
    with sqlite3.connect(database) as db:
        return db.execute(
            "SELECT purpose FROM core_querylog WHERE json_extract(query, '$.record') = ? ORDER BY id", (record_id,)
        ).fetchall()


def test_the_clerk_filters_the_records_and_opens_one_from_the_list_and_from_an_objection(page, demo_portal):
    url, logins, database = demo_portal
    record_id, document_number, subject_name, objection_id = _a_disputed_record(database)
    login(page, url, "clerk", logins["clerk"])

    # The records list, filtered by the subject's name and severity: the query string stays in the URL.
    page.click("nav a:has-text('信用记录')")
    page.fill("#id_subject", subject_name)
    with page.expect_navigation():
        page.click("form.filters button[type=submit]")
    assert "subject=" in page.url
    row = page.locator("main table tr", has_text=document_number)
    assert row.count() == 1
    screenshot(page, "records_filtered")
    with page.expect_navigation():
        row.locator(f"a:has-text('#{record_id}')").click()  # the record page: two clicks from the list
    assert page.locator("main h1").inner_text().startswith(f"信用记录 #{record_id}")
    main = page.locator("main").inner_text()
    assert document_number in main and subject_name in main
    assert "信息归集与维护" in main  # the purpose the opening was logged under
    # One lookup, one row: the filtered list's search named the subject, so opening its record
    # for the same purpose writes no second row; the page names the search's row.
    assert "本次打开已包含在同一目的的查询记录" in main
    screenshot(page, "record_page")

    # The objection's page names the record: one click opens it, logged for objection processing.
    page.goto(f"{url}/objections/{objection_id}/")
    with page.expect_navigation():
        page.click(f"main a.record-ref:has-text('#{record_id}')")
    assert page.locator("main h1").inner_text().startswith(f"信用记录 #{record_id}")
    assert "异议处理" in page.locator("main").inner_text()
    assert [purpose for (purpose,) in _record_lookups(database, record_id)] == ["objection_processing"]
