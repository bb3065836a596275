"""The job queue (Celery): batch checks and submits, and the daily jobs on Celery beat.

Production: Redis as the broker, `CELERY_BROKER_URL=redis://127.0.0.1:6379/0`, workers and beat
started as the README says (`celery -A credit_portal worker`, `celery -A credit_portal beat`).

Without a broker (`make run` on a fresh machine) the broker is Kombu's in-memory transport and the
first task sent starts one worker thread in the same process (`embedded_worker_start`): the same
task code, the same queue semantics, only the transport is in memory. The dev server is one
process, so the page that queued a batch and the worker that runs it share it; several gunicorn
processes need a real broker.

The dev server also runs the daily jobs the same way (`embedded_jobs_start`, `EMBEDDED_JOBS`):
each once when it starts, so the demo shows true statuses (records past their disclosure end
expired, clocks overdue), then on Celery beat's schedule from a beat thread in the same process.
"""

from __future__ import annotations

import os
import socket
import threading

from celery import Celery
from celery.signals import before_task_publish

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "credit_portal.settings")

app = Celery("credit_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The commands Celery beat runs (CELERY_BEAT_SCHEDULE); cron can run the same commands.
DAILY_COMMANDS = (
    "sanctions_daily",
    "expire_records",
    "seal_query_log",
    "verify_query_log",
    "deadlines_daily",
    "repair_daily",
    "batch_queries_daily",
    "batches_daily",
)

_embedded = {"worker": None}
_embedded_lock = threading.Lock()


def embedded_broker() -> bool:
    return str(app.conf.broker_url or "").startswith("memory://")


def embedded_worker_start():
    """Start the in-process worker thread once (memory:// broker only); returns the worker."""
    from celery import worker

    with _embedded_lock:
        if _embedded["worker"] is None:
            controller = worker.WorkController(
                app=app,
                hostname=f"embedded-{os.getpid()}@{socket.gethostname()}",
                pool="solo",
                concurrency=1,
                ready_callback=None,
                without_heartbeat=True,
                without_mingle=True,
                without_gossip=True,
            )
            threading.Thread(target=controller.start, name="celery-embedded-worker", daemon=True).start()
            _embedded["worker"] = controller
        return _embedded["worker"]


def embedded_jobs_start(schedule_filename: str):
    """The dev server's daily jobs with the embedded broker: each of DAILY_COMMANDS queued once
    now (the catch-up a fresh or long-stopped demo needs), then Celery beat in a thread of this
    process sends them on CELERY_BEAT_SCHEDULE. Returns the beat service, or None with a real
    broker (there `celery -A credit_portal beat` runs them)."""
    from celery.beat import EmbeddedService

    if not embedded_broker() or app.conf.task_always_eager:
        return None
    embedded_worker_start()
    for command in DAILY_COMMANDS:
        daily_job.delay(command)
    beat = EmbeddedService(app, thread=True, schedule_filename=schedule_filename)
    beat.start()
    return beat


@before_task_publish.connect
def _start_embedded_worker(**kwargs):
    if embedded_broker() and not app.conf.task_always_eager:
        embedded_worker_start()


@app.task(name="credit_portal.daily_job", acks_late=True)
def daily_job(command: str) -> str:
    """Run one daily job: the management command of that name, the same code cron runs."""
    import io

    from django.core.management import call_command

    if command not in DAILY_COMMANDS:
        raise ValueError(f"not a daily job: {command}")
    from django.db import connection

    out = io.StringIO()
    try:
        call_command(command, stdout=out)
    finally:
        if not connection.in_atomic_block:  # on a worker: no connection left open between jobs
            connection.close()
    return out.getvalue()
