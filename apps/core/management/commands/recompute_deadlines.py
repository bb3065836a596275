"""Recompute every open deadline and every active record's disclosure end under the active
policy and the current holiday overrides (what runs by itself after a change of either).

    manage.py recompute_deadlines --cause "2027年放假安排录入"
"""

from django.core.management.base import BaseCommand

from apps.core.recompute import recompute_after_change


class Command(BaseCommand):
    help = "Recompute open deadlines and disclosure ends after a change of the city policy or holiday overrides."

    def add_arguments(self, parser):
        parser.add_argument("--cause", required=True, help="named in the history of every changed row")
        parser.add_argument("--deadlines-only", action="store_true", help="leave disclosure ends alone")

    def handle(self, *args, cause, deadlines_only, **options):
        done = recompute_after_change(cause=cause, disclosure=not deadlines_only, deadlines=True)
        for name, count in done.items():
            self.stdout.write(f"{name}: {count}")
