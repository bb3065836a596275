"""Objection statistics (issue 12 item 8): per period and handling organisation, the objections
received, accepted, refused and decided, and each step on time, late or overdue from its clock;
the page, its CSV and XLSX exports, and who sees which rows."""

from __future__ import annotations

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from apps.core.choices import DeadlineKind
from apps.core.models import QueryLog
from apps.objections import services
from apps.objections.choices import Outcome
from apps.objections.statistics import objection_statistics, statistics_headers
from tests.factories import AuditorFactory, AuthorityUserFactory, NoRoleUserFactory
from tests.objections import factories

K = DeadlineKind
D = dt.date
pytestmark = pytest.mark.django_db

NOVEMBER = (D(2026, 11, 1), D(2026, 12, 31))
PERIOD = {"period_after": "2026-11-01", "period_before": "2026-12-31"}


def _at(day: dt.date):
    return time_machine.travel(dt.datetime.combine(day, dt.time(10), tzinfo=ZoneInfo("Asia/Shanghai")), tick=False)


@pytest.fixture
def world(policy):
    """Nanjing (mark 1, decision 15, forward 2, answer 5, overall 15 working days, tell at once).
    Received on Monday 2026-11-02; "today" is 2026-12-01 (the 15 working days ran out on 11-23):

    - office: `own` decided (kept) on receipt, the applicant not told yet (told-clock overdue);
      `late` decided (deleted) on 12-01, after its due date; `refused`; `untouched`, never
      handled (mark, decision and forward overdue); `last_year`, received 2025-12-15 (outside);
    - agency A: `closed`, forwarded, answered, decided and told, all on 11-02;
    - agency B: `waiting`, forwarded on 11-02 and never answered (answer and overall overdue).
    """
    world = factories.make_world()
    with _at(D(2026, 11, 2)):
        own = factories.accepted(world)
        services.objection_step(
            own, "decide", by=world.clerk, reason="处理", outcome=Outcome.KEPT, outcome_reason="准确"
        )
        world.closed = factories.closed(world)
        world.late = factories.accepted(world)
        factories.refused(world)
        factories.file_objection(world)
        factories.forwarded(world, records=[world.record_b], agency=world.agency_b)
    with _at(D(2026, 12, 1)):
        services.objection_step(
            world.late,
            "decide",
            by=world.clerk,
            reason="处理",
            outcome=Outcome.DELETED,
            outcome_reason="处罚已撤销",
            late_reason="等待复议结果",
        )
        factories.file_objection(world, received_on=D(2025, 12, 15))
    return world


def _table(response) -> str:
    return response.content.decode().split("<table", 1)[1].split("</table>", 1)[0]


def _figures(row) -> dict:
    steps = {
        kind: (c.on_time, c.late, c.overdue)
        for kind, c in row.steps.items()
        if (c.on_time, c.late, c.overdue) != (0, 0, 0)
    }
    return {
        "counts": (row.received, row.accepted, row.refused, row.corrected, row.deleted, row.kept),
        "steps": steps,
    }


def test_counts_per_organisation_with_on_time_late_and_overdue_steps(world):
    with _at(D(2026, 12, 1)):
        rows = objection_statistics(user=world.clerk, start=NOVEMBER[0], end=NOVEMBER[1])
    by_name = {row.organization.name if row.organization else None: _figures(row) for row in rows}
    assert by_name[world.office.name] == {
        "counts": (4, 2, 1, 0, 1, 1),  # received own, late, refused, untouched; accepted own, late
        "steps": {
            K.OBJECTION_MARK: (2, 0, 1),
            K.OBJECTION_DECISION: (1, 1, 1),
            K.OBJECTION_FORWARD: (0, 0, 1),
            K.OBJECTION_INFORM: (0, 0, 1),
        },
    }
    assert by_name[world.agency_a.name] == {
        "counts": (1, 1, 0, 0, 0, 1),
        "steps": {
            K.OBJECTION_MARK: (1, 0, 0),
            K.OBJECTION_FORWARD: (1, 0, 0),
            K.OBJECTION_ANSWER: (1, 0, 0),
            K.OBJECTION_OVERALL: (1, 0, 0),
            K.OBJECTION_INFORM: (1, 0, 0),
        },
    }
    assert by_name[world.agency_b.name] == {
        "counts": (1, 1, 0, 0, 0, 0),
        "steps": {
            K.OBJECTION_MARK: (1, 0, 0),
            K.OBJECTION_FORWARD: (1, 0, 0),
            K.OBJECTION_ANSWER: (0, 0, 1),
            K.OBJECTION_OVERALL: (0, 0, 1),
        },
    }
    total = by_name[None]
    assert total["counts"] == (6, 4, 1, 0, 1, 2)
    assert total["steps"][K.OBJECTION_DECISION] == (1, 1, 1)

    # December alone: only the late decision happened in it; nothing fell due before 12-01.
    with _at(D(2026, 12, 1)):
        december = objection_statistics(user=world.clerk, start=D(2026, 12, 1), end=D(2026, 12, 31))
    office = _figures(december[0])
    assert office == {"counts": (0, 0, 0, 0, 1, 0), "steps": {K.OBJECTION_DECISION: (0, 1, 0)}}


