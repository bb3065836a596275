import time

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from apps.core.querylog import seal_query_log


class Command(BaseCommand):
    help = (
        "Chain the query-log rows that are not sealed yet and anchor each checkpoint in "
        "QUERY_LOG_ANCHOR_PATH (run from cron, or with --every N seconds)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--every", type=float, default=0, help="keep sealing every N seconds")

    def handle(self, *args, every, **options):
        while True:
            try:
                sealed = seal_query_log(wait=True)
            except ImproperlyConfigured as error:
                raise CommandError(str(error)) from error
            self.stdout.write(f"sealed {sealed} rows")
            if not every:
                return
            time.sleep(every)
