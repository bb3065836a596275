"""The background steps of a batch (apps.subjects.tasks): the check and the submit run on a worker.

A request only stores the file and queues the step (`queue_step`, after its transaction commits);
the worker runs `run_step`, the same code whichever broker carries the message (Redis, or the
embedded in-memory one of `make run`, see credit_portal/celery.py) and in the tests (eager).

- Idempotent: a step runs only while the batch is in its running state (`checking`,
  `submitting`); a message delivered twice (a worker killed mid-way, `acks_late`) finds the batch
  done and does nothing. The submit writes in one transaction with the batch row locked, so a
  second run of it waits and then finds it submitted; the check writes nothing until its last,
  short transaction.
- A step that fails leaves the batch `failed` with the reason (in the interface's language) and
  nothing written; `batch_retry` runs the same step again.
- Progress (rows read, checked, written; the share of the file read) goes to the
  `batch_progress` cache after every chunk, outside the database transaction, so that the page
  and the API show it while the submit's transaction is open (`batch_progress`).
- The uploader is notified when the check is done, when the rows are written and when a step fails.
"""

from __future__ import annotations

import logging
import time

from celery import current_app
from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core.audit import audited_save
from apps.core.exceptions import Conflict
from apps.core.notifications import notify
from apps.core.selectors import active_policy
from apps.core.services import require_reason
from apps.core.uploads import upload_limits
from apps.subjects import ingestion, ingestion_pg
from apps.subjects.choices import BatchStatus, BatchStep
from apps.subjects.models import CreditRecord, ImportBatch, ImportRowError

logger = logging.getLogger(__name__)

RUNNING = {BatchStep.CHECK: BatchStatus.CHECKING, BatchStep.SUBMIT: BatchStatus.SUBMITTING}
# A running step with no progress for this long is taken for lost (its worker was killed): the
# officer may run it again. A step that is in fact still running is not harmed: the submit waits
# for the first run's lock and then finds the batch submitted.
STALE_SECONDS = 300

MSG_FAILED_UNEXPECTED = gettext_lazy(
    "The job stopped on an unexpected error ({error}); nothing was written. Run it again; if it fails "
    "again, tell the platform's administrators."
)
MSG_FILE_GONE = gettext_lazy("The file of this batch is no longer stored; upload it again.")
MSG_NOT_RETRYABLE = gettext_lazy("Only a failed batch, or one whose job stopped answering, can be run again.")
MSG_NOTIFY_CHECKED = gettext_lazy("Batch #{id} ({item}) is checked: {valid} valid rows, {invalid} with errors.")
MSG_NOTIFY_SUBMITTED = gettext_lazy(
    "Batch #{id} ({item}) is submitted: {created} records created, {updated} updated, {unchanged} unchanged."
)
MSG_NOTIFY_FAILED = gettext_lazy("Batch #{id} ({item}) failed: {reason}")
MSG_RETRY = gettext_lazy("Run again: {reason}")

_inline = {"depth": 0}


# --- queueing ---------------------------------------------------------------------------------


def _task(step: str):
    from apps.subjects import tasks

    return tasks.batch_check if step == BatchStep.CHECK else tasks.batch_submit


def queue_step(batch: ImportBatch, step: str) -> ImportBatch:
    """Send the step to the queue once the caller's transaction commits. Tests (eager) and
    `seed_demo` (`steps_inline`) run it at once through the same task, and get the batch back
    as the step left it."""
    task = _task(step)
    if current_app.conf.task_always_eager or _inline["depth"]:
        task.apply(args=(batch.pk,))
        batch.refresh_from_db()
        return batch
    transaction.on_commit(lambda: task.delay(batch.pk))
    return batch


class steps_inline:
    """`with steps_inline():` the steps queued inside run at once in this thread (seed_demo)."""

    def __enter__(self):
        _inline["depth"] += 1

    def __exit__(self, *exc):
        _inline["depth"] -= 1


# --- progress ---------------------------------------------------------------------------------


def _cache():
    return caches["batch_progress"]


def _key(pk: int) -> str:
    return f"batch-progress:{pk}"


def _progress_writer(batch: ImportBatch, step: str):
    started = time.time()
    state = {
        "run": _run_of(batch),
        "step": step,
        "read": 0,
        "checked": 0,
        "written": 0,
        "fraction": 0.0,
        "started": started,
    }
    _cache().set(_key(batch.pk), {**state, "updated": started}, timeout=24 * 3600)

    def progress(*, read=0, checked=0, written=0, fraction=0.0):
        state.update(read=read, checked=checked, written=written, fraction=fraction)
        _cache().set(_key(batch.pk), {**state, "updated": time.time()}, timeout=24 * 3600)

    return progress


def _run_of(batch: ImportBatch) -> str:
    """Which run of which step the progress in the cache belongs to (not an earlier try's)."""
    return f"{batch.step}@{batch.step_started_at.isoformat() if batch.step_started_at else ''}"


