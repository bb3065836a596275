"""Batch check and submit as background jobs (issue 15 item 2): the upload answers at once, the
page and the API show the progress, two submits of one batch never run together, a failed job
leaves the batch failed with nothing written, the uploader is notified; the same task code runs
eagerly, through a real worker against Redis, and on the embedded worker of `make run`."""

import threading
import time

import pytest
from celery.signals import task_postrun
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from apps.core.exceptions import Conflict
from apps.core.models import Notification
from apps.core.tabular import write_csv
from apps.subjects import ingestion, ingestion_jobs, ingestion_pg, tasks
from apps.subjects.choices import BatchStatus
from apps.subjects.ingestion import batch_submit, batch_upload
from apps.subjects.models import CreditRecord, ImportBatch, Subject
from credit_portal.celery import app
from tests.factories import OfficerFactory
from tests.jobs import redis_worker
from tests.subjects.factories import PublishedItemFactory
from tests.subjects.test_ingestion import HEADER, _rows


@pytest.fixture
def setup(policy):
    officer = OfficerFactory()
    item = PublishedItemFactory(subject_types=["natural_person", "legal_person"])
    item.providers.set([officer.organization])
    return officer, item


@pytest.fixture
def queued():
    """Tasks go to the queue (the in-memory broker, no worker reading it) instead of running at once."""
    sent = []
    app.conf.task_always_eager = False
    real = {name: getattr(tasks, name).delay for name in ("batch_check", "batch_submit")}
    tasks.batch_check.delay = lambda pk: sent.append(("check", pk))
    tasks.batch_submit.delay = lambda pk: sent.append(("submit", pk))
    yield sent
    app.conf.task_always_eager = True
    tasks.batch_check.delay, tasks.batch_submit.delay = real["batch_check"], real["batch_submit"]


def _file(n=5):
    return SimpleUploadedFile("b.csv", write_csv(HEADER, _rows(n)))


class TasksDone:
    """Counts the tasks a worker thread finished (Celery's task_postrun), so that the test waits
    without reading the database meanwhile (SQLite's shared in-memory test database locks a table
    for a reader and a writer of two threads alike)."""

    def __init__(self):
        self.done, self.lock = [], threading.Condition()
        task_postrun.connect(self._finished, weak=False)

    def _finished(self, sender=None, **kwargs):
        with self.lock:
            self.done.append(sender.name)
            self.lock.notify_all()

    def wait(self, name: str, count: int = 1, seconds: float = 60) -> None:
        with self.lock:
            if not self.lock.wait_for(lambda: self.done.count(name) >= count, timeout=seconds):
                raise AssertionError(f"{name} did not finish {count} time(s): {self.done}")

    def close(self):
        task_postrun.disconnect(self._finished)


@pytest.mark.django_db
def test_the_upload_answers_at_once_and_the_page_shows_the_progress(
    client, setup, queued, django_capture_on_commit_callbacks
):
    officer, item = setup
    client.force_login(officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("subjects:batch_upload"), {"item": item.pk, "file": _file(30)})
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("subjects:batch_detail", args=[batch.pk])
    # answered at once: the check was queued, not run in the request (no row read yet); how fast
    # the page answers is bench/ingest.py's to measure, not a timed assertion here
    assert queued == [("check", batch.pk)]
    assert batch.status == BatchStatus.CHECKING and not batch.row_errors.exists() and batch.rows_total == 0
    page = client.get(response["Location"]).content.decode()
    assert 'id="batch-progress"' in page and 'http-equiv="refresh"' in page and "batch_progress.js" in page
    assert "已读取行数" in page and "检查中" in page
    api = client.get(reverse("importbatch-detail", args=[batch.pk])).json()
    assert api["status"] == "checking" and api["progress"]["running"] and api["progress"]["percent"] == 0
    # the worker runs the queued check
    assert tasks.batch_check.apply(args=(batch.pk,)).get() == "checked"
    page = client.get(response["Location"]).content.decode()
    assert 'id="batch-progress"' not in page and "http-equiv" not in page
    assert client.get(reverse("importbatch-detail", args=[batch.pk])).json()["progress"]["rows_checked"] == 30


