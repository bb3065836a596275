"""A member of the public, not signed in, asks for information disclosed on request (依申请公开,
issue 18 item 3) from the credit portal, keeps the number and tracking code, and follows the request
on the status page; the penalties feed's date filters read in Chinese (the shared browser
context's zh-CN locale)."""

import pytest

from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser


def test_a_citizen_requests_information_and_follows_the_request(page, demo_portal):
    url = demo_portal.url
    page.goto(url + "/public/search/")
    with page.expect_navigation():
        page.click("nav.portalnav >> text=申请依申请公开的信息")
    assert "依申请公开" in page.locator("main h1").inner_text()
    page.fill("#id_requester_name", "李四")
    page.fill("#id_requester_id_number", "320102199001010010")
    page.fill("#id_requester_contact", "13900000000")
    page.fill("#id_subject_name", "某某建设有限公司")
    page.fill("#id_information", "该企业近三年的行政处罚决定书")
    page.check("input[name=access_form][value=inspection]")
    screenshot(page, "public_disclosure_request_form")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    main = page.locator("main")
    text = main.inner_text()
    if "依申请公开已提交" not in text:  # the identity number's check character: the page says which
        pytest.fail(f"not filed: {text[:500]}")
    number = main.locator("strong").nth(0).inner_text()
    code = main.locator("strong.tracking-code").inner_text()
    assert number.startswith("YS-") and len(code) == 14
    screenshot(page, "public_disclosure_request_filed")

    with page.expect_navigation():
        page.click("main >> text=办理进度查询")
    page.fill("#id_number", number)
    page.fill("#id_tracking_code", code)
    with page.expect_navigation():
        page.click("main form.stacked button[type=submit]")
    text = page.locator("main").inner_text()
    assert number in text and "收到申请" in text
    screenshot(page, "public_disclosure_request_status")

    page.goto(url + "/public/feeds/penalties/")
    screenshot(page, "public_portal_penalties_dates")
