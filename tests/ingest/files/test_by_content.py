"""CSV or XLSX decided by a file's content, not its name (nmirf/ingest/files/)."""

import io

import pytest
from openpyxl import Workbook

from nmirf.ingest.files import (
    SheetRow,
    read_rows,
)
from nmirf.ingest.records import SourceError

MB = 1024 * 1024
DANGEROUS = ["=1+1", "+1+1", "-1+1", "@SUM(A1)", "\t=1+1", "\r=1+1",
             '=HYPERLINK("http://example.com/x","click")', "-2+3+cmd|' /C calc'!A0"]


def _read(rows) -> list:
    return list(rows)


def _error(rows) -> str:
    with pytest.raises(SourceError) as caught:
        list(rows)
    return str(caught.value)


# --- by content ---------------------------------------------------------------------------


def test_it_decides_csv_or_xlsx_by_content_not_name(tmp_path):
    workbook = Workbook()
    workbook.active.append(["text"])
    disguised = tmp_path / "actually-a-workbook.csv"
    workbook.save(disguised)
    assert _read(read_rows(disguised)) == [SheetRow(1, ["text"])]
    plain = tmp_path / "actually-text.xlsx"
    plain.write_bytes(b"text\r\nhello\r\n")
    assert _read(read_rows(plain)) == [SheetRow(1, ["text"]), SheetRow(2, ["hello"])]


def test_it_reads_from_an_open_binary_file():
    handle = io.BytesIO(b"text\r\nhello\r\n")
    handle.name = "upload.csv"
    assert _read(read_rows(handle)) == [SheetRow(1, ["text"]), SheetRow(2, ["hello"])]
