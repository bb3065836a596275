"""The two paths of a batch give the same outcome (issue 15 item 3): the same generated files —
valid rows, every kind of bad row, a resend with changed, new and unchanged rows, rows meeting the
records and subjects on file and a serious listing — go through the set-based path (PostgreSQL:
the check on a staging table filled by COPY, the rules of one row once per distinct input and
the others in SQL; INSERT … SELECT / UPDATE … FROM, history rows by INSERT … SELECT;
apps.subjects.ingestion_pg) and through the row-by-row check and the bulk helpers (the path
SQLite always takes), and the row errors (row, column, Chinese message), the batches' counts and
the resulting subjects, records and history rows are identical. On SQLite only the second path
exists; the test then checks that it is deterministic."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction

from apps.catalog.choices import SubjectType
from apps.core.audit import audited_save
from apps.core.tabular import write_csv
from apps.subjects import events, ingestion_pg
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


UNINCORPORATED = make_uscc(85001)  # on file as an unincorporated organisation, which the item does not cover


def _fourth_file() -> list[list[str]]:
    rows = _rows(60)
    extra = _rows(4, start=200)
    extra[0][0] = UNINCORPORATED  # the subject on file is of a type the item does not cover
    extra[1][0], extra[1][5] = UNINCORPORATED, ""  # that, and no severity (reported first)
    extra[2][3] = extra[2][4] = "9999-12-01"  # the disclosure would end after the year 9999
    extra[3][0], extra[3][4] = UNINCORPORATED, "9999-12-01"  # only the subject type is reported
    return rows + extra  # and row 7 (SRC-5) is revoked on file before this file is sent


EXTENDED = {_rows(16)[15][0], _rows(41)[40][0]}  # subjects on the serious list, from the second file on


def _listing_ends(sender=None, *, subject_ids, **kwargs):
    """Stands for the sanctions app: these subjects' disclosure runs until 2040."""
    ids = Subject.objects.filter(pk__in=subject_ids, identifier__in=EXTENDED).values_list("pk", flat=True)
    return dict.fromkeys(ids, datetime.date(2040, 1, 1))


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
    Subject.objects.create(identifier=UNINCORPORATED, name="某协会", kind=SubjectType.UNINCORPORATED)
    files = [_first_file(), _second_file(), _second_file(), _fourth_file()]
    for number, rows in enumerate(files, start=1):
        if number == 4:
            with connection.cursor() as cursor:  # as record_revoke leaves it, without its case
                cursor.execute("UPDATE subjects_creditrecord SET status = 'revoked' WHERE source_record_id = 'SRC-5'")
        content = write_csv(HEADER, rows).decode("utf-8-sig").encode("gb18030")
        batch = batch_upload(
            by=officer, item=item, provider=officer.organization, file=SimpleUploadedFile(f"f{number}.csv", content)
        )
        batch_submit(batch, by=officer, reason=f"第{number}次报送")
    return _snapshot()


class Undo(Exception):
    pass


def test_both_paths_give_the_same_row_errors_and_the_same_tables(policy, monkeypatch, request):
    officer = OfficerFactory()
    item = PublishedItemFactory(subject_types=["natural_person", "legal_person"])
    item.providers.set([officer.organization])
    events.disclosure_extensions.connect(_listing_ends, weak=False, dispatch_uid="test_ingestion_paths")
    request.addfinalizer(lambda: events.disclosure_extensions.disconnect(dispatch_uid="test_ingestion_paths"))
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
    assert [(row, column) for row, column, _m in outcome["errors"][3]] == [
        (7, "源记录编号"), (11, "源记录编号"), (62, "主体代码"), (63, "主体代码"), (63, "失信程度"), (64, "认定日期"), (65, "主体代码"),
    ]  # fmt: skip
    assert [b[1:] for b in outcome["batches"]] == [
        (60, 11, 49, 49, 0, 0),
        (70, 2, 20, 21, 9, 38),  # 9 updated: 8 changed amounts, and the unchanged row of a listed subject
        (70, 2, 0, 0, 0, 68),
        (64, 6, 0, 0, 18, 40),  # the first 20 rows back to their first amount, but rows 7 and 11
    ]
    assert ["另一主体" in message for _r, _c, message in outcome["errors"][1]] == [True, True]
    assert {h[1] for h in outcome["record_history"]} == {"+", "~"}
    assert sum(r[8] == "2040-01-01" for r in outcome["records"]) == 2


