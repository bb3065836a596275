"""When a record's public disclosure ends (失信信息公开/查询期限), from the active Policy.

- The period starts on the day the conduct was determined or the day it ended, per city
  (Nanjing art. 56: from confirmation; Tianjin art. 42 and Dalian art. 35: from the end of the
  act; Ningbo art. 22: from determination), custodial sentences from the day they were served
  (Dalian art. 35, Ningbo art. 22) where the policy says so.
- Its length comes from the policy by severity (city figures, or held within the national
  minimum and maximum when the policy follows the national rules), or from the item itself.
- A minor record is not published unless the item says so.
- Periods in months end on the corresponding day of the last month, or the month's last day when
  there is none (Civil Code arts. 201–202): the record is disclosed through that day and hidden
  from the next.
- While the subject is on the serious list the disclosure is extended (Nanjing art. 56, Dalian
  art. 35, Ningbo art. 22): the sanctions app registers an extension in `EXTENSIONS`.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Callable

from apps.catalog.choices import Category, PeriodRule, Severity
from apps.core.choices import DisclosureStart

# Callables (subject ids) -> {subject id: date}: the day an extension (a serious listing) ends,
# for the subjects that have one. Asked once per batch chunk, not once per record.
EXTENSIONS: list[Callable] = []


def extensions_for(subject_ids) -> dict[int, datetime.date]:
    """The latest extension end of each subject that has one."""
    ends: dict[int, datetime.date] = {}
    ids = [i for i in subject_ids if i is not None]
    if not ids:
        return ends
    for extension in EXTENSIONS:
        for subject_id, end in extension(ids).items():
            if end is not None and (subject_id not in ends or end > ends[subject_id]):
                ends[subject_id] = end
    return ends


class MissingDate(ValueError):
    """The date the policy counts from is missing; the message names it."""


class DateOutOfRange(MissingDate):
    """The date the policy counts from is unusable: the period from it would end after the year
    9999 (or start before year 1), which no date can hold; the message names the field."""


def add_months(day: datetime.date, months: int) -> datetime.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def period_start(record, policy) -> datetime.date:
    if policy.disclosure_custodial_from_sentence_end and record.custodial_sentence_end:
        return record.custodial_sentence_end
    if policy.disclosure_start == DisclosureStart.CONDUCT_END and record.category == Category.DISHONEST:
        if not record.ended_on:
            raise MissingDate("ended_on")
        return record.ended_on
    start = record.determined_on or record.document_date
    if start is None:
        raise MissingDate("determined_on")
    return start


def period_months(record, policy, start=None) -> int | None:
    """Months of disclosure, or None when the item sets no end."""
    item = record.item
    own = item.period_months if item.period_rule == PeriodRule.ITEM and item.period_months else None
    if record.category != Category.DISHONEST:
        return own  # basic, good and other information: kept current unless the item says otherwise
    severity = record.severity or Severity.GENERAL
    if severity == Severity.MINOR and not item.publish_minor:
        return 0  # minor dishonest information is not published (Tianjin art. 12, Zhangye art. 34)
    if own is not None:
        # An item's own period (a special law) still keeps within the national range when it applies.
        return policy.hold_within_national(own, severity, on=start)
    if severity == Severity.MINOR:
        return policy.disclosure_months(Severity.MINOR, on=start) or policy.national_minor_max_months
    return policy.disclosure_months(severity, on=start)


def disclosure_end(record, policy, extensions: dict | None = None) -> datetime.date | None:
    """The last day `record` is disclosed; None when it has no end. A record that is not
    published at all (minor, item says so) ends the day before its period starts."""
    if period_months(record, policy) is None:
        return None
    start = period_start(record, policy)
    months = period_months(record, policy, start)
    try:
        end = start - datetime.timedelta(days=1) if months == 0 else add_months(start, months)
    except (OverflowError, ValueError):
        names = ("custodial_sentence_end", "ended_on", "determined_on", "document_date")
        raise DateOutOfRange(next(n for n in names if getattr(record, n, None) == start)) from None
    if months == 0:
        return end
    if policy.disclosure_extended_while_listed and record.category == Category.DISHONEST:
        if extensions is None:
            extensions = extensions_for([record.subject_id])
        extended = extensions.get(record.subject_id)
        if extended is not None and extended > end:
            end = extended
    return end
