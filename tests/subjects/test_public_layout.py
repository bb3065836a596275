"""The public pages' parts rendered once per process (`{% rendered_once %}`, and for a plain
visitor the whole layout around an organisation's page and a feed, `apps.core.layout`, issue 18
item 5) give a visitor the page byte for byte as the templates without them give it rendered for
the request: the search with results, with none, refused and empty, an organisation's page and a
feed, in Chinese and in English, with and without a script prefix, one language after the other
in the same process. The second organisation's page has every part (a list entry, a commitment,
an objection mark, a responsible person's record)."""

from __future__ import annotations

import copy
import re

import pytest
from django.conf import settings
from django.core.cache import cache
from django.template.loaders.filesystem import Loader as FilesystemLoader
from django.test import Client, override_settings
from django.test.utils import override_script_prefix
from django.urls import reverse
from django.utils import translation

from apps.subjects.models import Subject
from tests.sanctions.factories import ListingCasePublishedFactory
from tests.subjects.factories import (
    CommitmentFactory,
    CompanyFactory,
    MarkedRecordFactory,
    PublishedItemFactory,
    RecordFactory,
    ResponsiblePersonFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.today("2026-12-02T10:00")]

ADDRESS = "203.0.113.9"


class WithoutRenderedOnce(FilesystemLoader):
    """The project's templates as they were before `{% rendered_once %}`: the tags taken out."""

    def get_contents(self, origin):
        return re.sub(r"{% (end)?rendered_once %}", "", super().get_contents(origin))


def _templates_without_rendered_once():
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["APP_DIRS"] = False
    templates[0]["OPTIONS"]["loaders"] = [
        f"{__name__}.WithoutRenderedOnce",
        "django.template.loaders.app_directories.Loader",
    ]
    return override_settings(TEMPLATES=templates)


@pytest.fixture(autouse=True)
def _uncached(settings):
    """Every request renders its page (no kept whole pages, no kept bodies, no address limits)."""
    settings.PUBLIC_PORTAL_CACHE_SECONDS = 0
    settings.PUBLIC_PORTAL_CHALLENGE_AFTER_SEARCHES = 0
    settings.PUBLIC_PORTAL_LOOKUPS_PER_ADDRESS_PER_MINUTE = 10**6
    settings.PUBLIC_PORTAL_FEEDS_PER_ADDRESS_PER_MINUTE = 10**6
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def company(policy):
    company = CompanyFactory(name="南京版面测试建设有限公司")
    RecordFactory(subject=company, item=PublishedItemFactory())
    CompanyFactory(name="南京版面测试<b>咨询</b>有限公司")
    return company


@pytest.fixture
def listed(policy):
    """An organisation on the serious list with a commitment, a record under objection and a
    responsible person whose record shows under it."""
    listed = ListingCasePublishedFactory().subject
    MarkedRecordFactory(subject=listed, item=PublishedItemFactory())
    CommitmentFactory(subject=listed, matter="bidding")
    link = ResponsiblePersonFactory(organization=listed)
    RecordFactory(subject=link.person, item=PublishedItemFactory(shown_with_organisation=True))
    return listed


def _pages(company, listed):
    search = reverse("subjects:public_search")
    return [
        (search, {"q": "版面测试"}),
        (search, {"q": "没有这样的单位"}),
        (search, {"q": "版"}),  # too short: the form's error
        (search, {}),
        (reverse("subjects:public_subject", args=[company.public_key]), {}),
        (reverse("subjects:public_subject", args=[listed.public_key]), {}),
        (reverse("subjects:public_feed", args=["penalties"]), {}),
    ]


def _contents(pages, cookies):
    client = Client()
    client.cookies.load(cookies)
    return [client.get(path, params, REMOTE_ADDR=ADDRESS).content.decode() for path, params in pages]


VARIANTS = [(language, prefix) for prefix in ("/", "/portal/") for language in ("zh-hans", "en")]


def _render_all(paths, **cookies):
    """Each variant's pages, one after the other in this process (no setting changes between).
    A cookie makes the visitor no longer plain: the layout is then rendered for the request
    (`apps.core.layout.render_for_visitor`), not joined from its parts."""
    rendered = {}
    for language, prefix in VARIANTS:
        with translation.override(language), override_script_prefix(prefix):
            rendered[language, prefix] = _contents(paths, cookies)
    return rendered


def test_pages_are_the_same_as_rendered_afresh(company, listed):
    paths = _pages(company, listed)  # the paths as the server sees them, behind the prefix
    kept = _render_all(paths)
    assert _render_all(paths) == kept  # served from the kept parts this time
    with _templates_without_rendered_once():
        afresh = _render_all(paths, afresh="1")
    assert kept == afresh
    search = kept["zh-hans", "/"][0]
    assert "版面测试建设" in search and "&lt;b&gt;咨询" in search and "信用门户" in search
    assert 'href="/portal/public/feeds/licences/"' in kept["en", "/portal/"][0]
    assert "Credit portal" in kept["en", "/portal/"][0]
    page = kept["zh-hans", "/"][5]
    for part in ("严重失信", "异议标注", "负责人", "信用承诺", "的权利"):
        assert part in page, part


@pytest.mark.parametrize(("language", "prefix"), VARIANTS)
@pytest.mark.parametrize("text", [None, "", " ", "版", "版面测试", "x" * 101, "<b>\"&'</b>"])
def test_search_field_and_rows_are_drawn_as_django_draws_them(company, language, prefix, text):
    """The search's field, its rows' links and subject types are written out in the template
    (`public_subject_url`, the `label` filter, the `<input>`): what `{{ form.q }}`,
    `{% url %}` and `get_kind_display` give."""
    from apps.subjects.public import SearchForm

    params = {} if text is None else {"q": text}
    path = reverse("subjects:public_search")
    with translation.override(language), override_script_prefix(prefix):
        content = Client().get(path, params, REMOTE_ADDR=ADDRESS).content.decode()
        form = SearchForm(params or None)
        form.is_valid()
        if 'id="id_q_error"' in content:  # the view's own refusals (too short) go on the field too
            form.add_error("q", "refused")
        assert str(form["q"]) in content
        # the field's aria-describedby names the error shown under it
        assert ('aria-describedby="id_q_error"' in content) == ('id="id_q_error"' in content)
        subjects = Subject.objects.filter(name__contains=text) if text and len(text) > 1 else []
        for subject in subjects:
            url = reverse("subjects:public_subject", args=[subject.public_key])
            assert f'<a href="{url}">' in content
            assert f"<td>{subject.get_kind_display()}</td>" in content
