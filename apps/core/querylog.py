"""The query log (查询日志): every lookup of a subject's credit information is written here.

Every selector that shows a subject's non-public or personal data calls `log_query()` once.

Chaining. A single global hash chain computed at insert time would make every lookup wait for
one lock. Instead rows are inserted unchained, and `seal_query_log()` chains them afterwards:
under a transaction-scoped lock it gives the unsealed rows visible at that moment the next
sequence numbers in id order and stores `row_hash = sha256(prev_hash + content)`. A row whose
transaction commits late simply joins the next seal, so the chain order is the sequence, not
the id. Sealing runs after each lookup's commit when no other sealer holds the lock (a try-lock:
no lookup ever waits), and on demand or from cron with `manage.py seal_query_log`. After each
run a checkpoint row records the chain head, so removing the newest rows is detected too, and
the head is also anchored outside the database (`apps.core.anchors`), so that a rewrite and
re-seal by the database owner is detected. `verify_query_log()` walks the chain and names the
first row that was changed or removed.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, time

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core.anchors import anchor_key, append_anchors, read_anchors
from apps.core.choices import PURPOSES_BY_MODE, PURPOSES_NEEDING_DETAIL, QueryMode, QueryOutcome, QueryPurpose
from apps.core.identifiers import normalize_identifier
from apps.core.models import (
    QueryFlag,
    QueryFlagStatus,
    QueryLog,
    QueryLogCheckpoint,
    QueryLogVerification,
    User,
)

GENESIS_HASH = "0" * 64
# Any constant key works; it only has to be the same for every sealer (PostgreSQL advisory lock).
CHAIN_LOCK_KEY = 0x63705F716C6F67  # "cp_qlog"
_sqlite_chain_lock = threading.Lock()

MSG_PURPOSE_REQUIRED = gettext_lazy("A lookup needs a query mode and a purpose.")
MSG_PURPOSE_MODE = gettext_lazy("The purpose “{purpose}” is not allowed for a {mode}.")
MSG_DETAIL_REQUIRED = gettext_lazy("Describe the matter for the purpose “{purpose}”.")
MSG_AUTHORISATION_REQUIRED = gettext_lazy("An authorised inquiry needs the written authorisation document.")
MSG_TOO_LONG = gettext_lazy("At most {max} characters.")
MSG_FLAGGED = gettext_lazy(
    "Your lookups today exceeded the limit of {threshold}; further lookups are refused until the "
    "credit office clears the flag (abnormal query volume control)."
)


class QueryRefused(PermissionDenied):
    """Raised when a lookup is refused; the refusal itself was logged."""


@dataclass
class LookupRequest:
    """Who asks and why; built from the request and the lookup form (for the workbench by
    `apps.subjects.services.lookup_request`)."""

    user: User | None
    mode: str
    purpose: str
    channel: str
    purpose_detail: str = ""
    authorization_document: str = ""
    client_ip: str | None = None
    # A window inquiry (Nanjing art. 54) carries its proof: the applicant's identity document was
    # checked (own-record inquiry), the stored written authorisation (authorised inquiry: the id of
    # a `subjects.Authorisation`), and the identifier of the one subject the proof covers. The
    # subjects selectors refuse a window lookup without it (`apps.subjects.selectors.lookup_check`).
    identity_checked: bool = False
    authorisation_id: int | None = None
    checked_identifier: str = ""


def validate_purpose(mode: str, purpose: str, purpose_detail: str = "", authorization_document: str = "") -> None:
    """Raise ValidationError unless the mode and purpose form an allowed pair."""
    if not mode or not purpose:
        raise ValidationError(str(MSG_PURPOSE_REQUIRED), code="purpose_required")
    try:
        mode_value = QueryMode(mode)
        purpose_value = QueryPurpose(purpose)
    except ValueError:
        raise ValidationError(str(MSG_PURPOSE_REQUIRED), code="purpose_required") from None
    if purpose_value not in PURPOSES_BY_MODE[mode_value]:
        raise ValidationError(
            {"purpose": str(MSG_PURPOSE_MODE).format(purpose=purpose_value.label, mode=mode_value.label)},
            code="purpose_mode",
        )
    for name, value, limit in (
        ("purpose_detail", purpose_detail, 500),
        ("authorization_document", authorization_document, 200),
    ):
        if len(value.strip()) > limit:
            raise ValidationError({name: str(MSG_TOO_LONG).format(max=limit)}, code="too_long")
    if purpose_value in PURPOSES_NEEDING_DETAIL and not purpose_detail.strip():
        raise ValidationError(
            {"purpose_detail": str(MSG_DETAIL_REQUIRED).format(purpose=purpose_value.label)}, code="detail_required"
        )
    if mode_value == QueryMode.AUTHORISED and not authorization_document.strip():
        raise ValidationError(
            {"authorization_document": str(MSG_AUTHORISATION_REQUIRED)}, code="authorisation_required"
        )


def _day_start(now: datetime) -> datetime:
    """Local midnight of `now`'s day (the policy counts lookups per local day)."""
    local = timezone.localtime(now)
    return timezone.make_aware(datetime.combine(local.date(), time.min))


