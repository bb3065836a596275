"""Daily job: records whose disclosure period ended become expired (safe to run twice)."""

from django.core.management.base import BaseCommand

from apps.subjects.services import records_expire


class Command(BaseCommand):
    help = "Mark records whose disclosure period has ended as expired."

    def handle(self, *args, **options):
        self.stdout.write(f"{records_expire()} records expired")
