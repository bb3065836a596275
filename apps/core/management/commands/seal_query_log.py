import time

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from apps.core.querylog import seal_pending, seal_query_log


class Command(BaseCommand):
    help = (
        "Chain the query-log rows that are not sealed yet and anchor each checkpoint in "
        "QUERY_LOG_ANCHOR_PATH. Once (cron), or with --loop N every N seconds, for deployments "
        "without the job queue."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--loop", "--every", type=float, default=0, metavar="SECONDS", help="keep sealing every SECONDS seconds"
        )
        parser.add_argument(
            "--full", action="store_true", help="read every row, not only those from the watermark on (slower)"
        )

    def handle(self, *args, loop, full, **options):
        while True:
            try:
                sealed = seal_pending() if loop and not full else seal_query_log(wait=True, full=full)
            except ImproperlyConfigured as error:
                raise CommandError(str(error)) from error
            if sealed or not loop:
                self.stdout.write(f"sealed {sealed} rows")
            if not loop:
                return
            time.sleep(loop)