# --- the submit after the check (PostgreSQL: what the check staged) -------------------------------

on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="the staging table is PostgreSQL's")


def _checked_batch(officer, item, n=30):
    content = write_csv(HEADER, _rows(n)).decode("utf-8-sig").encode("gb18030")
    file = SimpleUploadedFile("f.csv", content)
    return batch_upload(by=officer, item=item, provider=officer.organization, file=file)


@pytest.fixture
def staged(policy, monkeypatch):
    """An officer, an item, and the calls of stage_rows (the reading and checking of every row)."""
    officer = OfficerFactory()
    item = PublishedItemFactory(subject_types=["natural_person", "legal_person"])
    item.providers.set([officer.organization])
    calls = []
    real = ingestion_pg.stage_rows

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(ingestion_pg, "stage_rows", counting)
    return officer, item, calls


@on_postgresql
@pytest.mark.postgres
def test_the_submit_writes_what_the_check_staged_without_reading_the_rows_again(staged):
    officer, item, calls = staged
    batch = _checked_batch(officer, item)
    assert calls == [1] and len(batch.check_digest) == 64
    batch = batch_submit(batch, by=officer, reason="报送")
    assert calls == [1]  # the file and the rules are unchanged: no second reading
    assert batch.status == "submitted" and (batch.rows_created, batch.subjects_created) == (30, 30)
    assert CreditRecord.objects.filter(batch=batch).count() == 30
    with connection.cursor() as cursor:  # the staging table stays, for the next file's lines
        cursor.execute("SELECT to_regclass(%s)", [ingestion_pg.stage_table(batch)])
        assert cursor.fetchone() == (ingestion_pg.stage_table(batch),)


@on_postgresql
@pytest.mark.postgres
def test_the_submit_checks_the_rows_again_when_a_rule_changed_since_the_check(staged):
    officer, item, calls = staged
    batch = _checked_batch(officer, item)
    item.severity = "serious"  # the item now fixes the severity of its records
    audited_save(item, by=None, reason="规则调整")
    batch = batch_submit(batch, by=officer, reason="报送")
    assert calls == [1, 1]
    assert batch.status == "submitted" and batch.rows_created == 30
    assert set(CreditRecord.objects.values_list("severity", flat=True)) == {"serious"}


@on_postgresql
@pytest.mark.postgres
def test_a_batch_that_created_subjects_leaves_the_name_index_merged(staged, django_capture_on_commit_callbacks):
    """The names a batch adds are merged into the trigram index after its commit, not left in the
    GIN pending list that every name search then reads through (issue 18, bench/RESULTS.md)."""
    officer, item, _calls = staged
    batch = _checked_batch(officer, item)
    with django_capture_on_commit_callbacks(execute=True):
        batch = batch_submit(batch, by=officer, reason="报送")
    assert batch.subjects_created == 30
    with connection.cursor() as cursor:  # nothing left to merge: the pages it would free
        cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [ingestion_pg.NAME_INDEX])
        assert cursor.fetchone() == (0,)


@on_postgresql
@pytest.mark.postgres
def test_a_refused_merge_is_logged_and_the_batch_stays_submitted(
    staged, django_capture_on_commit_callbacks, caplog, monkeypatch
):
    officer, item, _calls = staged
    batch = _checked_batch(officer, item)
    monkeypatch.setattr(ingestion_pg, "NAME_INDEX", "no_such_index")
    with django_capture_on_commit_callbacks(execute=True):
        batch = batch_submit(batch, by=officer, reason="报送")
    batch.refresh_from_db()
    assert batch.status == "submitted" and batch.subjects_created == 30
    assert "The pending list of no_such_index was not merged" in caplog.text
