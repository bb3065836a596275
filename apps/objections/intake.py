"""Online intake (网上异议申请, issue 12 item 6): a subject files an objection on the public website
and follows it with its tracking code (受理编号) and its identifier. Pages: `public.py`.

Identity. The page asks for the identifier and the registered name; together they must match
one subject exactly (`online_subject`). That is a check of what the filer knows, not real-name
verification (实名认证): anyone who knows a subject's identifier and name passes it. Real
verification is out of scope here; it plugs in at `online_subject` (an assertion from the
city's or the national identity platform, or an enterprise's electronic business licence, in
place of the name check), and with it `ONLINE_DISCLOSURES` could widen to the whole disclosed
file. Until then the page shows no more than the public inquiry shows anyway — the subject's
records of items disclosed to the public, active and within their disclosure period — so the
weak proof exposes nothing new. Showing them is an own-record inquiry (本人查询) in the query
log, on the public channel, with the proof named in its purpose detail.

Abuse control.
- An online filing is `received`, with the office as handler; its clocks start at receipt, but
  nothing is marked until a clerk accepts it (the `accept` step of OBJECTION_CASE, within the
  mark clock).
- The records offered and taken are the subject's own disclosed ones, read again when it files.
- Rate limits. Filings per identifier per day are counted over the Objection rows: exact, the
  same in every server process, and kept across restarts (the subject's row is locked while
  counting, so two filings at once cannot both pass). Requests per client address (filings per
  hour; identity checks and status lookups per hour) are counted in Django's cache: the address
  is not stored on the objection (adding a personal datum to every case for a throttle is not
  worth it) and a status lookup writes no row at all. The default cache is per process: several
  server processes need a shared cache in CACHES for the address limits to count together.

The status page (`online_status`, `status_page`) answers only to the tracking code together
with the identifier, compared in constant time; it shows the steps, their dates and the due
dates, never the content: no statement, no records, no reasons, no names.
"""

from __future__ import annotations

import datetime
import hmac
import time
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from apps.catalog.choices import Disclosure
from apps.core import counters
from apps.core.choices import QueryChannel, QueryMode, QueryOutcome, QueryPurpose
from apps.core.deadlines import deadlines_of
from apps.core.documents import normalise_code
from apps.core.identifiers import normalize_identifier
from apps.core.querylog import LookupRequest
from apps.objections import services
from apps.objections.choices import Channel, ObjectionStatus
from apps.objections.models import Objection
from apps.subjects.choices import RecordStatus
from apps.subjects.models import CreditRecord, Subject
from apps.subjects.selectors import lookup_log, visible_records
from apps.subjects.services import clean_identifier

MSG_NO_SUCH_SUBJECT = gettext_lazy(
    "No subject on the platform has this identifier with this name. Check both: the name exactly as "
    "registered (a company's full name, a person's name as on the identity card)."
)
MSG_NOT_DISCLOSED = gettext_lazy("Record {id} is not one of the records disclosed about you; choose from the list.")
MSG_TOO_MANY_FOR_SUBJECT = gettext_lazy(
    "{limit} objections about this subject were already filed online today, the most in one day. "
    "File again tomorrow, or at the credit office's service window."
)
MSG_TOO_MANY_FILINGS = gettext_lazy(
    "{limit} objections were already filed from your network address within the hour, the most "
    "allowed. Try again later, or file at the credit office's service window."
)
MSG_TOO_MANY_LOOKUPS = gettext_lazy(
    "Too many lookups from your network address within the hour (at most {limit}). Try again later."
)
# The change reason of every history row an online filing writes (in the platform's language).
REASON_ONLINE = gettext_lazy("Filed online")
PURPOSE_DETAIL = gettext_lazy("Online objection: identifier and registered name matched (no real-name verification)")

# What the online self-inquiry shows: the public inquiry's records (see the module docstring).
ONLINE_DISCLOSURES = (Disclosure.PUBLIC,)

HOUR = 3600
FILINGS, LOOKUPS = "filings", "lookups"


