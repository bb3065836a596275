"""Reads of the public credit portal (信用门户, issue 18): what anyone may see of an organisation's
credit information without signing in, and the controls that keep the pages from being scraped.

What is shown (Nanjing art. 27, Tianjin art. 14: 主动公开的公共信用信息 published on the portal):
- organisations only: a natural person is never found by name, and a code search for a citizen ID
  finds nothing (the attempt is logged);
- records of items that were published in a catalog (`PUBLISHED_CATALOG_STATUSES`: the version in
  force, or one a newer version superseded — a record keeps the item it was filed under) whose
  disclosure attribute is 主动公开, active (not hidden, repaired, revoked or expired) and within
  their disclosure period — the public mode of `selectors.visible_records`, which every other
  public read uses too; each with its objection mark (Nanjing art. 58: 异议标注);
- the subject's credit commitments made in matters of public resources, public projects and the
  public interest (Nanjing art. 31 para. 2: 作为公共信用信息予以记录和公示);
- its entries on the published lists, answered by the sanctions app (`events.public_file_panels`).

Every search and every subject page is one public lookup in the query log (mode public, channel
public, no user, the client address), written before anything is shown (DESIGN.md section 4).

Abuse control, per client address (`apps.core.http.client_ip`), counted in Django's cache like
the public objection pages (`apps.objections.intake`): searches and subject pages per minute
(PUBLIC_PORTAL_LOOKUPS_PER_ADDRESS_PER_MINUTE), feed pages and exports per minute
(PUBLIC_PORTAL_FEEDS_PER_ADDRESS_PER_MINUTE); and the abnormal-volume control of Nanjing art. 52
(`Policy.query_abnormal_control`, `Policy.query_daily_threshold`), which for signed-in users
counts lookups per user, applies per address here: past the threshold in a local day, the
address's lookups are refused (each refusal logged) until the day ends. The default cache is per
process: several server processes need a shared cache in CACHES to count together.
"""

from __future__ import annotations

import datetime
import functools
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connections, router
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy

from apps.catalog.choices import (
    DEFAULT_REPORT_SECTION,
    Category,
    Disclosure,
    ListStatus,
    Matter,
    ReportSection,
    SubjectType,
)
from apps.core import counters
from apps.core.choices import QueryChannel, QueryMode, QueryOutcome, QueryPurpose
from apps.core.db import CompiledQuery
from apps.core.identifiers import (
    KIND_CITIZEN_ID,
    identifier_kind,
    mask_identifier,
    mask_name,
    normalize_identifier,
)
from apps.core.process_cache import ProcessCache
from apps.core.querylog import LookupRequest, QueryRefused, RepeatedLookup, log_query
from apps.core.selectors import cached_policy
from apps.subjects import events, portal_cache
from apps.subjects.choices import RecordStatus
from apps.subjects.models import Commitment, CreditRecord, ResponsiblePerson, Subject
from apps.subjects.selectors import (
    CREDIT_FILE_RECORDS_SHOWN,
    lookup_log,
    newest_per_category,
    records_in_mode,
    repeated_lookup,
    subjects_matching,
    visible_records,
)

MSG_QUERY_TOO_SHORT = gettext_lazy(
    "Enter at least {min} characters of the organisation's name, or its 18-character unified social credit code."
)
MSG_QUERY_TOO_LONG = gettext_lazy("The search text is too long: at most {max} characters.")
MSG_TOO_MANY_LOOKUPS = gettext_lazy(
    "Too many searches from your network address within a minute (at most {limit}). Wait {seconds} seconds and "
    "try again."
)
MSG_TOO_MANY_FEEDS = gettext_lazy(
    "Too many requests for the publication lists from your network address within a minute (at most {limit}). "
    "Wait {seconds} seconds and try again."
)
MSG_TOO_MANY_REQUESTS = gettext_lazy(
    "Too many requests for disclosure from your network address within an hour (at most {limit}). Wait {seconds} "
    "seconds and try again."
)
MSG_ADDRESS_FLAGGED = gettext_lazy(
    "Lookups from your network address today exceeded the limit of {threshold} (abnormal query volume "
    "control); further lookups from it are refused until tomorrow."
)

# Shortest name fragment searched: one character would match most of the register and cannot use
# the trigram index.
MIN_QUERY_LENGTH = 2
MAX_QUERY_LENGTH = 100
PUBLISHED_CATALOG_STATUSES = (ListStatus.PUBLISHED, ListStatus.SUPERSEDED)
# Nanjing art. 31 para. 2: commitments made in matters of public resources (公共资源使用), public
# projects (公共项目运作) and the public interest (公共利益保障) are public credit information.
PUBLIC_COMMITMENT_MATTERS = (
    Matter.PUBLIC_RESOURCE_TRADING,
    Matter.PUBLIC_PROCUREMENT,
    Matter.BIDDING,
    Matter.LAND_TRANSFER,
    Matter.FISCAL_FUNDING,
)
ORGANISATION_TYPES = (SubjectType.LEGAL_PERSON, SubjectType.UNINCORPORATED)
# The newest this many records of each category are on an organisation's page, which says how many
# there are in all and links to the category's own pages, where every one of them is listed
# (`public_category_page`, PUBLIC_PORTAL_PAGE_SIZE to a page), as 信用中国's pages show ten.
PUBLIC_RECORDS_SHOWN = 10
# A responsible person's records and the commitments have no pages of their own: as many as the
# credit file shows are on the organisation's page.
RESPONSIBLE_RECORDS_SHOWN = CREDIT_FILE_RECORDS_SHOWN
PUBLIC_COMMITMENTS_SHOWN = CREDIT_FILE_RECORDS_SHOWN
MINUTE = 60
HOUR = 3600
DAY = 86400
LOOKUPS, FEEDS, REQUESTS = "lookups", "feeds", "requests"


