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


def test_the_dev_server_runs_the_daily_jobs_once_at_start_then_on_beat(monkeypatch, tmp_path):
    """Issue 17 item 9: `make run` (in-memory broker) queues every daily job once when it starts,
    so the demo shows true statuses, and runs beat in its own process for the schedule. (Checked
    by hand on the demo: 131 records past their disclosure end were expired a minute after start.)"""
    import credit_portal.celery as jobs

    queued, started, beats = [], [], []

    class Beat:
        def __init__(self, app_, *, thread, schedule_filename):
            beats.append((app_, thread, schedule_filename))

        def start(self):
            started.append("beat")

    monkeypatch.setitem(app.conf, "task_always_eager", False)
    monkeypatch.setattr(jobs, "embedded_worker_start", lambda: started.append("worker"))
    monkeypatch.setattr(jobs.daily_job, "delay", queued.append)
    monkeypatch.setattr("celery.beat.EmbeddedService", Beat)
    schedule = str(tmp_path / "celerybeat-schedule")
    assert jobs.embedded_jobs_start(schedule) is not None
    assert queued == list(DAILY_COMMANDS) and started == ["worker", "beat"]
    assert beats == [(app, True, schedule)]
    # with a real broker, `celery beat` runs them: nothing here
    monkeypatch.setitem(app.conf, "broker_url", "redis://127.0.0.1:6379/0")
    assert jobs.embedded_jobs_start(schedule) is None and len(queued) == len(DAILY_COMMANDS)


@pytest.mark.parametrize(
    ("argv", "run_main", "enabled", "serving"),
    [
        (["manage.py", "runserver"], "true", True, True),  # the autoreloader's serving child
        (["manage.py", "runserver"], None, True, False),  # the autoreloader's watching parent
        (["manage.py", "runserver", "--noreload"], None, True, True),
        (["manage.py", "runserver"], "true", False, False),  # EMBEDDED_JOBS=0
        (["manage.py", "migrate"], "true", True, False),
        (["pytest"], None, True, False),
    ],
)
def test_only_the_serving_dev_server_starts_the_jobs(monkeypatch, settings, argv, run_main, enabled, serving):
    from apps.core.apps import _serving_dev_server

    monkeypatch.setattr("sys.argv", argv)
    if run_main is None:
        monkeypatch.delenv("RUN_MAIN", raising=False)
    else:
        monkeypatch.setenv("RUN_MAIN", run_main)
    settings.EMBEDDED_JOBS = enabled
    assert _serving_dev_server() is serving
