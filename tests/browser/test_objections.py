"""An objection from the public website to the reply (Nanjing art. 58): the subject files it online
(nothing marked yet; the clerk's workbench shows it due), the clerk accepts it
(the record is marked in the credit file) and forwards it to the market regulator, whose officer
answers; the clerk decides, tells the applicant and opens the reply; the mark is gone. The
objection's time limits show each clock running, then met on time."""

import datetime as dt
import sqlite3

import pytest

from tests.browser.conftest import login, logout, screenshot

pytestmark = pytest.mark.browser

STATEMENT = "该处罚决定已被撤销，请求删除这条失信信息。（浏览器测试）"
DECISION = "经提供单位核查，处罚事实清楚，信息准确，予以维持。"


def _a_record_to_dispute(database):
    """A general dishonest record (an administrative penalty, not a list entry) of the market
    regulator about a company, active, still disclosed (shown in the credit file) and in no
    objection beyond one still waiting to be accepted (with the clock moved far ahead the demo's
    only such record carries the demo's unaccepted objection); the newest (the sanctions test
    takes the oldest)."""
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    with sqlite3.connect(database) as db:
        return db.execute(
            """
            SELECT r.id, r.document_number, s.identifier, s.name FROM subjects_creditrecord r
            JOIN subjects_subject s ON s.id = r.subject_id
            JOIN core_organization o ON o.id = r.provider_id
            WHERE o.name = '南京市市场监督管理局' AND r.category = 'dishonest' AND r.severity = 'general'
              AND r.status = 'active'
              AND (r.disclosure_ends_on IS NULL OR r.disclosure_ends_on >= ?)
              AND s.kind != 'natural_person' AND r.objection_since IS NULL
              AND r.id NOT IN (
                  SELECT l.creditrecord_id FROM objections_objection_records l
                  JOIN objections_objection o ON o.id = l.objection_id WHERE o.status != 'received'
              )
            ORDER BY r.id DESC LIMIT 1
            """,
            (tomorrow,),
        ).fetchone()


def _status(page) -> str:
    return page.locator("main p .status").inner_text()


def _clock(page, step: str) -> str:
    """The row of the objection's "Time limits" table for one clock."""
    return page.locator("h2:has-text('办理时限') + table tr", has_text=step).inner_text()


def _step(page, name: str, fields: dict, choices: dict | None = None) -> None:
    form = page.locator(f"form.step[action$='/step/{name}/']")
    for field, value in fields.items():
        form.locator(f"[name={field}]").fill(value)
    for field, value in (choices or {}).items():
        form.locator(f"select[name={field}]").select_option(value)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()


def _credit_file_row(page, url, identifier, document_number) -> str:
    """The clerk opens the subject's credit file for objection processing (a logged lookup)."""
    page.goto(url + "/subjects/")
    page.fill("#id_query", identifier)
    page.select_option("#id_mode", "government")
    page.select_option("#id_purpose", "objection_processing")
    with page.expect_navigation():
        page.click("button:has-text('查询')")
    with page.expect_navigation():
        page.click("button:has-text('打开信用档案')")
    return page.locator("main tr", has_text=document_number).inner_text()


