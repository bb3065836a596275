"""The job queue: the daily jobs on beat run the management commands, eagerly and through a
real worker against Redis."""

import time

import pytest
from django.core.management import get_commands

from credit_portal.celery import DAILY_COMMANDS, app, daily_job
from tests.jobs import redis_worker


def test_beat_runs_every_daily_command_and_each_exists(settings):
    scheduled = {entry["args"][0] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert scheduled == set(DAILY_COMMANDS)
    assert {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()} == {daily_job.name}
    assert set(DAILY_COMMANDS) <= set(get_commands())


def test_tasks_are_acknowledged_after_they_ran():
    assert app.conf.task_acks_late and app.conf.task_reject_on_worker_lost
    assert app.conf.worker_prefetch_multiplier == 1


@pytest.mark.django_db
def test_a_daily_job_runs_the_command(policy):
    assert "records expired" in daily_job.delay("expire_records").get()
    with pytest.raises(ValueError):
        daily_job.delay("flush").get()


@pytest.mark.django_db(transaction=True)
def test_a_daily_job_through_a_real_worker_against_redis(policy, monkeypatch):
    from apps.subjects.management.commands import expire_records

    ran = []
    monkeypatch.setattr(expire_records, "records_expire", lambda: ran.append(1) or 0)
    with redis_worker():
        daily_job.delay("expire_records")
        deadline = time.monotonic() + 20
        while not ran and time.monotonic() < deadline:
            time.sleep(0.1)
    assert ran == [1]
