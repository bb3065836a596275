from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from apps.core.querylog import seal_query_log, verify_query_log


class Command(BaseCommand):
    help = (
        "Walk the query-log hash chain and hold it against the anchors outside the database; exit "
        "non-zero and name the first bad row when a row was changed, removed, or rewritten and sealed "
        "again. Seals pending rows first unless --no-seal."
    )

    def add_arguments(self, parser):
        parser.add_argument("--no-seal", action="store_true", help="do not seal pending rows first")
        parser.add_argument(
            "--anchor-file",
            type=Path,
            help="check against this copy of the anchors (from export_query_log_anchors) instead of "
            "QUERY_LOG_ANCHOR_PATH; checkpoints newer than the copy are not expected in it",
        )

    def handle(self, *args, no_seal, anchor_file, **options):
        if anchor_file is not None and not anchor_file.is_file():
            raise CommandError(f"no anchor file at {anchor_file}")
        try:
            if not no_seal:
                seal_query_log(wait=True, full=True)
            report = verify_query_log(anchor_file=anchor_file)
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from error
        if not report.ok:
            where = f" at row id {report.first_bad_id}" if report.first_bad_id is not None else ""
            raise CommandError(f"query log chain BROKEN{where} ({report.problem}): {report.message}")
        self.stdout.write(self.style.SUCCESS(report.message))
