"""The query-log chain verification asked for from the auditor's page (issue 17).

The page queues the daily job `verify_query_log` (`credit_portal.celery.daily_job`, the same task
and command that beat or cron runs at night: seal what is pending, walk the chain, hold it against
the anchors, record a `QueryLogVerification`). On a large log the walk takes minutes, so it runs
on a worker (the embedded one of `make run`, eager in the tests), never in the request.

While it runs, the page says who asked and when: a marker in the job-progress cache (the
`batch_progress` cache, shared by the web processes and the workers where the broker is Redis).
The job is over once a verification is recorded after the marker; a marker older than
`STALE_SECONDS` is taken for a lost job, and the auditor may ask again.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.cache import caches
from django.utils import timezone
from django.utils.translation import gettext_lazy

from apps.core.exceptions import Conflict
from apps.core.models import QueryLogVerification, User

MARKER_KEY = "querylog-verification:requested"
# Longer than a verification of the largest log we expect (a billion rows walked at ~100k rows/s).
STALE_SECONDS = 3 * 3600
MSG_ALREADY_RUNNING = gettext_lazy(
    "A verification of the query log is already running (asked for by {user} at {time}); its result "
    "will be listed here when it ends."
)


@dataclass
class RunningVerification:
    requested_at: datetime.datetime
    requested_by: str


def _cache():
    return caches["batch_progress"]


def verification_running() -> RunningVerification | None:
    """The verification asked for from the page that has not recorded its result yet, if any."""
    marker = _cache().get(MARKER_KEY)
    if not marker:
        return None
    requested_at = datetime.datetime.fromtimestamp(marker["at"], tz=datetime.UTC)
    done = QueryLogVerification.objects.filter(ran_at__gte=requested_at).exists()
    if done or timezone.now() - requested_at > datetime.timedelta(seconds=STALE_SECONDS):
        _cache().delete(MARKER_KEY)
        return None
    return RunningVerification(requested_at=requested_at, requested_by=marker["by"])


def verification_request(*, by: User) -> RunningVerification:
    """Queue a verification of the query log for `by` (the view has checked the permission).
    Raises Conflict while one is running."""
    from credit_portal.celery import daily_job

    running = verification_running()
    if running is not None:
        raise Conflict(
            str(MSG_ALREADY_RUNNING).format(
                user=running.requested_by, time=timezone.localtime(running.requested_at).strftime("%H:%M")
            )
        )
    now = timezone.now()
    name = by.get_full_name() or by.get_username()
    _cache().set(MARKER_KEY, {"at": now.timestamp(), "by": name}, timeout=STALE_SECONDS)
    # Eager (tests) the job runs here and now; otherwise on a worker.
    daily_job.delay("verify_query_log")
    return RunningVerification(requested_at=now, requested_by=name)