def test_online_objection_accepted_forwarded_answered_decided_and_the_mark_is_gone(page, demo_portal):
    url, logins, database = demo_portal
    record_id, document_number, identifier, name = _a_record_to_dispute(database)

    # The subject files online (/public/objections/, no login): identity, then its own disclosed
    # records, the grounds and the statement; it gets a tracking code.
    page.goto(f"{url}/public/objections/")
    page.fill("input[name=identifier]", identifier)
    page.fill("input[name=name]", name)
    page.fill("input[name=contact]", "经办人 钱明 025-84000000")
    with page.expect_navigation():
        page.click("button:has-text('下一步')")
    page.check(f"input[name=records][value='{record_id}']")
    page.check("input[name=grounds][value=error]")
    page.fill("textarea[name=statement]", STATEMENT)
    with page.expect_navigation():
        page.click("button.primary")
    tracking_code = page.locator(".tracking-code").inner_text().strip()
    assert tracking_code, page.locator("main").inner_text()[:1000]
    screenshot(page, "objection_filed_online")

    login(page, url, "clerk", logins["clerk"])
    # Filed online, nothing is marked until the clerk accepts it.
    assert "异议标注" not in _credit_file_row(page, url, identifier, document_number)
    page.goto(url + "/objections/")
    with page.expect_navigation():
        page.locator("main table tbody tr").first.locator("a").first.click()
    assert _status(page) == "已收到，待受理", page.locator("main").inner_text()[:2000]
    assert "网上" in page.locator("main").inner_text()
    objection_url = page.url
    number = page.locator("main h1").inner_text().split()[1].split("：")[0]
    # The workbench lists its clocks as due (Nanjing art. 58: mark within 1 working day).
    page.goto(url + "/workbench/")
    due = page.locator("main tr", has_text=number).all_inner_texts()
    assert any("异议：标注" in row for row in due), page.locator("main").inner_text()[:2000]
    page.goto(objection_url)
    for step, figure in (("异议：标注", "1 个工作日"), ("异议：信用机构处理", "15 个工作日")):
        row = _clock(page, step)
        assert figure in row and "完成" not in row and "逾期" not in row, row
    screenshot(page, "objection_received")

    _step(page, "accept", {"reason": "材料齐全，予以受理"})
    assert _status(page) == "已受理并标注"
    assert "按期完成" in _clock(page, "异议：标注")
    assert "异议标注" in page.locator("main ul.plain").first.inner_text()
    assert "异议标注" in _credit_file_row(page, url, identifier, document_number)

    page.goto(objection_url)
    # the agency offered first is the one that provided the disputed record
    _step(page, "forward", {"reason": "转提供单位核查"})
    assert _status(page) == "已转交提供单位"
    assert "南京市市场监督管理局" in page.locator("main table.figures").inner_text()
    assert "已结束" in _clock(page, "异议：信用机构处理")
    overall = _clock(page, "异议：总时限")
    assert "15 个工作日" in overall and "完成" not in overall
    logout(page)

    login(page, url, "officer_market", logins["officer_market"])
    page.goto(objection_url)
    _step(
        page,
        "answer",
        {"answer_reason": "经核查，处罚事实清楚、证据确凿，信息准确。", "reason": "核查回复"},
        {"answer": "kept"},
    )
    assert _status(page) == "提供单位已回复"
    assert "按期完成" in _clock(page, "异议：提供单位回复")
    screenshot(page, "objection_answered")
    logout(page)

    login(page, url, "clerk", logins["clerk"])
    page.goto(objection_url)
    _step(page, "decide", {"outcome_reason": DECISION, "reason": "根据核查回复作出处理"})
    assert _status(page) == "已作出处理"
    assert "按期完成" in _clock(page, "异议：总时限")
    assert "异议标注" not in page.locator("main ul.plain").first.inner_text()
    _step(page, "inform", {"reason": "出具告知书"})
    assert _status(page) == "已告知申请人"
    assert "按期完成" in _clock(page, "异议：告知申请人")
    screenshot(page, "objection_closed")

    with page.expect_navigation():
        page.locator("main a[href$='/reply/']").first.click()
    reply = page.locator("body").inner_text()
    assert "异议处理结果告知书" in reply and "予以维持" in reply and DECISION in reply, reply
    assert "南京市市场监督管理局" in reply and "行政复议" in reply
    screenshot(page, "objection_reply")
    printed = page.request.get(page.url + "?format=pdf")
    assert printed.status == 200 and printed.body().startswith(b"%PDF")

    assert "异议标注" not in _credit_file_row(page, url, identifier, document_number)
    screenshot(page, "credit_file_after_objection")
    # Done: nothing of it is due on the workbench any more.
    page.goto(url + "/workbench/")
    assert number not in page.locator("main").inner_text()
    logout(page)
    # The subject follows it on the status page with its code and identifier: the steps, no content.
    page.goto(f"{url}/public/objections/status/")
    page.fill("input[name=tracking_code]", tracking_code)
    page.fill("input[name=identifier]", identifier)
    with page.expect_navigation():
        page.click("button.primary")
    status = page.locator("main").inner_text()
    assert "已告知申请人" in status and DECISION not in status and STATEMENT not in status, status
