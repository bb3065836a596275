"""Daily job: batch-query approvals past their last day expire (Nanjing art. 67: the approval
bounds the days). Safe to run twice."""

from django.core.management.base import BaseCommand

from apps.service_agencies.services_batch import batch_expire_due


class Command(BaseCommand):
    help = "Expire the batch-query approvals whose last day has passed."

    def handle(self, *args, **options):
        self.stdout.write(f"batch-query approvals expired: {batch_expire_due()}")
