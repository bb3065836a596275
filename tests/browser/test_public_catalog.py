"""A member of the public, not signed in, browses the published catalog from the portal's home
page to one item: what its records hold, who provides them, how they are disclosed and on which
legal basis (the catalog is published to the public: the city's regulation, named from the
Policy)."""

import pytest

from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser


def test_a_public_user_browses_the_catalog_to_an_item(page, demo_portal):
    url, _logins, _database = demo_portal
    page.goto(url + "/")  # not signed in: the sign-in page, with the public pages in the footer
    with page.expect_navigation():
        page.click("footer >> text=公共信用信息目录")
    main = page.locator("main")
    assert "公共信用信息目录" in page.locator("main h1").inner_text()
    assert "《南京市社会信用条例》" in main.inner_text()
    screenshot(page, "public_catalog_index")

    with page.expect_navigation():
        main.locator("section.panel").first.locator("li a").first.click()
    assert "已公布" in main.inner_text()
    screenshot(page, "public_catalog_document")

    first_item = main.locator("table tbody tr").first
    code = first_item.locator("td").first.inner_text().strip()
    with page.expect_navigation():
        first_item.locator("a").first.click()
    text = main.inner_text()
    assert code in page.locator("main h1").inner_text()
    for label in ("信息分类", "公开属性", "提供单位", "法律依据"):
        assert label in text, label
    screenshot(page, "public_catalog_item")

    # the measure lists are a click away from the same index
    with page.expect_navigation():
        page.click("main >> text=公共信用信息目录")
    assert page.locator("main h2", has_text="奖惩措施清单").count() == 1
