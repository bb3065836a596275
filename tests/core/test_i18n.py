"""The interface is Chinese: every source string has a zh_Hans translation, and the compiled
catalog matches the sources."""

import shutil
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

LOCALE = Path(settings.BASE_DIR) / "locale"
PO = LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


def _untranslated(po):
    return [e.msgid for e in po if not e.obsolete and (not e.translated() or "fuzzy" in e.flags)]


def test_every_committed_entry_is_translated():
    assert _untranslated(polib.pofile(str(PO))) == []


def test_compiled_catalog_matches_the_sources():
    po = {(e.msgid, e.msgstr or e.msgstr_plural.get(0, "")) for e in polib.pofile(str(PO)) if not e.obsolete}
    mo = {(e.msgid, e.msgstr or e.msgstr_plural.get(0, "")) for e in polib.mofile(str(MO))}
    assert po - mo == set(), "run: python manage.py compilemessages -l zh_Hans --ignore=.venv"


@pytest.mark.skipif(not shutil.which("msgmerge"), reason="gettext tools missing (make browser-deps installs them)")
def test_no_string_in_the_code_lacks_a_translation(tmp_path, monkeypatch):
    # makemessages writes next to the sources it walks: walk symlinks from a scratch directory
    # whose locale/ is a copy, so the committed catalog is left alone.
    shutil.copytree(LOCALE, tmp_path / "locale")
    for name in ("apps", "credit_portal", "templates"):
        (tmp_path / name).symlink_to(Path(settings.BASE_DIR) / name)
    monkeypatch.chdir(tmp_path)
    with override_settings(LOCALE_PATHS=[tmp_path / "locale"]):
        call_command("makemessages", locale=["zh_Hans"], symlinks=True, verbosity=0)
    fresh = polib.pofile(str(tmp_path / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    assert len(fresh) >= len(polib.pofile(str(PO))) > 0
    assert _untranslated(fresh) == [], "new strings need a translation in locale/zh_Hans/LC_MESSAGES/django.po"
