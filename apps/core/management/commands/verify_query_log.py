from django.core.management.base import BaseCommand, CommandError

from apps.core.querylog import seal_query_log, verify_query_log


class Command(BaseCommand):
    help = (
        "Walk the query-log hash chain; exit non-zero and name the first bad row when a row was "
        "changed or removed. Seals pending rows first unless --no-seal."
    )

    def add_arguments(self, parser):
        parser.add_argument("--no-seal", action="store_true", help="do not seal pending rows first")

    def handle(self, *args, no_seal, **options):
        if not no_seal:
            seal_query_log(wait=True)
        report = verify_query_log()
        if not report.ok:
            raise CommandError(f"query log chain BROKEN at row id {report.first_bad_id}: {report.message}")
        self.stdout.write(self.style.SUCCESS(report.message))