class RateLimited(Exception):
    """Refused for volume (HTTP 429): `str()` is the message, `retry_after` the seconds to wait."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


# --- who asks --------------------------------------------------------------------------------------


def public_lookup(client_ip: str | None) -> LookupRequest:
    """A public inquiry on the public website: no user, whoever is signed in (the portal shows
    everyone the same), with the client address."""
    return LookupRequest(
        user=None,
        mode=QueryMode.PUBLIC,
        purpose=QueryPurpose.PUBLIC_INFORMATION,
        channel=QueryChannel.PUBLIC,
        client_ip=client_ip,
    )


def _window(scope: str, client_ip: str | None, seconds: int) -> tuple[str, int]:
    now = int(time.time())
    return f"subjects:portal:{scope}:{client_ip or '-'}:{now // seconds}", seconds - now % seconds


def _count(key: str, seconds: int) -> int:
    """One more on the window's counter: its new value (`apps.core.counters`)."""
    return counters.count((key, seconds))[0]


def _allowance(scope: str) -> tuple[int, object, int]:
    """The allowance of `scope` from one address: (requests, the refusal's message, seconds)."""
    if scope == LOOKUPS:
        return settings.PUBLIC_PORTAL_LOOKUPS_PER_ADDRESS_PER_MINUTE, MSG_TOO_MANY_LOOKUPS, MINUTE
    if scope == FEEDS:
        return settings.PUBLIC_PORTAL_FEEDS_PER_ADDRESS_PER_MINUTE, MSG_TOO_MANY_FEEDS, MINUTE
    return settings.PUBLIC_PORTAL_REQUESTS_PER_ADDRESS_PER_HOUR, MSG_TOO_MANY_REQUESTS, HOUR


def _rate_limited(limit: int, message, left: int) -> RateLimited:
    return RateLimited(str(message).format(limit=limit, seconds=max(left, 1)), max(left, 1))


def throttle(scope: str, client_ip: str | None) -> None:
    """Count one request of `scope` (LOOKUPS or FEEDS per minute, REQUESTS — requests for
    disclosure filed — per hour) from the address; RateLimited past the setting's allowance."""
    limit, message, seconds = _allowance(scope)
    key, left = _window(scope, client_ip, seconds)
    if _count(key, seconds) > limit:
        raise _rate_limited(limit, message, left)


def _day_key(client_ip: str | None) -> str:
    return f"subjects:portal:day:{client_ip or '-'}:{timezone.localdate().isoformat()}"


def _address_volume(lookup: LookupRequest, query: dict, counted: CountedLookup | None = None) -> None:
    """The abnormal-volume control per address (Nanjing art. 52): count the lookup on the
    address's counter of the local day (or take its count from `counted`, `count_lookup`); past
    the policy's threshold the refusal is logged and QueryRefused raised."""
    if counted is not None:
        counted.check_day(lookup, query)
        return
    policy = cached_policy()
    if policy.query_abnormal_control:
        _check_volume(lookup, query, policy, _count(_day_key(lookup.client_ip), DAY))


def _check_volume(lookup: LookupRequest, query: dict, policy, counted: int) -> None:
    if counted <= policy.query_daily_threshold:
        return
    log_query(
        lookup,
        query=query,
        outcome=QueryOutcome.REFUSED,
        result={"refused": "abnormal_volume_address", "threshold": policy.query_daily_threshold},
    )
    raise QueryRefused(str(MSG_ADDRESS_FLAGGED).format(threshold=policy.query_daily_threshold))


class _Counted(NamedTuple):
    """The counters a public lookup from an address counts (`_lookup_counters`): its minute's
    allowance (LOOKUPS), its day's volume where the policy controls it (Nanjing art. 52), and for
    a search its hour's searches while the challenge is on; None: not counted."""

    minute: str
    left: int  # seconds left in the minute's window
    day: str | None
    searches: str | None

    def windows(self) -> tuple[tuple[str, int], ...]:
        """What `counters.count` counts them with, in this order."""
        seconds = ((self.minute, MINUTE), (self.day, DAY), (self.searches, HOUR))
        return tuple((key, period) for key, period in seconds if key is not None)

    def give_back(self, *keys: str | None) -> None:
        for key in keys:
            if key is not None:
                counters.uncount(key)

    def to(self, counts: list[int]) -> CountedLookup:
        """These counters as counted to `counts` (`counters.count(*self.windows())`)."""
        return CountedLookup(self, dict(zip(self.windows(), counts, strict=True)))


