"""The check API's plain path (issue 16): `GET /api/v1/checks/` with a token, no session cookie
and JSON accepted is answered without DRF's dispatch — with the same status, body and headers as
DRF gives, which is what every test here compares: the same request sent once as a system sends
it (the plain path) and once with a session cookie that authenticates nobody (DRF's path, which
then authenticates the same token)."""

from unittest import mock

import pytest
from django.test.utils import override_script_prefix
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework.views import APIView

from apps.core.models import QueryLog
from tests.factories import NoRoleUserFactory, OfficerFactory, SystemAccountFactory, make_uscc
from tests.sanctions.factories import make_world

# The world's records carry fixed 2026 dates: the clock is set to match (any real date passes).
pytestmark = [pytest.mark.django_db, pytest.mark.today("2026-12-02T10:00")]


@pytest.fixture
def world(policy):
    return make_world()


def _client(user, **extra) -> APIClient:
    client = APIClient(**extra)
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def _both(user, params, **extra):
    """(the plain path's response, DRF's response, how many times DRF dispatched for each)."""
    dispatch = APIView.dispatch
    calls = []

    def counting(self, request, *args, **kwargs):
        calls.append(1)
        return dispatch(self, request, *args, **kwargs)

    answers = []
    with mock.patch.object(APIView, "dispatch", counting):
        for cookie in (False, True):
            client = _client(user, **extra)
            if cookie:
                client.cookies["sessionid"] = "nobody"
            before = len(calls)
            answers.append(client.get(reverse("check-list"), params))
            answers.append(len(calls) - before)
    plain, plain_dispatches, drf, drf_dispatches = answers
    return plain, drf, (plain_dispatches, drf_dispatches)


def _same(plain, drf, *, differ=()):
    assert plain.status_code == drf.status_code
    # Every header, though the plain path skips the session, CSRF, authentication, messages,
    # history and lockout layers (PlainCheckMiddleware). A field allowed to differ (a new row's
    # id) may differ in length too: then each Content-Length is its own body's.
    headers = [dict(answer.items()) for answer in (plain, drf)]
    if differ:
        for answer, found in zip((plain, drf), headers, strict=True):
            assert int(found.pop("Content-Length")) == len(answer.content)
    assert headers[0] == headers[1]
    if plain["Content-Type"] == "application/json":
        a, b = dict(plain.json()), dict(drf.json())
        for key in differ:
            a.pop(key), b.pop(key)
        assert a == b


def test_a_found_subject_gets_drfs_answer_without_drfs_dispatch(world):
    params = {"identifier": world.company.identifier, "matter": "bidding"}
    plain, drf, dispatches = _both(OfficerFactory(), params)
    assert dispatches == (0, 1)
    assert plain.status_code == 200 and plain.json()["found"] and plain.json()["statuses"] == ["dishonest"]
    _same(plain, drf, differ=("check_id",))
    assert plain.json()["check_id"] != drf.json()["check_id"]
    assert plain.content.decode().startswith('{"check_id":')  # DRF's compact JSON, Chinese unescaped
    assert "南京失信测试有限公司" in plain.content.decode()
    assert QueryLog.objects.filter(purpose="joint_sanction_check").count() == 2  # one row per call


def test_an_unknown_subject_and_a_masked_person(world):
    unknown = make_uscc(990_000)  # valid, on no file
    for identifier in (unknown, world.representative.identifier):
        plain, drf, dispatches = _both(OfficerFactory(), {"identifier": identifier, "matter": "bidding"})
        assert dispatches == (0, 1)
        _same(plain, drf, differ=("check_id",))
    assert plain.json()["found"] and "赵法人" not in plain.content.decode()  # the person masked


@pytest.mark.parametrize(
    "params",
    [
        {"identifier": "91320100MA1XXXXX0Y", "matter": "no-such-matter"},
        {"identifier": "12345", "matter": "bidding"},
        {"matter": "bidding"},
        {},
    ],
)
def test_a_bad_identifier_or_matter_is_drfs_400_and_writes_nothing(world, params):
    plain, drf, dispatches = _both(OfficerFactory(), params)
    assert plain.status_code == 400
    assert dispatches == (1, 1)  # refused before anything was written: DRF words it
    _same(plain, drf)
    assert not QueryLog.objects.exists()


def test_a_system_over_its_quota_gets_the_same_429_and_each_refusal_is_logged_once(world):
    system = SystemAccountFactory(daily_quota=1)
    params = {"identifier": world.company.identifier, "matter": "bidding"}
    assert _client(system.user).get(reverse("check-list"), params).status_code == 200
    plain, drf, dispatches = _both(system.user, params)
    assert dispatches == (0, 1)
    assert plain.status_code == 429 and "1" in plain.json()["detail"]
    _same(plain, drf)
    assert QueryLog.objects.filter(outcome="refused").count() == 2


