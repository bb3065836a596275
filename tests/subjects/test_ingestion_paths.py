"""The two write paths of a batch give the same outcome (issue 15 item 3): the same generated
files — valid rows, every kind of bad row, a resend with changed, new and unchanged rows — go
through the set-based path (PostgreSQL: COPY into staging, INSERT … SELECT / UPDATE … FROM, history
rows by INSERT … SELECT; apps.subjects.ingestion_pg) and through the bulk helpers (the path
SQLite always takes), and the row errors (row, column, Chinese message), the batches' counts and
the resulting subjects, records and history rows are identical. On SQLite only the second path
exists; the test then checks that it is deterministic."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction

from apps.core.tabular import write_csv
from apps.subjects import ingestion_pg
from apps.subjects.ingestion import batch_submit, batch_upload
from apps.subjects.models import CreditRecord, ImportBatch, Subject
from tests.factories import OfficerFactory, make_citizen_id, make_uscc
from tests.subjects.factories import PublishedItemFactory
from tests.subjects.test_ingestion import HEADER, _rows

pytestmark = pytest.mark.django_db


def _first_file() -> list[list[str]]:
    rows = _rows(60)
    rows[1][0] = rows[1][0][:-1] + ("0" if rows[1][0][-1] != "0" else "1")  # check character
    rows[2][1] = ""  # no name
    rows[3][3] = "2026-13-45"  # not a date
    rows[4][5] = "很严重"  # not a severity
    rows[5][7] = "拘留"  # not a declared choice
    rows[6][2] = ""  # a dishonest record without a document number
    rows[7][1] = "某\x00公司"  # NUL
    rows[8][6] = rows[9][6]  # the same source record twice in the file
    rows[10][0] = ""  # no identifier
    rows[11][8] = "一千"  # not an amount
    rows[12][0] = make_citizen_id(99, birth="20991301")  # no such birth date
    return rows


def _second_file() -> list[list[str]]:
    rows = _rows(60)
    for row in rows[:20]:
        row[8] = "2500"  # changed: updated, one history row each
    rows.extend(_rows(10, start=60))  # new subjects and records
    rows[30][0] = make_uscc(81234)  # a source record on file for another subject
    return rows


def _snapshot() -> dict:
    batches = list(ImportBatch.objects.order_by("pk"))
    return {
        "errors": [sorted(b.row_errors.values_list("row", "column", "message")) for b in batches],
        "batches": [
            (
                b.status,
                b.rows_total,
                b.rows_invalid,
                b.subjects_created,
                b.rows_created,
                b.rows_updated,
                b.rows_unchanged,
            )
            for b in batches
        ],
        "subjects": sorted(Subject.objects.values_list("identifier", "name", "kind", "status")),
        "records": sorted(
            (
                r.subject.identifier,
                r.source_record_id,
                r.document_number,
                str(r.document_date),
                str(r.determined_on),
                r.severity,
                sorted(r.values.items()),
                r.dedup_key,
                str(r.disclosure_ends_on),
                r.disclosure_basis,
                r.status,
                batches.index(r.batch),
            )
            for r in CreditRecord.objects.select_related("subject", "batch")
        ),
        "record_history": sorted(
            (h.source_record_id, h.history_type, h.history_user_id, h.history_change_reason, sorted(h.values.items()))
            for h in CreditRecord.history.all()
        ),
        "subject_history": sorted(
            (h.identifier, h.history_type, h.history_user_id, h.history_change_reason) for h in Subject.history.all()
        ),
    }


def _run(officer, item) -> dict:
    for number, rows in enumerate([_first_file(), _second_file(), _second_file()], start=1):
        content = write_csv(HEADER, rows).decode("utf-8-sig").encode("gb18030")
        batch = batch_upload(
            by=officer, item=item, provider=officer.organization, file=SimpleUploadedFile(f"f{number}.csv", content)
        )
        batch_submit(batch, by=officer, reason=f"第{number}次报送")
    return _snapshot()


class Undo(Exception):
    pass


def test_both_write_paths_give_the_same_row_errors_and_the_same_tables(policy, monkeypatch):
    officer = OfficerFactory()
    item = PublishedItemFactory(subject_types=["natural_person", "legal_person"])
    item.providers.set([officer.organization])
    outcomes = {}
    for set_based in (True, False):
        monkeypatch.setitem(ingestion_pg.SET_BASED, "on", set_based)
        assert ingestion_pg.enabled(CreditRecord) == (set_based and connection.vendor == "postgresql")
        try:
            with transaction.atomic():
                outcomes[set_based] = _run(officer, item)
                raise Undo
        except Undo:
            pass
    assert outcomes[True] == outcomes[False]
    outcome = outcomes[True]
    # every kind of bad row of the first file is reported, once, in its row and column
    assert [(row, column) for row, column, _m in outcome["errors"][0]] == [
        (3, "主体代码"), (4, "主体名称"), (5, "文书日期"), (6, "失信程度"), (7, "处罚类别"), (8, "文书号"),
        (9, "主体名称"), (11, "源记录编号"), (12, "主体代码"), (13, "罚款金额"), (14, "主体代码"),
    ]  # fmt: skip
    assert [b[1:] for b in outcome["batches"]] == [(60, 11, 49, 49, 0, 0), (70, 2, 20, 21, 8, 39), (70, 2, 0, 0, 0, 68)]
    assert ["另一主体" in message for _r, _c, message in outcome["errors"][1]] == [True, True]
    assert {h[1] for h in outcome["record_history"]} == {"+", "~"}