def _volume_check(user: User, policy, now: datetime) -> tuple[QueryFlag | None, bool]:
    """(open flag, whether it was raised now). Called with the user's row locked."""
    flag = QueryFlag.objects.filter(user=user, status=QueryFlagStatus.OPEN).first()
    if flag is not None:
        return flag, False
    if not policy.query_abnormal_control:
        return None, False
    since = _day_start(now)
    last_cleared = (
        QueryFlag.objects.filter(user=user, status=QueryFlagStatus.CLEARED, cleared_at__gte=since)
        .order_by("-cleared_at")
        .values_list("cleared_at", flat=True)
        .first()
    )
    if last_cleared:
        since = last_cleared  # a cleared flag gives the user a fresh allowance
    lookups = QueryLog.objects.filter(user=user, created_at__gte=since).exclude(outcome=QueryOutcome.REFUSED).count()
    if lookups < policy.query_daily_threshold:
        return None, False
    from apps.core.audit import audited_save

    flag = QueryFlag(
        user=user,
        day=timezone.localdate(now),
        lookups=lookups,
        threshold=policy.query_daily_threshold,
    )
    audited_save(flag, by=None, reason=f"Nanjing art. 52 abnormal query volume: {lookups} lookups today")
    return flag, True


def log_query(
    lookup: LookupRequest,
    *,
    subject_identifier: str = "",
    subject_name: str = "",
    query: dict | None = None,
    outcome: str = QueryOutcome.FOUND,
    result: dict | None = None,
) -> QueryLog:
    """Write one query-log row for a lookup, or refuse it.

    `query` is what was asked (the search terms), `result` a summary of what came back (counts,
    record ids) — not a copy of the personal data. Raises ValidationError when the mode and purpose
    are missing or do not fit, and QueryRefused (after logging the refusal) when the user is
    flagged for abnormal volume. Call it before showing anything; it commits its own row, so a
    refusal stays on record even if the caller's transaction rolls back.
    """
    from apps.core.selectors import active_policy

    validate_purpose(lookup.mode, lookup.purpose, lookup.purpose_detail, lookup.authorization_document)
    user = lookup.user if lookup.user is not None and lookup.user.is_authenticated else None
    now = timezone.now()
    entry = QueryLog(
        created_at=now,
        user=user,
        organization_id=user.organization_id if user else None,
        channel=lookup.channel,
        mode=lookup.mode,
        purpose=lookup.purpose,
        purpose_detail=lookup.purpose_detail.strip(),
        authorization_document=lookup.authorization_document.strip(),
        subject_identifier=normalize_identifier(subject_identifier),
        subject_name=subject_name or "",
        query=query or {},
        outcome=outcome,
        result=result or {},
        client_ip=lookup.client_ip or None,
    )
    refused_by: QueryFlag | None = None
    with transaction.atomic():
        if user is not None:
            # Serialise this user's lookups only (so the count is exact); other users never wait.
            User.objects.select_for_update().filter(pk=user.pk).values_list("pk").first()
            refused_by, _raised = _volume_check(user, active_policy(), now)
        if refused_by is not None:
            entry.outcome = QueryOutcome.REFUSED
            entry.result = {"refused": "abnormal_volume", "flag": refused_by.pk}
        entry.save()
        if getattr(settings, "QUERY_LOG_SEAL_ON_COMMIT", False):
            # robust: the lookup is committed and on record; a failing sealer (no anchor key on this
            # server, say) is logged and leaves the rows to `manage.py seal_query_log`.
            transaction.on_commit(lambda: seal_query_log(wait=False), robust=True)
    if refused_by is not None:
        raise QueryRefused(str(MSG_FLAGGED).format(threshold=refused_by.threshold))
    return entry


