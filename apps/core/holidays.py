"""The State Council's yearly holiday schedule (国务院办公厅关于部分节假日安排的通知), loaded as
holiday overrides so that a year the calendar package does not cover is counted exactly.

The file is a small CSV (or XLSX): a header row, then one row per day the notice lists, with
the columns date (日期, YYYY-MM-DD), working (是否工作日: 是/否, yes/no, 1/0) and source (依据文件,
the notice's title and number); an optional fourth column note (说明, e.g. 春节). Every row is
checked first; one bad row and nothing is written, and each error names its row.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy

from apps.core.audit import audited_save
from apps.core.models import HolidayOverride
from apps.core.services import require_reason
from apps.core.tabular import read_table

COLUMNS = {
    "date": "date",
    "日期": "date",
    "working": "working",
    "是否工作日": "working",
    "source": "source",
    "依据文件": "source",
    "note": "note",
    "说明": "note",
}
TRUE_WORDS = {"是", "工作日", "上班", "yes", "y", "true", "1"}
FALSE_WORDS = {"否", "休息日", "休息", "放假", "no", "n", "false", "0"}

MSG_HEADER = gettext_lazy(
    "The first row must name the columns 日期 (date), 是否工作日 (working) and 依据文件 (source); missing: {missing}."
)
MSG_UNKNOWN_COLUMN = gettext_lazy("Column “{column}” is not one of 日期, 是否工作日, 依据文件, 说明.")
MSG_EMPTY = gettext_lazy("The file lists no days.")
MSG_DATE = gettext_lazy("Row {row}: “{value}” is not a date; write it as YYYY-MM-DD, e.g. 2027-02-05.")
MSG_WORKING = gettext_lazy("Row {row}: “{value}” does not say whether the day is a working day; write 是 or 否.")
MSG_SOURCE = gettext_lazy("Row {row}: name the source document (the notice's title and number).")
MSG_YEAR = gettext_lazy("Row {row}: {date} is not in {year}; one file holds the schedule of one year.")
MSG_DUPLICATE = gettext_lazy("Row {row}: {date} is already listed on row {first}.")


def _cell(cells: list, index: int | None) -> str:
    if index is None or index >= len(cells) or cells[index] is None:
        return ""
    value = cells[index]
    if isinstance(value, datetime.datetime):
        value = value.date()
    return value.isoformat() if isinstance(value, datetime.date) else str(value).strip()


def parse_schedule(file, *, year: int | None = None) -> list[dict]:
    """The rows of a schedule file, checked; raises ValidationError listing every bad row."""
    table = read_table(file)
    index: dict[str, int] = {}
    errors: list[str] = []
    for position, header in enumerate(table.headers):
        name = COLUMNS.get(str(header or "").strip().lower()) or COLUMNS.get(str(header or "").strip())
        if name is None:
            if str(header or "").strip():
                errors.append(str(MSG_UNKNOWN_COLUMN).format(column=header))
            continue
        index[name] = position
    missing = [
        label
        for key, label in (("date", "日期"), ("working", "是否工作日"), ("source", "依据文件"))
        if key not in index
    ]
    if missing:
        errors.append(str(MSG_HEADER).format(missing="、".join(missing)))
    if errors:
        raise ValidationError(errors)
    rows: list[dict] = []
    seen: dict[datetime.date, int] = {}
    for number, cells in table.rows:
        if not any(str(c or "").strip() for c in cells):
            continue
        raw_date, raw_working = _cell(cells, index["date"]), _cell(cells, index["working"])
        source, note = _cell(cells, index["source"]), _cell(cells, index.get("note"))
        try:
            day = datetime.date.fromisoformat(raw_date)
        except ValueError:
            errors.append(str(MSG_DATE).format(row=number, value=raw_date))
            day = None
        word = raw_working.lower()
        if word not in TRUE_WORDS | FALSE_WORDS:
            errors.append(str(MSG_WORKING).format(row=number, value=raw_working))
        if not source:
            errors.append(str(MSG_SOURCE).format(row=number))
        if day is not None:
            year = year or day.year
            if day.year != year:
                errors.append(str(MSG_YEAR).format(row=number, date=day.isoformat(), year=year))
            elif day in seen:
                errors.append(str(MSG_DUPLICATE).format(row=number, date=day.isoformat(), first=seen[day]))
            else:
                seen[day] = number
        rows.append(
            {"row": number, "date": day, "working": word in TRUE_WORDS, "source": source[:200], "note": note[:200]}
        )
    if not rows and not errors:
        errors.append(str(MSG_EMPTY))
    if errors:
        raise ValidationError(errors)
    return rows


@transaction.atomic
def holiday_schedule_load(file, *, by, reason: str, year: int | None = None) -> list[HolidayOverride]:
    """Load a year's official schedule as overrides (created or changed, each with history),
    all or nothing. Open deadlines are recomputed once this commits (apps.core.recompute)."""
    reason = require_reason(reason)
    rows = parse_schedule(file, year=year)
    saved = []
    for row in rows:
        override = HolidayOverride.objects.filter(date=row["date"]).first() or HolidayOverride(date=row["date"])
        override.is_working_day = row["working"]
        override.official_schedule = True
        override.source_document = row["source"]
        override.note = row["note"] or row["source"]
        override.full_clean()
        saved.append(audited_save(override, by=by, reason=reason))
    return saved
