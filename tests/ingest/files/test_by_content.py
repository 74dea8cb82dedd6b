"""CSV or XLSX decided by a file's content, not its name (nmirf/ingest/files/)."""

import io

from openpyxl import Workbook

from nmirf.ingest.files import (
    SheetRow,
    read_rows,
)
from tests.file_cases import read_all

# --- by content ---------------------------------------------------------------------------


def test_it_decides_csv_or_xlsx_by_content_not_name(tmp_path):
    workbook = Workbook()
    workbook.active.append(["text"])
    disguised = tmp_path / "actually-a-workbook.csv"
    workbook.save(disguised)
    assert read_all(read_rows(disguised)) == [SheetRow(1, ["text"])]
    plain = tmp_path / "actually-text.xlsx"
    plain.write_bytes(b"text\r\nhello\r\n")
    assert read_all(read_rows(plain)) == [SheetRow(1, ["text"]), SheetRow(2, ["hello"])]


def test_it_reads_from_an_open_binary_file():
    handle = io.BytesIO(b"text\r\nhello\r\n")
    handle.name = "upload.csv"
    assert read_all(read_rows(handle)) == [SheetRow(1, ["text"]), SheetRow(2, ["hello"])]
