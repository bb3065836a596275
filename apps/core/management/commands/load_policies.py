"""Load the five city policy presets (reference data) from fixtures/policies/.

Existing policies are kept as they are (the authority may have edited them); `--reset CODE`
overwrites one with its preset, and the overwrite is recorded in its history. A figure added to
the model after a policy was loaded has an empty basis in that policy: loading again fills such
figures (and only those) from the preset, with history, and leaves every other value alone.
"""

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from apps.core.audit import audited_save
from apps.core.models import POLICY_SECTIONS, Policy

PRESETS_DIR = Path(settings.BASE_DIR) / "fixtures" / "policies"


def load_presets(reset: set[str] = frozenset()) -> list[tuple[str, str]]:
    """Create missing presets, overwrite those in `reset`; returns [(code, what happened)]."""
    done = []
    for path in sorted(PRESETS_DIR.glob("*.json")):
        entries = json.loads(path.read_text(encoding="utf-8"))
        if len(entries) != 1 or entries[0].get("model") != "core.policy":
            raise CommandError(f"{path}: expected exactly one core.policy object")
        fields = entries[0]["fields"]
        code = fields["code"]
        policy = Policy.objects.filter(code=code).first()
        if policy is not None and code not in reset:
            filled = _fill_new_figures(policy, fields, path.name)
            done.append((code, f"kept, new figures filled: {', '.join(filled)}" if filled else "kept"))
            continue
        policy = policy or Policy()
        for name, value in fields.items():
            setattr(policy, name, value)
        policy.full_clean()
        audited_save(policy, by=None, reason=f"Preset loaded from fixtures/policies/{path.name}")
        done.append((code, "reset" if code in reset else "created"))
    return done


def _fill_new_figures(policy: Policy, fields: dict, file_name: str) -> list[str]:
    """Figures whose basis is still empty in `policy` (added by a later migration) take the
    preset's figure and basis."""
    pairs = [pair for _title, figures in POLICY_SECTIONS for pair in figures]
    blank = {basis for _figure, basis in pairs if not str(getattr(policy, basis) or "").strip()}
    filled = []
    for figure, basis in pairs:
        if figure in filled or basis not in blank or not str(fields.get(basis) or "").strip():
            continue
        setattr(policy, figure, fields[figure])
        setattr(policy, basis, fields[basis])
        filled.append(figure)
    if filled:
        policy.full_clean()
        audited_save(
            policy, by=None, reason=f"New figures filled from fixtures/policies/{file_name}: {', '.join(filled)}"
        )
    return filled


class Command(BaseCommand):
    help = "Load the city policy presets (fixtures/policies/*.json); keeps existing ones unless --reset."

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="append", default=[], metavar="CODE", help="overwrite this policy")

    @transaction.atomic
    def handle(self, *args, reset, **options):
        for code, what in load_presets(set(reset)):
            self.stdout.write(f"{code}: {what}")
        if not Policy.objects.filter(code=settings.CREDIT_POLICY).exists():
            raise CommandError(f"CREDIT_POLICY={settings.CREDIT_POLICY} matches no preset")
