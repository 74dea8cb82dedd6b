"""Reading CSV files safely (nmirf/ingest/files/csv.py): encodings, delimiters, line
endings, and hostile or broken files refused with a message that names the file, the
row and the column, quickly."""

import codecs
import csv
import time

from nmirf.core.spreadsheets import unneutralise, write_csv
from nmirf.ingest.files import (
    WESTERN_LEGACY,
    SheetRow,
    read_csv_rows,
)
from nmirf.ingest.files.csv import detect_encoding
from tests.file_cases import MB, error_of, read_all

# --- CSV ------------------------------------------------------------------------------------


def test_it_reads_utf8_csv_with_a_bom_and_a_quoted_multiline_cell(tmp_path):
    path = tmp_path / "cerd.csv"
    path.write_bytes(codecs.BOM_UTF8 + 'mechanism,state,text\r\nCERD,Brazil,"Afro-Brazilians,'
                     '\r\nQuilombolas"\r\n\r\nCERD,Brasil,"São Paulo ""quoted"""\r\n'
                     .encode())
    assert read_all(read_csv_rows(path)) == [
        SheetRow(1, ["mechanism", "state", "text"]),
        SheetRow(2, ["CERD", "Brazil", "Afro-Brazilians,\r\nQuilombolas"]),
        SheetRow(4, ["CERD", "Brasil", 'São Paulo "quoted"']),
    ]


def test_it_reads_mac_roman_with_bare_cr_line_endings(tmp_path):
    path = tmp_path / "upr.csv"
    path.write_bytes("To,Text\rFrance,Ratifier la Convention \u2019relative\u2019 à "
                     "l'élimination\rCôte d'Ivoire,Améliorer".encode("mac_roman"))
    assert detect_encoding(path, legacy=WESTERN_LEGACY) == "mac_roman"
    assert read_all(read_csv_rows(path, legacy=WESTERN_LEGACY)) == [
        SheetRow(1, ["To", "Text"]),
        SheetRow(2, ["France", "Ratifier la Convention \u2019relative\u2019 à l'élimination"]),
        SheetRow(3, ["Côte d'Ivoire", "Améliorer"]),
    ]


def test_it_reads_windows_1252_with_semicolons(tmp_path):
    path = tmp_path / "excel-fr.csv"
    path.write_bytes("mécanisme;état;texte\r\nCERD;Brésil;« égalité » – café\r\n"
                     .encode("cp1252"))
    assert detect_encoding(path, legacy=WESTERN_LEGACY) == "cp1252"
    assert read_all(read_csv_rows(path, legacy=WESTERN_LEGACY))[1] == SheetRow(
        2, ["CERD", "Brésil", "« égalité » – café"])


def test_it_reads_legacy_encodings_only_where_the_format_is_known_to_use_them(tmp_path):
    path = tmp_path / "excel-fr.csv"
    path.write_bytes("mécanisme;état\r\nCERD;Brésil\r\n".encode("cp1252"))
    assert error_of(read_csv_rows(path)) == (
        "excel-fr.csv is not UTF-8 text: line 1 holds the byte 0xE9. Save the file as UTF-8 "
        "(in Excel: CSV UTF-8, or an Excel workbook) and import it again.")


def test_it_reads_utf16_with_a_bom(tmp_path):
    path = tmp_path / "unicode.csv"
    path.write_bytes("text\tstate\r\nالتعليم\tMAR\r\n".encode("utf-16"))
    assert read_all(read_csv_rows(path))[1] == SheetRow(2, ["التعليم", "MAR"])


def test_it_refuses_an_empty_csv(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    assert error_of(read_csv_rows(path)) == "empty.csv is empty."


def test_it_refuses_a_csv_of_blank_lines(tmp_path):
    path = tmp_path / "blank.csv"
    path.write_bytes(b"\r\n,,\r\n  \r\n")
    assert error_of(read_csv_rows(path)) == "blank.csv is empty."


def test_it_refuses_a_binary_file_as_csv(tmp_path):
    path = tmp_path / "data.csv"
    path.write_bytes(b"mechanism,state\r\nCERD,\x00\x01\x02")
    assert error_of(read_csv_rows(path)) == (
        "data.csv is not a text file: it holds binary data (a NUL byte at byte 22). Import "
        "a CSV saved as text, or an .xlsx workbook."
    )


def test_it_refuses_a_png_renamed_csv(tmp_path):
    path = tmp_path / "photo.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert error_of(read_csv_rows(path)) == (
        "photo.csv is a PNG image, not a CSV file: import a CSV or an Excel workbook (.xlsx)."
    )


def test_it_refuses_a_truncated_csv_naming_the_row(tmp_path):
    path = tmp_path / "cut.csv"
    path.write_bytes(b'mechanism,state,text\r\nCERD,BRA,"complete"\r\n'
                     b'CERD,BRA,"The Committee recommends that the State par')
    assert error_of(read_csv_rows(path)) == (
        "cut.csv ends inside a quoted field at row 3: the file looks truncated (a quote mark "
        "opened there is never closed)."
    )


def test_it_does_not_take_a_literal_inch_mark_for_truncation(tmp_path):
    path = tmp_path / "inch.csv"
    path.write_bytes(b'text,size\r\nscreens,15" wide')
    assert read_all(read_csv_rows(path))[1] == SheetRow(2, ["screens", '15" wide'])


def test_it_refuses_a_100_mb_csv_cell_naming_row_and_column_quickly(huge_file):
    path = huge_file("huge.csv")
    with path.open("wb") as handle:
        handle.write(b"mechanism,state,text,paragraph\r\nCERD,BRA,ok,1\r\nCERD,BRA,")
        for _ in range(100):
            handle.write(b"x" * MB)
        handle.write(b",2\r\n")
    started = time.monotonic()
    message = error_of(read_csv_rows(path))
    assert time.monotonic() - started < 10
    assert message == (
        "huge.csv, row 3, column 'text': the cell is longer than 100,000 characters; no cell "
        "may be that long."
    )


def test_it_refuses_an_overlong_quoted_multiline_csv_cell(tmp_path):
    path = tmp_path / "open-quote.csv"
    lines = b"".join(b"line %d of a runaway cell\r\n" % n for n in range(5000))
    path.write_bytes(b'mechanism,text\r\nCERD,"never closed\r\n' + lines + b"CERD,x\r\n")
    assert error_of(read_csv_rows(path)) == (
        "open-quote.csv, row 2, column 'text': the cell is longer than 100,000 characters "
        "(it runs over many lines: perhaps a quote mark opened in it is never closed); no "
        "cell may be that long."
    )


def test_it_leaves_the_csv_field_size_limit_as_it_found_it(tmp_path):
    path = tmp_path / "small.csv"
    path.write_bytes(b"a,b\r\n1,2\r\n")
    before = csv.field_size_limit()
    read_all(read_csv_rows(path))
    assert csv.field_size_limit() == before

def test_it_reads_back_what_it_exported_without_the_apostrophes(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(write_csv([["CERD", "-equal treatment"]], ["mechanism", "text"]),
                    encoding="utf-8", newline="")
    rows = read_all(read_csv_rows(path))
    assert [unneutralise(cell) for cell in rows[1].cells] == ["CERD", "-equal treatment"]
