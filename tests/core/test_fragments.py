"""`{% rendered_once %}` (apps/core/templatetags/fragments.py): a part of the layout rendered once per
process is what it would have been rendered afresh — in the language, under the script prefix and
with the URL configuration of the request — and carries nothing of the request that rendered it."""

import uuid

import pytest
from django.template import Context, Engine, RequestContext, TemplateSyntaxError
from django.test import RequestFactory, override_settings
from django.test.utils import override_script_prefix
from django.urls import reverse, set_urlconf
from django.utils import translation

from apps.core.templatetags import fragments

ENGINE = Engine(
    libraries={"fragments": "apps.core.templatetags.fragments", "static": "django.templatetags.static"},
    builtins=["django.templatetags.i18n"],
)
LINK = '{% load fragments %}{% rendered_once %}<a href="{% url "subjects:public_search" %}">{% translate "Credit portal" %}</a>{% endrendered_once %}'


def test_kept_by_language():
    template = ENGINE.from_string(LINK)
    with translation.override("zh-hans"):
        chinese = template.render(Context())
    with translation.override("en"):
        english = template.render(Context())
    with translation.override("zh-hans"):
        again = template.render(Context())
    assert chinese == again == '<a href="/public/search/">信用门户</a>'
    assert english == '<a href="/public/search/">Credit portal</a>'


def test_kept_by_script_prefix():
    template = ENGINE.from_string(LINK)
    with translation.override("en"):
        plain = template.render(Context())
        with override_script_prefix("/portal/"):
            prefixed = template.render(Context())
        assert template.render(Context()) == plain
    assert plain == '<a href="/public/search/">Credit portal</a>'
    assert prefixed == '<a href="/portal/public/search/">Credit portal</a>'


def test_kept_by_url_configuration():
    template = ENGINE.from_string(LINK)
    with translation.override("en"):
        template.render(Context())
        set_urlconf("bench.scale_urls")  # what a request with its own `urlconf` sets
        try:
            assert template.render(Context()) == '<a href="/public/search/">Credit portal</a>'
            assert ("en", "/", "bench.scale_urls") in template.nodelist[1].kept
        finally:
            set_urlconf(None)


def test_a_changed_setting_drops_the_copies():
    template = ENGINE.from_string(
        '{% load fragments static %}{% rendered_once %}{% static "a.css" %}{% endrendered_once %}'
    )
    with override_settings(STATIC_URL="/one/"):
        assert template.render(Context()) == "/one/a.css"
    with override_settings(STATIC_URL="/two/"):
        assert template.render(Context()) == "/two/a.css"


def test_nothing_of_the_request_gets_in():
    """The part is rendered without the page's context, so a visitor's name, token or anything a
    view passed cannot be kept for the next visitor."""
    template = ENGINE.from_string(
        "{% load fragments %}{% rendered_once %}[{{ name }}{% csrf_token %}]{% endrendered_once %}"
    )
    request = RequestFactory().get("/")
    first = template.render(RequestContext(request, {"name": "张三", "csrf_token": "secret"}))
    second = template.render(RequestContext(request, {"name": "李四"}))
    assert first == second == "[]"


def test_a_block_inside_is_refused():
    with pytest.raises(TemplateSyntaxError):
        ENGINE.from_string("{% load fragments %}{% rendered_once %}{% block x %}{% endblock %}{% endrendered_once %}")


def test_public_subject_url_is_the_reversed_url_under_each_prefix():
    key = uuid.uuid4()
    template = ENGINE.from_string("{% load fragments %}{{ key|public_subject_url }}")
    for prefix in ("/", "/portal/", "/"):
        with override_script_prefix(prefix):
            assert template.render(Context({"key": key})) == reverse("subjects:public_subject", args=[key])
    assert template.render(Context({"key": key})) == f"/public/subjects/{key}/"


def test_copies_are_bounded_whatever_prefixes_requests_bring():
    template = ENGINE.from_string(LINK)
    node = template.nodelist[1]
    with translation.override("en"):
        for n in range(fragments.MAX_KEPT + 5):
            with override_script_prefix(f"/p{n}/"):
                assert template.render(Context()) == f'<a href="/p{n}/public/search/">Credit portal</a>'
    assert len(node.kept) == fragments.MAX_KEPT
