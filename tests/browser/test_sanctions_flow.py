"""An officer files a serious-list case, issues the notice, records the statement, decides and
publishes it; the subject appears on the public serious list; the check API then returns the
measures (Nanjing arts. 34, 40–43)."""

import datetime as dt
import sqlite3

import pytest
from django.utils import timezone

from apps.subjects.disclosure import add_months
from tests.browser.conftest import login, screenshot

pytestmark = pytest.mark.browser


def _a_company_with_a_serious_record(database):
    """A company of the demo with an active serious record of the market regulator, not on a list yet."""
    with sqlite3.connect(database) as db:
        return db.execute(
            """
            SELECT r.id, s.identifier, s.name FROM subjects_creditrecord r
            JOIN subjects_subject s ON s.id = r.subject_id
            JOIN core_organization o ON o.id = r.provider_id
            WHERE o.name = '南京市市场监督管理局' AND r.category = 'dishonest' AND r.status = 'active'
              AND s.kind != 'natural_person'
              AND s.id NOT IN (SELECT subject_id FROM sanctions_listingcase)
            ORDER BY r.id LIMIT 1
            """
        ).fetchone()


def test_officer_lists_a_company_and_the_check_returns_the_measures(page, demo_portal):
    url, logins, database = demo_portal
    record_id, identifier, name = _a_company_with_a_serious_record(database)

    login(page, url, "officer_market", logins["officer_market"])
    page.click("nav.mainnav >> text=名单案件")
    page.click("main a.button:has-text('立案')")
    page.select_option("#id_list_type", "serious")
    page.fill("#id_identifier", identifier)
    with page.expect_navigation():
        page.click("button:has-text('列出该主体的记录')")
    page.fill("#id_facts", f"{name}销售不合格食品，情节严重。")
    page.fill("#id_legal_basis", "《南京市社会信用条例》第四十条")
    page.check(f"input[name=basis_records][value='{record_id}']")
    page.locator("input[name=measures]").first.check()  # only the serious list's measures are offered
    page.fill("#case-open #id_reason", "立案")
    with page.expect_navigation():
        page.click("#case-open button:has-text('立案')")
    screenshot(page, "case_filed")
    assert "草稿" in page.locator("main p .status").inner_text(), page.locator("main").inner_text()[:2000]

    def step(fields: dict, explain: str):
        form = page.locator("form.step", has_text=explain)
        for name, value in fields.items():
            form.locator(f"[name={name}]").fill(value)
        with page.expect_navigation():
            form.locator("button").click()

    step({"notice_number": "宁市监信告〔2026〕88号", "reason": "发出事前告知"}, "发出事前告知")
    assert "已事前告知" in page.locator("main p .status").inner_text()
    step({"statement": "已全部召回问题产品，请求从轻处理。", "reason": "收到书面陈述申辩"}, "记录收到的陈述申辩")
    step(
        {
            "decision_number": "宁市监信认〔2026〕88号",
            "cause": "销售不合格食品，情节严重",
            "statement_finding": "经核查，召回属实但不改变违法事实，不予采纳。",
            # listed from today for three years, whatever day the test runs on
            "listing_start": timezone.localdate().isoformat(),
            "listing_end": (add_months(timezone.localdate(), 36) - dt.timedelta(days=1)).isoformat(),
            "removal_conditions": "列入满一年且已纠正失信行为的，可申请提前移出",
            "reason": "作出认定",
        },
        "作出认定",
    )
    assert "已认定" in page.locator("main p .status").inner_text()
    step({"reason": "向社会公布"}, "向社会公布")
    assert "已公布" in page.locator("main p .status").inner_text()
    screenshot(page, "case_published")

    page.goto(url + "/public/serious-list/?q=" + identifier)
    assert name in page.locator("main table").inner_text()
    screenshot(page, "public_serious_list")

    response = page.request.get(
        f"{url}/api/v1/checks/?identifier={identifier}&matter=bidding", headers={"Accept": "application/json"}
    )
    data = response.json()
    assert response.status == 200 and "serious" in data["statuses"] and data["measures"], data
