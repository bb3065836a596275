"""Load the five city policy presets (reference data) from fixtures/policies/.

Existing policies are kept as they are (the authority may have edited them); `--reset CODE`
overwrites one with its preset, and the overwrite is recorded in its history.
"""

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from apps.core.audit import audited_save
from apps.core.models import Policy

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
            done.append((code, "kept"))
            continue
        policy = policy or Policy()
        for name, value in fields.items():
            setattr(policy, name, value)
        policy.full_clean()
        audited_save(policy, by=None, reason=f"Preset loaded from fixtures/policies/{path.name}")
        done.append((code, "reset" if code in reset else "created"))
    return done


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
