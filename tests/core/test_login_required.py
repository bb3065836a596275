"""LoginRequiredMiddleware: every page needs a signed-in user unless its view says otherwise."""

from __future__ import annotations

import pytest
from django.http import HttpResponse
from django.urls import include, path, reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import ClerkFactory, OfficerFactory

pytestmark = pytest.mark.django_db


def undecorated_view(request):
    return HttpResponse("inside")


# The project's URLs plus one view that a new app might add without any decorator.
urlpatterns = [
    path("furniture-test/new-page/", undecorated_view, name="new-page"),
    path("", include("credit_portal.urls")),
]


@pytest.mark.urls(__name__)
def test_a_new_view_without_a_decorator_needs_a_login(client):
    response = client.get("/furniture-test/new-page/")
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=/furniture-test/new-page/"
    client.force_login(ClerkFactory())
    assert client.get("/furniture-test/new-page/").content == b"inside"


@pytest.mark.parametrize(
    "url",
    [
        "/accounts/login/",
        "/verify/",
        "/public/serious-list/",
        "/public/red-list/",
    ],
)
def test_the_public_pages_open_without_a_login(client, url):
    assert client.get(url).status_code == 200


def test_the_admin_keeps_its_own_login_page(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert client.get("/admin/login/").status_code == 200


@pytest.mark.parametrize("url", ["/api/v1/me/", "/api/v1/cases/", "/api/schema/", "/api/docs/"])
def test_an_anonymous_api_request_is_refused_by_drf_not_redirected(url):
    response = APIClient().get(url)
    assert response.status_code in (401, 403), response.status_code
    assert "Location" not in response


def test_an_unknown_api_address_answers_404_not_a_redirect():
    response = APIClient().get("/api/v1/no-such-endpoint/")
    assert response.status_code == 404 and "Location" not in response


def test_a_token_request_passes_the_middleware():
    officer = OfficerFactory()
    key = Token.objects.create(user=officer).key
    client = APIClient(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.get("/api/v1/me/")
    assert response.status_code == 200 and response.json()["username"] == officer.username
    assert client.get("/api/schema/").status_code == 200
