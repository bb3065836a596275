"""Celery tasks of the subjects app: a batch's check and submit (apps.subjects.ingestion_jobs).

`acks_late`: the message is acknowledged once the task ran, so a worker killed mid-way leaves it
to another worker (with `task_reject_on_worker_lost`); the steps are idempotent, so running one
twice writes once.
"""

from celery import shared_task

from apps.subjects.choices import BatchStep
from apps.subjects.ingestion_jobs import run_step


@shared_task(name="subjects.batch_check", acks_late=True)
def batch_check(batch_pk: int) -> str:
    return run_step(batch_pk, BatchStep.CHECK)


@shared_task(name="subjects.batch_submit", acks_late=True)
def batch_submit(batch_pk: int) -> str:
    return run_step(batch_pk, BatchStep.SUBMIT)