def batch_progress(batch: ImportBatch) -> dict:
    """What the batch page and the API show: the step, rows read/checked/written, percentage,
    rows per second and seconds left (None when not known yet), and whether it is running."""
    running = batch.status in RUNNING.values()
    live = _cache().get(_key(batch.pk)) if running else None
    if live is None or live.get("run") != _run_of(batch):
        done = not running and batch.status != BatchStatus.FAILED
        checked = batch.rows_total if done else 0
        written = batch.rows_created + batch.rows_updated + batch.rows_unchanged
        return {
            "step": batch.step,
            "running": running,
            "rows_read": checked,
            "rows_checked": checked,
            "rows_written": written,
            "percent": 100 if done else 0,
            "rows_per_second": None,
            "seconds_left": None,
            "stale": running and _stale(batch, None),
        }
    elapsed = max(live["updated"] - live["started"], 1e-3)
    rate = live["read"] / elapsed if live["read"] else None
    fraction = live["fraction"]
    if batch.step == BatchStep.SUBMIT and batch.rows_total:
        # The row-by-row submit: the rows read of the file; the set-based one reads none (or all
        # at once) and says how far its statements are (`ingestion_pg.WRITE_STAGES`).
        fraction = min(fraction, live["read"] / batch.rows_total)
    fraction = min(max(fraction, 0.0), 1.0)
    left = elapsed * (1 - fraction) / fraction if fraction > 0 else None
    return {
        "step": batch.step,
        "running": True,
        "rows_read": live["read"],
        "rows_checked": live["checked"],
        "rows_written": live["written"],
        "percent": round(fraction * 100),
        "rows_per_second": round(rate) if rate else None,
        "seconds_left": round(left) if left is not None else None,
        "stale": _stale(batch, live),
    }


def _stale(batch: ImportBatch, live: dict | None) -> bool:
    last = live["updated"] if live else (batch.step_started_at.timestamp() if batch.step_started_at else 0)
    return time.time() - last > STALE_SECONDS


# --- the check -------------------------------------------------------------------------------


class ErrorList:
    """A batch's problems, kept up to the limit (UPLOAD_MAX_ROW_ERRORS) in memory and stored when
    the check ends; the others are counted."""

    def __init__(self):
        self.room = upload_limits().max_row_errors
        self.kept: list[tuple[int, str, str]] = []
        self.omitted = 0
        self.header = False  # the header row has errors: no row was read

    def add(self, errors: list[tuple[int, str, str]]) -> None:
        kept, self.room = errors[: self.room], max(self.room - len(errors), 0)
        self.omitted += len(errors) - len(kept)
        self.kept.extend(kept)

    def store(self, batch: ImportBatch) -> None:
        ImportRowError.objects.bulk_create(
            [ImportRowError(batch=batch, row=row, column=c[:100], message=m[:500]) for row, c, m in self.kept]
        )
        batch.row_errors_omitted = self.omitted


def check_rows(batch: ImportBatch, progress) -> tuple[ErrorList, int, int]:
    """Read and check every row of a stored batch (nothing written to the files; on PostgreSQL
    the rows go into the batch's staging table, which the submit writes from); returns
    (problems, rows, rows with errors). `progress(read=, checked=, fraction=)` after each chunk."""
    policy = active_policy()
    headers, rows, fraction = ingestion.raw_rows(batch)
    reader = ingestion.RowReader(batch.item, headers)
    errors = ErrorList()
    if reader.header_errors:
        errors.add([(1, c, m) for c, m in reader.header_errors])
        errors.header = True
        return errors, 0, 0
    if ingestion_pg.enabled(CreditRecord):  # COPY into the batch's staging table, the rules in SQL
        total, invalid = ingestion_pg.check_rows(batch, reader, rows, fraction, policy, progress, errors.add)
    else:
        total = invalid = 0
        for good, bad in ingestion.checked_chunks(batch, reader, rows, policy):
            total += len(good) + len(bad)
            invalid += len(bad)
            errors.add([(r.number, c, m) for r in bad for c, m in r.errors])
            progress(read=total, checked=total, fraction=fraction())
    if not total:
        errors.add([(2, "", _("The file has no rows."))])
    batch.check_digest = ingestion.check_digest(batch, policy)
    return errors, total, invalid


def check_finish(batch: ImportBatch, errors: ErrorList, total: int, invalid: int) -> ImportBatch:
    """Store the problems and the counts of a checked batch (its lock held)."""
    errors.store(batch)
    batch.rows_total, batch.rows_invalid = total, invalid
    batch.status = BatchStatus.HAS_ERRORS if invalid or not total else BatchStatus.VALIDATED
    if errors.header:
        reason = _("Checked: the header row has errors")
    else:
        reason = _("Checked: %(total)d rows, %(invalid)d with errors") % {"total": total, "invalid": invalid}
    return audited_save(batch, by=batch.created_by, reason=reason)


