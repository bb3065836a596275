"""`make run` in miniature: a fresh SQLite database, migrate, seed_demo, the development server —
then every demo role logs in through the Chinese login page and sees its own home."""

import pytest

from tests.browser.conftest import ROOT, login

pytestmark = pytest.mark.browser


ROLE_HOMES = {
    "clerk": ("信用工作机构工作台", "查询异常管控"),
    "officer_market": ("南京市市场监督管理局工作台", "名单案件"),
    "officer_tax": ("国家税务总局南京市税务局工作台", "名单案件"),
    "authority": ("信用主管部门工作台", "本市规则"),
    "auditor": ("审计工作台", "登录日志"),
    "agency_rating": ("南京诚信信用评级有限公司工作台", "信用服务机构"),
    "agency_report": ("南京明鉴信用管理有限公司工作台", "信用服务机构"),
}


def test_demo_logins_are_printed(demo_portal):
    _url, logins, _database = demo_portal
    assert set(logins) == set(ROLE_HOMES)


@pytest.mark.parametrize("username", list(ROLE_HOMES))
def test_each_demo_role_logs_in_and_sees_its_chinese_home(page, demo_portal, username, tmp_path):
    url, logins, _database = demo_portal
    title, menu_entry = ROLE_HOMES[username]
    page.goto(url + "/")
    assert "/accounts/login/" in page.url
    assert page.locator("h1").inner_text() == "登录"
    login(page, url, username, logins[username])
    assert page.locator("main h1").inner_text() == title
    assert menu_entry in page.locator("nav.mainnav").inner_text()
    screenshots = ROOT / "var" / "screenshots"
    screenshots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(screenshots / f"home_{username}.png"), full_page=True)
    # The admin opens within the role's permissions.
    page.goto(url + "/admin/")
    assert page.locator("#site-name").inner_text() == "公共信用信息平台 管理后台"
