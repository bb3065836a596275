"""Daily job: drop the checked rows no batch needs any more (PostgreSQL's staging tables of
batches withdrawn, submitted — but the newest of an item, provider and rules, whose lines the next
file takes, until BATCH_STAGE_KEEP_DAYS — or left unsubmitted past BATCH_STAGE_KEEP_DAYS). Safe to run twice;
nothing to do on SQLite, which keeps no staging tables."""

from django.core.management.base import BaseCommand

from apps.subjects import ingestion_pg
from apps.subjects.models import CreditRecord


class Command(BaseCommand):
    help = "Drop the staging tables of batches that no longer need them."

    def handle(self, *args, **options):
        dropped = ingestion_pg.drop_stale_stages() if ingestion_pg.enabled(CreditRecord) else []
        self.stdout.write(f"{len(dropped)} staging tables dropped")
