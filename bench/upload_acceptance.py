"""Issue 15's acceptance run: a million-row agency file through the web page and through the API,
on PostgreSQL, with the portal and a Celery worker started as production starts them (gunicorn,
`celery -A credit_portal worker`, Redis as the broker and the progress cache).

1. The web page: an officer signs in (headless Chromium), uploads the GB18030 CSV of `--rows` rows
   (bench/ingest.py's file, with its eight kinds of bad row), and the script times the answer to
   the upload, reads the progress bar while the worker checks (the values it showed), submits the
   valid rows with a reason and reads the bar again until the batch is submitted.
2. The API: the same officer's token uploads a second file of as many rows (other source numbers,
   so that its rows are new records), answered 202 with the batch's URL; the script polls the batch
   (`progress`), posts `submit` (202) and polls until it is submitted.

It prints each step with its time and the progress seen, and checks that the batch ended
submitted with the expected rows written. The database named in DATABASE_URL (its name must
contain "bench") is dropped and created; it is dropped again at the end unless `--keep`.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cp_bench_acceptance .venv/bin/python bench/upload_acceptance.py --rows 1000000
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.ingest import AMOUNT_FIRST, prepare_database, setup_django, write_file  # noqa: E402
from bench.scale import serve, wait_for  # noqa: E402

PASSWORD = "Acceptance-2026!run"  # noqa: S105 - a throwaway account of the throwaway database
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--port", type=int, default=8790)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/7", help="the broker and the progress cache")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds a step may take")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    return parser.parse_args(argv)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def start(args, env: dict) -> list[subprocess.Popen]:
    return [
        serve(args.port, 2, 4, env, "--timeout", "120"),
        subprocess.Popen(  # noqa: S603
            [str(ROOT / ".venv/bin/celery"), "-A", "credit_portal", "worker", "--concurrency", "1", "-l", "warning"],
            cwd=ROOT,
            env=env,
        ),
    ]


def batch_status(batch_id: int) -> tuple[str, int]:
    from apps.subjects.models import CreditRecord, ImportBatch

    batch = ImportBatch.objects.get(pk=batch_id)
    return batch.status, CreditRecord.objects.filter(batch=batch).count()


def web_run(args, url: str, username: str, path: Path) -> tuple[int, dict]:
    """The officer's upload, check and submit on the web page; (batch id, what was seen)."""
    from playwright.sync_api import sync_playwright

    seen: dict = {"check": [], "submit": []}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(locale="zh-CN")
        page.set_default_timeout(args.timeout * 1000)
        page.goto(url + "/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        with page.expect_navigation():
            page.click("button[type=submit]")
        page.goto(url + "/batches/")
        page.select_option("#id_item", index=1)
        page.set_input_files("#id_file", str(path))
        answered = {}
        page.on("response", lambda r: answered.setdefault("ms", r.request.timing["responseStart"]))
        started = time.perf_counter()
        with page.expect_navigation():
            page.click("button:has-text('上传并校验')")
        seen["upload_seconds"] = round(time.perf_counter() - started, 2)
        seen["upload_response_ms"] = answered.get("ms")
        batch_id = int(page.url.rstrip("/").split("/")[-1])
        log(f"web: the upload answered in {seen['upload_seconds']} s (file sent and page shown); batch {batch_id}")
        _watch(page, seen["check"], args.timeout, "check")
        page.fill("form.step input[name=reason]", "验收：百万行文件经网页提交")
        started = time.perf_counter()
        with page.expect_navigation():
            page.click("button:has-text('提交有效行')")
        seen["submit_answer_seconds"] = round(time.perf_counter() - started, 2)
        _watch(page, seen["submit"], args.timeout, "submit")
        seen["final_text"] = page.locator("main").inner_text()[:400]
        page.screenshot(path=str(ROOT / "var" / "screenshots" / "acceptance_batch_submitted.png"), full_page=True)
        browser.close()
    return batch_id, seen


def _watch(page, values: list, timeout: float, step: str) -> None:
    """Read the progress bar every second until the page drops it (the job is done)."""
    from playwright.sync_api import Error as PlaywrightError

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        bar = page.locator("#batch-progress progress")
        if bar.count() == 0:
            page.wait_for_load_state()
            log(f"web: {step} done; the bar showed {values}")
            return
        try:
            value = bar.get_attribute("value", timeout=2000)
            read = page.locator("#batch-progress [data-field=rows_read]").inner_text(timeout=2000)
        except PlaywrightError:  # the page reloaded itself between the two reads: read again
            continue
        if not values or values[-1] != (value, read):
            values.append((value, read))
        time.sleep(1)
    sys.exit(f"web: the {step} did not finish within {timeout} s")


def api_run(args, port: int, token: str, path: Path, item_code: str) -> tuple[int, dict]:
    """The same through the API: upload (202), poll, submit (202), poll."""
    seen: dict = {"check": [], "submit": []}
    boundary = uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="item"\r\n\r\n{item_code}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="encoding"\r\n\r\ngb18030\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="rows.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    headers = {"Authorization": f"Token {token}", "Content-Type": f"multipart/form-data; boundary={boundary}"}
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=args.timeout)
    size = len(head) + path.stat().st_size + len(tail)
    started = time.perf_counter()
    connection.putrequest("POST", "/api/v1/batches/upload/")
    for name, value in {**headers, "Content-Length": str(size)}.items():
        connection.putheader(name, value)
    connection.endheaders()
    connection.send(head)
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            connection.send(block)
    connection.send(tail)
    response = connection.getresponse()
    body = json.loads(response.read())
    seen["upload_status"], seen["upload_seconds"] = response.status, round(time.perf_counter() - started, 2)
    log(
        f"api: upload answered {response.status} in {seen['upload_seconds']} s, Location {response.getheader('Location')}"
    )
    if response.status != 202:
        sys.exit(f"api: expected 202, got {response.status}: {body}")
    batch_id = body["id"]
    _poll(connection, headers, batch_id, seen["check"], args.timeout, done=("validated", "has_errors"))
    connection.request(
        "POST",
        f"/api/v1/batches/{batch_id}/submit/",
        json.dumps({"reason": "验收：百万行文件经接口提交"}),
        {"Authorization": headers["Authorization"], "Content-Type": "application/json"},
    )
    response = connection.getresponse()
    seen["submit_status"] = response.status
    response.read()
    log(f"api: submit answered {response.status}")
    _poll(connection, headers, batch_id, seen["submit"], args.timeout, done=("submitted",))
    return batch_id, seen