# --- the chain ------------------------------------------------------------------------------

CONTENT_FIELDS = (
    "id",
    "created_at",
    "user_id",
    "organization_id",
    "channel",
    "mode",
    "purpose",
    "purpose_detail",
    "authorization_document",
    "subject_identifier",
    "subject_name",
    "query",
    "outcome",
    "result",
    "client_ip",
    "seq",
    "prev_hash",
)


def row_digest(row: QueryLog) -> str:
    """sha256 over the row's content, its sequence number and the previous row's hash."""
    content = {}
    for name in CONTENT_FIELDS:
        value = getattr(row, name)
        if isinstance(value, datetime):
            value = value.astimezone(UTC).isoformat(timespec="microseconds")
        content[name] = value
    payload = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _take_chain_lock(wait: bool) -> bool:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            function = "pg_advisory_xact_lock" if wait else "pg_try_advisory_xact_lock"
            cursor.execute(f"SELECT {function}(%s)", [CHAIN_LOCK_KEY])
            row = cursor.fetchone()
            return True if wait else bool(row[0])
    return True  # SQLite: the caller holds the process lock and SQLite has one writer


def seal_query_log(*, wait: bool = True, limit: int = 5000) -> int:
    """Chain the rows that are not sealed yet; returns how many were sealed.

    With `wait=False` it returns 0 at once when another sealer holds the lock. Each run's
    checkpoint is anchored outside the database before the run commits; without the anchor key
    (`QUERY_LOG_ANCHOR_KEY`) nothing is sealed (ImproperlyConfigured).
    """
    anchor_key()  # fail before taking the lock rather than roll back a whole run
    if connection.vendor == "sqlite" and not _sqlite_chain_lock.acquire(blocking=wait):
        return 0
    try:
        total = 0
        while True:
            with transaction.atomic():
                if not _take_chain_lock(wait):
                    return total
                head = QueryLog.objects.filter(seq__isnull=False).order_by("-seq").only("seq", "row_hash").first()
                seq = head.seq if head else 0
                prev_hash = head.row_hash if head else GENESIS_HASH
                rows = list(QueryLog.objects.filter(seq__isnull=True).order_by("id")[:limit])
                if not rows:
                    return total
                sealed_at = timezone.now()
                for row in rows:
                    seq += 1
                    row.seq = seq
                    row.prev_hash = prev_hash
                    row.row_hash = row_digest(row)
                    row.sealed_at = sealed_at
                    prev_hash = row.row_hash
                QueryLog.objects.bulk_update(rows, ["seq", "prev_hash", "row_hash", "sealed_at"], batch_size=1000)
                checkpoint = QueryLogCheckpoint.objects.create(last_seq=seq, last_hash=prev_hash, rows_sealed=len(rows))
                append_anchors([checkpoint])  # still under the chain lock: the file follows the sequence
                total += len(rows)
            if len(rows) < limit:
                return total
    finally:
        if connection.vendor == "sqlite":
            _sqlite_chain_lock.release()


