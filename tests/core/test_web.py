"""The web shell: Chinese login, role homes and navigation, sign-in events, lockout, security."""

import pytest
from django.test import override_settings
from django.urls import reverse

from apps.core.models import AuthEvent
from tests.factories import AuditorFactory, AuthorityUserFactory, ClerkFactory, OfficerFactory, QueryFlagFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Correct-Horse-42!"


def test_login_page_is_in_chinese(client):
    page = client.get(reverse("login")).content.decode()
    assert "公共信用信息平台" in page and "登录" in page
    assert "Sign in" not in page


def test_anonymous_users_are_sent_to_login(client):
    response = client.get(reverse("core:home"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.parametrize(
    ("factory", "title", "menu", "not_in_menu"),
    [
        (ClerkFactory, "信用工作机构工作台", "查询异常管控", "登录日志"),
        (OfficerFactory, "工作台", "查询日志", "查询异常管控管理"),
        (AuthorityUserFactory, "信用主管部门工作台", "本市规则", "登录日志"),
        (AuditorFactory, "审计工作台", "登录日志", "nothing-hidden"),
    ],
)
def test_each_role_lands_on_its_home_with_its_menu(client, policy, factory, title, menu, not_in_menu):
    client.force_login(factory())
    page = client.get(reverse("core:home")).content.decode()
    assert title in page
    nav = page.split('class="mainnav"')[1].split("</nav>")[0]
    assert menu in nav
    assert not_in_menu not in nav


@pytest.mark.parametrize(
    ("factory", "shown", "hidden"),
    [
        (ClerkFactory, {"查询异常管控", "本市规则", "管理后台", "信用查询"}, set()),
        (OfficerFactory, {"查询日志", "信用查询", "名单案件"}, {"查询异常管控", "本市规则", "管理后台"}),
        (AuditorFactory, {"登录日志", "管理后台"}, set()),
    ],
)
def test_the_menu_is_grouped_and_an_officer_sees_no_credit_office_tools(client, policy, factory, shown, hidden):
    """Issue 17 item 6: officers saw 查询异常管控, 管理后台 and 本市规则; each group names its entries."""
    from apps.core.navigation import navigation_for

    user = factory()
    menu = navigation_for(user, "/records/")
    labels = {str(item["label"]) for group in menu for item in group["items"]}
    assert shown <= labels and not hidden & labels
    assert str(menu[0]["label"]) == "" and [str(i["label"]) for i in menu[0]["items"]] == ["首页", "期限工作台"]
    groups = [str(group["label"]) for group in menu]
    assert len(groups) == len(set(groups))  # one heading per group
    if "信用记录" in labels:
        active = [(str(g["label"]), str(i["label"])) for g in menu for i in g["items"] if i["active"]]
        assert active == [("信用信息", "信用记录")]
    client.force_login(user)
    nav = client.get(reverse("core:home")).content.decode().split('class="mainnav"')[1].split("</nav>")[0]
    assert all(label in nav for label in shown) and not any(label in nav for label in hidden)


def test_the_authority_home_shows_its_work_and_the_years_figures(client, policy):
    """Issue 17 item 6: the authority's home promised catalogs, reviews and statistics and showed
    none; it lists the versions waiting for its approval or publication, the registrations to
    review and the joint sanctions' figures of the year."""
    from tests.catalog.factories import ApprovedCatalogFactory, ConsultationCatalogFactory, PublishedCatalogFactory
    from tests.service_agencies.factories import RegistryFilingFactory, RegistryFilingPublishedFactory

    authority = AuthorityUserFactory()
    client.force_login(authority)
    empty = client.get(reverse("core:home")).content.decode()
    assert "没有待批准或待发布的目录和清单。" in empty and "没有待审核的名册备案。" in empty
    assert "待复核" not in empty  # Nanjing provides no review by the authority
    consulted, approved = ConsultationCatalogFactory(), ApprovedCatalogFactory()
    PublishedCatalogFactory()
    RegistryFilingFactory(name="南京测试信用评估有限公司")
    RegistryFilingPublishedFactory(name="南京已公布信用评级有限公司")
    page = client.get(reverse("core:home"))
    documents = [entry.document for entry in page.context["documents_awaiting"]]
    assert documents == [consulted, approved]
    body = page.content.decode()
    assert "发布" in body and "征求意见结束" in body
    assert "南京测试信用评估有限公司" in body and "南京已公布信用评级有限公司" not in body
    assert page.context["sanction_figures"]["checks"] == 0 and "联合奖惩核查" in body


def test_home_shows_an_empty_state(client, policy):
    client.force_login(ClerkFactory())
    page = client.get(reverse("core:home")).content.decode()
    assert "没有被标记的用户" in page


def test_logins_and_failed_logins_are_recorded(client, policy):
    officer = OfficerFactory()
    client.post(reverse("login"), {"username": officer.username, "password": "wrong"})
    assert AuthEvent.objects.filter(kind="login_failed", username=officer.username).count() == 1
    response = client.post(reverse("login"), {"username": officer.username, "password": PASSWORD})
    assert response.status_code == 302
    assert AuthEvent.objects.filter(kind="login", user=officer).exists()
    client.post(reverse("logout"))
    assert AuthEvent.objects.filter(kind="logout", user=officer).exists()


@override_settings(AXES_FAILURE_LIMIT=3)
def test_an_account_is_locked_after_repeated_failures(client):
    officer = OfficerFactory()
    for _ in range(3):
        client.post(reverse("login"), {"username": officer.username, "password": "wrong"})
    response = client.post(reverse("login"), {"username": officer.username, "password": PASSWORD})
    assert response.status_code == 429
    assert "账户已锁定" in response.content.decode()
    assert AuthEvent.objects.filter(kind="locked_out", username=officer.username).exists()


def test_sessions_expire_when_idle(settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST


def test_weak_passwords_are_refused():
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    for weak in ("short1!", "alllowercaseletters", "12345678901"):
        with pytest.raises(ValidationError):
            validate_password(weak)
    validate_password("Correct-Horse-42!")


def test_deploy_checks_are_clean_with_production_settings(monkeypatch):
    import subprocess
    import sys

    env = {
        "DEBUG": "0",
        "SECRET_KEY": "a-long-random-production-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFG",
        "ALLOWED_HOSTS": "credit.example.gov.cn",
        "QUERY_LOG_ANCHOR_KEY": "a-separate-random-anchor-key-0123456789-abcdefghijklmnop",
        "PATH": "/usr/bin:/bin",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # Without a key the deploy check fails; commands that need none still run.
    del env["SECRET_KEY"]
    deploy = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"], env=env, capture_output=True, text=True, check=False
    )
    assert deploy.returncode != 0 and "credit_portal.E001" in deploy.stdout + deploy.stderr
    # Nor without the query-log anchor key (finding 6 of issue 9: anchors outside the database).
    del env["QUERY_LOG_ANCHOR_KEY"]
    deploy = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"], env=env, capture_output=True, text=True, check=False
    )
    assert deploy.returncode != 0 and "credit_portal.E002" in deploy.stdout + deploy.stderr
    migrations = subprocess.run(
        [sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert migrations.returncode == 0, migrations.stdout + migrations.stderr


def test_the_clerk_clears_a_flag_on_the_workbench(client, policy):
    flag = QueryFlagFactory(user=OfficerFactory())
    clerk = ClerkFactory()
    client.force_login(clerk)
    page = client.get(reverse("core:queryflag_list")).content.decode()
    assert "解除标记</button>" in page
    client.post(reverse("core:queryflag_clear", args=[flag.pk]), {"reason": ""})
    flag.refresh_from_db()
    assert flag.status == "open"
    client.post(reverse("core:queryflag_clear", args=[flag.pk]), {"reason": "已核实"})
    flag.refresh_from_db()
    assert flag.status == "cleared" and flag.cleared_by == clerk


def test_an_officer_cannot_clear_flags_or_see_other_agencies_flags(client, policy):
    mine = QueryFlagFactory(user=OfficerFactory())
    theirs = QueryFlagFactory(user=OfficerFactory())
    client.force_login(OfficerFactory(organization=mine.user.organization))
    page = client.get(reverse("core:queryflag_list")).content.decode()
    assert str(mine.user) in page and str(theirs.user) not in page
    assert "解除标记</button>" not in page
    assert client.post(reverse("core:queryflag_clear", args=[theirs.pk]), {"reason": "x"}).status_code == 404
    client.post(reverse("core:queryflag_clear", args=[mine.pk]), {"reason": "x"})
    mine.refresh_from_db()
    assert mine.status == "open"


def test_policy_page_lists_figures_with_articles(client, policy):
    client.force_login(OfficerFactory())
    page = client.get(reverse("core:policy")).content.decode()
    assert "第五十八条" in page and "第五十二条" in page


def test_working_day_page_warns_for_estimated_years(client, policy):
    client.force_login(ClerkFactory())
    page = client.get(reverse("core:workdays"), {"start": "2026-09-30", "days": "1"}).content.decode()
    assert "2026-10-08" in page and "估算" not in page.split("截止日期")[1][:200]
    page = client.get(reverse("core:workdays"), {"start": "2027-03-05", "days": "1"}).content.decode()
    assert "2027-03-08" in page and "估算" in page


def test_a_nul_character_in_a_parameter_is_a_clear_400(client, policy):
    """PostgreSQL cannot store NUL in text: such input is refused up front, naming the parameter."""
    response = client.get("/public/serious-list/", {"q": "甲\x00"})
    assert response.status_code == 400
    assert "参数“q”含有空字符" in response.content.decode()
    response = client.post("/accounts/login/", {"username": "a\x00", "password": "x"})
    assert response.status_code == 400 and "username" in response.content.decode()
    response = client.get("/api/v1/subjects/lookup/", {"identifier": "x", "purpose_detail": "\x00"})
    assert response.status_code == 400 and "purpose_detail" in response.json()["detail"]
