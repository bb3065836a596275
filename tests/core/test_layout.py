"""`apps.core.layout.render_for_visitor` (issue 18 item 5): a plain visitor's page joined from its
template's parts rendered once is the page `render` gives, byte for byte; anything of one request
(a user, a CSRF token, a CSP nonce) is never kept for another. The public pages themselves are
compared in tests/subjects/test_public_layout.py."""

from __future__ import annotations

import copy

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.shortcuts import render
from django.test import RequestFactory, override_settings
from django.utils.safestring import mark_safe

from apps.core import layout
from tests.factories import ClerkFactory

pytestmark = pytest.mark.django_db

TEMPLATES = {
    "page.html": (
        "<title>{{ name }} · 测试</title>{% if user.is_authenticated %}<p>{{ user.username }}</p>{% endif %}"
        "<main>{{ body }}</main><footer>{% if policy %}{{ policy.name }}{% endif %}</footer>"
    ),
    "twice.html": "<h1>{{ name }}</h1><p>{{ name }}</p>{{ body }}",
    "token.html": "<form method=post>{% csrf_token %}</form>{{ name }}{{ body }}",
    "nonce.html": "<script nonce='{{ request.csp_nonce }}'></script>{{ name }}{{ body }}",
}


@pytest.fixture(autouse=True)
def _templates(policy):
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["APP_DIRS"] = False
    templates[0]["OPTIONS"]["loaders"] = [("django.template.loaders.locmem.Loader", TEMPLATES)]
    with override_settings(TEMPLATES=templates, DEBUG=False):
        yield


def _request(**cookies):
    request = RequestFactory().get("/public/x/")
    request.COOKIES.update(cookies)
    request.user = AnonymousUser()
    return request


VALUES = [
    {"name": "南京<b>\"测试\"</b>&'单位'", "body": mark_safe("<table><tr><td>甲</td></tr></table>")},
    {"name": "另一家单位", "body": mark_safe("<p>乙</p>")},
]


@pytest.mark.parametrize("template", ["page.html", "twice.html"])
def test_a_plain_visitor_gets_the_page_render_gives(template):
    for values in VALUES * 2:  # the second time from the parts kept
        joined = layout.render_for_visitor(_request(), template, values)
        assert joined.content == render(_request(), template, values).content
        assert joined.status_code == 200 and joined["Content-Type"] == "text/html; charset=utf-8"


def test_the_value_is_escaped_as_the_template_escapes_it():
    joined = layout.render_for_visitor(_request(), "page.html", VALUES[0]).content.decode()
    assert "<title>南京&lt;b&gt;&quot;测试&quot;&lt;/b&gt;&amp;&#x27;单位&#x27; · 测试</title>" in joined
    assert "<main><table><tr><td>甲</td></tr></table></main>" in joined


def test_only_a_template_that_shows_each_value_once_is_kept():
    layout.render_for_visitor(_request(), "page.html", VALUES[0])
    layout.render_for_visitor(_request(), "twice.html", VALUES[0])
    kept = {key[0]: parts for key, parts in layout._kept.items()}
    assert kept["page.html"] is not None and kept["twice.html"] is None


def test_a_signed_in_user_gets_the_layout_rendered_for_them():
    user = ClerkFactory(username="layout-clerk")
    layout.render_for_visitor(_request(), "page.html", VALUES[0])  # parts kept for visitors
    request = _request(**{settings.SESSION_COOKIE_NAME: "s"})
    request.user = user
    assert "<p>layout-clerk</p>" in layout.render_for_visitor(request, "page.html", VALUES[0]).content.decode()
    assert "layout-clerk" not in layout.render_for_visitor(_request(), "page.html", VALUES[0]).content.decode()


@pytest.mark.parametrize("template", ["token.html", "nonce.html"])
def test_a_token_or_nonce_of_the_request_is_never_kept(template):
    """Each visitor's CSRF token and CSP nonce are its own: such a template is never kept."""
    from csp.middleware import CSPMiddleware

    pages = []
    for _ in range(2):
        request = _request()
        CSPMiddleware(lambda request: None).process_request(request)
        pages.append(layout.render_for_visitor(request, template, VALUES[1]).content)
    assert pages[0] != pages[1]
    assert next(parts for key, parts in layout._kept.items() if key[0] == template) is None


def test_a_new_policy_name_is_in_the_next_page(policy):
    assert policy.name in layout.render_for_visitor(_request(), "page.html", VALUES[1]).content.decode()
    policy.name = "测试政策新名称"
    policy.save()
    assert "测试政策新名称" in layout.render_for_visitor(_request(), "page.html", VALUES[1]).content.decode()