class RateLimited(Exception):
    """Refused for volume (HTTP 429): `str()` is the message, `retry_after` the seconds to wait."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


# --- who files, and what it may see ---------------------------------------------------------------


def _same_name(registered: str, given: str) -> bool:
    """The name as registered, exactly: only full-width forms and surrounding spaces are
    forgiven (NFKC, trimmed)."""
    given = unicodedata.normalize("NFKC", given or "").strip()
    return bool(given) and unicodedata.normalize("NFKC", registered).strip() == given


def online_subject(*, identifier: str, name: str) -> Subject | None:
    """The subject whose identifier and registered name both match, else None — the same answer
    for an unknown identifier and for a wrong name, so the page cannot be used to learn whether
    an identifier is on the platform. A malformed identifier is a ValidationError naming the
    field and the failing position (that says nothing about any subject).

    This is where real-name verification would plug in (see the module docstring)."""
    try:
        _kind, identifier = clean_identifier(identifier)
    except ValidationError as error:
        raise ValidationError({"identifier": error.messages}) from None
    subject = Subject.objects.filter(identifier=identifier).first()
    if subject is None or not _same_name(subject.name, name):
        return None
    return subject


def online_lookup_request(subject: Subject, *, client_ip: str | None) -> LookupRequest:
    """The own-record inquiry of the subject on the public website, its identity checked by
    `online_subject` for this one subject."""
    return LookupRequest(
        user=None,
        mode=QueryMode.SELF,
        purpose=QueryPurpose.SELF_INQUIRY,
        channel=QueryChannel.PUBLIC,
        purpose_detail=str(PURPOSE_DETAIL),
        client_ip=client_ip,
        identity_checked=True,
        checked_identifier=subject.identifier,
    )


def online_records(subject: Subject, *, today: datetime.date | None = None) -> QuerySet[CreditRecord]:
    """The subject's records it may dispute online: of items disclosed to the public
    (`ONLINE_DISCLOSURES`), active and within their disclosure period — not revoked, expired,
    repaired or hidden ones. Not logged: `online_lookup` logs what a page shows."""
    today = today or timezone.localdate()
    return (
        visible_records(subject, QueryMode.SELF, today=today)
        .filter(status=RecordStatus.ACTIVE, item__disclosure__in=ONLINE_DISCLOSURES)
        .filter(Q(disclosure_ends_on__isnull=True) | Q(disclosure_ends_on__gte=today))
    )


def online_lookup(lookup: LookupRequest, subject: Subject) -> list[CreditRecord]:
    """`online_records`, logged as an own-record inquiry (one query-log row per page shown)."""
    records = list(online_records(subject))
    lookup_log(
        lookup,
        identifier=subject.identifier,
        name=subject.name,
        query={"online_objection": subject.identifier},
        outcome=QueryOutcome.FOUND if records else QueryOutcome.NOT_FOUND,
        result={"records": [r.pk for r in records]},
    )
    return records


# --- rate limits ------------------------------------------------------------------------------------


def rate_window(scope: str, client_ip: str | None, seconds: int) -> tuple[str, int]:
    """The cache key of the fixed window now running for the address, and the seconds it has left."""
    now = int(time.time())
    return f"objections:public:{scope}:{client_ip or '-'}:{now // seconds}", seconds - now % seconds


def rate_count(key: str, seconds: int) -> int:
    """One more on the window's counter: its new value (`apps.core.counters`)."""
    return counters.count((key, seconds))[0]


def lookup_throttle(client_ip: str | None) -> None:
    """Count one identity check or status lookup from the address; RateLimited past
    OBJECTION_PUBLIC_LOOKUPS_PER_ADDRESS_PER_HOUR within the hour."""
    limit = settings.OBJECTION_PUBLIC_LOOKUPS_PER_ADDRESS_PER_HOUR
    key, left = rate_window(LOOKUPS, client_ip, HOUR)
    if rate_count(key, HOUR) > limit:
        raise RateLimited(str(MSG_TOO_MANY_LOOKUPS).format(limit=limit), left)


def filings_from_address(client_ip: str | None, scope: str = FILINGS) -> str:
    """The window's key; RateLimited when the address filed its hourly allowance already (of
    objections, or of another kind of online filing: `scope`)."""
    limit = settings.OBJECTION_ONLINE_PER_ADDRESS_PER_HOUR
    key, left = rate_window(scope, client_ip, HOUR)
    if (cache.get(key) or 0) >= limit:
        raise RateLimited(str(MSG_TOO_MANY_FILINGS).format(limit=limit), left)
    return key


def filings_for_subject(filed_online, subject: Subject, today: datetime.date, message=MSG_TOO_MANY_FOR_SUBJECT) -> None:
    """RateLimited (with `message`) when the subject has filed its daily allowance online
    already, counted over `filed_online` (the cases it filed online, of any kind), with the
    subject's row locked so that two filings at once cannot both pass."""
    limit = settings.OBJECTION_ONLINE_PER_IDENTIFIER_PER_DAY
    Subject.objects.select_for_update().filter(pk=subject.pk).values_list("pk").first()
    if filed_online.filter(subject=subject, received_on=today).count() >= limit:
        now = timezone.localtime()
        midnight = timezone.make_aware(datetime.datetime.combine(today + datetime.timedelta(days=1), datetime.time()))
        raise RateLimited(str(message).format(limit=limit), int((midnight - now).total_seconds()))


# --- filing ---------------------------------------------------------------------------------------------


