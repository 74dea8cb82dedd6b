"""Every kind of bad input the issue lists, through the real command: exit 2, one line on
standard error naming the file (and the row, where there is one), and a registry left
exactly as it was."""

import io
import zipfile

import pytest
from django.core.management import call_command
from docx import Document
from openpyxl import Workbook

from tests.conftest import registry_snapshot
from tests.ingest.files.test_xlsx import HEAD, SHEET, TAIL, _header_row, _inline, _workbook

UPR_HEADER = "To,To-Rgrp,To-Org,Text,From,From-Rgrp,From-Org,Response,Action,Issue,Session"
UPR_ROW = 'Slovenia,EEG,EU,"Ratify the Convention.",France,WEOG,EU,Accepted,5,"Migrants",7'
TEMPLATE_HEADER = "mechanism,state,review,paragraph,text"
MB = 1024 * 1024


@pytest.fixture
def registry_with_one_recommendation(db, tmp_path):
    """Something in the registry already, so that 'unchanged' means something."""
    path = tmp_path / "existing.csv"
    path.write_text(UPR_HEADER + "\n" + UPR_ROW)
    call_command("import", "upr-info", str(path), stdout=io.StringIO())
    return registry_snapshot()


def refuse(capsys, fmt: str, path) -> str:
    with pytest.raises(SystemExit) as exited:
        call_command("import", fmt, str(path), stdout=io.StringIO())
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, f"expected one line, got: {err!r}"
    return err.strip()


def write(path, content):
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


# Each case: format, file name, a builder (tmp_path -> path), words the message must hold.
def empty(name):
    return lambda tmp: write(tmp / name, b"")


def png(name):
    return lambda tmp: write(tmp / name, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64))


def truncated_csv(tmp):
    return write(tmp / "cut.csv", UPR_HEADER + "\n" + UPR_ROW + "\n" + UPR_ROW[:30])


def renamed_columns(tmp):
    return write(tmp / "renamed.csv", UPR_HEADER.replace("Text", "Recommendation") + "\n"
                 + UPR_ROW)


def missing_template_columns(tmp):
    return write(tmp / "missing.csv", "mechanism,paragraph\nCERD,1\n")


def docx_without_matrix(tmp):
    document = Document()
    document.add_heading("Minutes of the inter-ministerial meeting", 1)
    document.add_paragraph("Nothing here is a table of recommendations.")
    document.save(tmp / "minutes.docx")
    return tmp / "minutes.docx"


def xlsx_with_formula(tmp):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Recommendations"
    sheet.append(TEMPLATE_HEADER.split(","))
    sheet.append(["CERD", "BRA", "18-20", "10", "=HYPERLINK(\"http://x\",\"click\")"])
    workbook.save(tmp / "formula.xlsx")
    return tmp / "formula.xlsx"


def xlsx_with_100_mb_cell(tmp):
    def blocks():
        yield HEAD + _header_row() + b'<row r="2"><c r="C2" t="inlineStr"><is><t>'
        for _ in range(100):
            yield b"z" * MB
        yield b"</t></is></c></row>" + TAIL

    return _workbook(tmp / "huge.xlsx", {SHEET: blocks()})


def xlsx_zip_bomb(tmp):
    def zeros():
        yield HEAD + _header_row() + b'<row r="2">' + _inline("C2", "ok") + b"</row>"
        for _ in range(300):
            yield b" " * MB
        yield TAIL

    return _workbook(tmp / "bomb.xlsx", {SHEET: zeros()})


def docx_zip_bomb(tmp):
    path = tmp / "bomb.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as stream:
            for _ in range(300):
                stream.write(bytes(MB))
    return path


def unknown_state(tmp):
    return write(tmp / "states.csv", UPR_HEADER + "\n" + UPR_ROW.replace("Slovenia", "Ruritania"))


CASES = [
    ("upr-info", empty("empty.csv"), ["empty.csv", "empty"]),
    ("ohchr-matrix", empty("empty.docx"), ["empty.docx"]),
    ("template", empty("empty.xlsx"), ["empty.xlsx"]),
    ("upr-info", png("photo.csv"), ["photo.csv", "PNG image"]),
    ("ohchr-matrix", png("photo.docx"), ["photo.docx"]),
    ("template", png("photo.xlsx"), ["photo.xlsx", "PNG image"]),
    ("upr-info", truncated_csv, ["cut.csv", "row 3", "truncated"]),
    ("upr-info", renamed_columns, ["renamed.csv", "missing the columns Text",
                                   "unexpected columns: Recommendation"]),
    ("template", missing_template_columns, ["missing.csv", "missing the columns", "text"]),
    ("ohchr-matrix", docx_without_matrix, ["minutes.docx", "no table of recommendations"]),
    ("template", xlsx_with_formula, ["formula.xlsx", "row 2", "text", "formula"]),
    ("template", xlsx_with_100_mb_cell, ["huge.xlsx", "row 2", "longer than 100,000"]),
    ("template", xlsx_zip_bomb, ["bomb.xlsx", "zip bomb"]),
    ("ohchr-matrix", docx_zip_bomb, ["bomb.docx"]),
    ("upr-info", unknown_state, ["states.csv", "row 2", "unknown state under review",
                                 "Ruritania"]),
]


@pytest.mark.parametrize(("fmt", "build", "words"), CASES,
                         ids=[f"{fmt}-{build.__name__ if hasattr(build, '__name__') else i}"
                              for i, (fmt, build, _) in enumerate(CASES)])
def test_bad_input_is_refused_clearly_and_nothing_is_written(
    registry_with_one_recommendation, tmp_path, capsys, fmt, build, words
):
    path = build(tmp_path)
    try:
        message = refuse(capsys, fmt, path)
    finally:
        path.unlink(missing_ok=True)  # pytest keeps old tmp dirs: leave no 100 MB file
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"
    assert registry_snapshot() == registry_with_one_recommendation