@pytest.mark.django_db
def test_the_api_answers_202_with_the_batch_url_and_a_second_submit_is_409(client, setup, queued):
    officer, item = setup
    client.force_login(officer)
    response = client.post(reverse("importbatch-upload"), {"item": item.code, "file": _file(4)})
    assert response.status_code == 202
    url = response["Location"]
    assert url == response.json()["url"] == reverse("importbatch-detail", args=[response.json()["id"]])
    pk = response.json()["id"]
    tasks.batch_check.apply(args=(pk,))
    assert client.get(url).json()["status"] == "validated"
    submit = reverse("importbatch-submit", args=[pk])
    first = client.post(submit, {"reason": "报送"}, content_type="application/json")
    assert first.status_code == 202 and first.json()["status"] == "submitting"
    second = client.post(submit, {"reason": "再次报送"}, content_type="application/json")
    assert second.status_code == 409 and "正在报送" in str(second.json())
    assert tasks.batch_submit.apply(args=(pk,)).get() == "submitted"
    assert tasks.batch_submit.apply(args=(pk,)).get() == "skipped"  # delivered twice: written once
    data = client.get(url).json()
    assert (data["status"], data["rows_created"], data["progress"]["rows_written"]) == ("submitted", 4, 4)
    assert CreditRecord.objects.count() == 4


@pytest.mark.django_db
def test_progress_is_reported_while_the_rows_are_written(setup, monkeypatch):
    officer, item = setup
    batch = batch_upload(by=officer, item=item, provider=officer.organization, file=_file(2500))
    seen = []
    # Watched before each chunk is written (row by row), or once the rows are written (set-based).
    module, name = (
        (ingestion_pg, "_notify_created") if ingestion_pg.enabled(CreditRecord) else (ingestion, "_write_chunk")
    )
    real = getattr(module, name)

    def watching(*args, **kwargs):
        seen.append(ingestion_jobs.batch_progress(ImportBatch.objects.get(pk=batch.pk)))
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, watching)
    fractions = []
    writer = ingestion_jobs._progress_writer

    def recording(batch, step):
        progress = writer(batch, step)

        def report(**counts):
            fractions.append(counts.get("fraction"))
            progress(**counts)

        return report

    monkeypatch.setattr(ingestion_jobs, "_progress_writer", recording)
    batch_submit(batch, by=officer, reason="报送")
    if module is ingestion_pg:
        # The set-based write moves the bar statement by statement (issue 15: a million rows
        # spend minutes in them); the COMMIT is what is left when the rows are written.
        stages = ingestion_pg.WRITE_STAGES
        assert fractions == [stages["selected"], stages["subjects"], stages["records"], stages["updated"]]
        percent = round(stages["updated"] * 100)
        assert [(p["rows_read"], p["rows_written"], p["percent"]) for p in seen] == [(2500, 2500, percent)]
        assert seen[0]["running"] and seen[0]["step"] == "submit" and seen[0]["rows_per_second"] > 0
        assert seen[0]["seconds_left"] is not None
        return
    assert [p["rows_read"] for p in seen] == [0, 1000, 2000]
    assert all(p["running"] and p["step"] == "submit" for p in seen)
    assert seen[1]["percent"] == 40 and seen[1]["rows_written"] == 1000 and seen[1]["rows_per_second"] > 0
    assert seen[2]["seconds_left"] is not None


@pytest.mark.django_db
def test_the_uploader_is_notified_when_checked_and_when_submitted(setup):
    officer, item = setup
    batch = batch_submit(
        batch_upload(by=officer, item=item, provider=officer.organization, file=_file(3)), by=officer, reason="报送"
    )
    messages = list(Notification.objects.filter(recipient=officer).order_by("id").values_list("message", "link"))
    link = reverse("subjects:batch_detail", args=[batch.pk])
    assert messages == [
        (f"批次 #{batch.pk}（{item.code}）已检查完毕：有效 3 行，有错误 0 行。", link),
        (f"批次 #{batch.pk}（{item.code}）已报送：新建 3 条记录，更新 0 条，未变 0 条。", link),
    ]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks between two threads: PostgreSQL")
def test_two_submits_of_one_batch_at_the_same_moment_one_runs_the_other_is_refused(setup, queued):
    officer, item = setup
    batch = batch_upload(by=officer, item=item, provider=officer.organization, file=_file(3))
    tasks.batch_check.apply(args=(batch.pk,))
    barrier, outcomes = threading.Barrier(2), []

    def submit():
        try:
            barrier.wait()
            batch_submit(ImportBatch.objects.get(pk=batch.pk), by=officer, reason="同时报送")
            outcomes.append("queued")
        except Conflict:
            outcomes.append("409")
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["409", "queued"]
    assert [step for step, _pk in queued] == ["check", "submit"]


