"""Reading XLSX workbooks safely (nmirf/ingest/files/xlsx.py): zip bombs, cells too
long to build, formulas and damaged parts refused with a message that names the file,
the row and the column, quickly and without building a 100 MB cell in memory."""

import datetime as dt
import io
import struct
import time
import zipfile

import pytest
from openpyxl import Workbook

from nmirf.ingest.files import (
    SheetRow,
    check_xlsx_archive,
    read_xlsx_rows,
)
from nmirf.ingest.records import RowProblem, SourceError
from tests.file_cases import MB, error_of, read_all

# --- XLSX: building test workbooks ----------------------------------------------------------

HEAD = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b"<sheetData>")
TAIL = b"</sheetData></worksheet>"


def _inline(ref: str, text: str) -> bytes:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'.encode()


def _header_row() -> bytes:
    return (b'<row r="1">' + _inline("A1", "mechanism") + _inline("B1", "state")
            + _inline("C1", "text") + b"</row>")


def _workbook(path, parts: dict, method=zipfile.ZIP_DEFLATED):
    """A minimal real workbook (saved by openpyxl) with some parts replaced or added: each
    value is bytes, or an iterable of byte blocks streamed into the archive."""
    workbook = Workbook()
    workbook.active.title = "Recommendations"
    buffer = io.BytesIO()
    workbook.save(buffer)
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(path, "w", method) as target:
        for info in source.infolist():
            if info.filename not in parts:
                target.writestr(info.filename, source.read(info.filename))
        for name, value in parts.items():
            with target.open(name, "w", force_zip64=True) as stream:
                for block in ([value] if isinstance(value, bytes) else value):
                    stream.write(block)
    return path


def _shared_strings(*texts: bytes) -> bytes:
    return (b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/'
            b'spreadsheetml/2006/main">' + b"".join(b"<si><t>%s</t></si>" % t for t in texts)
            + b"</sst>")


def _content_types_with_shared_strings() -> bytes:
    """openpyxl finds the shared strings through [Content_Types].xml."""
    buffer = io.BytesIO()
    Workbook().save(buffer)
    with zipfile.ZipFile(buffer) as archive:
        types = archive.read("[Content_Types].xml")
    return types.replace(
        b"</Types>",
        b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
        b'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
    )


SHEET = "xl/worksheets/sheet1.xml"


# --- XLSX -----------------------------------------------------------------------------------


def test_it_reads_an_xlsx_sheet_as_text_rows(tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Recommendations"
    sheet.append(["mechanism", "paragraph", "document_date", "text"])
    sheet.append(["CERD", 10, dt.date(2022, 12, 19), "Establish an institution"])
    sheet.append([])
    sheet.append(["CERD", 8.5, None, "ع" * 20_000])  # Arabic: 40 KB as UTF-8
    workbook.create_sheet("Columns").append(["ignored"])
    path = tmp_path / "cerd.xlsx"
    workbook.save(path)
    assert read_all(read_xlsx_rows(path)) == [
        SheetRow(1, ["mechanism", "paragraph", "document_date", "text"]),
        SheetRow(2, ["CERD", "10", "2022-12-19", "Establish an institution"]),
        SheetRow(4, ["CERD", "8.5", "", "ع" * 20_000]),
    ]


def test_it_reads_the_named_sheet_when_there_is_one(tmp_path):
    workbook = Workbook()
    workbook.active.append(["notes"])
    workbook.create_sheet("Recommendations").append(["text"])
    path = tmp_path / "two.xlsx"
    workbook.save(path)
    assert read_all(read_xlsx_rows(path, sheet="Recommendations")) == [SheetRow(1, ["text"])]
    assert read_all(read_xlsx_rows(path, sheet="Absent")) == [SheetRow(1, ["notes"])]


def test_it_ignores_wrong_stored_dimensions(tmp_path):
    sheet = (HEAD.replace(b"<sheetData>", b'<dimension ref="A1"/><sheetData>') + _header_row()
             + b'<row r="2">' + _inline("A2", "CERD") + _inline("C2", "keep me") + b"</row>"
             + TAIL)
    path = _workbook(tmp_path / "dims.xlsx", {SHEET: sheet})
    assert read_all(read_xlsx_rows(path))[1] == SheetRow(2, ["CERD", "", "keep me"])


def test_it_rejects_formula_cells_as_row_problems(tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["mechanism", "state", "text"])
    for _ in range(5):
        sheet.append(["CERD", "BRA", "fine"])
    sheet.append(["CERD", "BRA", '=CONCATENATE("The Committee ", "recommends")'])
    path = tmp_path / "formulas.xlsx"
    workbook.save(path)
    rows = read_all(read_xlsx_rows(path))
    assert rows[-1] == RowProblem(
        "formulas.xlsx", 7, "column 'text': formulas are not accepted; paste the value "
        "instead (Paste Special → Values)", "text")
    assert len([row for row in rows if isinstance(row, SheetRow)]) == 6


def test_it_refuses_a_formula_in_the_header(tmp_path):
    workbook = Workbook()
    workbook.active.append(["mechanism", "=UPPER(\"text\")"])
    path = tmp_path / "header.xlsx"
    workbook.save(path)
    assert error_of(read_xlsx_rows(path)) == (
        "header.xlsx, row 1: column B: formulas are not accepted; paste the value instead "
        "(Paste Special → Values)."
    )


def test_it_reports_error_cells(tmp_path):
    sheet = (HEAD + _header_row() + b'<row r="2">' + _inline("A2", "CERD")
             + b'<c r="C2" t="e"><v>#N/A</v></c></row>' + TAIL)
    path = _workbook(tmp_path / "errors.xlsx", {SHEET: sheet})
    assert read_all(read_xlsx_rows(path))[1] == RowProblem(
        "errors.xlsx", 2, "column 'text': the cell shows the error #N/A; type the value "
        "instead", "text")


def test_it_refuses_an_empty_xlsx(tmp_path):
    path = tmp_path / "empty.xlsx"
    path.write_bytes(b"")
    assert error_of(read_xlsx_rows(path)) == "empty.xlsx is empty."


def test_it_refuses_a_workbook_with_an_empty_sheet(tmp_path):
    path = tmp_path / "blank.xlsx"
    Workbook().save(path)
    assert error_of(read_xlsx_rows(path)) == "blank.xlsx is empty: its worksheet holds no rows."


def test_it_refuses_a_png_renamed_xlsx(tmp_path):
    path = tmp_path / "scan.xlsx"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200))
    assert error_of(read_xlsx_rows(path)) == (
        "scan.xlsx is not an Excel workbook (.xlsx): it is a PNG image.")
    with pytest.raises(SourceError, match="it is a PNG image"):
        check_xlsx_archive(path)


