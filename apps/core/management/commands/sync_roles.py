from django.core.management.base import BaseCommand

from apps.core.permissions import sync_roles


class Command(BaseCommand):
    help = "Create the role groups and set their permissions as declared in each app's roles.py (idempotent)."

    def handle(self, *args, **options):
        for role, count in sync_roles().items():
            self.stdout.write(f"{role}: {count} permissions")
