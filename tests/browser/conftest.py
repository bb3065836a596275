"""Browser tests: Playwright driving Debian's Chromium (`make test` installs it)."""

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import NamedTuple

import pytest

ROOT = Path(__file__).resolve().parents[2]

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


# Package scope: Chromium and the demo portal stop after the last browser test of the worker that
# runs them (tests/conftest.py sends them all to one worker, first). Playwright's sync API marks
# the thread's asyncio loop as running between its calls, and Django refuses any database work
# under a running loop (SynchronousOnlyOperation): no test may use the database while it is open.
@pytest.fixture(scope="package")
def browser():
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run `make browser-deps` (Debian packages chromium, fonts-noto-cjk)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="package")
def demo_portal(tmp_path_factory):
    """A portal started like `make run` does: its URL, the printed logins, its database file."""
    tmp = tmp_path_factory.mktemp("demo")
    env = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{tmp / 'demo.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "credit_portal.settings",
        "MEDIA_ROOT": str(tmp / "media"),
        # The query log's anchors of this demo only: a file left by an earlier run (var/) holds
        # another database's chain, and the chain verified from the auditor's page would fail.
        "QUERY_LOG_ANCHOR_PATH": str(tmp / "query_log_anchors.jsonl"),
        # The tests choose demo rows by their status and then act on them: the daily jobs that
        # `make run` starts would change statuses under them (tests/test_celery.py covers those).
        "EMBEDDED_JOBS": "0",
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
        yield DemoPortal(f"http://127.0.0.1:{port}", logins, tmp / "demo.sqlite3")
    finally:
        server.terminate()
        server.wait(timeout=10)


class DemoPortal(NamedTuple):
    url: str
    logins: dict
    database: Path


def login(page, url: str, username: str, password: str) -> None:
    page.goto(url + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_selector("main h1")


def logout(page) -> None:
    page.click("header button:has-text('退出')")
    page.wait_for_selector("#id_username")


def screenshot(page, name: str) -> None:
    """Screenshots land in var/screenshots/ for a person to look at."""
    folder = ROOT / "var" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