def test_it_refuses_a_word_document_renamed_xlsx(tmp_path):
    path = tmp_path / "matrix.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    assert error_of(read_xlsx_rows(path)) == (
        "matrix.xlsx is not an Excel workbook (.xlsx): it is a Word document (.docx).")


def test_it_refuses_an_old_xls(tmp_path):
    path = tmp_path / "old.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512))
    assert error_of(read_xlsx_rows(path)) == (
        "old.xlsx is an old-style Excel file (.xls) or a password-protected workbook, which "
        "cannot be read: remove any password and save it as Excel Workbook (.xlsx) or as CSV."
    )


def test_it_refuses_a_truncated_xlsx(tmp_path):
    good = tmp_path / "good.xlsx"
    Workbook().save(good)
    path = tmp_path / "cut.xlsx"
    path.write_bytes(good.read_bytes()[:3000])
    message = error_of(read_xlsx_rows(path))
    assert message.startswith("cut.xlsx is not a readable Excel workbook (.xlsx): the zip "
                              "archive is damaged or incomplete")


def test_it_refuses_a_zip_bomb_by_its_compression_ratio(tmp_path):
    def zeros():
        for _ in range(50):
            yield bytes(MB)

    path = _workbook(tmp_path / "bomb.xlsx", {"xl/media/image1.png": zeros()})
    message = error_of(read_xlsx_rows(path))
    assert message.startswith("bomb.xlsx looks like a zip bomb: its part xl/media/image1.png "
                              "would expand ")
    assert message.endswith(" times, to 50 MB (real documents expand at most a few dozen "
                            "times). It was not opened.")
    with pytest.raises(SourceError, match="looks like a zip bomb"):
        check_xlsx_archive(path)


def test_it_refuses_a_zip_whose_member_declares_a_huge_size(tmp_path):
    path = tmp_path / "liar.xlsx"
    Workbook().save(path)
    data = bytearray(path.read_bytes())
    entry = data.find(b"PK\x01\x02")  # the first central directory entry
    struct.pack_into("<I", data, entry + 24, 0xFFFFFFF0)  # its uncompressed size
    path.write_bytes(bytes(data))
    message = "liar.xlsx would expand to 4,096 MB when unpacked, more than the 256 MB " \
              "allowed: it is refused as a possible zip bomb."
    assert error_of(read_xlsx_rows(path)) == message
    with pytest.raises(SourceError) as caught:
        check_xlsx_archive(path)
    assert str(caught.value) == message