@dataclass(frozen=True)
class CountedLookup:
    """A public lookup's allowances from one address, counted before it is made in one call to
    the cache (`count_lookup`, or with a kept page's key), the minute's checked
    (`within_minute`). The challenge is asked where the searches counted are past its
    allowance (`challenge_needed`); the day's volume (Nanjing art. 52) is checked once the lookup
    knows what it asks (`check_day`: the refusal's row names it); where no lookup is made after
    all (no such organisation, a search waiting for the challenge or refused) its day and search
    are given back (`give_back`): the minute's allowance is of requests, the day's of lookups."""

    counted: _Counted
    values: dict  # each of `counted.windows()`: its counter's value with this lookup

    def within_minute(self) -> CountedLookup:
        """This lookup, within its minute's allowance; RateLimited past it (its day and search
        given back: it is not made)."""
        limit, message, _seconds = _allowance(LOOKUPS)
        if self.values[(self.counted.minute, MINUTE)] > limit:
            self.give_back()
            raise _rate_limited(limit, message, self.counted.left)
        return self

    @property
    def challenge_needed(self) -> bool:
        """The address must answer the challenge before this search: it had made
        PUBLIC_PORTAL_CHALLENGE_AFTER_SEARCHES searches within the hour before it, and each
        further batch waits for a question answered (0: never). A scraper pays for every few
        searches; a person answers once in a while."""
        searches = self.counted.searches
        return searches is not None and self.values[(searches, HOUR)] > settings.PUBLIC_PORTAL_CHALLENGE_AFTER_SEARCHES

    def check_day(self, lookup: LookupRequest, query: dict) -> None:
        """Past the day's threshold: the refusal logged, the search given back, QueryRefused."""
        if self.counted.day is None:
            return
        try:
            _check_volume(lookup, query, cached_policy(), self.values[(self.counted.day, DAY)])
        except QueryRefused:
            self.counted.give_back(self.counted.searches)
            raise

    def give_back(self) -> None:
        self.counted.give_back(self.counted.day, self.counted.searches)


def _lookup_counters(client_ip: str | None, *, search: bool = False) -> _Counted:
    minute, left = _window(LOOKUPS, client_ip, MINUTE)
    day = _day_key(client_ip) if cached_policy().query_abnormal_control else None
    searches = _searches_key(client_ip) if search and settings.PUBLIC_PORTAL_CHALLENGE_AFTER_SEARCHES else None
    return _Counted(minute=minute, left=left, day=day, searches=searches)


def count_lookup(client_ip: str | None, *, search: bool = False) -> CountedLookup:
    """Count a lookup of the portal's (a search, an organisation's page) from `client_ip` on its
    minute's allowance, its day's volume and (`search`) the searches towards the challenge
    together — with Redis one round trip, where counting them in turn made three: RateLimited
    past the minute's allowance."""
    counted = _lookup_counters(client_ip, search=search)
    return counted.to(counters.count(*counted.windows())).within_minute()


def _lookup_allowed(client_ip: str | None, query: dict, counted: _Counted, counts: list[int]) -> bool:
    """Whether a kept page's public lookup `query`, whose counters (`counted`) were counted to
    `counts` — together with the page's key, one call to the cache — is served, as the view
    would decide: False where the address must first answer the challenge (the view asks it,
    and counts the request: all three are given back); RateLimited past the minute's
    allowance; past the day's threshold the refusal logged and QueryRefused."""
    lookup = counted.to(counts)
    if lookup.challenge_needed:
        counted.give_back(counted.minute, counted.day, counted.searches)
        return False
    lookup.within_minute().check_day(public_lookup(client_ip), query)
    return True


class FeedCounter(NamedTuple):
    """The counter of a kept feed page from an address (its minute's FEEDS allowance)."""

    key: str
    left: int  # seconds left in the window

    def windows(self) -> tuple[tuple[str, int], ...]:
        return ((self.key, MINUTE),)


def feed_counter(client_ip: str | None) -> FeedCounter:
    return FeedCounter(*_window(FEEDS, client_ip, MINUTE))


def kept_feed_allowed(cached, counter: FeedCounter, counts: list[int]):
    """A kept feed page (or None), its address's feed allowance counted to `counts` with its key:
    served (returned) within the allowance, RateLimited past it; where the page is not kept any
    more the count is given back (the view counts it)."""
    if cached is None:
        counters.uncount(counter.key)
        return None
    limit, message, _seconds = _allowance(FEEDS)
    if counts[0] > limit:
        raise _rate_limited(limit, message, counter.left)
    return cached


# --- the cheap challenge after many searches --------------------------------------------------------

MSG_CHALLENGE_WRONG = gettext_lazy("The answer is not right: work out the sum and try again.")
MSG_CHALLENGE_EXPIRED = gettext_lazy("This question has expired or was already answered: answer the new one.")
MSG_CHALLENGE_QUESTION = gettext_lazy("How much is {a} plus {b}?")
CHALLENGE_SALT = "subjects.portal.challenge"
CHALLENGE_SECONDS = 600  # a question is answered within ten minutes


@dataclass(frozen=True)
class Challenge:
    """An arithmetic question for a person to answer without JavaScript; `token` carries the sum,
    the address and a one-time nonce, signed (the server keeps nothing until it is answered)."""

    question: str
    token: str


def _searches_key(client_ip: str | None) -> str:
    return _window("searches", client_ip, HOUR)[0]


def count_search(client_ip: str | None) -> None:
    """One more search from the address towards the challenge (not counted while it is off)."""
    if settings.PUBLIC_PORTAL_CHALLENGE_AFTER_SEARCHES:
        _count(_searches_key(client_ip), HOUR)


def new_challenge(client_ip: str | None) -> Challenge:
    a, b = secrets.randbelow(9) + 1, secrets.randbelow(9) + 1
    token = signing.dumps({"sum": a + b, "ip": client_ip or "-", "nonce": secrets.token_hex(8)}, salt=CHALLENGE_SALT)
    return Challenge(question=str(MSG_CHALLENGE_QUESTION).format(a=a, b=b), token=token)


