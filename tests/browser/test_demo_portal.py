"""`make run` in miniature: a fresh SQLite database, migrate, seed_demo, the development server —
then every demo role logs in through the Chinese login page and sees its own home."""

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def demo_portal(tmp_path_factory):
    """Returns (base URL, {username: password}) of a portal started like `make run` does."""
    tmp = tmp_path_factory.mktemp("demo")
    env = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{tmp / 'demo.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "credit_portal.settings",
        "MEDIA_ROOT": str(tmp / "media"),
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--no-input", "-v0"], env=env, check=True, cwd=ROOT)
    seeded = subprocess.run([*manage, "seed_demo"], env=env, check=True, cwd=ROOT, capture_output=True, text=True)
    logins = dict(re.findall(r"^\s+\S.*?\s+(\w+)\s+(\S+-2026!demo)\s", seeded.stdout, flags=re.MULTILINE))
    port = _free_port()
    server = subprocess.Popen(
        [*manage, "runserver", "--noreload", f"127.0.0.1:{port}"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("the development server did not start")
        yield f"http://127.0.0.1:{port}", logins
    finally:
        server.terminate()
        server.wait(timeout=10)


ROLE_HOMES = {
    "clerk": ("信用工作机构工作台", "查询异常管控"),
    "officer_market": ("南京市市场监督管理局工作台", "本市规则"),
    "officer_tax": ("国家税务总局南京市税务局工作台", "本市规则"),
    "authority": ("信用主管部门工作台", "本市规则"),
    "auditor": ("审计工作台", "登录日志"),
}


def test_demo_logins_are_printed(demo_portal):
    _url, logins = demo_portal
    assert set(logins) == set(ROLE_HOMES)


@pytest.mark.parametrize("username", list(ROLE_HOMES))
def test_each_demo_role_logs_in_and_sees_its_chinese_home(page, demo_portal, username, tmp_path):
    url, logins = demo_portal
    title, menu_entry = ROLE_HOMES[username]
    page.goto(url + "/")
    assert "/accounts/login/" in page.url
    assert page.locator("h1").inner_text() == "登录"
    page.fill("#id_username", username)
    page.fill("#id_password", logins[username])
    page.click("button[type=submit]")
    page.wait_for_selector("main h1")
    assert page.locator("main h1").inner_text() == title
    assert menu_entry in page.locator("nav.mainnav").inner_text()
    screenshots = ROOT / "var" / "screenshots"
    screenshots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(screenshots / f"home_{username}.png"), full_page=True)
    # The admin opens within the role's permissions.
    page.goto(url + "/admin/")
    assert page.locator("#site-name").inner_text() == "公共信用信息平台 管理后台"
