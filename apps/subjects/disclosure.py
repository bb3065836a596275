"""When a record's public disclosure ends (失信信息公开/查询期限), from the active Policy.

- The period starts on the day the conduct was determined or the day it ended, per city
  (Nanjing art. 56: from confirmation; Tianjin art. 42 and Dalian art. 35: from the end of the
  act; Ningbo art. 22: from determination), custodial sentences from the day they were served
  (Dalian art. 35, Ningbo art. 22) where the policy says so.
- Its length comes from the policy by severity (the city's figures) or from the item itself.
  When the policy follows the national rules, the rule in force on the determination date (not
  on the start of the period) holds the end between its minimum and maximum, both counted from
  the determination date: the current national rules for a record determined on or after the
  day they took effect (2026-04-01); before it, the 2023 national measures (in force from
  2023-05-01) for administrative-penalty information, the records of items whose credit report
  section is administrative penalties. Other records, and records determined before any
  national rule, keep the city's period. The rule that set the end is stored with it
  (`DisclosureBasis`).
- A minor record is not published unless its item says so and the policy gives minor records a
  period (`disclosure_minor_months`, 0: never).
- Periods in months end on the corresponding day of the last month, or the month's last day when
  there is none (Civil Code arts. 201–202): the record is disclosed through that day and hidden
  from the next.
- While the subject is on the serious list the disclosure is extended (Nanjing art. 56, Dalian
  art. 35, Ningbo art. 22): the sanctions app answers `events.disclosure_extensions`.
"""

from __future__ import annotations

import calendar
import datetime
from typing import NamedTuple

from apps.catalog.choices import DEFAULT_REPORT_SECTION, Category, PeriodRule, ReportSection, Severity
from apps.core.choices import DisclosureStart, RuleSource
from apps.core.models import NationalRuleSet
from apps.subjects import events
from apps.subjects.choices import DisclosureBasis


def extensions_for(subject_ids) -> dict[int, datetime.date]:
    """The latest extension end of each subject that has one. `subject_ids`: the ids, or a query
    of them (a QuerySet or `RawSQL` of one column: a batch's subjects, tens of thousands, which
    the receivers then filter on in SQL instead of binding each id as a parameter)."""
    ends: dict[int, datetime.date] = {}
    if hasattr(subject_ids, "resolve_expression"):
        ids = subject_ids
    else:
        ids = [i for i in subject_ids if i is not None]
        if not ids:
            return ends
    from apps.subjects.models import CreditRecord

    for _receiver, answer in events.disclosure_extensions.send(sender=CreditRecord, subject_ids=ids):
        for subject_id, end in answer.items():
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


def is_penalty(record) -> bool:
    """Whether `record` is administrative-penalty information: its item's credit report section
    (or, when the item names none, its category's) is administrative penalties."""
    section = record.item.report_section or DEFAULT_REPORT_SECTION.get(record.category)
    return section == ReportSection.PENALTY


def determination_date(record) -> datetime.date | None:
    """The day the conduct was determined (认定之日): it chooses the national rule in force."""
    return record.determined_on or record.document_date


def period_start(record, policy) -> datetime.date:
    if policy.disclosure_custodial_from_sentence_end and record.custodial_sentence_end:
        return record.custodial_sentence_end
    if policy.disclosure_start == DisclosureStart.CONDUCT_END and record.category == Category.DISHONEST:
        if not record.ended_on:
            raise MissingDate("ended_on")
        return record.ended_on
    start = determination_date(record)
    if start is None:
        raise MissingDate("determined_on")
    return start


class Disclosure(NamedTuple):
    """A record's disclosure end and the rule that set it (`DisclosureBasis`; "" for no end)."""

    end: datetime.date | None
    basis: str


def _own_months(record) -> int | None:
    item = record.item
    return item.period_months if item.period_rule == PeriodRule.ITEM and item.period_months else None


# The basis of an end the national rule in force on the determination date held, by rule set.
NATIONAL_BASES = {
    NationalRuleSet.CURRENT: {
        "max": DisclosureBasis.NATIONAL_MAX,
        "min": DisclosureBasis.NATIONAL_MIN,
        "within": DisclosureBasis.NATIONAL_WITHIN,
    },
    NationalRuleSet.MEASURES_2023: {
        "max": DisclosureBasis.NATIONAL_2023_MAX,
        "min": DisclosureBasis.NATIONAL_2023_MIN,
        "within": DisclosureBasis.NATIONAL_2023_WITHIN,
    },
}