def challenge_solve(client_ip: str | None, *, token: str, answer: str) -> None:
    """Check the answer to a challenge: a ValidationError({"answer": …}) when it is wrong, or the
    question expired, was made for another address or was answered already; once right, the
    address may search PUBLIC_PORTAL_CHALLENGE_AFTER_SEARCHES times again."""
    try:
        asked = signing.loads(token, salt=CHALLENGE_SALT, max_age=CHALLENGE_SECONDS)
    except signing.BadSignature:
        raise ValidationError({"answer": str(MSG_CHALLENGE_EXPIRED)}) from None
    if asked.get("ip") != (client_ip or "-"):
        raise ValidationError({"answer": str(MSG_CHALLENGE_EXPIRED)})
    if normalize_identifier(answer) != str(asked.get("sum")):
        raise ValidationError({"answer": str(MSG_CHALLENGE_WRONG)})
    if not cache.add(f"subjects:portal:challenge:{asked['nonce']}", 1, timeout=CHALLENGE_SECONDS + 60):
        raise ValidationError({"answer": str(MSG_CHALLENGE_EXPIRED)})
    cache.delete(_searches_key(client_ip))


# --- what the public sees ---------------------------------------------------------------------------


def public_records(subject: Subject, *, today: datetime.date | None = None) -> QuerySet[CreditRecord]:
    """The records of `subject` the portal shows: the public mode of `visible_records` (主动公开
    items, active, within their disclosure period), of items published in a catalog."""
    records = visible_records(subject, QueryMode.PUBLIC, today=today)
    return records.filter(item__disclosure=Disclosure.PUBLIC, item__catalog__status__in=PUBLISHED_CATALOG_STATUSES)


def current_responsible_people(organisation: Subject, *, today: datetime.date | None = None):
    """The natural persons responsible for `organisation` today (its legal representative,
    principal, …: `ResponsiblePerson` links whose period covers the day)."""
    today = today or timezone.localdate()
    return (
        ResponsiblePerson.objects.filter(organization=organisation, person__kind=SubjectType.NATURAL_PERSON)
        .filter(Q(start_date__isnull=True) | Q(start_date__lte=today))
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .select_related("person")
        .order_by("role", "id")
    )


def responsible_records(person_ids, *, today: datetime.date | None = None) -> QuerySet[CreditRecord]:
    """The records of these natural persons the portal shows under an organisation they are
    responsible for: what `public_records` would show of them, of items that allow it
    (`CatalogItem.shown_with_organisation`). Never reached by the person's own name or code."""
    records = records_in_mode(CreditRecord.objects.filter(subject__in=person_ids), QueryMode.PUBLIC, today=today)
    return records.filter(
        item__disclosure=Disclosure.PUBLIC,
        item__shown_with_organisation=True,
        item__catalog__status__in=PUBLISHED_CATALOG_STATUSES,
    )


class ShownRecord(NamedTuple):
    """A record as a row of the public pages shows it (`public_record_rows`): its columns read as
    a tuple (`shown_records`), not a model instance with its item and provider joined."""

    pk: int
    subject_id: int
    category: str
    item_name: str
    legal_basis: str
    record_fields: list
    severity: str
    objection_since: datetime.datetime | None
    document_number: str
    document_date: datetime.date | None
    determined_on: datetime.date | None
    provider_name: str
    values: dict
    disclosure_basis: str
    disclosure_ends_on: datetime.date | None
    total: int  # the records of its category (or person) in all


# The column of each of ShownRecord's fields where its name is not the column's.
_SHOWN_COLUMNS = {
    "item_name": "item__name",
    "legal_basis": "item__legal_basis",
    "record_fields": "item__record_fields",
    "provider_name": "provider__name",
}


# ShownRecord's columns but the count.
_ROW_COLUMNS = tuple(_SHOWN_COLUMNS.get(name, name) for name in ShownRecord._fields if name != "total")


def shown_records(records: QuerySet[CreditRecord], limit: int, *, per: str = "category") -> QuerySet:
    """The newest `limit` of `records` of each category (or each value of `per`) as the rows of
    `ShownRecord`, each with the records of its category in all: one statement."""
    return newest_per_category(records, limit, per=per, counted=True).values_list(*_ROW_COLUMNS, "total")


def newest_rows(records: QuerySet[CreditRecord], limit: int) -> QuerySet:
    """The newest `limit` of `records` of each category, ShownRecord's columns but the count (an
    organisation's page: `_shown_by_category`)."""
    return newest_per_category(records, limit).values_list(*_ROW_COLUMNS)


def _shown_by_category(rows, shown: int, count: Callable[[], list]) -> dict[str, list[ShownRecord]]:
    """The records shown of each category, from `rows` — the newest `shown + 1` of each, as
    `newest_rows` reads them — each with the category's records in all: the rows of a category
    with no more are all of them; where one has more, `count()` gives (category, records) for
    every category. Counting in the rows' statement (a window over the subject's records) cost an
    organisation with 500 records three times the statement without it, to show ten."""
    loaded: dict[str, list] = {}
    for row in rows:
        loaded.setdefault(row[2], []).append(row)
    if any(len(kept) > shown for kept in loaded.values()):
        totals = dict(count())
    else:
        totals = {category: len(kept) for category, kept in loaded.items()}
    return {
        category: [ShownRecord(*row, total=totals.get(category, len(kept))) for row in kept[:shown]]
        for category, kept in loaded.items()
    }


@dataclass
class ResponsibleSection:
    """One responsible person on an organisation's public page: the role, the name and the
    identifier masked, the newest records shown and how many there are."""

    role: str
    masked_name: str
    masked_identifier: str
    records: list
    total: int