def _upload_check_submit(officer, item, rows: int) -> ImportBatch:
    done = TasksDone()
    try:
        batch = batch_upload(by=officer, item=item, provider=officer.organization, file=_file(rows))
        assert batch.status == BatchStatus.CHECKING
        done.wait("subjects.batch_check")
        batch = ImportBatch.objects.get(pk=batch.pk)
        assert batch.status == BatchStatus.VALIDATED, batch.failure
        batch_submit(batch, by=officer, reason="经队列报送")
        done.wait("subjects.batch_submit")
    finally:
        done.close()
    return ImportBatch.objects.get(pk=batch.pk)


@pytest.mark.django_db(transaction=True)
def test_check_and_submit_through_a_real_worker_against_redis(setup):
    officer, item = setup
    with redis_worker():
        batch = _upload_check_submit(officer, item, 1200)
    assert batch.status == BatchStatus.SUBMITTED, batch.failure
    assert (batch.rows_created, batch.subjects_created) == (1200, Subject.objects.count())
    assert CreditRecord.objects.count() == 1200
    assert Notification.objects.filter(recipient=officer).count() == 2


@pytest.mark.django_db(transaction=True)
def test_without_a_broker_the_embedded_worker_runs_the_same_tasks(setup):
    """`make run`: no CELERY_BROKER_URL, the in-memory transport; the first task sent starts the
    worker thread in this process."""
    officer, item = setup
    assert app.conf.broker_url == "memory://"
    app.conf.task_always_eager = False
    try:
        batch = _upload_check_submit(officer, item, 5)
    finally:
        app.conf.task_always_eager = True
    assert batch.status == BatchStatus.SUBMITTED and batch.rows_created == 5


def _worker_process(queue: str):
    """`celery worker` as production starts it, in its own process, on this test's database."""
    import os
    import subprocess
    import sys

    from django.conf import settings

    from tests.jobs import REDIS_URL

    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "tests.settings_worker",
        "TEST_WORKER_BROKER_URL": REDIS_URL,
        "TEST_WORKER_QUEUE": queue,
        "TEST_WORKER_DATABASE": connection.settings_dict["NAME"],
        "TEST_WORKER_MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }
    command = [sys.executable, "-m", "celery", "-A", "credit_portal", "worker", "--pool", "solo", "-Q", queue]
    command += ["--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "WARNING"]
    return subprocess.Popen(command, env=env)


def _submit_running(pk: int) -> bool:
    """Whether a worker holds the batch row (inside the submit's transaction)."""
    from django.db import OperationalError, transaction

    try:
        with transaction.atomic():
            ImportBatch.objects.select_for_update(nowait=True).get(pk=pk)
        return False
    except OperationalError:
        return True


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="a worker process shares the database: PostgreSQL")
def test_a_worker_killed_during_a_submit_leaves_nothing_and_a_retry_completes_it(setup, monkeypatch):
    import os
    import signal

    import psycopg

    from tests.jobs import redis_reachable

    if not redis_reachable():
        if os.environ.get("CI"):
            pytest.fail("CI needs Redis")
        pytest.skip("no Redis")
    officer, item = setup
    queue = f"tests-kill-{os.getpid()}"
    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager", "task_default_queue")}
    from tests.jobs import REDIS_URL, _fresh_connections

    app.conf.update(broker_url=REDIS_URL, task_always_eager=False, task_default_queue=queue)
    _fresh_connections(app)
    worker = _worker_process(queue)
    try:
        batch = batch_upload(by=officer, item=item, provider=officer.organization, file=_file(6000))
        deadline = time.monotonic() + 120
        while ImportBatch.objects.get(pk=batch.pk).status == BatchStatus.CHECKING and time.monotonic() < deadline:
            time.sleep(0.2)
        batch = ImportBatch.objects.get(pk=batch.pk)
        assert batch.status == BatchStatus.VALIDATED, batch.failure
        # The set-based submit writes 6,000 rows in well under a second: a lock on the records
        # holds it after it wrote the subjects and their history rows, inside its transaction.
        blocker = psycopg.connect(**connection.get_connection_params())
        blocker.execute("LOCK TABLE subjects_creditrecord IN SHARE ROW EXCLUSIVE MODE")
        try:
            batch_submit(batch, by=officer, reason="报送")
            while not _submit_running(batch.pk) and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(1.5)  # rows are being written inside the submit's transaction
            worker.send_signal(signal.SIGKILL)
            worker.wait(30)
        finally:
            blocker.rollback()
            blocker.close()
        while _submit_running(batch.pk) and time.monotonic() < deadline:
            time.sleep(0.1)  # PostgreSQL rolls the dead worker's transaction back
        batch = ImportBatch.objects.get(pk=batch.pk)
        assert batch.status == BatchStatus.SUBMITTING
        assert not CreditRecord.objects.exists() and not Subject.objects.exists()
        assert not CreditRecord.history.exists() and not Subject.history.exists()
        # the officer runs it again (the job has reported nothing for the stale period)
        monkeypatch.setattr(ingestion_jobs, "STALE_SECONDS", 0)
        worker = _worker_process(queue)
        ingestion_jobs.batch_retry(batch, by=officer, reason="后台进程中断，重新报送")
        while ImportBatch.objects.get(pk=batch.pk).status != BatchStatus.SUBMITTED and time.monotonic() < deadline:
            time.sleep(0.2)
        batch = ImportBatch.objects.get(pk=batch.pk)
        assert batch.status == BatchStatus.SUBMITTED and batch.rows_created == 6000
        assert CreditRecord.objects.count() == 6000 and CreditRecord.history.count() == 6000
    finally:
        worker.kill()
        worker.wait(30)
        app.conf.update(saved)
        _fresh_connections(app)


