"""Load the State Council's holiday schedule of a year from a CSV/XLSX file as overrides.

    manage.py load_holiday_schedule 2027.csv --reason "国办发明电〔2026〕…号"

Columns: 日期 (date), 是否工作日 (working), 依据文件 (source), optionally 说明 (note). All rows
or none; each error names its row. Open deadlines are recomputed after the load.
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from apps.core.holidays import holiday_schedule_load


class Command(BaseCommand):
    help = "Load a year's official holiday schedule (CSV or XLSX: date, working, source) as holiday overrides."

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV or XLSX file")
        parser.add_argument("--year", type=int, help="the year the file must cover (default: that of its first row)")
        parser.add_argument("--reason", required=True, help="recorded in the history of every row")

    def handle(self, *args, file, year, reason, **options):
        try:
            with open(file, "rb") as handle:
                saved = holiday_schedule_load(handle, by=None, reason=reason, year=year)
        except OSError as error:
            raise CommandError(str(error)) from None
        except ValidationError as error:
            raise CommandError("\n".join(error.messages)) from None
        self.stdout.write(f"{len(saved)} days loaded")
