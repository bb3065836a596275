"""No English on a page for a zh-hans user (issue 17: "no English visible in the workbench or
admin for a zh-hans user").

Renders every page of the web matrix (tests/test_web_matrix.py) as each role that may open it and
reads what the user sees: the text between tags and the words of `title`, `placeholder`,
`aria-label`, `alt` and the `value` of buttons. A run of Latin letters is English left
untranslated unless it is a name that stays Latin in Chinese too (a file format, the API, the
identifier's letters, a username of the demo world).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
import time_machine
from django.db import transaction

from tests.test_web_matrix import PAGES, ROLES, TODAY, World, _answer

pytestmark = pytest.mark.django_db

# A word with a small letter (a field or command name with underscores too): case and document
# numbers (XF-2026-000001) are capitals and digits.
WORD = re.compile(r"(?<![A-Za-z_])[A-Za-z_]*[a-z][A-Za-z_]*(?![A-Za-z_])")
# Latin words a Chinese interface keeps: formats, protocols, the names of things that have no
# Chinese name, units.
KEPT = {
    "PDF",
    "CSV",
    "XLSX",
    "XLS",
    "API",
    "URL",
    "JSON",
    "HTML",
    "UTF",
    "BOM",
    "GB18030",
    "HTTP",
    "HTTPS",
    "SHA",
    "HMAC",
    "OpenAPI",
    "Swagger",
    "Redoc",
    "Token",
    "ID",
    "IP",
    "IPv4",
    "IPv6",
    "UTC",
    "KB",
    "MB",
    "GB",
    "Excel",
    "WPS",
    "PostgreSQL",
    "SQLite",
    "Celery",
    "Redis",
    "Django",
    "Chromium",
}
ATTRIBUTES = {"title", "placeholder", "aria-label", "alt"}


class _Visible(HTMLParser):
    """The text a user reads: outside script and style, plus the labelling attributes."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "code", "pre", "textarea"):
            self._hidden += 1
        attrs = dict(attrs)
        self.parts.extend(value for name, value in attrs.items() if name in ATTRIBUTES and value)
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.parts.append(attrs["value"])

    def handle_endtag(self, tag):
        if tag in ("script", "style", "code", "pre", "textarea") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)


# Data, not interface: addresses, file names, digests.
DATA = re.compile(r"https?://\S+|[^\s/（(]+\.(?:pdf|json|csv|xlsx|xls|txt|zip)\b|\b[0-9a-f]{16,}\b")


def english_on(html: str, world: World) -> list[str]:
    parser = _Visible()
    parser.feed(html)
    kept = KEPT | world.latin_names
    found = []
    for part in parser.parts:
        for match in WORD.finditer(DATA.sub(" ", part)):
            if len(match.group()) > 1 and match.group() not in kept:
                found.append(part.strip()[:80])
                break
    return found


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), time_machine.travel(TODAY, tick=False), transaction.atomic():
        world = World()
        world.latin_names = _latin_names()
        yield world
        transaction.set_rollback(True)


def _latin_names() -> set[str]:
    """The Latin words the world's data holds — usernames, and the change reasons its factories
    and steps gave in English ("factory", "accept"): what a user typed, not interface."""
    from django.apps import apps

    from apps.core.models import User

    names = set(WORD.findall("Testapp case"))  # the test settings' own app (tests/testapp), not a product model
    for username in User.objects.values_list("username", flat=True):
        names.update(WORD.findall(username))
    for model in apps.get_models():
        if any(f.name == "history_change_reason" for f in model._meta.fields):
            reasons = model.objects.exclude(history_change_reason=None).values_list("history_change_reason", flat=True)
            for reason in reasons.distinct():
                names.update(WORD.findall(reason))
    return names


@pytest.mark.parametrize("name", sorted(PAGES))
def test_no_page_shows_english_to_a_chinese_user(world, name):
    page = PAGES[name]
    found = {}
    for role in ROLES:
        if page.expected[role] != 200:
            continue
        response = _answer(world, page, role)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        english = english_on(response.content.decode(), world)
        if english:
            found[role] = sorted(set(english))[:5]
    assert not found, f"{name} shows English to a zh-hans user: {found}"