def _poll(connection, headers, batch_id: int, values: list, timeout: float, *, done) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        connection.request("GET", f"/api/v1/batches/{batch_id}/", headers={"Authorization": headers["Authorization"]})
        batch = json.loads(connection.getresponse().read())
        progress = batch.get("progress") or {}
        point = (batch["status"], progress.get("percent"), progress.get("rows_read"), progress.get("rows_written"))
        if not values or values[-1] != point:
            values.append(point)
        if batch["status"] in done:
            log(f"api: {batch['status']}; polled {values}")
            return
        if batch["status"] == "failed":
            sys.exit(f"api: the batch failed: {batch.get('failure')}")
        time.sleep(1)
    sys.exit(f"api: not {done} within {timeout} s")


def main(argv=None) -> int:
    args = parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="credit_portal_acceptance_"))
    database_url, drop_database = prepare_database(os.environ.get("DATABASE_URL"), workdir)
    if not database_url.startswith("postgres"):
        sys.exit("the acceptance run needs PostgreSQL: set DATABASE_URL")
    os.environ.update({"CELERY_BROKER_URL": args.redis, "DEBUG": "1"})
    setup_django("credit_portal.settings", database_url, workdir, args.rows)
    from django.core.management import call_command
    from rest_framework.authtoken.models import Token

    from bench.ingest import create_fixtures
    from tests.subjects.test_ingestion import HEADER

    servers = []
    try:
        officer, item = create_fixtures()
        officer.set_password(PASSWORD)
        officer.save()
        call_command("sync_roles", verbosity=0)
        token = Token.objects.create(user=officer).key
        web_file, api_file = workdir / "web.csv", workdir / "api.csv"
        log(f"writing two files of {args.rows:,} rows (GB18030)")
        expected_errors = write_file(web_file, args.rows, "gb18030", HEADER, AMOUNT_FIRST)
        write_file(api_file, args.rows, "gb18030", HEADER, AMOUNT_FIRST, first=args.rows)
        valid = args.rows - len(expected_errors)
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        servers = start(args, env)
        url = f"http://127.0.0.1:{args.port}"
        wait_for(args.port, "/accounts/login/", tries=150)
        log(f"portal at {url}, worker on {args.redis}; {valid:,} valid rows a file")
        (ROOT / "var" / "screenshots").mkdir(parents=True, exist_ok=True)

        started = time.perf_counter()
        web_batch, web_seen = web_run(args, url, officer.username, web_file)
        web_seconds = time.perf_counter() - started
        status, written = batch_status(web_batch)
        log(f"web: batch {web_batch} {status}, {written:,} records written, {web_seconds:.0f} s in all")

        started = time.perf_counter()
        api_batch, api_seen = api_run(args, args.port, token, api_file, item.code)
        api_seconds = time.perf_counter() - started
        api_status, api_written = batch_status(api_batch)
        log(f"api: batch {api_batch} {api_status}, {api_written:,} records written, {api_seconds:.0f} s in all")
        print(json.dumps({"rows": args.rows, "web": web_seen, "api": api_seen}, ensure_ascii=False, default=str))
        ok = (status, written, api_status, api_written) == ("submitted", valid, "submitted", valid)
        log("acceptance: " + ("passed" if ok else f"FAILED ({status}, {written}, {api_status}, {api_written})"))
        return 0 if ok else 1
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=60)
        if not args.keep:
            from django.db import connections

            connections.close_all()
            drop_database()


if __name__ == "__main__":
    sys.exit(main())
