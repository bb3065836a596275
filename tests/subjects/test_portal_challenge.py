"""The cheap challenge after many searches from one address (issue 18 item 4): past
PUBLIC_PORTAL_CHALLENGE_AFTER_SEARCHES searches within the hour, a search waits for an arithmetic
question answered in a plain form (no JavaScript); nothing is looked up or logged until then."""

from __future__ import annotations

import re

import pytest
from django.core import signing
from django.core.cache import cache
from django.test import Client

from apps.core.models import QueryLog
from apps.subjects import portal
from tests.subjects.factories import CompanyFactory

pytestmark = [pytest.mark.django_db, pytest.mark.today("2026-12-02T10:00")]

SEARCH_URL = "/public/search/"
ADDRESS = "203.0.113.21"


@pytest.fixture(autouse=True)
def _empty_cache(policy, settings):
    settings.PUBLIC_PORTAL_CHALLENGE_AFTER_SEARCHES = 2
    cache.clear()
    yield
    cache.clear()


def _search(params, address=ADDRESS):
    return Client().get(SEARCH_URL, params, REMOTE_ADDR=address)


def _token(response) -> str:
    return re.search(r'name="challenge" value="([^"]+)"', response.content.decode()).group(1)


def _sum(token: str) -> int:
    return signing.loads(token, salt=portal.CHALLENGE_SALT)["sum"]


def test_the_search_after_n_waits_for_the_question_and_logs_nothing():
    company = CompanyFactory(name="南京挑战测试有限公司")
    for _ in range(2):
        assert company.name in _search({"q": "挑战测试"}).content.decode()
    challenged = _search({"q": "挑战测试"})
    text = challenged.content.decode()
    assert challenged.status_code == 200 and "加" in text and company.name not in text
    assert 'name="q" value="挑战测试"' in text  # the search asked for follows the answer
    assert QueryLog.objects.count() == 2
    assert company.name in _search({"q": "挑战测试"}, address="198.51.100.2").content.decode()  # per address


def test_searches_are_not_counted_while_the_challenge_is_off(settings):
    """PUBLIC_PORTAL_CHALLENGE_AFTER_SEARCHES=0: no challenge, and no counter kept for one; turned
    on, the address starts from nothing."""
    company = CompanyFactory(name="南京挑战关闭测试有限公司")
    settings.PUBLIC_PORTAL_CHALLENGE_AFTER_SEARCHES = 0
    for _ in range(3):
        assert company.name in _search({"q": "挑战关闭"}).content.decode()
    settings.PUBLIC_PORTAL_CHALLENGE_AFTER_SEARCHES = 2
    for _ in range(2):
        assert company.name in _search({"q": "挑战关闭"}).content.decode()
    assert company.name not in _search({"q": "挑战关闭"}).content.decode()


def test_a_wrong_answer_asks_again_and_a_right_one_searches_and_lets_the_address_go_on():
    company = CompanyFactory(name="南京挑战测试有限公司")
    for _ in range(2):
        _search({"q": "挑战测试"})
    token = _token(_search({"q": "挑战测试"}))
    wrong = _search({"q": "挑战测试", "challenge": token, "answer": str(_sum(token) + 1)})
    assert str(portal.MSG_CHALLENGE_WRONG) in wrong.content.decode() and company.name not in wrong.content.decode()
    token = _token(wrong)
    right = _search({"q": "挑战测试", "challenge": token, "answer": str(_sum(token))})
    assert company.name in right.content.decode()
    assert QueryLog.objects.count() == 3
    assert company.name in _search({"q": "挑战测试"}).content.decode()  # the allowance starts again


def test_an_answered_question_cannot_be_used_again_nor_from_another_address():
    for _ in range(2):
        _search({"q": "挑战测试"})
    token = _token(_search({"q": "挑战测试"}))
    answer = {"q": "挑战测试", "challenge": token, "answer": str(_sum(token))}
    assert str(portal.MSG_CHALLENGE_EXPIRED) in _search(answer, address="198.51.100.3").content.decode()
    assert "challenge" not in _search(answer).content.decode().split("<main", 1)[-1].split("name=")[0]
    again = _search(answer)
    assert str(portal.MSG_CHALLENGE_EXPIRED) in again.content.decode()


def test_a_forged_token_is_refused():
    for _ in range(2):
        _search({"q": "挑战测试"})
    forged = signing.dumps({"sum": 2, "ip": ADDRESS, "nonce": "x"}, salt="another salt")
    response = _search({"q": "挑战测试", "challenge": forged, "answer": "2"})
    assert str(portal.MSG_CHALLENGE_EXPIRED) in response.content.decode()
    assert QueryLog.objects.count() == 2


def test_zero_turns_the_challenge_off(settings):
    settings.PUBLIC_PORTAL_CHALLENGE_AFTER_SEARCHES = 0
    for _ in range(5):
        assert 'name="challenge"' not in _search({"q": "挑战测试"}).content.decode()