def _responsible_sections(subject: Subject, today: datetime.date) -> tuple[list[ResponsibleSection], dict]:
    """The responsible-person section of the organisation's page (issue 18 item 1) and what its
    query-log row says was in view: the people with at least one record to show."""
    links = _responsible_links(subject.pk, today)
    if not links:
        return [], {}
    person_ids = {link.person_id for link in links}
    records = responsible_records(person_ids, today=today)
    loaded: dict[int, list[ShownRecord]] = {}
    counts: dict[int, int] = {}
    for row in shown_records(records, RESPONSIBLE_RECORDS_SHOWN, per="subject_id"):
        record = ShownRecord._make(row)
        loaded.setdefault(record.subject_id, []).append(record)
        counts[record.subject_id] = record.total
    if not counts:
        return [], {}
    sections = [
        ResponsibleSection(
            role=link.get_role_display(),
            masked_name=mask_name(link.person.name),
            masked_identifier=mask_identifier(link.person.identifier),
            records=loaded.get(link.person_id, []),
            total=counts[link.person_id],
        )
        for link in links
        if counts.get(link.person_id)
    ]
    shown = {link.person.identifier for link in links if counts.get(link.person_id)}
    result = {
        "responsible_people": sorted(shown),
        "responsible_records": [r.pk for rows in loaded.values() for r in rows][:200],
    }
    return sections, result


def public_subjects() -> QuerySet[Subject]:
    """The subjects the portal may show: organisations, never natural persons."""
    return Subject.objects.filter(kind__in=ORGANISATION_TYPES)


# Stands for the searched text in the name search's statement as compiled once (no LIKE wildcard,
# no backslash: `prep_for_like_query` leaves it as it is).
_TEXT_STANDIN = "portalsearchtextstandin"


@functools.lru_cache(maxsize=16)
def _name_search_statement(alias: str, limit: int) -> tuple[str, tuple, int, tuple, tuple]:
    """The name search's SQL as the ORM writes it (`subjects_matching` on `public_subjects`, by
    name, `limit` rows), its parameters, which one is the LIKE pattern, and the columns it selects
    (the model's fields in order: their attribute names and expressions). Compiled once per
    process, database and limit: building and compiling the same queryset was about a tenth of an
    uncached public search's CPU, and only the pattern changes from one search to the next."""
    query = subjects_matching(public_subjects(), _TEXT_STANDIN).order_by("name")[:limit].query
    compiler = query.get_compiler(using=alias)
    sql, params = compiler.as_sql()
    pattern_at = next(i for i, value in enumerate(params) if isinstance(value, str) and _TEXT_STANDIN in value)
    columns = tuple(expression for expression, _sql, _alias in compiler.select)
    return sql, tuple(params), pattern_at, tuple(column.target.attname for column in columns), columns


def _organisations_named(text: str, limit: int) -> list[Subject]:
    """`subjects_matching(public_subjects(), text).order_by("name")[:limit]`, for a name (not an
    18-character code): the same statement with the pattern the ORM would give `text`, its rows
    made into subjects as the ORM makes them (the backend's and the fields' converters, then
    `Model.from_db`) without a raw queryset's work of matching the cursor's columns to the
    fields again on every search."""
    alias = router.db_for_read(Subject)
    sql, params, pattern_at, names, columns = _name_search_statement(alias, limit)
    connection = connections[alias]
    like = connection.ops.prep_for_like_query(text)
    params = (*params[:pattern_at], params[pattern_at].replace(_TEXT_STANDIN, like), *params[pattern_at + 1 :])
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        return []
    converters = [
        (at, column, convert)
        for at, column in enumerate(columns)
        for convert in (*connection.ops.get_db_converters(column), *column.get_db_converters(connection))
    ]
    subjects = []
    for row in rows:
        if converters:
            row = list(row)
            for at, column, convert in converters:
                row[at] = convert(row[at], column, connection)
        subjects.append(Subject.from_db(alias, names, row))
    return subjects


@dataclass
class SearchResult:
    query: str
    subjects: list = field(default_factory=list)
    truncated: bool = False  # more matched than are shown: the searcher narrows the query
    # What the search's query-log row said (`lookup_log`'s arguments), for the same search served
    # again from the cache (`cached_search_response`); None for a citizen ID (never kept).
    logged: dict | None = None


def portal_search(*, query: str, client_ip: str | None, counted: CountedLookup | None = None) -> SearchResult:
    """Organisations whose name contains `query` (the workbench's trigram path,
    `selectors.subjects_matching`) or whose unified social credit code it is. One query-log row,
    written before the answer, also when nothing is found. A citizen ID finds nothing (natural
    persons are not publicly searchable); the attempt is logged under that identifier.

    Raises ValidationError({"q": …}) for a query too short or too long (not a lookup: nothing is
    logged), QueryRefused past the address's daily volume (logged; counted here, or already in
    `counted`)."""
    text = (query or "").strip()
    if len(text) > MAX_QUERY_LENGTH:
        raise ValidationError({"q": str(MSG_QUERY_TOO_LONG).format(max=MAX_QUERY_LENGTH)})
    identifier = normalize_identifier(text)
    is_code = len(identifier) == 18
    if not is_code and len(text) < MIN_QUERY_LENGTH:
        raise ValidationError({"q": str(MSG_QUERY_TOO_SHORT).format(min=MIN_QUERY_LENGTH)})
    lookup = public_lookup(client_ip)
    # A citizen ID (even one with a wrong check character: `identifier_kind`) is never searched.
    person_code = is_code and identifier_kind(identifier) == KIND_CITIZEN_ID
    asked = {"search": mask_identifier(identifier) if person_code else text}
    _address_volume(lookup, asked, counted)
    limit = settings.PUBLIC_PORTAL_SEARCH_RESULTS
    if person_code:
        matches = []
    elif is_code:
        matches = list(subjects_matching(public_subjects(), text).order_by("name")[: limit + 1])
    else:
        matches = _organisations_named(text, limit + 1)
    truncated = len(matches) > limit
    matches = matches[:limit]
    if person_code:
        # A citizen ID: nothing is shown, and the attempt is on the person's query history.
        lookup_log(
            lookup,
            identifier=identifier,
            query=asked,
            outcome=QueryOutcome.NOT_FOUND,
            result={"refused": "natural_person_not_public"},
        )
        return SearchResult(query=text)
    one = matches[0] if len(matches) == 1 else None
    logged = {
        "identifier": one.identifier if one else "",
        "name": one.name if one else "",
        "query": asked,
        "outcome": QueryOutcome.FOUND if matches else QueryOutcome.NOT_FOUND,
        "result": {"matches": len(matches), "identifiers": [s.identifier for s in matches], "truncated": truncated},
    }
    lookup_log(lookup, **logged)
    return SearchResult(query=text, subjects=matches, truncated=truncated, logged=logged)


