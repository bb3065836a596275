"""A credit service agency from its registration to a batch query's result (issue 14; Ningbo art. 50,
Nanjing art. 67): a new agency's staff file its registration, the authority accepts and publishes
it, the public registry lists it, the agency applies for a batch query of two demo companies, the
credit office's clerk approves it, and the agency runs it and downloads the result."""

import os
import sqlite3
import subprocess
import sys

import pytest

from tests.browser.conftest import ROOT, login, logout, screenshot
from tests.factories import make_uscc

pytestmark = pytest.mark.browser

AGENCY = "南京信达信用评估有限公司（浏览器测试）"
USERNAME, PASSWORD = "agency_browser", "Browser-2026!demo"


def _new_agency(database, unified_code: str) -> None:
    """A service agency with one staff login, made in the demo's database as an administrator
    would (through the core services, with history)."""
    code = f"""
from apps.core.choices import OrganizationKind, Role
from apps.core.models import Organization, User
from apps.core.services import organization_save, user_save
admin = User.objects.get(username="authority")
org = organization_save(
    Organization(kind=OrganizationKind.SERVICE_AGENCY, name={AGENCY!r}, unified_code={unified_code!r},
                 region_code="320100", region_name="南京市"),
    by=admin, reason="浏览器测试：新的信用服务机构")
user_save(User(username={USERNAME!r}, full_name="周测试", role=Role.AGENCY_STAFF, organization=org),
          by=admin, reason="浏览器测试：机构工作人员账号", password={PASSWORD!r})
"""
    env = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{database}",
        "DJANGO_SETTINGS_MODULE": "credit_portal.settings",
        "MEDIA_ROOT": str(database.parent / "media"),
    }
    subprocess.run([sys.executable, str(ROOT / "manage.py"), "shell", "-c", code], env=env, cwd=ROOT, check=True)


def _two_companies(database) -> list[str]:
    with sqlite3.connect(database) as db:
        rows = db.execute(
            "SELECT identifier FROM subjects_subject WHERE kind = 'legal_person' ORDER BY id LIMIT 2"
        ).fetchall()
    return [row[0] for row in rows]


def _step(page, name: str, fields: dict) -> None:
    form = page.locator(f"form.step[action$='/step/{name}/']")
    for field, value in fields.items():
        form.locator(f"[name={field}]").fill(value)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()


def test_an_agency_registers_is_published_and_downloads_an_approved_batch_query(page, demo_portal, tmp_path):
    url, logins, database = demo_portal
    unified_code = make_uscc(424242, prefix="91320105")
    _new_agency(database, unified_code)
    companies = _two_companies(database)
    assert len(companies) == 2, "the demo has fewer than two companies"

    # the agency files its registration
    login(page, url, USERNAME, PASSWORD)
    page.goto(url + "/agencies/new/")
    for field, value in {
        "name": AGENCY,
        "unified_code": unified_code,
        "legal_representative": "周明",
        "address": "南京市秦淮区中山南路1号",
        "business_scope": "信用评估、信用报告",
        "credit_commitment": "本机构承诺依法依规开展信用服务，不出具虚假报告。",
        "reason": "报送名册备案",
    }.items():
        page.fill(f"#id_{field}", value)
    with page.expect_navigation():
        page.click("main button[type=submit]")
    filing_url = page.url
    assert "已备案，待审核" in page.locator("main").inner_text()
    logout(page)

    # the authority accepts and publishes it
    login(page, url, "authority", logins["authority"])
    page.goto(filing_url)
    _step(page, "accept", {"reason": "材料齐全"})
    _step(page, "publish", {"reason": "列入名册并公布"})
    screenshot(page, "agencies-filing-published")
    logout(page)

    # the public registry lists it, without a login
    page.goto(url + "/public/agencies/")
    assert AGENCY in page.locator("main").inner_text()

    # the agency applies for a batch query of two companies
    login(page, url, USERNAME, PASSWORD)
    agreement = tmp_path / "批量查询协议.pdf"
    agreement.write_bytes(b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")
    identifiers = tmp_path / "主体名单.csv"
    identifiers.write_text("统一社会信用代码\n" + "\n".join(companies) + "\n", encoding="utf-8")
    page.goto(url + "/agencies/batch/new/")
    page.fill("#id_purpose", "为授信客户开展信用评估")
    page.fill("#id_legal_basis", "批量查询协议")
    page.fill("#id_subject_count", "2")
    page.set_input_files("#id_agreement", str(agreement))
    page.set_input_files("#id_identifiers", str(identifiers))
    page.fill("#id_reason", "申请批量查询")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    application_url = page.url
    assert "/agencies/batch/" in application_url and application_url.rstrip("/").split("/")[-1].isdigit()
    logout(page)

    # the clerk approves it
    login(page, url, "clerk", logins["clerk"])
    page.goto(application_url)
    _step(page, "approve", {"approved_count": "2", "valid_until": "2099-12-31", "reason": "协议齐全，批准"})
    assert "已批准" in page.locator("main").inner_text()
    logout(page)

    # the agency runs it and downloads the result
    login(page, url, USERNAME, PASSWORD)
    page.goto(application_url)
    with page.expect_navigation():
        page.locator("form[action$='/run/'] button[type=submit]").click()
    screenshot(page, "agencies-batch-run")
    with page.expect_download() as download:
        page.click("main a:has-text('CSV')")
    result = download.value.path().read_bytes().decode("utf-8-sig")
    assert all(identifier in result for identifier in companies)
    with sqlite3.connect(database) as db:
        logged = db.execute(
            "SELECT COUNT(*) FROM core_querylog WHERE purpose = 'batch_query' AND subject_identifier IN (?, ?)",
            companies,
        ).fetchone()[0]
    assert logged == 2
