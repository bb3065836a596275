"""System accounts (issue 16): another government system's API client has the daily quota the
credit office set for it, not the people's threshold (Nanjing art. 52); over it a 429 with a
Chinese message and a log row; the usage page shows each system's day."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from apps.core.choices import QueryOutcome
from apps.core.models import QueryFlag, QueryLog, QueryVolume
from apps.core.services import system_account_save
from tests.factories import ClerkFactory, OfficerFactory, SystemAccountFactory
from tests.sanctions.factories import make_world

pytestmark = [pytest.mark.django_db, pytest.mark.today("2026-12-02T10:00")]


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def test_a_system_has_its_own_quota_not_the_people_threshold_and_over_it_gets_a_429_in_chinese(policy):
    policy.query_daily_threshold = 1  # a person is refused at the second lookup
    policy.save()
    world = make_world()
    system = SystemAccountFactory(name="市公共资源交易平台", daily_quota=3)
    client = token_client(system.user)
    params = {"identifier": world.company.identifier, "matter": "bidding"}
    for _ in range(3):
        assert client.get(reverse("check-list"), params).status_code == 200
    response = client.get(reverse("check-list"), params)
    assert response.status_code == 429
    assert "市公共资源交易平台" in response.json()["detail"] and "每日 3 次" in response.json()["detail"]
    refused = QueryLog.objects.get(user=system.user, outcome=QueryOutcome.REFUSED)
    assert refused.result == {"refused": "system_quota", "quota": 3}
    assert QueryLog.objects.filter(user=system.user).count() == 4
    assert not QueryFlag.objects.exists()  # a quota is not a person's abnormal volume
    # The day's count is spread over the system's counter slots; together they hold the quota.
    assert sum(QueryVolume.objects.filter(user=system.user).values_list("lookups", flat=True)) == 3


def test_a_raised_quota_applies_to_the_next_call(policy):
    world = make_world()
    system = SystemAccountFactory(daily_quota=1)
    client = token_client(system.user)
    params = {"identifier": world.company.identifier, "matter": "bidding"}
    assert client.get(reverse("check-list"), params).status_code == 200
    assert client.get(reverse("check-list"), params).status_code == 429
    system.daily_quota = 2
    system_account_save(system, by=ClerkFactory(), reason="交易高峰期")
    assert client.get(reverse("check-list"), params).status_code == 200
    assert client.get(reverse("check-list"), params).status_code == 429
    latest = system.history.first()
    assert latest.daily_quota == 2 and latest.history_change_reason == "交易高峰期"


def test_only_the_credit_office_sets_a_quota_and_with_a_reason(policy):
    system = SystemAccountFactory(daily_quota=10)
    system.daily_quota = 10_000
    with pytest.raises(PermissionDenied):
        system_account_save(system, by=OfficerFactory(), reason="自己调")
    with pytest.raises(PermissionDenied):
        system_account_save(system, by=system.user, reason="自己调")
    with pytest.raises(ValidationError):
        system_account_save(system, by=ClerkFactory(), reason="")


def test_the_usage_page_shows_each_system_quota_today_and_refusals(client, policy):
    world = make_world()
    system = SystemAccountFactory(name="市不动产登记系统", daily_quota=2)
    api = token_client(system.user)
    params = {"identifier": world.company.identifier, "matter": "bidding"}
    for _ in range(3):
        api.get(reverse("check-list"), params)
    client.force_login(ClerkFactory())
    page = client.get(reverse("core:systemaccount_list")).content.decode()
    assert "市不动产登记系统" in page and "2 / 2 (100%)" in page
    assert "<td>1</td>" in page  # one refusal today