@transaction.atomic
def objection_file_online(
    *,
    subject: Subject,
    applicant_name: str,
    applicant_contact: str,
    statement: str,
    grounds,
    records=(),
    missing: str = "",
    evidence=(),
    client_ip: str | None = None,
) -> Objection:
    """File the subject's objection from the public website (the subject found by
    `online_subject`): channel online, received today, the credit office as handler, the
    clocks of a filing with the office started; nothing marked. The same checks as a filing at
    the window (`services.check_filing`), and the records must be among those `online_records`
    offers the subject now. Every history row has no user and the reason REASON_ONLINE.

    Raises ValidationError naming each field at fault, RateLimited past the limits per
    identifier and per address; either way nothing is written."""
    today = timezone.localdate()
    address_window = filings_from_address(client_ip)
    filings_for_subject(Objection.objects.filter(channel=Channel.ONLINE), subject, today)
    records = list(records)
    offered = set(online_records(subject, today=today).values_list("pk", flat=True))
    errors: dict[str, list[str]] = {}
    for record in records:
        # another subject's record is named by check_disputed; here the subject's own that are not offered
        if record.subject_id == subject.pk and record.pk not in offered:
            errors.setdefault("records", []).append(str(MSG_NOT_DISCLOSED).format(id=record.pk))
    records = services.check_filing(
        subject=subject,
        applicant_name=applicant_name,
        applicant_contact=applicant_contact,
        statement=statement,
        grounds=grounds,
        records=records,
        missing=missing,
        evidence=evidence,
        received_on=today,
        errors=errors,
    )
    objection = services.store_filing(
        by=None,
        reason=str(REASON_ONLINE),
        subject=subject,
        handler=services.credit_office(None),
        channel=Channel.ONLINE,
        received_on=today,
        records=records,
        evidence=evidence,
        authorisation=None,
        applicant_name=applicant_name,
        applicant_contact=applicant_contact,
        by_agent=False,
        missing=missing,
        grounds=grounds,
        statement=statement,
    )
    # Counted once the filing is stored: a refused form does not use up the allowance.
    rate_count(address_window, HOUR)
    return objection


# --- the status page -----------------------------------------------------------------------------------

# Compared against when no objection has the code, so that a wrong code costs what a wrong
# identifier costs.
_NO_CODE = "XXXX-XXXX-XXXX"
_NO_IDENTIFIER = "0" * 18


def online_status(*, tracking_code: str, identifier: str) -> Objection | None:
    """The objection with this tracking code about the subject with this identifier, else None
    (the same None for a wrong code, a wrong identifier or both)."""
    return find_by_tracking_code(Objection.objects.all(), tracking_code=tracking_code, identifier=identifier)


def find_by_tracking_code(queryset, *, tracking_code: str, identifier: str):
    """The row of `queryset` (a case with `tracking_code` and `subject`) with this tracking code
    about the subject with this identifier, else None (the same None for a wrong code, a wrong
    identifier or both). Both are compared in constant time."""
    code, identifier = normalise_code(tracking_code), normalize_identifier(identifier)
    found = queryset.select_related("subject").filter(tracking_code=code).first() if code else None
    same_code = hmac.compare_digest((found.tracking_code if found else _NO_CODE).encode(), code.encode())
    same_subject = hmac.compare_digest(
        (found.subject.identifier if found else _NO_IDENTIFIER).encode(), identifier.encode()
    )
    return found if found is not None and same_code & same_subject else None


@dataclass(frozen=True)
class PublicStep:
    label: str
    on: datetime.date | None


@dataclass(frozen=True)
class PublicClock:
    label: str
    due_on: datetime.date
    estimated: bool
    state: str
    met_on: datetime.date | None


def _first_day_in(objection: Objection, status: str) -> datetime.date | None:
    moment = (
        objection.history.filter(status=status).order_by("history_date").values_list("history_date", flat=True).first()
    )
    return timezone.localdate(moment) if moment else None


def status_page(objection: Objection) -> dict:
    """What the status page shows: the status, each step with its date, each time limit with
    its due date and state. Nothing of the content (statement, records, reasons, names)."""
    refused = objection.status == ObjectionStatus.REFUSED
    steps = [PublicStep(gettext("Received"), objection.received_on)]
    if refused:
        steps.append(PublicStep(gettext("Not accepted; the reasons were sent to you"), objection.informed_on))
    else:
        steps += [
            PublicStep(
                gettext("Accepted (the records disputed are marked)"), _first_day_in(objection, ObjectionStatus.MARKED)
            ),
            PublicStep(gettext("Forwarded to the providing agency for checking"), objection.forwarded_on),
            PublicStep(gettext("Decision made"), objection.decided_on),
            PublicStep(gettext("Result sent to you"), objection.informed_on),
        ]
    clocks = [
        PublicClock(d.get_kind_display(), d.due_on, d.due_estimated, d.get_state_display(), d.met_on)
        for d in sorted(deadlines_of(objection), key=lambda d: (d.due_on, d.pk))
    ]
    return {
        "tracking_code": objection.tracking_code,
        "status": objection.get_status_display(),
        "steps": steps,
        "clocks": clocks,
    }
