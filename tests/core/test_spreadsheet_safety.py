"""Exports guard against spreadsheet formula injection (CSV injection): a text cell that starts with
= + - @, a tab or a carriage return is written with a leading apostrophe, in CSV and XLSX alike;
plain numbers and dates are left as they are."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from apps.core.tabular import spreadsheet_safe, write_csv, write_xlsx

DANGEROUS = ['=HYPERLINK("http://x","点我")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)", "\t=1+1", "\r=1+1"]
PLAIN = ["-12.5", "+8613800000000", "-3", "2026-12-01", "南京某公司", "", "a=b", "1-2"]


@pytest.mark.parametrize("text", DANGEROUS)
def test_a_formula_gets_an_apostrophe(text):
    assert spreadsheet_safe(text) == "'" + text


@pytest.mark.parametrize("value", [*PLAIN, -5, 3.5, Decimal("-1.20"), datetime.date(2026, 12, 1), None])
def test_numbers_dates_and_plain_text_are_unchanged(value):
    assert spreadsheet_safe(value) == value


def test_csv_export_writes_formulas_as_text():
    content = write_csv(["=单位", "金额"], [[text, "-12.5"] for text in DANGEROUS]).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content, newline="")))
    assert rows[0] == ["'=单位", "金额"]
    assert [row[0] for row in rows[1:]] == ["'" + text for text in DANGEROUS]
    assert all(row[1] == "-12.5" for row in rows[1:])


def test_xlsx_export_writes_formulas_as_text():
    content = write_xlsx(["单位", "金额"], [[text, -12.5] for text in DANGEROUS], sheets=[("二", ["@x"], [["=1"]])])
    workbook = load_workbook(io.BytesIO(content))
    first, second = workbook.worksheets
    cells = list(first.iter_rows(min_row=2, values_only=True))
    # XLSX (XML) stores a carriage return as a line feed.
    assert [c[0] for c in cells] == ["'" + text.replace("\r", "\n") for text in DANGEROUS]
    assert all(c[1] == -12.5 for c in cells)
    assert all(cell.data_type != "f" for row in first.iter_rows() for cell in row)
    assert list(second.iter_rows(values_only=True)) == [("'@x",), ("'=1",)]
