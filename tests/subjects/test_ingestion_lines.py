"""A CSV file checked line by line on PostgreSQL (issue 15 item 3, "sending the same file again"):
the lines found in the newest staging table of the same item, provider and rules are taken from
it, the others read, parsed and checked, and the outcome is the one of reading every row
(apps.subjects.ingestion_pg._stage_lines). A file whose lines are not one row each is read the
usual way."""

import datetime as dt
import logging

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.utils import timezone

from apps.core.audit import audited_save
from apps.core.tabular import write_csv
from apps.subjects import ingestion, ingestion_pg
from apps.subjects.choices import BatchStatus
from apps.subjects.ingestion import batch_submit, batch_upload
from apps.subjects.models import CreditRecord, ImportBatch
from tests.factories import OfficerFactory
from tests.subjects.factories import PublishedItemFactory
from tests.subjects.test_ingestion import HEADER, _rows
from tests.subjects.test_ingestion_paths import Undo, _first_file, _snapshot

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the staging tables are PostgreSQL's"),
]


@pytest.fixture
def setup(policy, monkeypatch):
    """An officer, an item, and the row numbers each check parsed in Python, a list per reading."""
    officer = OfficerFactory()
    item = PublishedItemFactory(subject_types=["natural_person", "legal_person"])
    item.providers.set([officer.organization])
    parsed: list[list[int]] = []
    real_parse, real_stage, real_lines = ingestion.RowReader.parse, ingestion_pg.stage_rows, ingestion_pg._stage_lines

    def parse(self, number, raw):
        parsed[-1].append(number)
        return real_parse(self, number, raw)

    def stage_rows(*args, **kwargs):
        parsed.append([])
        return real_stage(*args, **kwargs)

    def stage_lines(*args, **kwargs):
        try:
            return real_lines(*args, **kwargs)
        except ingestion_pg.NotByLines:
            parsed[-1].append("the usual way")
            raise

    monkeypatch.setattr(ingestion.RowReader, "parse", parse)
    monkeypatch.setattr(ingestion_pg, "stage_rows", stage_rows)
    monkeypatch.setattr(ingestion_pg, "_stage_lines", stage_lines)
    return officer, item, parsed


def _send(officer, item, content: bytes, number: int):
    file = SimpleUploadedFile(f"f{number}.csv", content)
    batch = batch_upload(by=officer, item=item, provider=officer.organization, file=file)
    if batch.status == BatchStatus.VALIDATED or batch.rows_valid:
        batch = batch_submit(batch, by=officer, reason=f"第{number}次报送")
    return batch


def _csv(rows, *, blank_at=None, note_at=None) -> bytes:
    lines = write_csv(HEADER, rows).decode("utf-8-sig").split("\r\n")
    if note_at is not None:
        lines.insert(note_at, "# 说明行，不读")
    if blank_at is not None:
        lines.insert(blank_at, "")
    return "\r\n".join(lines).encode("gb18030")


def _second_of(first: list[list[str]]) -> list[list[str]]:
    """The first file sent again: two rows swapped, one changed, one new, one line twice."""
    rows = [list(r) for r in first]
    rows[20], rows[21] = rows[21], rows[20]
    rows[30][8] = "2500"
    rows.append(_rows(1, start=90)[0])
    rows.append(list(rows[40]))
    return rows


def _both_ways(monkeypatch, officer, item, files, parsed) -> tuple[dict, list[list[int]]]:
    """The outcome of sending the files (the same both ways), and the set-based path's readings."""
    outcomes, readings = {}, []
    for set_based in (True, False):
        monkeypatch.setitem(ingestion_pg.SET_BASED, "on", set_based)
        try:
            with transaction.atomic():
                batches = [_send(officer, item, content, n) for n, content in enumerate(files, start=1)]
                outcomes[set_based] = _snapshot() | {"failed": [b.failure for b in batches]}
                readings = readings or [list(p) for p in parsed]
                raise Undo
        except Undo:
            pass
    assert outcomes[True] == outcomes[False]
    return outcomes[True], readings


def test_a_file_sent_again_is_read_only_where_its_lines_changed(setup, monkeypatch):
    """Only the changed and the new lines of the second file are parsed; the row errors (every kind
    of bad row of the first file is in the second too, taken from the first's staging table, at
    its new row), the counts and the tables are those of reading every row."""
    officer, item, parsed = setup
    first = _first_file()
    files = [_csv(first), _csv(_second_of(first), blank_at=10, note_at=50)]
    outcome, readings = _both_ways(monkeypatch, officer, item, files, parsed)
    assert len(readings[0]) == 60  # the first file: every row
    # the second: the changed row 31 (line 33, after the blank line 11) and the new row (line 64,
    # after the note line 52); not the swapped rows nor the line sent twice
    assert readings[1] == [33, 64]
    # the first file's bad rows, each reported again in the second at its new row
    assert [(row, column) for row, column, _m in outcome["errors"][1]] == [
        (3, "主体代码"), (4, "主体名称"), (5, "文书日期"), (6, "失信程度"), (7, "处罚类别"), (8, "文书号"),
        (9, "主体名称"), (12, "源记录编号"), (13, "主体代码"), (14, "罚款金额"), (15, "主体代码"), (65, "源记录编号"),
    ]  # fmt: skip
    assert [b[1:3] for b in outcome["batches"]] == [(60, 11), (62, 12)]


