"""Safe spreadsheet exports: formulas neutralised in every CSV and XLSX export, and
undone on import (reading files is tested in tests/ingest/files/)."""

import csv
import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from nmirf.core.spreadsheets import neutralise, unneutralise, write_csv, write_xlsx
from tests.file_cases import DANGEROUS

# --- exports --------------------------------------------------------------------------------


@pytest.mark.parametrize("value", DANGEROUS)
def test_it_neutralises_each_formula_prefix(value):
    assert neutralise(value) == "'" + value
    assert unneutralise(neutralise(value)) == value


@pytest.mark.parametrize("value", ["Brazil", "", "'quoted", "a = b", "18-20", "café"])
def test_it_leaves_ordinary_text_alone(value):
    assert neutralise(value) == value
    assert unneutralise(value) == value


def test_it_leaves_numbers_and_dates_alone():
    assert neutralise(-5) == -5
    assert neutralise(None) is None
    assert neutralise(dt.date(2022, 12, 19)) == dt.date(2022, 12, 19)


def test_it_neutralises_a_formula_behind_leading_spaces():
    assert neutralise("  =1+1") == "'  =1+1"


@pytest.mark.parametrize("value", DANGEROUS)
def test_it_neutralises_each_formula_prefix_in_csv_exports(value):
    text = write_csv([["CERD", value, 3]], ["mechanism", "text", "n"])
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline="")))
    assert rows == [["mechanism", "text", "n"], ["CERD", "'" + value, "3"]]


def test_it_neutralises_headers_too_and_joins_lists_in_csv_exports():
    text = write_csv([[["a", "-b"], True, dt.date(2022, 12, 19)]], ["=h", "ok", "date"],
                     bom=False)
    assert text == "'=h,ok,date\r\na; -b,TRUE,2022-12-19\r\n"


@pytest.mark.parametrize("value", DANGEROUS)
def test_it_neutralises_each_formula_prefix_in_xlsx_exports(value, tmp_path):
    data = write_xlsx([["CERD", value, -5]], ["mechanism", "text", "n"])
    sheet = load_workbook(io.BytesIO(data)).active
    assert [c.value for c in sheet[1]] == ["mechanism", "text", "n"]
    cell = sheet["B2"]
    assert cell.value == "'" + value
    assert cell.data_type == "s"  # text, never a formula
    assert sheet["C2"].value == -5


def test_it_writes_xlsx_exports_that_excel_can_open(tmp_path):
    path = tmp_path / "export.xlsx"
    write_xlsx([["bell\x07 and nul\x00 removed", dt.date(2022, 12, 19)]], ["text", "date"],
               path, title="Recommendations: CERD/BRA")
    workbook = load_workbook(path)
    sheet = workbook.active
    assert sheet.title == "Recommendations  CERD BRA"
    assert sheet["A2"].value == "bell and nul removed"
    assert sheet["B2"].value == dt.datetime(2022, 12, 19)
    assert sheet.freeze_panes == "A2"