def test_an_officer_sees_only_its_agencys_row(world, client):
    with _at(D(2026, 12, 1)):
        rows = objection_statistics(user=world.officer_a, start=NOVEMBER[0], end=NOVEMBER[1])
        assert [row.organization for row in rows] == [world.agency_a]
        client.force_login(world.officer_a)
        page = client.get(reverse("objections:statistics"), PERIOD).content.decode()
        assert world.agency_a.name in page
        assert world.agency_b.name not in page and world.office.name not in page
        # Another organisation cannot be asked for: the choice is refused, the row stays its own.
        refused = client.get(reverse("objections:statistics"), {**PERIOD, "agency": world.agency_b.pk})
        body = refused.content.decode()
        assert refused.status_code == 200 and 'role="alert"' in body
        assert world.agency_b.name not in body and world.agency_a.name in body


def test_the_page_for_the_office_the_authority_and_auditors(world, client):
    with _at(D(2026, 12, 1)):
        for user in (world.clerk, AuthorityUserFactory(), AuditorFactory()):
            client.force_login(user)
            response = client.get(reverse("objections:statistics"))  # this year by default
            page = response.content.decode()
            assert response.status_code == 200
            assert all(org.name in page for org in (world.office, world.agency_a, world.agency_b))
            assert 'value="2026-01-01"' in page and 'value="2026-12-01"' in page
        one = _table(client.get(reverse("objections:statistics"), {**PERIOD, "agency": world.agency_b.pk}))
        assert world.agency_b.name in one and world.agency_a.name not in one
        client.force_login(NoRoleUserFactory())
        assert client.get(reverse("objections:statistics")).status_code == 403


def test_csv_and_xlsx_exports_are_the_table_with_chinese_headers_and_no_subject(world, client):
    logged = QueryLog.objects.count()
    with _at(D(2026, 12, 1)):
        expected = [row.cells() for row in objection_statistics(user=world.clerk, start=NOVEMBER[0], end=NOVEMBER[1])]
        client.force_login(world.clerk)
        exported = client.get(reverse("objections:statistics"), {**PERIOD, "format": "csv"})
        workbook = client.get(reverse("objections:statistics"), {**PERIOD, "format": "xlsx"})
        page = client.get(reverse("objections:statistics"), PERIOD).content.decode()
    with translation.override("zh-hans"):
        headers = statistics_headers()
        expected[-1][0] = "合计"
    assert headers[:3] == ["办理单位", "收到", "受理"] and "异议标注：按时办结" in headers

    assert exported["Content-Type"].startswith("text/csv")
    assert 'filename="objections-2026-11-01-2026-12-31.csv"' in exported["Content-Disposition"]
    text = exported.content.decode("utf-8-sig")
    parsed = list(csv.reader(io.StringIO(text)))
    assert parsed[0] == headers
    assert parsed[1:] == [[str(cell) for cell in row] for row in expected]

    sheet = openpyxl.load_workbook(io.BytesIO(workbook.content), read_only=True).worksheets[0]
    cells = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert cells[0] == headers and cells[1:] == expected

    for content in (text, page, str(cells)):
        assert world.subject.name not in content and world.subject.identifier not in content
        assert "张经办" not in content
    assert QueryLog.objects.count() == logged