def cached_search_response(*, query: str, client_ip: str | None) -> portal_cache.CachedResponse | None:
    """The whole answer to this search as an anonymous visitor got it, from the cache (None: not
    there, or the address must answer the challenge first — the view asks it). Served like the
    search: the address's rate limit (RateLimited) and searches counted, its daily volume counted
    and the search's query-log row written again, before it is returned."""
    counted = _lookup_counters(client_ip, search=True)
    kept_key, counts = portal_cache.search_response_key_counting(query, counted.windows())
    cached = portal_cache.get_response(kept_key)
    if cached is None:  # the view answers, and counts
        counted.give_back(*(key for key, _seconds in counted.windows()))
        return None
    if not _lookup_allowed(client_ip, cached.lookup["query"], counted, counts):
        return None
    _kept_lookup(kept_key, cached.lookup, lambda: repeated_lookup(public_lookup(None), **cached.lookup)).log(client_ip)
    return cached


# The lookups of the kept answers served by this process, by the answer's key: (what the answer
# logs, its RepeatedLookup). What a key's answer logs is compared on every serving all the same,
# so an answer kept anew under the key never logs its predecessor's lookup. Past
# KEPT_LOOKUPS keys they are all dropped (a day's keys change with the day's tokens).
_kept_lookups: dict[str, tuple[object, RepeatedLookup]] = {}
KEPT_LOOKUPS = 1000


def _kept_lookup(key: str, logged, make: Callable[[], RepeatedLookup]) -> RepeatedLookup:
    found = _kept_lookups.get(key)
    if found is not None and found[0] == logged:
        return found[1]
    if len(_kept_lookups) >= KEPT_LOOKUPS:
        _kept_lookups.clear()
    repeated = make()
    _kept_lookups[key] = (logged, repeated)
    return repeated


def public_commitments(subject: Subject) -> QuerySet[Commitment]:
    """The subject's commitments the portal shows (Nanjing art. 31 para. 2)."""
    return (
        Commitment.objects.filter(subject=subject, matter__in=PUBLIC_COMMITMENT_MATTERS)
        .select_related("made_to")
        .order_by("-made_on", "-id")
    )


@dataclass
class PublicFile:
    subject: Subject
    categories: list = field(default_factory=list)  # (Category, [records shown], records in all)
    commitments: list = field(default_factory=list)
    responsible: list = field(default_factory=list)  # ResponsibleSection
    shown_per_category: int = 0

    @property
    def record_count(self) -> int:
        return sum(total for _category, _records, total in self.categories)


# The reads of an organisation's page, compiled once per process (`CompiledQuery`): building and
# compiling them was two thirds of the CPU of a page rendered afresh, and only the subject and the
# day change from one page to the next. The stand-ins are an id and a day no row has.
_SUBJECT_STAND_IN = -1_000_000_007
_DAY_STAND_IN = datetime.date(1901, 2, 3)

# Attributes of the organisation as its page reads it (`_presence`): whether it has public
# commitments, and responsible people today. Most organisations have neither (nor list entries):
# their reads are then skipped, a statement each.
SHOWS_COMMITMENTS, SHOWS_RESPONSIBLE = "shows_commitments", "shows_responsible"


def _presence(today: datetime.date) -> dict:
    """The organisation read's `Exists` annotations: SHOWS_COMMITMENTS and SHOWS_RESPONSIBLE, on
    the same rules as the reads they stand before, and those of the other apps' panels
    (`events.public_file_presence`)."""
    present = {
        SHOWS_COMMITMENTS: Exists(public_commitments(OuterRef("pk"))),
        SHOWS_RESPONSIBLE: Exists(current_responsible_people(OuterRef("pk"), today=today)),
    }
    for _receiver, answer in events.public_file_presence.send(sender=Subject, today=today):
        if answer is not None:
            name, expression = answer
            present[name] = expression
    return present


_subject_by_key = CompiledQuery(
    Subject,
    lambda key, today: public_subjects().filter(public_key=key).annotate(**_presence(today)).order_by("pk")[:1],
    uuid.UUID(int=0),
    _DAY_STAND_IN,
)
_page_subject = CompiledQuery(
    Subject,
    lambda pk, today: public_subjects().filter(pk=pk).annotate(**_presence(today)).order_by("pk")[:1],
    _SUBJECT_STAND_IN,
    _DAY_STAND_IN,
)
_newest_records = CompiledQuery(
    CreditRecord,
    lambda subject, today, shown: newest_rows(public_records(subject, today=today), shown),
    _SUBJECT_STAND_IN,
    _DAY_STAND_IN,
)
_category_counts = CompiledQuery(
    CreditRecord,
    lambda subject, today: (
        public_records(subject, today=today)
        .order_by()
        .values("category")
        .annotate(records=Count("id"))
        .values_list("category", "records")
    ),
    _SUBJECT_STAND_IN,
    _DAY_STAND_IN,
)
_commitments_shown = CompiledQuery(
    Commitment, lambda subject, shown: public_commitments(subject)[:shown], _SUBJECT_STAND_IN
)
_responsible_links = CompiledQuery(
    ResponsiblePerson,
    lambda subject, today: current_responsible_people(subject, today=today),
    _SUBJECT_STAND_IN,
    _DAY_STAND_IN,
)


