"""Daily job: grace periods (Tianjin art. 45) past their end go back to review, so the agency
decides; the decision clock runs again. Safe to run twice."""

from django.core.management.base import BaseCommand

from apps.repair.services import repairs_end_grace


class Command(BaseCommand):
    help = "End the repair grace periods past their end date (the applications go back to review)."

    def handle(self, *args, **options):
        self.stdout.write(f"grace periods ended: {repairs_end_grace()}")
