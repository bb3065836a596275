import time

from django.core.management.base import BaseCommand

from apps.core.querylog import seal_query_log


class Command(BaseCommand):
    help = "Chain the query-log rows that are not sealed yet (run from cron, or with --every N seconds)."

    def add_arguments(self, parser):
        parser.add_argument("--every", type=float, default=0, help="keep sealing every N seconds")

    def handle(self, *args, every, **options):
        while True:
            sealed = seal_query_log(wait=True)
            self.stdout.write(f"sealed {sealed} rows")
            if not every:
                return
            time.sleep(every)