def _public_file(subject: Subject, today: datetime.date) -> tuple[PublicFile, dict]:
    """The organisation's public page on `today` and what its query-log row says was shown: the
    newest PUBLIC_RECORDS_SHOWN records of each category loaded, the others counted (the row names
    the records on the page, in its order, and counts them all). Commitments and responsible
    people are read only where the organisation's read found some (`_presence`; a subject read
    otherwise: always)."""
    shown = PUBLIC_RECORDS_SHOWN
    loaded = _shown_by_category(
        _newest_records(subject.pk, today, shown=shown + 1), shown, lambda: _category_counts(subject.pk, today)
    )
    counts = {category: records[0].total for category, records in loaded.items()}
    commitments = (
        _commitments_shown(subject.pk, shown=PUBLIC_COMMITMENTS_SHOWN)
        if getattr(subject, SHOWS_COMMITMENTS, True)
        else []
    )
    categories = [
        (category, loaded[category.value], counts[category.value]) for category in Category if category.value in counts
    ]
    result = {
        "records": sum(counts.values()),
        "by_category": {category.value: total for category, _records, total in categories},
        "ids": [record.pk for _category, records, _total in categories for record in records],
        "commitments": [c.pk for c in commitments],
    }
    responsible, responsible_result = (
        _responsible_sections(subject, today) if getattr(subject, SHOWS_RESPONSIBLE, True) else ([], {})
    )
    result.update(responsible_result)
    public_file = PublicFile(
        subject=subject,
        categories=categories,
        commitments=commitments,
        responsible=responsible,
        shown_per_category=PUBLIC_RECORDS_SHOWN,
    )
    return public_file, result


@dataclass(frozen=True)
class SubjectPage:
    """An organisation's rendered page as the cache keeps it (under `key`), with what its lookups
    log."""

    identifier: str
    name: str
    result: dict
    body: str
    key: str = ""

    @property
    def lookup(self) -> tuple:
        return (self.identifier, self.name, self.result)


def _log_page(client_ip: str | None, counted: CountedLookup | None, identifier: str, name: str, result: dict) -> None:
    """An opening of an organisation's page: the address's daily volume counted (or its count
    in `counted` checked), then its one public-lookup row (QueryRefused past the volume, logged)."""
    lookup = public_lookup(client_ip)
    asked = {"public_file": identifier}
    _address_volume(lookup, asked, counted)
    lookup_log(lookup, identifier=identifier, name=name, query=asked, result=result)


# The organisations' ids by public key, as this process found them lately (a key never moves to
# another subject): the busiest pages are a few organisations asked again and again. Bounded (the
# keys are what visitors ask); a key that opens nothing is not kept here.
_subject_ids = ProcessCache(limit=10_000, keep_none=False)


def _subject_for_key(key, today: datetime.date | None = None) -> tuple[int | None, Subject | None]:
    """The id of the organisation a public key opens (None: no such key, or a natural person's),
    kept in the cache like the pages (and in the process's memory): a key never moves to another
    subject; and the organisation itself, as its page reads it on `today` (default: the local
    day), where it was read for the answer (the key not kept yet), else None."""
    read = []

    def find() -> int | None:
        cache_key = f"{portal_cache.PREFIX}:key:{key}"
        found = portal_cache.get(cache_key)
        if found is None:
            subject = next(iter(_subject_by_key(key, today or timezone.localdate())), None)
            read.append(subject)
            found = subject.pk if subject else 0
            portal_cache.put(cache_key, found)
        return found or None

    subject_id = _subject_ids.get(key, find) if portal_cache.enabled() else find()
    return subject_id, (read[0] if read else None)


def portal_subject_page(
    *, key, client_ip: str | None, render: Callable[[PublicFile], str], counted: CountedLookup | None = None
) -> SubjectPage | None:
    """The public page of the organisation with this public key, or None (no such key, or a
    natural person's: the same answer): its content rendered by `render(public_file)`, from the
    page cache (`portal_cache`) while nothing on it changed. Either way the address's daily volume
    is counted (or, counted with the minute's allowance by `count_lookup`, checked: `counted`)
    and one public-lookup row is written before the page is returned, with the records in view
    (kept with the cached page)."""
    today = timezone.localdate()
    subject_id, subject = _subject_for_key(key, today)
    if subject_id is None:
        return None
    # With the cache off (PUBLIC_PORTAL_CACHE_SECONDS=0) there is no key to read the tokens for.
    page_key = portal_cache.subject_page_key(subject_id) if portal_cache.enabled() else ""
    page = portal_cache.get(page_key)
    if page is not None:
        _log_page(client_ip, counted, *page.lookup)
        return page
    subject = subject or next(iter(_page_subject(subject_id, today)), None)
    if subject is None:
        return None
    # The volume is counted before the records are read; the row says what was in view.
    lookup = public_lookup(client_ip)
    asked = {"public_file": subject.identifier}
    _address_volume(lookup, asked, counted)
    public_file, result = _public_file(subject, today)
    lookup_log(lookup, identifier=subject.identifier, name=subject.name, query=asked, result=result)
    page = SubjectPage(
        identifier=subject.identifier, name=subject.name, result=result, body=render(public_file), key=page_key
    )
    portal_cache.put(page_key, page)
    return page


