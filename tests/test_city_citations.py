"""Under the Nanjing preset no page names another city's regulation (and, rendered in the same
pass, no page shows English to a zh-hans user: tests/test_no_english.py's reading).

Every citation of a regulation on a page comes from the active Policy (its `regulation` and the
`*_basis` of each figure), never from a template or a Python string that names a city's article.
This renders every page of the web matrix (tests/test_web_matrix.py: its URL list and its world
of objects) as each role that may open it, plus an issued credit report, and fails when one names
another city or its regulation.

The Nanjing preset's bases say where Nanjing's regulation is silent and that the figure is the
other cities' common practice (DESIGN.md section 5), without naming them: they are shown beside
deadlines on daily pages.
"""

from __future__ import annotations

import re

import pytest
import time_machine
from django.db import transaction

from tests.test_no_english import english_on, latin_names
from tests.test_web_matrix import PAGES, ROLES, TODAY, World, _answer

pytestmark = pytest.mark.django_db

OTHER_CITIES = re.compile(r"天津|大连|宁波|张掖|Tianjin|Dalian|Ningbo|Zhangye")


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    from django.conf import settings

    assert settings.CREDIT_POLICY == "nanjing"
    with django_db_blocker.unblock(), time_machine.travel(TODAY, tick=False), transaction.atomic():
        world = World()
        world.latin_names = latin_names()
        yield world
        transaction.set_rollback(True)


def _other_cities(text: str) -> list[str]:
    """Each mention with some text around it, for the failure message."""
    return [text[max(m.start() - 40, 0) : m.end() + 40].replace("\n", " ") for m in OTHER_CITIES.finditer(text)]


@pytest.mark.parametrize("name", sorted(PAGES))
def test_no_page_names_another_city_or_shows_english(world, name):
    """Each page, rendered once per role that may open it, is checked for both: no other city
    under the Nanjing preset, and no English for a zh-hans user (tests/test_no_english.py)."""
    page = PAGES[name]
    cities, english = {}, {}
    for role in ROLES:
        if page.expected[role] != 200:
            continue
        response = _answer(world, page, role)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        if mentions := _other_cities(html):
            cities[role] = mentions[:3]
        if words := english_on(html, world):
            english[role] = sorted(set(words))[:5]
    assert not cities, f"{name} names another city under the Nanjing preset: {cities}"
    assert not english, f"{name} shows English to a zh-hans user: {english}"


def test_an_issued_credit_report_names_only_the_city_s_regulation(world):
    html = world.report.document.html_text()
    assert not _other_cities(html), _other_cities(html)
    assert "《南京市社会信用条例》" in html


CITED_ARTICLE = re.compile(r"(Nanjing|Tianjin|Dalian|Ningbo|Zhangye) art\.|条例》第[一二三四五六七八九十百]+条")


def test_no_template_cites_an_article_literally():
    """Issue 17 item 8: a template's text is shown under every city's preset, so it names no
    city's article; a page cites the Policy's regulation and bases instead."""
    from pathlib import Path

    from django.conf import settings

    found = [
        f"{path.relative_to(settings.BASE_DIR)}:{number}"
        for path in sorted(Path(settings.BASE_DIR, "templates").rglob("*.html"))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if CITED_ARTICLE.search(line) and "{#" not in line
    ]
    assert not found, f"templates citing a city's article literally: {found}"