def test_an_unknown_token_no_permission_another_accept_or_method_take_drfs_way(world):
    params = {"identifier": world.company.identifier, "matter": "bidding"}
    with mock.patch.object(APIView, "dispatch", autospec=True, side_effect=APIView.dispatch) as dispatch:
        # (403, not 401: DRF answers with its first authentication class, the session's)
        unknown = APIClient(HTTP_AUTHORIZATION="Token 0000000000000000000000000000000000000000")
        assert unknown.get(reverse("check-list"), params).json()["detail"] == "认证令牌无效。"
        malformed = APIClient(HTTP_AUTHORIZATION="Token")
        assert malformed.get(reverse("check-list"), params).status_code == 403
        assert _client(NoRoleUserFactory()).get(reverse("check-list"), params).status_code == 403
        html = _client(OfficerFactory()).get(reverse("check-list"), params, HTTP_ACCEPT="text/html")
        assert html.status_code == 200 and html["Content-Type"].startswith("text/html")  # DRF's browsable API
        formatted = _client(OfficerFactory()).get(reverse("check-list"), {**params, "format": "json"})
        assert formatted.status_code == 200
        assert _client(OfficerFactory()).post(reverse("check-list"), params).status_code == 405
        assert _client(OfficerFactory()).options(reverse("check-list")).status_code == 200
    assert dispatch.call_count == 7
    # the three that got an answer: two checks (text/html and ?format=json) and no other row
    assert QueryLog.objects.filter(purpose="joint_sanction_check").count() == 2


def test_the_route_stays_drfs_view_for_the_schema_and_the_router(world):
    from django.urls import resolve

    view = resolve(reverse("check-list")).func
    assert view.cls.__name__ == "SanctionCheckViewSet" and view.actions["get"] == "list"
    assert view.csrf_exempt


def test_the_plain_answer_passes_the_security_layers_and_skips_the_session_ones(world, settings):
    """PlainCheckMiddleware sits after the security, frame-options and CSP layers and before the
    session: its answer carries their headers and never a cookie."""
    order = [name.rsplit(".", 1)[-1] for name in settings.MIDDLEWARE]
    plain = order.index("PlainCheckMiddleware")
    for before in ("SecurityMiddleware", "XFrameOptionsMiddleware", "CSPMiddleware"):
        assert order.index(before) < plain, before
    for after in ("SessionMiddleware", "CsrfViewMiddleware", "AuthenticationMiddleware", "AxesMiddleware"):
        assert order.index(after) > plain, after
    params = {"identifier": world.company.identifier, "matter": "bidding"}
    with mock.patch.object(APIView, "dispatch", autospec=True, side_effect=APIView.dispatch) as dispatch:
        answer = _client(OfficerFactory()).get(reverse("check-list"), params)
    assert dispatch.call_count == 0 and answer.status_code == 200
    for header in ("X-Frame-Options", "Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy"):
        assert answer.has_header(header), header
    assert not answer.cookies


def test_the_plain_path_under_a_script_prefix(world):
    """Deployed under a prefix (SCRIPT_NAME), the call is recognised by its path within the site,
    the path learnt first under the prefix."""
    from apps.sanctions.api import _check_path

    _check_path.cache_clear()
    params = {"identifier": world.company.identifier, "matter": "bidding"}
    path_info = reverse("check-list")
    with (
        override_script_prefix("/portal/"),  # as the WSGI handler sets it from SCRIPT_NAME
        mock.patch.object(APIView, "dispatch", autospec=True, side_effect=APIView.dispatch) as dispatch,
    ):
        answer = _client(OfficerFactory()).get(path_info, params, SCRIPT_NAME="/portal")
    assert answer.status_code == 200 and answer.json()["found"]
    assert dispatch.call_count == 0


def test_a_role_taken_away_is_refused_at_the_next_call(world):
    """The plain path keeps whether a token's user may check like the token and the user's
    permissions (per process), and forgets it with them when a role changes."""
    officer = OfficerFactory()
    client = _client(officer)
    params = {"identifier": world.company.identifier, "matter": "bidding"}
    assert client.get(reverse("check-list"), params).status_code == 200
    officer.groups.clear()
    with mock.patch.object(APIView, "dispatch", autospec=True, side_effect=APIView.dispatch) as dispatch:
        refused = client.get(reverse("check-list"), params)
    assert refused.status_code == 403 and dispatch.call_count == 1  # DRF's answer
    assert QueryLog.objects.filter(purpose="joint_sanction_check").count() == 1
