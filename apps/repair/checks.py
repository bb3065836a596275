"""Whether a record or a listing may be repaired now, each refusal citing its article.

A dishonest record may be repaired when (Nanjing art. 60, Tianjin art. 45, Dalian art. 44, Ningbo
art. 44, Zhangye art. 52, and the national rules above them):
- it is the applicant's and is dishonest information;
- it is within its disclosure period (在失信信息查询/披露有效期内): active, not expired, not
  revoked, not already repaired;
- it is not of an unrepairable kind (Nanjing art. 60 para. 3, Dalian art. 44): the catalog item or
  the record says so (`repair_excluded_reason`), so the rule is data;
- the minimum publication period of the national rule in force on its determination date has
  passed (国办发〔2025〕22号 and 《信用修复管理办法》 from 2026-04-01: general 3 months, serious 1 year;
  the 2023 measures before, for administrative penalties), counted from that date.

A failed check names the record, the reason, and — where waiting helps — the earliest day the
subject may apply again (`Problem.earliest`).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_lazy

from apps.catalog.choices import Category
from apps.sanctions.choices import CaseStatus, EntryRole, ListType
from apps.subjects.choices import RecordStatus
from apps.subjects.disclosure import add_months, determination_date, is_penalty

# The article each city's repair rests on, for the messages.
REPAIR_ARTICLE = {
    "nanjing": gettext_lazy("Nanjing art. 60"),
    "tianjin": gettext_lazy("Tianjin art. 45"),
    "dalian": gettext_lazy("Dalian art. 44"),
    "ningbo": gettext_lazy("Ningbo art. 44"),
    "zhangye": gettext_lazy("Zhangye art. 52"),
}
EXCLUSION_ARTICLE = {
    "nanjing": gettext_lazy("Nanjing art. 60 para. 3"),
    "dalian": gettext_lazy("Dalian art. 44"),
}
NATIONAL = gettext_lazy("the national credit repair rules")

MSG_NOT_THE_SUBJECTS = gettext_lazy("Record {id} is not one of {subject}'s records.")
MSG_NOT_DISHONEST = gettext_lazy(
    "Record {id} is “{category}” information: only dishonest information is repaired ({article})."
)
MSG_ALREADY_REPAIRED = gettext_lazy("Record {id} is already repaired.")
MSG_NOT_DISCLOSED = gettext_lazy(
    "Record {id} is “{status}”: only information within its disclosure period is repaired ({article})."
)
MSG_PERIOD_OVER = gettext_lazy(
    "Record {id}'s disclosure period ended on {end}: only information within its disclosure period is repaired ({article})."
)
MSG_EXCLUDED = gettext_lazy("Record {id} cannot be repaired: {why} ({article}).")
MSG_TOO_EARLY = gettext_lazy(
    "Record {id} is {severity} dishonest information determined on {determined}: under {rule} it is published for "
    "at least {months} months and can be repaired from {earliest}."
)
MSG_NO_DATE = gettext_lazy("Record {id} has no determination date, from which the minimum publication period counts.")
MSG_PENDING = gettext_lazy("Record {id} is already in repair application {number}, still open.")
MSG_LISTING_NOT_SUBJECTS = gettext_lazy("Listing {number} does not list {subject}.")
MSG_LISTING_NOT_PUBLISHED = gettext_lazy("Listing {number} is “{status}”: only a published listing is ended by repair.")
MSG_NOTHING_NAMED = gettext_lazy("Name at least one dishonest record or a listing to repair.")
MSG_ONE_AGENCY = gettext_lazy(
    "The records and the listing were determined by different agencies ({agencies}); each decides its own "
    "repair (谁认定谁修复): file one application per agency."
)
RULE_NAMES = {
    "current": gettext_lazy("the national rules in force since {day}"),
    "2023": gettext_lazy("the 2023 national measures"),
}


@dataclass(frozen=True)
class Problem:
    """Why a record or the listing cannot be repaired now: the form field, the message, and the
    earliest day the subject may apply again when waiting helps (None: it never will)."""

    field: str
    message: str
    earliest: datetime.date | None = None


def _article(table: dict, policy) -> str:
    return str(table.get(policy.code, NATIONAL))


def record_problems(record, subject, policy, *, today: datetime.date | None = None) -> list[Problem]:
    """Everything that keeps `record` from being repaired for `subject` today."""
    today = today or timezone.localdate()
    article = _article(REPAIR_ARTICLE, policy)
    if record.subject_id != subject.pk:
        return [Problem("records", str(MSG_NOT_THE_SUBJECTS).format(id=record.pk, subject=subject))]
    if record.category != Category.DISHONEST:
        message = MSG_NOT_DISHONEST.format(id=record.pk, category=record.get_category_display(), article=article)
        return [Problem("records", str(message))]
    if record.status == RecordStatus.REPAIRED:
        return [Problem("records", str(MSG_ALREADY_REPAIRED).format(id=record.pk))]
    why = record.repair_excluded_reason or record.item.repair_excluded_reason
    if why:
        message = MSG_EXCLUDED.format(id=record.pk, why=why, article=_article(EXCLUSION_ARTICLE, policy))
        return [Problem("records", str(message))]
    if record.status != RecordStatus.ACTIVE:
        message = MSG_NOT_DISCLOSED.format(id=record.pk, status=record.get_status_display(), article=article)
        return [Problem("records", str(message))]
    if record.disclosure_ends_on is not None and record.disclosure_ends_on < today:
        message = MSG_PERIOD_OVER.format(id=record.pk, end=record.disclosure_ends_on, article=article)
        return [Problem("records", str(message))]
    return _minimum_period(record, policy, today)


def earliest_repair_on(record, policy) -> datetime.date | None:
    """The day the national minimum publication period of `record` ends (None when no national
    rule binds it): the earliest day it may be repaired."""
    determined = determination_date(record)
    severity = record.severity or "general"
    rule = policy.national_rule_on(severity, determined, penalty=is_penalty(record))
    if rule is None or not rule.low:
        return None
    return add_months(determined, rule.low)


def _minimum_period(record, policy, today) -> list[Problem]:
    determined = determination_date(record)
    if determined is None:
        return [Problem("records", str(MSG_NO_DATE).format(id=record.pk))]
    severity = record.severity or "general"
    rule = policy.national_rule_on(severity, determined, penalty=is_penalty(record))
    earliest = earliest_repair_on(record, policy)
    if rule is None or earliest is None or today >= earliest:
        return []
    message = MSG_TOO_EARLY.format(
        id=record.pk,
        severity=record.get_severity_display() or severity,
        determined=determined,
        rule=str(RULE_NAMES[rule.rule]).format(day=policy.national_rules_effective_from),
        months=rule.low,
        earliest=earliest,
    )
    return [Problem("records", str(message), earliest)]


def listing_problems(listing, subject, policy, *, today=None) -> list[Problem]:
    """A listing is ended by repair when it is published and lists the subject itself; its own
    record (the listing in the credit file) must pass the record checks too."""
    entry = listing.entries.filter(subject=subject, role=EntryRole.SUBJECT).select_related("record").first()
    if entry is None:
        return [Problem("listing", str(MSG_LISTING_NOT_SUBJECTS).format(number=listing.number, subject=subject))]
    if listing.status != CaseStatus.PUBLISHED or listing.list_type == ListType.RED:
        message = MSG_LISTING_NOT_PUBLISHED.format(number=listing.number, status=listing.get_status_display())
        return [Problem("listing", str(message))]
    if entry.record is None:
        return []
    return [
        Problem("listing", p.message, p.earliest) for p in record_problems(entry.record, subject, policy, today=today)
    ]


def determining_agency(records, listing):
    """The one organisation that determined every record and the listing (谁认定谁修复), or None
    when they differ; `ValueError` lists the agencies then."""
    agencies = {record.provider for record in records}
    if listing is not None:
        agencies.add(listing.deciding_org)
    if len(agencies) > 1:
        raise ValueError(str(MSG_ONE_AGENCY).format(agencies="、".join(sorted(str(a) for a in agencies))))
    return next(iter(agencies), None)


def earliest_of(problems: list[Problem]) -> datetime.date | None:
    """The day every waiting problem is over, when all of them are of the waiting kind."""
    if not problems or any(p.earliest is None for p in problems):
        return None
    return max(p.earliest for p in problems)