def test_the_same_file_again_parses_no_row(setup):
    officer, item, parsed = setup
    content = _csv(_rows(40))
    first = _send(officer, item, content, 1)
    again = _send(officer, item, content, 2)
    assert [len(p) for p in parsed] == [40, 0]
    assert (again.rows_total, again.rows_invalid, again.rows_unchanged) == (40, 0, 40)
    assert first.rows_created == 40 and again.rows_created == again.rows_updated == 0


def test_a_changed_rule_reads_every_line_again(setup):
    """The staging table of a file checked under other rules is not taken from."""
    officer, item, parsed = setup
    content = _csv(_rows(20))
    _send(officer, item, content, 1)
    item.severity = "serious"  # the item now fixes the severity of its records
    audited_save(item, by=None, reason="规则调整")
    again = _send(officer, item, content, 2)
    assert [len(p) for p in parsed] == [20, 20]
    assert set(CreditRecord.objects.values_list("severity", flat=True)) == {"serious"}
    assert again.rows_updated == 20


def test_another_providers_file_is_not_taken_from(setup):
    officer, item, parsed = setup
    other = OfficerFactory()
    item.providers.add(other.organization)
    content = _csv(_rows(10))
    _send(officer, item, content, 1)
    batch = batch_upload(
        by=other, item=item, provider=other.organization, file=SimpleUploadedFile("o.csv", content)
    )  # the same rows from another provider: another scope
    assert [len(p) for p in parsed] == [10, 10] and batch.rows_total == 10


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda text: text.replace("主体5,", '"主体\n5",', 1), id="a quoted line break"),
        pytest.param(lambda text: text.replace("\r\n", "\r"), id="a lone CR as line break"),
        pytest.param(  # an even number of quotes on each of the two lines
            lambda text: text.replace("主体5,", '主体"5,"跨\n行",x"y,', 1), id="a quoted line break after a quote"
        ),
    ],
)
def test_a_file_whose_lines_are_not_rows_is_read_the_usual_way(setup, monkeypatch, damage):
    officer, item, parsed = setup
    first = _rows(12)
    text = write_csv(HEADER, first).decode("utf-8-sig")
    files = [_csv(first), damage(text).encode("gb18030")]
    outcome, readings = _both_ways(monkeypatch, officer, item, files, parsed)
    usual = readings[1].index("the usual way")
    assert len(readings[1][usual + 1 :]) == 12  # every row again, through ingestion.raw_rows
    assert "the usual way" not in readings[0]
    assert outcome["batches"][1][1] == 12


def test_a_line_the_usual_reader_refuses_fails_the_batch_with_its_message(setup, monkeypatch):
    """Bad bytes in a changed line: the line path gives way, and the batch fails as it would."""
    officer, item, parsed = setup
    rows = _rows(1000)  # the bad bytes past what the upload reads of the file (64 KiB)
    bad = _csv(rows).replace("主体900,".encode("gb18030"), b"\x81\x20,")  # not GB18030
    outcome, _readings = _both_ways(monkeypatch, officer, item, [_csv(rows), bad], parsed)
    assert outcome["failed"][0] == "" and outcome["failed"][1]
    assert outcome["batches"][1][0] == BatchStatus.FAILED


def test_a_staging_table_gone_meanwhile_means_reading_every_line(setup, monkeypatch, caplog):
    officer, item, parsed = setup
    content = _csv(_rows(8))
    _send(officer, item, content, 1)
    monkeypatch.setattr(ingestion_pg, "_remembered", lambda *args: "subjects_ingest_stage_999999")
    with caplog.at_level(logging.WARNING, logger="apps.subjects.ingestion_pg"):
        again = _send(officer, item, content, 2)
    assert [len(p) for p in parsed] == [8, 8] and again.rows_unchanged == 8
    assert "subjects_ingest_stage_999999" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_the_daily_job_keeps_the_newest_submitted_staging_table_of_a_scope(setup, settings):
    settings.BATCH_STAGE_KEEP_DAYS = 7
    officer, item, _parsed = setup
    older, newer = (_send(officer, item, _csv(_rows(n)), n) for n in (3, 4))
    assert older.status == newer.status == BatchStatus.SUBMITTED

    def staged():
        with connection.cursor() as cursor:
            return {b.pk for b in (older, newer) if ingestion_pg._stage_exists(cursor, b)}

    ours = {ingestion_pg.stage_table(older), ingestion_pg.stage_table(newer)}  # not other tests' leftovers
    assert staged() == {older.pk, newer.pk}
    assert ours.intersection(ingestion_pg.drop_stale_stages()) == {ingestion_pg.stage_table(older)}
    assert staged() == {newer.pk}
    later = timezone.now() + dt.timedelta(days=8)
    with connection.cursor() as cursor:  # age it (an audited queryset refuses a silent update)
        cursor.execute(
            f"UPDATE {ImportBatch._meta.db_table} SET updated_at = %s WHERE id = %s",
            [later - dt.timedelta(days=8), newer.pk],
        )
    assert ours.intersection(ingestion_pg.drop_stale_stages(now=later)) == {ingestion_pg.stage_table(newer)}