DATE_FIELDS = ("custodial_sentence_end", "ended_on", "determined_on", "document_date")


def disclosure_for(record, policy, extensions: dict | None = None) -> Disclosure:
    """The last day `record` is disclosed, and why (see `_disclosure_for`); a date whose period
    would end past the year 9999 is a DateOutOfRange naming that date's field."""
    try:
        return _disclosure_for(record, policy, extensions)
    except (OverflowError, ValueError) as error:
        if isinstance(error, MissingDate):
            raise
        dates = [(name, getattr(record, name, None)) for name in DATE_FIELDS]
        latest = max((d for _n, d in dates if d is not None), default=None)
        raise DateOutOfRange(next((n for n, d in dates if d == latest), "determined_on")) from None


def _disclosure_for(record, policy, extensions: dict | None = None) -> Disclosure:
    """The last day `record` is disclosed, and why.

    A record that is not published at all (minor) ends the day before its period starts. Under
    the national rule in force on the determination date (`Policy.national_limits`: the current
    rules, or before them the 2023 measures for administrative penalties) the city's end, or the
    item's, is held between that rule's minimum and maximum counted from the determination date
    (国办发〔2025〕22号 and the 2023 measures both count from the decision, 认定之日); a serious
    listing may still extend it, and then says it passes the national maximum.
    """
    own = _own_months(record)
    if record.category != Category.DISHONEST:
        if own is None:
            return Disclosure(None, "")  # basic, good and other information: kept current
        return Disclosure(add_months(period_start(record, policy), own), DisclosureBasis.ITEM)
    severity = record.severity or Severity.GENERAL
    start = period_start(record, policy)
    if severity == Severity.MINOR and (not record.item.publish_minor or policy.disclosure_minor_months == 0):
        # Minor dishonest information is not published (Tianjin art. 12, Zhangye art. 34; national
        # rules: need not be published) unless its item says so and the city gives it a period.
        return Disclosure(start - datetime.timedelta(days=1), DisclosureBasis.NOT_PUBLISHED)
    months = own if own is not None else policy.city_months(severity)
    end = add_months(start, months)
    basis = DisclosureBasis.ITEM if own is not None else DisclosureBasis.CITY
    national_max = None
    determined = determination_date(record)
    limits = policy.national_limits(severity, determined, penalty=is_penalty(record))
    if limits is not None:
        # Custodial sentences keep counting from their end where the city says so (Dalian art. 35,
        # Ningbo art. 22); otherwise the national period runs from the determination.
        custodial = policy.disclosure_custodial_from_sentence_end and record.custodial_sentence_end
        national_start = record.custodial_sentence_end if custodial else determined
        national_min, national_max = add_months(national_start, limits.low), add_months(national_start, limits.high)
        bases = NATIONAL_BASES[limits.rule]
        if end > national_max:
            end, basis = national_max, bases["max"]
        elif end < national_min:
            end, basis = national_min, bases["min"]
        elif own is None:
            basis = bases["within"]
    elif policy.disclosure_rule == RuleSource.NATIONAL and own is None:
        basis = DisclosureBasis.BEFORE_NATIONAL
    if policy.disclosure_extended_while_listed:
        if extensions is None:
            extensions = extensions_for([record.subject_id])
        extended = extensions.get(record.subject_id)
        if extended is not None and extended > end:
            end = extended
            past = national_max is not None and extended > national_max
            basis = DisclosureBasis.LISTING_PAST_NATIONAL if past else DisclosureBasis.LISTING
    return Disclosure(end, basis)


def disclosure_end(record, policy, extensions: dict | None = None) -> datetime.date | None:
    """The last day `record` is disclosed; None when it has no end."""
    return disclosure_for(record, policy, extensions).end


def apply_disclosure(record, policy, extensions: dict | None = None) -> bool:
    """Set the record's disclosure end and its basis; whether either changed."""
    end, basis = disclosure_for(record, policy, extensions)
    changed = (end, basis) != (record.disclosure_ends_on, record.disclosure_basis)
    record.disclosure_ends_on, record.disclosure_basis = end, basis
    return changed