@dataclass
class ChainReport:
    ok: bool
    rows_checked: int
    unsealed_rows: int
    first_bad_id: int | None
    message: str
    # missing, unlinked, altered, head_mismatch, tail_removed; against the anchors outside the
    # database: anchor_mismatch, anchored_row_missing, unanchored, anchor_file_missing, anchor_invalid
    problem: str = ""
    anchors_checked: int = 0


def _anchor_file_problem(line: int, seq: int | None, kind: str, path) -> str:
    if kind == "bad_hmac":
        return _(
            "anchor line %(line)s (sequence %(seq)s) of %(path)s fails its HMAC check: the line was altered "
            "or written with another key."
        ) % {"line": line, "seq": seq, "path": path}
    return _("anchor line %(line)s of %(path)s cannot be read (not a complete anchor line).") % {
        "line": line,
        "path": path,
    }


def verify_query_log(*, record: bool = True, anchor_file=None) -> ChainReport:
    """Walk the chain in sequence order; report the first row that was changed or removed.

    The chain is also held against the anchors outside the database (`apps.core.anchors`): the
    row at every anchored sequence must still have the anchored hash, and every checkpoint from
    the first anchor on must be anchored (a shorter file means lines were lost). `anchor_file`
    checks against a copy kept elsewhere (an export) instead of the configured file; checkpoints
    newer than the copy's last anchor are not expected in it.
    """
    anchor_set = read_anchors(anchor_file)
    is_copy = anchor_file is not None
    anchors_iter = iter(anchor_set.anchors)
    anchor = next(anchors_iter, None)
    anchored_pairs = {(a.seq, a.hash) for a in anchor_set.anchors}
    first_anchored = anchor_set.anchors[0].seq if anchor_set.anchors else None
    last_anchored = anchor_set.anchors[-1].seq if anchor_set.anchors else None
    # Checkpoints from the first anchor on must be anchored (older ones predate anchoring); with
    # no anchor at all, every checkpoint must be. A copy is expected to cover up to its end only.
    must_anchor_from = first_anchored if first_anchored is not None else 0
    must_anchor_to = (last_anchored if last_anchored is not None else -1) if is_copy else None

    expected_seq = 1
    prev_hash = GENESIS_HASH
    checked = 0
    anchors_checked = 0
    failure: tuple[int | None, str, str] | None = None
    checkpoints = iter(QueryLogCheckpoint.objects.order_by("last_seq").values_list("last_seq", "last_hash"))
    checkpoint = next(checkpoints, None)
    previous_id = None
    unvouched = None  # (seq, id) of the first row after the last anchor that matched
    for row in QueryLog.objects.filter(seq__isnull=False).order_by("seq").iterator(chunk_size=2000):
        if row.seq != expected_seq:
            failure = (
                row.pk,
                _(
                    "row(s) with sequence %(first)s–%(last)s are missing (removed); the chain continues at "
                    "row id %(id)s (after row id %(previous)s)."
                )
                % {"first": expected_seq, "last": row.seq - 1, "id": row.pk, "previous": previous_id},
                "missing",
            )
            break
        if row.prev_hash != prev_hash:
            failure = (
                row.pk,
                _("row id %(id)s (sequence %(seq)s) does not link to the previous row.")
                % {"id": row.pk, "seq": row.seq},
                "unlinked",
            )
            break
        if row_digest(row) != row.row_hash:
            failure = (
                row.pk,
                _("row id %(id)s (sequence %(seq)s) was altered: its content no longer matches its hash.")
                % {"id": row.pk, "seq": row.seq},
                "altered",
            )
            break
        if unvouched is None:
            unvouched = (row.seq, row.pk)
        if anchor is not None and anchor.seq == row.seq:
            while anchor is not None and anchor.seq == row.seq:
                if anchor.hash != row.row_hash:
                    failure = (
                        unvouched[1],
                        _(
                            "rows from sequence %(first)s (row id %(first_id)s) to %(seq)s were rewritten and "
                            "sealed again: row id %(id)s (sequence %(seq)s) no longer has the hash anchored outside "
                            "the database (anchor line %(line)s)."
                        )
                        % {
                            "first": unvouched[0],
                            "first_id": unvouched[1],
                            "seq": row.seq,
                            "id": row.pk,
                            "line": anchor.line,
                        },
                        "anchor_mismatch",
                    )
                    break
                anchors_checked += 1
                anchor = next(anchors_iter, None)
            if failure:
                break
            unvouched = None
        while checkpoint is not None and checkpoint[0] == row.seq:
            if checkpoint[1] != row.row_hash:
                failure = (
                    row.pk,
                    _("row id %(id)s (sequence %(seq)s) differs from the chain head recorded when it was sealed.")
                    % {"id": row.pk, "seq": row.seq},
                    "head_mismatch",
                )
                break
            if (
                checkpoint[0] >= must_anchor_from
                and (must_anchor_to is None or checkpoint[0] <= must_anchor_to)
                and checkpoint not in anchored_pairs
            ):
                if anchor_set.exists:
                    failure = (
                        row.pk,
                        _(
                            "the checkpoint at sequence %(seq)s (row id %(id)s) has no valid anchor in %(path)s: "
                            "the anchor file is shorter than the checkpoints expect (its last valid anchor is at "
                            "sequence %(last)s)."
                        )
                        % {"seq": row.seq, "id": row.pk, "path": anchor_set.path, "last": last_anchored or "—"},
                        "unanchored",
                    )
                else:
                    failure = (
                        row.pk,
                        _(
                            "the anchor file %(path)s is missing, but the chain has a checkpoint at sequence "
                            "%(seq)s (row id %(id)s)."
                        )
                        % {"path": anchor_set.path, "seq": row.seq, "id": row.pk},
                        "anchor_file_missing",
                    )
                break
            checkpoint = next(checkpoints, None)
        if failure:
            break
        prev_hash = row.row_hash
        previous_id = row.pk
        expected_seq += 1
        checked += 1
    if failure is None and checkpoint is not None:
        failure = (
            None,
            _(
                "rows up to sequence %(sealed)s were sealed, but the chain ends at sequence %(end)s: the newest rows "
                "were removed (after row id %(previous)s)."
            )
            % {"sealed": checkpoint[0], "end": expected_seq - 1, "previous": previous_id},
            "tail_removed",
        )
    if failure is None and anchor is not None:
        failure = (
            None,
            _(
                "the anchored row at sequence %(seq)s (anchor line %(line)s) is missing: the chain ends at "
                "sequence %(end)s (after row id %(previous)s)."
            )
            % {"seq": anchor.seq, "line": anchor.line, "end": expected_seq - 1, "previous": previous_id},
            "anchored_row_missing",
        )
    file_problems = [_anchor_file_problem(*problem, anchor_set.path) for problem in anchor_set.problems]
    if file_problems and (failure is None or failure[2] == "unanchored"):
        # An unusable line explains a checkpoint without an anchor: name the line first.
        later = [failure[1]] if failure else []
        failure = (None, file_problems.pop(0), "anchor_invalid")
        file_problems[:0] = later
    unsealed = QueryLog.objects.filter(seq__isnull=True).count()
    if failure is None:
        message = _("chain intact: %(checked)s sealed rows, %(unsealed)s not yet sealed.") % {
            "checked": checked,
            "unsealed": unsealed,
        }
        message += " " + _("%(anchors)s anchors outside the database match.") % {"anchors": anchors_checked}
        report = ChainReport(True, checked, unsealed, None, message, anchors_checked=anchors_checked)
    else:
        message = " ".join([failure[1], *file_problems[:3]])
        if len(file_problems) > 3:
            message += " " + _("%(count)s more unusable anchor lines.") % {"count": len(file_problems) - 3}
        report = ChainReport(False, checked, unsealed, failure[0], message, failure[2], anchors_checked)
    if record:
        QueryLogVerification.objects.create(
            ok=report.ok,
            rows_checked=report.rows_checked,
            unsealed_rows=report.unsealed_rows,
            first_bad_id=report.first_bad_id,
            message=report.message,
        )
    return report