def test_it_refuses_a_100_mb_inline_cell_naming_row_and_column_quickly(huge_file):
    def sheet():
        yield HEAD + _header_row() + b'<row r="2">' + _inline("A2", "CERD")
        yield b'<c r="C2" t="inlineStr"><is><t>'
        for _ in range(100):
            yield b"a" * MB
        yield b"</t></is></c></row>" + TAIL

    path = _workbook(huge_file("huge.xlsx"), {SHEET: sheet()}, method=zipfile.ZIP_STORED)
    started = time.monotonic()
    message = error_of(read_xlsx_rows(path))
    assert time.monotonic() - started < 10
    assert message == ("huge.xlsx, row 2, column 'text': the cell is longer than 100,000 "
                       "characters; no cell may be that long (Excel itself stops at 32,767).")


def test_it_refuses_a_100_mb_shared_string_rather_than_calling_it_a_bomb(tmp_path):
    def strings():
        yield _shared_strings(b"mechanism", b"state", b"text", b"CERD")[:-6] + b"<si><t>"
        for _ in range(100):
            yield b"b" * MB
        yield b"</t></si></sst>"

    sheet = (HEAD + b'<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>'
             b'<c r="C1" t="s"><v>2</v></c></row><row r="7"><c r="A7" t="s"><v>3</v></c>'
             b'<c r="C7" t="s"><v>4</v></c></row>' + TAIL)
    path = _workbook(tmp_path / "sst.xlsx", {
        SHEET: sheet, "xl/sharedStrings.xml": strings(),
        "[Content_Types].xml": _content_types_with_shared_strings(),
    })
    started = time.monotonic()
    message = error_of(read_xlsx_rows(path))
    assert time.monotonic() - started < 10
    assert message == ("sst.xlsx, row 7, column 'text': the cell is longer than 100,000 "
                       "characters; no cell may be that long (Excel itself stops at 32,767).")


def test_it_counts_a_cell_made_of_many_rich_text_runs_as_one(tmp_path):
    runs = b"".join(b"<r><t>" + b"c" * 40_000 + b"</t></r>" for _ in range(3))
    sheet = (HEAD + _header_row() + b'<row r="5"><c r="B5" t="inlineStr"><is>' + runs
             + b"</is></c></row>" + TAIL)
    path = _workbook(tmp_path / "runs.xlsx", {SHEET: sheet})
    assert error_of(read_xlsx_rows(path)) == (
        "runs.xlsx, row 5, column 'state': the cell is longer than 100,000 characters; no "
        "cell may be that long (Excel itself stops at 32,767).")


def test_it_counts_characters_not_bytes_nor_entities(tmp_path):
    # 90,000 Arabic letters: 180 KB as UTF-8 and 630 KB as the entities openpyxl writes.
    for text in ("ع" * 90_000, "&#1593;" * 90_000):
        sheet = (HEAD + _header_row() + b'<row r="2">' + _inline("C2", text) + b"</row>"
                 + TAIL)
        path = _workbook(tmp_path / "arabic.xlsx", {SHEET: sheet})
        assert read_all(read_xlsx_rows(path))[1] == SheetRow(2, ["", "", "ع" * 90_000])


def test_it_scans_a_large_ordinary_workbook_quickly(tmp_path):
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Recommendations")
    sheet.append(["mechanism", "state", "text"])
    text = "The Committee recommends that the State party " * 10
    for number in range(20_000):
        sheet.append(["CERD", "BRA", f"{number} {text}"])
    path = tmp_path / "large.xlsx"
    workbook.save(path)
    from nmirf.ingest.files.xlsx import _CELL_START, _scan_elements

    started = time.monotonic()
    with zipfile.ZipFile(path) as archive, archive.open("xl/worksheets/sheet1.xml") as stream:
        assert _scan_elements(stream, _CELL_START) is None
    assert time.monotonic() - started < 2  # openpyxl itself takes several seconds here



def test_it_scans_the_string_table_openpyxl_would_read_wherever_it_lies(tmp_path):
    # [Content_Types].xml, not the file name, tells openpyxl where the shared strings are.
    types = _content_types_with_shared_strings().replace(b"/xl/sharedStrings.xml",
                                                         b"/xl/elsewhere.xml")
    strings = _shared_strings(b"text", b"d" * 150_000)
    sheet = (HEAD + b'<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
             b'<row r="3"><c r="A3" t="s"><v>1</v></c></row>' + TAIL)
    path = _workbook(tmp_path / "hidden.xlsx", {
        SHEET: sheet, "xl/elsewhere.xml": strings, "[Content_Types].xml": types})
    assert error_of(read_xlsx_rows(path)) == (
        "hidden.xlsx, row 3, column 'text': the cell is longer than 100,000 characters; no "
        "cell may be that long (Excel itself stops at 32,767).")