# --- the worker's side ------------------------------------------------------------------------


def run_step(pk: int, step: str) -> str:
    """The body of the tasks: run the batch's step if it is still due; what happened, as a word."""
    try:
        return _run_step(pk, step)
    finally:
        if not connection.in_atomic_block:  # on a worker: no connection left open between jobs
            connection.close()


def _run_step(pk: int, step: str) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        batch = ImportBatch.objects.filter(pk=pk).select_related("item", "provider").first()
        if batch is None or batch.status != RUNNING[step]:
            return "skipped"  # done already, by an earlier delivery or a retry
        try:
            if step == BatchStep.CHECK:
                return _check(batch)
            return _submit(pk)
        except Exception as error:  # the batch says why; nothing of the step was kept
            if not isinstance(error, ValidationError | PermissionDenied):
                logger.exception("batch %s: %s failed", pk, step)
            _fail(pk, step, _reason(error), drop_file=step == BatchStep.CHECK and isinstance(error, ValidationError))
            return "failed"


def _check(batch: ImportBatch) -> str:
    started = batch.step_started_at
    errors, total, invalid = check_rows(batch, _progress_writer(batch, BatchStep.CHECK))
    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.status != BatchStatus.CHECKING or locked.step_started_at != started:
            return "skipped"  # another run of the check finished first
        locked.encoding, locked.check_digest = batch.encoding, batch.check_digest
        check_finish(locked, errors, total, invalid)
        _notify(locked, MSG_NOTIFY_CHECKED, valid=locked.rows_valid, invalid=locked.rows_invalid)
        if locked.submit_reason and locked.submit_by_id and locked.rows_valid > 0:
            ingestion.batch_submit(locked, by=locked.submit_by, reason=locked.submit_reason)  # the API's `submit`
    return "checked"


def _submit(pk: int) -> str:
    with transaction.atomic():
        batch = (
            ImportBatch.objects.select_for_update(of=("self",))
            .select_related("item", "provider", "submit_by")
            .get(pk=pk)
        )
        if batch.status != BatchStatus.SUBMITTING:
            return "skipped"
        ingestion.write_rows(batch, _progress_writer(batch, BatchStep.SUBMIT))
        _notify(
            batch,
            MSG_NOTIFY_SUBMITTED,
            created=batch.rows_created,
            updated=batch.rows_updated,
            unchanged=batch.rows_unchanged,
        )
    return "submitted"


def _reason(error: Exception) -> str:
    if isinstance(error, ValidationError | PermissionDenied):
        messages = error.messages if isinstance(error, ValidationError) else [str(error) or _("Not allowed.")]
        return " ".join(str(m) for m in messages)
    return str(MSG_FAILED_UNEXPECTED).format(error=type(error).__name__)


@transaction.atomic
def _fail(pk: int, step: str, reason: str, *, drop_file: bool) -> None:
    batch = ImportBatch.objects.select_for_update(of=("self",)).select_related("item").get(pk=pk)
    if batch.status != RUNNING[step]:
        return
    batch.status, batch.failure = BatchStatus.FAILED, reason[:1000]
    if drop_file and batch.file:
        # A file refused by a limit or unreadable is of no use again, and it names people.
        batch.file.delete(save=False)
    by = batch.submit_by if step == BatchStep.SUBMIT else batch.created_by
    audited_save(batch, by=by, reason=reason[:1000])
    _notify(batch, MSG_NOTIFY_FAILED, reason=reason)


def _notify(batch: ImportBatch, message, **params) -> None:
    users = [u for u in (batch.created_by, batch.submit_by) if u is not None]
    text = str(message).format(id=batch.pk, item=batch.item.code, **params)
    notify(users, message=text, link=reverse("subjects:batch_detail", args=[batch.pk]))


# --- running a step again ---------------------------------------------------------------------


def batch_can_retry(batch: ImportBatch) -> bool:
    if batch.status == BatchStatus.FAILED:
        return bool(batch.file) and batch.step in RUNNING
    return batch.status in RUNNING.values() and batch_progress(batch)["stale"]


@transaction.atomic
def batch_retry(batch: ImportBatch, *, by, reason: str) -> ImportBatch:
    """Run a failed step again (or one whose worker stopped answering), with the officer's reason."""
    reason = require_reason(reason)
    batch.refresh_from_db(from_queryset=ImportBatch.objects.select_for_update())
    ingestion.require_uploader(by, batch.provider)
    if not batch_can_retry(batch):
        raise Conflict(str(MSG_NOT_RETRYABLE) if batch.file else str(MSG_FILE_GONE))
    step = batch.step
    batch.status, batch.failure, batch.step_started_at = RUNNING[step], "", timezone.now()
    if step == BatchStep.SUBMIT:
        batch.submit_by = by
    audited_save(batch, by=by, reason=str(MSG_RETRY).format(reason=reason))
    return queue_step(batch, step)
