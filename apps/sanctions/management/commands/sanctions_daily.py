"""Daily job: end expired listings and key-attention entries, confirm red-list proposals whose
notice ended without objection, expire records past their disclosure. Safe to run twice."""

from django.core.management.base import BaseCommand

from apps.sanctions.services import daily_upkeep


class Command(BaseCommand):
    help = "End expired listings and key-attention entries, confirm red-list notices, expire records."

    def handle(self, *args, **options):
        for name, count in daily_upkeep().items():
            self.stdout.write(f"{name}: {count}")