def cached_subject_response(*, key, client_ip: str | None) -> portal_cache.CachedResponse | None:
    """The whole page of the organisation with this public key as an anonymous visitor got it,
    from the cache (None: not there, or no such key). Served like the page: the address's rate
    limit (RateLimited) and daily volume counted, and its lookup row written, before it is
    returned."""
    subject_id, _subject = _subject_for_key(key)
    if subject_id is None:
        return None
    counted = _lookup_counters(client_ip)
    page_key, counts = portal_cache.subject_page_key_counting(subject_id, counted.windows())
    kept_key = portal_cache.response_key(page_key)
    cached = portal_cache.get_response(kept_key)
    if cached is None:  # the view renders the page, and counts
        counted.give_back(*(key for key, _seconds in counted.windows()))
        return None
    identifier, name, result = cached.lookup
    asked = {"public_file": identifier}
    _lookup_allowed(client_ip, asked, counted, counts)
    _kept_lookup(
        kept_key,
        cached.lookup,
        lambda: repeated_lookup(public_lookup(None), identifier=identifier, name=name, query=asked, result=result),
    ).log(client_ip)
    return cached


@dataclass(frozen=True)
class CategoryPage:
    """One page of an organisation's records of one category on the portal, newest first."""

    subject: Subject
    category: Category
    records: list  # ShownRecord
    total: int  # the records of the category in all
    number: int  # this page's, from 1
    pages: int


def public_category_page(
    *, key, category: str, page: int, client_ip: str | None, counted: CountedLookup | None = None
) -> CategoryPage | None:
    """Page `page` of the records of `category` of the organisation with this public key, each as
    on its page (PUBLIC_PORTAL_PAGE_SIZE to a page, newest first, as the page orders them; a page
    past the last: the last), or None (no such key or category, or a natural person's key). The
    address's daily volume is counted first (or its count in `counted` checked), and one
    public-lookup row names the records shown."""
    if category not in Category.values:
        return None
    today = timezone.localdate()
    subject_id, subject = _subject_for_key(key, today)
    if subject_id is None:
        return None
    subject = subject or next(iter(_page_subject(subject_id, today)), None)
    if subject is None:
        return None
    lookup = public_lookup(client_ip)
    asked = {"public_file": subject.identifier, "category": category, "page": max(page, 1)}
    _address_volume(lookup, asked, counted)
    records = public_records(subject, today=today).filter(category=category)
    total = records.count()
    size = settings.PUBLIC_PORTAL_PAGE_SIZE
    pages = max(1, -(-total // size))
    number = min(max(page, 1), pages)
    newest_first = records.order_by(F("determined_on").desc(), F("id").desc())  # as newest_per_category
    rows = [
        ShownRecord(*row, total=total)
        for row in newest_first.values_list(*_ROW_COLUMNS)[(number - 1) * size : number * size]
    ]
    lookup_log(
        lookup,
        identifier=subject.identifier,
        name=subject.name,
        query=asked,
        result={"records": total, "page": number, "ids": [record.pk for record in rows]},
    )
    return CategoryPage(
        subject=subject, category=Category(category), records=rows, total=total, number=number, pages=pages
    )


# --- 双公示: the licences and penalties feeds ---------------------------------------------------------

FEED_SECTIONS = (ReportSection.LICENCE, ReportSection.PENALTY)


def _section_filter(section: str) -> Q:
    """Records whose item's credit report section is `section`, or whose item names none and
    whose category defaults to it (`DEFAULT_REPORT_SECTION`, as the credit report sorts them)."""
    defaults = [category for category, default in DEFAULT_REPORT_SECTION.items() if default == section]
    return Q(item__report_section=section) | Q(item__report_section="", category__in=defaults)


def feed_records(
    section: str,
    *,
    provider=None,
    item_code: str = "",
    since: datetime.date | None = None,
    until: datetime.date | None = None,
    today: datetime.date | None = None,
) -> QuerySet[CreditRecord]:
    """The latest administrative licences or penalties (行政许可和行政处罚"双公示") of
    organisations: what `public_records` would show, newest determination first, filtered by
    the providing agency, the item's code and the determination date."""
    today = today or timezone.localdate()
    records = CreditRecord.objects.filter(
        _section_filter(section),
        subject__kind__in=ORGANISATION_TYPES,
        item__disclosure=Disclosure.PUBLIC,
        item__catalog__status__in=PUBLISHED_CATALOG_STATUSES,
        status=RecordStatus.ACTIVE,
    ).filter(Q(disclosure_ends_on__isnull=True) | Q(disclosure_ends_on__gte=today))
    if provider is not None:
        records = records.filter(provider=provider)
    if item_code:
        records = records.filter(item__code=item_code)
    if since:
        records = records.filter(determined_on__gte=since)
    if until:
        records = records.filter(determined_on__lte=until)
    return records.select_related("item", "provider", "subject").order_by("-determined_on", "-id")


def feed_page(records: QuerySet[CreditRecord], page: int) -> tuple[list[CreditRecord], bool]:
    """One bounded page of a feed (PUBLIC_PORTAL_PAGE_SIZE rows, at most PUBLIC_PORTAL_MAX_PAGES
    pages) and whether there is a next one: no count over the whole table."""
    size = settings.PUBLIC_PORTAL_PAGE_SIZE
    page = min(max(page, 1), settings.PUBLIC_PORTAL_MAX_PAGES)
    rows = list(records[(page - 1) * size : page * size + 1])
    more = len(rows) > size and page < settings.PUBLIC_PORTAL_MAX_PAGES
    return rows[:size], more
