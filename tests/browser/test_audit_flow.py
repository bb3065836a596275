"""The auditor's daily path (issue 17 acceptance: "auditor opens a subject's trail and verifies the
chain from the page"): from the audit home, a subject's trail (its changes with their diffs and
who looked it up), logged as an audit; the chain verified from the page by a background job on
the portal's own worker, its result listed; the change history across the models. Every page in
Chinese."""

import re
import sqlite3

import pytest

from tests.browser.conftest import login, screenshot

pytestmark = pytest.mark.browser


def _a_changed_subject(database):
    """The subject whose records have the most versions: (identifier, name, one of its records)."""
    with sqlite3.connect(database) as db:
        return db.execute(
            """
            SELECT s.identifier, s.name, MIN(h.id) FROM subjects_subject s
            JOIN subjects_historicalcreditrecord h ON h.subject_id = s.id
            GROUP BY s.id ORDER BY COUNT(*) DESC, s.id LIMIT 1
            """
        ).fetchone()


def _audit_rows(database, identifier):
    with sqlite3.connect(database) as db:
        return db.execute(
            """
            SELECT q.purpose FROM core_querylog q JOIN core_user u ON u.id = q.user_id
            WHERE u.username = 'auditor' AND q.subject_identifier = ? ORDER BY q.id
            """,
            (identifier,),
        ).fetchall()


def _latin_words(text: str, allowed: set[str]) -> set[str]:
    """Words of Latin letters (four or more) in the visible text, but the data given."""
    return set(re.findall(r"\b[A-Za-z]{4,}\b", text)) - allowed


def test_the_auditor_opens_a_trail_and_verifies_the_chain(page, demo_portal):
    url, logins, database = demo_portal
    identifier, name, record_id = _a_changed_subject(database)
    login(page, url, "auditor", logins["auditor"])
    # The auditor reads one of the subject's records: a lookup the trail will list.
    page.goto(f"{url}/records/{record_id}/")
    assert "审计" in page.locator("main").inner_text()
    page.goto(url + "/")

    # The audit home: its workspace in Chinese, no command name.
    home = page.locator("main").inner_text()
    assert "verify_query_log" not in home and "主体全程轨迹" in home
    assert _latin_words(home, {"auditor"}) == set()
    screenshot(page, "auditor_home")

    # A subject's trail, from the home's form: its changes with what they changed, its lookups.
    page.fill("main input[name=identifier]", identifier)
    with page.expect_navigation():
        page.click("main button:has-text('查看轨迹')")
    main = page.locator("main").inner_text()
    assert name in main and "变更内容" in main and "谁查询过该主体" in main
    assert page.locator("#changes + table tbody tr").count() > 0
    assert page.locator("#lookups + table tbody tr, #lookups + p + table tbody tr").count() > 0
    assert "审计" in main  # the opening was logged as an audit, and the page says so
    # The record page and the trail: one row each, both audits.
    assert [purpose for (purpose,) in _audit_rows(database, identifier)] == ["audit", "audit"]
    screenshot(page, "audit_trail")

    # The chain verified from the page: a background job on the portal's worker; the page reloads
    # by itself until the result is listed.
    with page.expect_navigation():
        page.click("nav a:has-text('链条校验')")
    with page.expect_navigation():
        page.click("main button:has-text('立即校验链条')")
    page.wait_for_selector("#chain-last", timeout=60_000)
    # The result may be found while the reloaded page is still arriving: the list below it too.
    page.wait_for_load_state()
    status = page.locator("#chain-status").inner_text()
    assert "链条完整" in status, status
    assert page.locator("main table tbody tr").count() >= 1
    assert _latin_words(page.locator("main").inner_text(), set()) == set()
    screenshot(page, "audit_chain")

    # The change history across the models: the records', each change with its diff.
    with page.expect_navigation():
        page.click("nav a:has-text('变更历史')")
    page.select_option("#id_model", "subjects.creditrecord")
    with page.expect_navigation():
        page.click("form.filters button[type=submit]")
    assert page.locator("main table.history tbody tr").count() > 0
    history = page.locator("main").inner_text()
    assert "信用记录" in history and "已记入查询日志" in history
    screenshot(page, "audit_history")

    # The same record's history in the admin: in Chinese too (the header "CHANGES" was English),
    # and no purpose asked of the auditor.
    with page.expect_navigation():
        page.locator("main table.history tbody tr").first.locator("a:has-text('在管理后台查看')").click()
    admin_page = page.locator("#content").inner_text()
    assert "变更内容" in admin_page and "查询目的" not in admin_page
    # User data aside (the demo's usernames, its change reasons "Demo data (seed_demo)").
    assert _latin_words(admin_page, {"seed_demo", "Demo", "data", *logins}) == set()
    screenshot(page, "audit_admin_history")
