"""The check API (Nanjing art. 34, Ningbo art. 29), the case pages and API, object permissions
between agencies, documents, statistics and the public lists."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from apps.core.models import QueryLog, QueryVolume
from apps.sanctions import services
from apps.sanctions.choices import CaseStatus, ListType
from apps.sanctions.models import ListEntry, SanctionCheck
from tests.factories import AuthorityUserFactory, ClerkFactory, NoRoleUserFactory, OfficerFactory
from tests.matrix import Expectation, assert_permission_matrix
from tests.sanctions.factories import DECISION, backdate, decide_after_statement, make_world

# The cases and records here carry fixed 2026 dates: the clock is set to match (any real date passes).
pytestmark = [pytest.mark.django_db, pytest.mark.today("2026-12-02T10:00")]


@pytest.fixture
def world(policy):
    return make_world()


def _case(world, decide=False, publish=False):
    case = services.case_open(
        by=world.officer,
        list_type=ListType.SERIOUS,
        subject=world.company,
        facts="销售不合格食品",
        legal_basis="《食品安全法》",
        basis_records=[world.record],
        measures=[world.measures["serious"]],
        record_item=world.listing_item,
        reason="立案",
    )
    backdate(case, dt.date(2026, 9, 1))
    if decide:
        services.case_issue_notice(
            case,
            by=world.officer,
            notice_number="宁市监告〔2026〕9号",
            reason="告知",
            issued_on=dt.date(2026, 9, 30),
            delivered_on=dt.date(2026, 9, 30),
        )
        services.case_decide(case, by=world.officer, reason="认定", **DECISION)
    if publish:
        services.case_publish(case, by=world.officer, reason="公布")
    return case


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_check_api_returns_the_measures_and_logs_one_row(world):
    _case(world, decide=True)
    system = OfficerFactory()
    response = api(system).get(reverse("check-list"), {"identifier": world.company.identifier, "matter": "bidding"})
    assert response.status_code == 200
    data = response.json()
    assert data["found"] and "serious" in data["statuses"]
    # On the serious list and with a dishonest record: both lists' measures (Ningbo art. 32).
    assert data["statuses"] == ["serious", "dishonest"]
    assert [m["id"] for m in data["measures"]] == [world.measures["serious"].pk, world.measures["dishonest"].pk]
    assert {"implementing_body", "legal_basis", "content"} <= set(data["measures"][0])
    entry = QueryLog.objects.get()
    assert (entry.mode, entry.purpose, entry.channel) == ("government", "joint_sanction_check", "api")
    feedback = reverse("check-feedback", args=[data["check_id"]])
    response = api(system).post(
        feedback, {"results": [{"measure": world.measures["serious"].pk, "applied": False}]}, format="json"
    )
    assert response.status_code == 400
    twice = {"measure": world.measures["dishonest"].pk, "applied": True}
    response = api(system).post(feedback, {"results": [twice, twice]}, format="json")
    assert response.status_code == 400 and response.json()["results"][0].startswith("2: ")
    response = api(system).post(
        feedback,
        {"results": [{"measure": world.measures["serious"].pk, "applied": False, "reason": "合同已签订"}]},
        format="json",
    )
    assert response.status_code == 201
    assert api(OfficerFactory()).post(feedback, {"results": []}, format="json").status_code == 404


def test_the_check_api_answers_clearly_for_unknown_and_malformed_identifiers(world):
    client = api(OfficerFactory())
    response = client.get(reverse("check-list"), {"identifier": "914403001922038216", "matter": "bidding"})
    assert (
        response.status_code == 200 and response.json()["found"] is False and "No record" in response.json()["detail"]
    )
    response = client.get(reverse("check-list"), {"identifier": "914403001922038217", "matter": "bidding"})
    assert response.status_code == 400 and "identifier" in response.json()
    response = client.get(reverse("check-list"), {"identifier": "914403001922038216", "matter": "nothing"})
    assert response.status_code == 400 and "matter" in response.json()


def test_permission_matrix_for_the_check_and_the_cases(world):
    case = _case(world)
    assert_permission_matrix(
        Expectation(
            "GET",
            reverse("check-list") + f"?identifier={world.company.identifier}&matter=bidding",
            permitted=OfficerFactory(),
            without_permission=ClerkFactory(),
        )
    )
    assert_permission_matrix(
        Expectation(
            "GET",
            reverse("listingcase-detail", args=[case.pk]),
            permitted=world.officer,
            without_permission=NoRoleUserFactory(),
            other_organisation=OfficerFactory(),
        )
    )
    assert_permission_matrix(
        Expectation(
            "POST",
            reverse("listingcase-notice", args=[case.pk]),
            permitted=world.officer,
            without_permission=ClerkFactory(),
            other_organisation=OfficerFactory(),
            data={"notice_number": "告1", "reason": "告知"},
        )
    )
    # A step from the wrong status is a conflict.
    response = api(world.officer).post(reverse("listingcase-publish", args=[case.pk]), {"reason": "x"}, format="json")
    assert response.status_code == 409


def test_another_agency_cannot_read_a_draft_case_on_the_pages_or_in_the_admin(client, world):
    case = _case(world)
    client.force_login(OfficerFactory())
    assert client.get(reverse("sanctions:case_detail", args=[case.pk])).status_code == 404
    assert (
        client.post(
            reverse("sanctions:case_step", args=[case.pk, "notice"]), {"notice_number": "x", "reason": "x"}
        ).status_code
        == 404
    )
    assert client.get(reverse("admin:sanctions_listingcase_change", args=[case.pk])).status_code == 302
    page = client.get(reverse("sanctions:case_list")).content.decode()
    assert f"#{case.pk}" not in page
    # The credit office and the authority read it; they do not act on it.
    for user in (ClerkFactory(), AuthorityUserFactory()):
        client.force_login(user)
        page = client.get(reverse("sanctions:case_detail", args=[case.pk])).content.decode()
        assert "销售不合格食品" in page and "执行此步骤" not in page


def test_the_case_pages_take_the_steps(client, world):
    case = _case(world)
    client.force_login(world.officer)
    link = world.representative.responsibilities.get()
    detail = client.get(reverse("sanctions:case_detail", args=[case.pk])).content.decode()
    # offered in the notice form, the person's name masked (the case page is not a logged lookup)
    assert "赵**（法定代表人" in detail and "赵法人" not in detail
    client.post(
        reverse("sanctions:case_step", args=[case.pk, "notice"]),
        {
            "notice_number": "宁市监告〔2026〕10号",
            "issued_on": "2026-09-30",
            "responsible_people": [link.pk],
            "reason": "告知",
        },
    )
    case.refresh_from_db()
    assert case.status == "notice_issued" and case.statement_period is None
    assert list(case.responsible_people.all()) == [link]
    issued = client.get(reverse("sanctions:case_document", args=[case.pk, "notice"])).content.decode()
    assert "收到本告知书之日起5个工作日内" in issued and "赵法人（法定代表人）" in issued
    client.post(
        reverse("sanctions:case_step", args=[case.pk, "delivery"]), {"delivered_on": "2026-09-30", "reason": "直接送达"}
    )
    case.refresh_from_db()
    assert case.notice_delivered_on == dt.date(2026, 9, 30) and case.statement_period.due_on == dt.date(2026, 10, 13)
    # The notice is the text the subject received: recording its delivery does not rewrite it.
    page = client.get(reverse("sanctions:case_document", args=[case.pk, "notice"])).content.decode()
    assert page == issued and "事前告知书" in page and "陈述" in page
    response = client.get(reverse("sanctions:case_document", args=[case.pk, "notice"]), {"format": "pdf"})
    assert response["Content-Type"] == "application/pdf" and response.content[:4] == b"%PDF"


def test_public_serious_list_shows_only_published_and_masks_persons(client, world):
    draft_case = _case(world, decide=True)
    page = client.get(reverse("sanctions:public_serious")).content.decode()
    assert "南京失信测试有限公司" not in page
    services.case_publish(draft_case, by=world.officer, reason="公布")
    page = client.get(reverse("sanctions:public_serious")).content.decode()
    assert "南京失信测试有限公司" in page and world.company.identifier in page
    assert DECISION["removal_conditions"] in page and DECISION["remedies"] in page  # Tianjin art. 28
    assert "赵法人" not in page  # responsible people are in their files, not on the public page
    page = client.get(reverse("sanctions:public_serious"), {"q": "不存在"}).content.decode()
    assert "没有符合条件的条目" in page


def test_public_red_list_masks_a_persons_identifier(client, world):
    case = services.case_open(
        by=world.officer,
        list_type=ListType.RED,
        subject=world.representative,
        facts="守信",
        legal_basis="x",
        reason="提名",
    )
    services.red_start_notice(case, by=world.officer, reason="公示")
    from apps.core.audit import audited_save

    notice = case.red_notice  # the notice ended yesterday
    notice.started_on = notice.due_on = timezone.localdate() - dt.timedelta(days=1)
    audited_save(notice, by=None, reason="test: notice over")
    services.red_confirm(case, by=world.officer, reason="确认")
    page = client.get(reverse("sanctions:public_red")).content.decode()
    assert "赵**" in page and world.representative.identifier not in page
    assert world.representative.identifier[:6] + "********" in page


def test_statistics_count_checks_hits_feedback_and_cases(client, world):
    _case(world, decide=True)
    check, *_rest = services.sanction_check(by=world.officer, identifier=world.company.identifier, matter="bidding")
    services.check_feedback(
        check,
        by=world.officer,
        results=[{"measure": world.measures["serious"].pk, "applied": False, "reason": "项目已完成"}],
    )
    client.force_login(AuthorityUserFactory())
    page = client.get(reverse("sanctions:statistics")).content.decode()
    assert world.officer.organization.name in page and "项目已完成" in page
    response = client.get(reverse("sanctions:statistics"), {"export": "csv"})
    text = response.content.decode("utf-8-sig")
    line = next(row for row in text.splitlines() if world.officer.organization.name in row)
    assert line.split(",")[1:5] == ["1", "1", "0", "1"]


def test_the_officer_home_lists_open_cases_with_their_deadline(client, world):
    case = _case(world)
    services.case_issue_notice(
        case,
        by=world.officer,
        notice_number="告",
        reason="告知",
        issued_on=dt.date(2026, 9, 30),
        delivered_on=dt.date(2026, 9, 30),
    )
    client.force_login(world.officer)
    page = client.get(reverse("core:home")).content.decode()
    assert f"#{case.pk}" in page and "2026-10-13" in page
    client.force_login(OfficerFactory())
    assert f"#{case.pk} " not in client.get(reverse("core:home")).content.decode()


def test_the_decision_tells_of_the_review_where_the_city_provides_one(client, world, settings):
    """Ningbo art. 28: 对核查处理结果仍有异议的，可以向市社会信用工作主管部门申请复核. The decision
    is issued under the policy in force that day and keeps its text afterwards."""
    case = _case(world, decide=True)
    client.force_login(world.officer)
    url = reverse("sanctions:case_document", args=[case.pk, "decision"])
    issued = client.get(url).content.decode()
    assert "申请复核" not in issued  # Nanjing has no such review
    settings.CREDIT_POLICY = "ningbo"
    assert client.get(url).content.decode() == issued
    ningbo_case = _case(world, decide=True)
    ningbo_url = reverse("sanctions:case_document", args=[ningbo_case.pk, "decision"])
    assert "向市社会信用工作主管部门申请复核" in client.get(ningbo_url).content.decode()


def test_the_authority_reviews_on_the_case_page(client, world, settings):
    from tests.factories import AuthorityUserFactory

    settings.CREDIT_POLICY = "ningbo"
    case = decide_after_statement(world, _case(world))
    client.force_login(world.officer)
    assert "复核结果" not in client.get(reverse("sanctions:case_detail", args=[case.pk])).content.decode()
    client.force_login(AuthorityUserFactory())
    page = client.get(reverse("sanctions:case_detail", args=[case.pk])).content.decode()
    assert "由社会信用主管部门复核" in page
    client.post(
        reverse("sanctions:case_step", args=[case.pk, "review"]),
        {
            "applied_on": timezone.localdate().isoformat(),
            "outcome": "upheld",
            "review_document": "甬信复〔2026〕2号",
            "review_note": "认定事实清楚",
            "reason": "复核",
        },
    )
    case.refresh_from_db()
    assert case.review_outcome == "upheld" and case.status == CaseStatus.DECIDED
    page = client.get(reverse("sanctions:case_detail", args=[case.pk])).content.decode()
    assert "维持" in page and "甬信复〔2026〕2号" in page


def test_a_listing_start_so_late_its_disclosure_would_pass_the_year_9999_is_a_400_naming_it(world):
    """Issue 9 (fuzzing): `listing_start: 9999-12-30` answered 500 (ValueError: year 10002 is out
    of range, computing the disclosure end of the listing's record); nothing is decided."""
    case = _case(world)
    services.case_issue_notice(
        case,
        by=world.officer,
        notice_number="n",
        reason="告知",
        issued_on=dt.date(2026, 9, 30),
        delivered_on=dt.date(2026, 9, 30),
    )
    body = {**DECISION, "listing_start": "9999-12-30", "listing_end": "9999-12-31", "reason": "认定"}
    response = api(world.officer).post(reverse("listingcase-decide", args=[case.pk]), body, format="json")
    assert response.status_code == 400, response.content
    assert response.json() == {"listing_start": ["自该日期起算的公示期限将晚于9999年结束，请核对日期。"]}
    case.refresh_from_db()
    assert case.status == CaseStatus.NOTICE_ISSUED and not ListEntry.objects.filter(case=case).exists()


def captured_sql(captured) -> list[str]:
    return [query["sql"] for query in captured.captured_queries]


@pytest.mark.django_db(transaction=True)
def test_the_check_api_runs_2_statements_without_a_transaction_on_postgresql_at_most_4_elsewhere(
    world, django_assert_max_num_queries, monkeypatch
):
    """Issue 16: the token, the user and the role's permission come from the per-process cache;
    the answer is one statement. On PostgreSQL the counter, the log row and the check are one
    more statement, in autocommit (no BEGIN, no COMMIT); elsewhere three statements in one
    transaction."""
    from django.db import connection
    from rest_framework.authtoken.models import Token

    _case(world, decide=True)
    token = Token.objects.create(user=OfficerFactory())
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    params = {"identifier": world.company.identifier, "matter": "bidding"}
    assert client.get(reverse("check-list"), params).status_code == 200  # the first call fills the caches
    commits = []
    commit = connection.commit
    monkeypatch.setattr(connection, "commit", lambda: commits.append(1) or commit())
    postgres = connection.vendor == "postgresql"
    with django_assert_max_num_queries(2 if postgres else 4 + 2) as captured:  # + BEGIN and COMMIT
        response = client.get(reverse("check-list"), params)
    assert response.status_code == 200
    statements = [sql for sql in captured_sql(captured) if sql not in ("BEGIN", "BEGIN IMMEDIATE", "COMMIT")]
    assert len(statements) <= (2 if postgres else 4)
    data = response.json()
    assert data["statuses"] == ["serious", "dishonest"]
    assert [m["id"] for m in data["measures"]] == [world.measures["serious"].pk, world.measures["dishonest"].pk]
    begins = sum(sql.startswith("BEGIN") for sql in captured_sql(captured))
    assert (len(commits), begins) == ((0, 0) if postgres else (1, 1))
    assert not any("SAVEPOINT" in sql or "FOR UPDATE" in sql for sql in statements)
    assert QueryLog.objects.filter(purpose="joint_sanction_check").count() == 2
    check = SanctionCheck.objects.get(pk=data["check_id"])
    assert check.query_log.purpose == "joint_sanction_check" and check.query_log.user_id == token.user_id
    assert QueryVolume.objects.get(user=token.user).lookups == 2  # a person: one counter row