@pytest.mark.django_db
def test_a_checked_batch_is_withdrawn_by_its_uploader_and_writes_nothing(client, setup):
    officer, item = setup
    batch = batch_upload(by=officer, item=item, provider=officer.organization, file=_file(3))
    batch.refresh_from_db()
    assert batch.status == BatchStatus.VALIDATED
    client.force_login(OfficerFactory())  # another agency's officer does not even see it
    assert client.post(reverse("subjects:batch_step", args=[batch.pk, "withdraw"]), {"reason": "x"}).status_code == 404
    client.force_login(officer)
    page = client.get(reverse("subjects:batch_detail", args=[batch.pk])).content.decode()
    assert "撤回本批次" in page
    response = client.post(reverse("subjects:batch_step", args=[batch.pk, "withdraw"]), {"reason": "文件选错了"})
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == BatchStatus.WITHDRAWN and batch.history.latest().history_change_reason == "文件选错了"
    assert not CreditRecord.objects.exists() and not Subject.objects.exists()
    # neither submitted afterwards nor withdrawn twice
    with pytest.raises(Conflict, match="只能提交一次"):
        batch_submit(batch, by=officer, reason="还是报送")
    with pytest.raises(Conflict, match="只有已校验但未提交"):
        ingestion.batch_withdraw(batch, by=officer, reason="再撤回")


@pytest.mark.django_db
def test_a_submitted_batch_cannot_be_withdrawn(setup):
    officer, item = setup
    batch = batch_upload(by=officer, item=item, provider=officer.organization, file=_file(2))
    batch_submit(batch, by=officer, reason="报送")
    batch.refresh_from_db()
    assert batch.status == BatchStatus.SUBMITTED
    with pytest.raises(Conflict):
        ingestion.batch_withdraw(batch, by=officer, reason="撤回")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the staging tables are PostgreSQL's")
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_daily_job_drops_the_staging_tables_no_batch_needs(setup, settings):
    """A withdrawn batch's staging table goes at once, a checked batch's after BATCH_STAGE_KEEP_DAYS;
    its submit afterwards checks the file again and writes it all the same."""
    import datetime as dt

    from django.core.management import call_command
    from django.utils import timezone

    settings.BATCH_STAGE_KEEP_DAYS = 7
    officer, item = setup
    kept, withdrawn, old = (
        batch_upload(by=officer, item=item, provider=officer.organization, file=_file(n)) for n in (2, 3, 4)
    )
    ingestion.batch_withdraw(withdrawn, by=officer, reason="撤回")

    def staged():
        with connection.cursor() as cursor:
            return {b.pk for b in (kept, withdrawn, old) if ingestion_pg._stage_exists(cursor, b)}

    assert staged() == {kept.pk, old.pk}  # the withdrawal dropped its own
    with connection.cursor() as cursor:  # age it (an audited queryset refuses a silent update)
        cursor.execute(
            f"UPDATE {ImportBatch._meta.db_table} SET updated_at = %s WHERE id = %s",
            [timezone.now() - dt.timedelta(days=8), old.pk],
        )
    call_command("batches_daily")
    assert staged() == {kept.pk}
    old.refresh_from_db()
    batch_submit(old, by=officer, reason="报送")
    old.refresh_from_db()
    assert old.status == BatchStatus.SUBMITTED and old.rows_created == 4
