"""No English on a page for a zh-hans user (issue 17: "no English visible in the workbench or
admin for a zh-hans user").

The admin's pages are rendered here; the workbench's (every page of the web matrix, as each role
that may open it) in tests/test_city_citations.py, which renders them once for both checks with
`english_on`. What the user sees is read: the text between tags and the words of `title`, `placeholder`,
`aria-label`, `alt` and the `value` of buttons. A run of Latin letters is English left
untranslated unless it is a name that stays Latin in Chinese too (a file format, the API, the
identifier's letters, a username of the demo world).
"""

from __future__ import annotations

import contextlib
import re
from html.parser import HTMLParser

import pytest
import time_machine
from django.db import transaction

from tests.test_web_matrix import TODAY, World

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
    # The keys Django's own Chinese help of a multiple select names ("按住 Control 键或 Mac 上的
    # Command 键来选择多项。").
    "Control",
    "Command",
    "Mac",
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


# Data, not interface: addresses, file names, digests; and what the admin shows as stored: JSON
# values of read-only fields (the whole text `[...]` or `{...}`), MIME types, stored file and
# template paths, a password hash's algorithm and masked salt and hash ("md5", "Cz****"), the
# platform's group names ("org:1", "role:clerk"), and a stored code given with its Chinese label
# ("legal_representative（法定代表人）", the policy's help on a JSON field).
DATA = re.compile(
    r"https?://\S+|[^\s/（(]+\.(?:pdf|json|csv|xlsx|xls|txt|zip)\b|\b[0-9a-f]{16,}\b"
    r"|^\s*[\[{].*[\]}]\s*$"
    r"|\b(?:application|text|image)/[\w.+-]+"
    r"|(?<!\S)[\w.-]+(?:/[\w.-]+)+\.(?:html|json|pdf|csv|xlsx|xls|txt|zip)\b"
    r"|[A-Za-z0-9+/=]*\*{4,}[A-Za-z0-9+/=]*|\b(?:md5|pbkdf2_sha256|pbkdf2_sha1|argon2|bcrypt_sha256|scrypt)\b"
    r"|\b(?:org|role):[\w-]+"
    r"|\b[a-z][a-z_]*(?=（[^）]*[\u4e00-\u9fff])",
    re.DOTALL,
)


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
        world.latin_names = latin_names()
        yield world
        transaction.set_rollback(True)


def latin_names() -> set[str]:
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


def _admin_pages() -> list[tuple[str, str]]:
    """(model label, page) of every model in the admin: its list, its add form where it has one,
    and the list's first object's page and history (filled in per world by `_admin_urls`)."""
    from django.contrib import admin

    return sorted((model._meta.label_lower, "") for model in admin.site._registry)


def _admin_urls(label: str, world_user) -> list[str]:
    from django.apps import apps
    from django.contrib import admin
    from django.urls import NoReverseMatch, reverse

    model = apps.get_model(label)
    model_admin = admin.site._registry[model]
    info = (model._meta.app_label, model._meta.model_name)
    urls = [reverse("admin:index"), reverse("admin:{}_{}_changelist".format(*info))]
    with contextlib.suppress(NoReverseMatch):
        urls.append(reverse("admin:{}_{}_add".format(*info)))
    first = model_admin.get_queryset(_Request(world_user)).order_by("pk").first()
    if first is not None:
        urls.append(reverse("admin:{}_{}_change".format(*info), args=[first.pk]))
        urls.append(reverse("admin:{}_{}_history".format(*info), args=[first.pk]))
    return urls


class _Request:
    def __init__(self, user):
        self.user = user


@pytest.mark.parametrize("label", [label for label, _page in _admin_pages()])
def test_no_admin_page_shows_english_to_a_chinese_user(world, label):
    """The admin as the superuser sees it: the index, each model's list, add form, first object
    and its history. A page that first asks the lookup's purpose is that form, in Chinese too."""
    from django.test import Client

    user = world.users["admin"]
    client = Client()
    client.force_login(user)
    found = {}
    with time_machine.travel(TODAY, tick=False):
        for url in _admin_urls(label, user):
            with transaction.atomic():
                response = client.get(url, follow=True)
                transaction.set_rollback(True)
            if response.status_code != 200:
                continue
            english = english_on(response.content.decode(), world)
            if english:
                found[url] = sorted(set(english))[:5]
    assert not found, f"the admin of {label} shows English to a zh-hans user: {found}"
