"""What an adversarial run of hostile import files found (issue 12), each case through the
real command: a refusal is one line on standard error that says what is wrong and where,
and the registry is left exactly as it was (registry_snapshot). The attack files are made
here, small; none may take the machine's memory or minutes of its time.

Run on SQLite and on PostgreSQL (DATABASE_URL): every value is checked against the column
it goes to before anything is written, so both databases answer alike."""

import io

import docx
import pytest
from django.core.management import call_command
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from nmirf.ingest.models import ImportRun
from nmirf.recommendations.models import Document, Recommendation, Review
from tests.conftest import registry_snapshot
from tests.ingest.test_bad_input import UPR_HEADER, UPR_ROW, refuse, write

TEMPLATE_HEADER = "mechanism,state,review,session,document_symbol,paragraph,text"


@pytest.fixture
def registry_before(db, tmp_path):
    """Something in the registry already, so that 'unchanged' means something."""
    import_ok("upr-info", upr_info_csv(tmp_path, name="existing.csv"))
    return registry_snapshot()


def template_csv(tmp_path, rows: list[str], header: str = TEMPLATE_HEADER, name="t.csv"):
    return write(tmp_path / name, "\n".join([header, *rows]) + "\n")


def upr_info_csv(tmp_path, row: str = UPR_ROW, name="upr.csv"):
    return write(tmp_path / name, UPR_HEADER + "\n" + row + "\n")


def import_ok(fmt: str, path, *args) -> str:
    out = io.StringIO()
    call_command("import", fmt, str(path), *args, stdout=out)
    return out.getvalue()


def refused(capsys, fmt: str, path, *args) -> str:
    if not args:
        return refuse(capsys, fmt, path)
    with pytest.raises(SystemExit) as exited:
        call_command("import", fmt, str(path), *args, stdout=io.StringIO())
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, f"expected one line, got: {err!r}"
    return err.strip()


def assert_words(message: str, *words: str) -> None:
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"


# --- an OHCHR matrix, made small ------------------------------------------------------------

HEADINGS = ["Recommendation", "Position", "Full list of themes"]


def matrix(path, texts: list[str], *, header="UPR of Slovenia (3rd Cycle - 34th Session)"):
    document = docx.Document()
    document.sections[0].header.paragraphs[0].text = header
    table = document.add_table(rows=1, cols=len(HEADINGS))
    for cell, heading in zip(table.rows[0].cells, HEADINGS, strict=True):
        cell.text = heading
    for text in texts:
        cells = table.add_row().cells
        cells[0].text = text + "\nSource of position: A/HRC/43/15 - Para 121"
        cells[1].text = "Supported"
        cells[2].text = "- Acceptance of international norms"
    document.save(path)
    return document, table


def with_span(path, span: str, *, element: str = "gridSpan", cell: int = 0):
    """A matrix whose second row's first cell claims `span` columns (gridSpan), or whose
    second row skips `span` columns before its first cell (gridBefore)."""
    document, table = matrix(path, ["121.1 Ratify the Convention (France);"])
    row = table.rows[1]
    if element == "gridSpan":
        properties = row.cells[cell]._tc.get_or_add_tcPr()
    else:
        properties = row._tr.get_or_add_trPr()
    value = OxmlElement(f"w:{element}")
    value.set(qn("w:val"), span)
    properties.append(value)
    document.save(path)
    return path


# --- 1. resource exhaustion -----------------------------------------------------------------


@pytest.mark.parametrize(("element", "span"), [
    ("gridSpan", "100000000"), ("gridSpan", "2000000000"), ("gridBefore", "100000000")])
def test_a_cell_that_claims_millions_of_columns_is_refused_not_expanded(
    registry_before, tmp_path, capsys, element, span
):
    path = with_span(tmp_path / "span.docx", span, element=element)
    assert path.stat().st_size < 50_000  # a tiny file; expanded, gigabytes
    message = refused(capsys, "ohchr-matrix", path)
    assert_words(message, "span.docx", "table 1, row 2", f"{int(span):,} columns",
                 "at most 63", "damaged")
    assert registry_snapshot() == registry_before


def test_a_span_past_the_tables_own_grid_is_cut_at_its_edge(db, tmp_path):
    # Word never writes it, but a last cell spanning 50 columns of a 3-column table only
    # repeats its text: the row is read as it is.
    path = with_span(tmp_path / "wide.docx", "50", cell=2)
    import_ok("ohchr-matrix", path)
    recommendation = Recommendation.objects.get()
    assert recommendation.text == "Ratify the Convention"


def test_a_bracket_of_twenty_thousand_state_names_is_read_in_linear_time(db, tmp_path):
    # Before: 87 s of CPU for 1,000 names (a cubic search for names containing commas),
    # 221 s and more for 20,000. Now a fraction of a second: the reader tries no run of
    # parts longer than the longest state name has.
    names = ", ".join(["France", "Peru", "Chile", "Brazil", "Togo"] * 4000)
    path = tmp_path / "names.docx"
    matrix(path, [f"121.1 Ratify the Convention ({names});"])
    import_ok("ohchr-matrix", path)
    recommendation = Recommendation.objects.get()
    assert recommendation.text == "Ratify the Convention"
    assert sorted(recommendation.recommending_states.values_list("iso3", flat=True)) == [
        "BRA", "CHL", "FRA", "PER", "TGO"]


def test_a_bracket_of_twenty_thousand_unknown_names_is_refused_naming_one(
    registry_before, tmp_path, capsys
):
    names = ", ".join(f"Atlantis{chr(97 + i % 26)}{chr(97 + i // 26 % 26)}" for i in
                      range(20_000))
    path = tmp_path / "unknown.docx"
    matrix(path, [f"121.1 Ratify the Convention ({names});"])
    message = refused(capsys, "ohchr-matrix", path)
    assert_words(message, "unknown.docx, row 2", "unknown recommending state 'Atlantisaa'")
    assert registry_snapshot() == registry_before


def test_a_template_cell_of_twenty_thousand_names_is_refused_in_linear_time(
    registry_before, tmp_path, capsys
):
    # 15,000 names: 20,000 would pass the 100,000 characters a cell may hold.
    names = ";".join(f"U{i}" for i in range(15_000))
    path = template_csv(tmp_path, ['UPR,SVN,,34,,1,"Ratify it",'],
                        header=TEMPLATE_HEADER + ",recommending_states")
    path.write_text(path.read_text().replace('"Ratify it",', f'"Ratify it","{names}"'))
    message = refused(capsys, "template", path)
    assert_words(message, "row 2", "unknown recommending state 'U0'",
                 "problems in all: 15,000")
    assert registry_snapshot() == registry_before


def test_a_page_header_of_many_brackets_and_spaces_is_read_in_linear_time(db, tmp_path):
    # The pattern that finds "UPR of …" looked ahead from every "(" to the next ")", and
    # tried every split of a run of spaces: quadratic in a hostile header.
    header = ("UPR of Slovenia (3rd Cycle - 34th Session) " + "(" * 100_000 + " " * 100_000
              + "x")
    path = tmp_path / "header.docx"
    matrix(path, ["121.1 Ratify the Convention (France);"], header=header)
    import_ok("ohchr-matrix", path)
    assert Review.objects.get().key == "UPR:SVN:34"


# --- 2. one line, not a traceback: every value against its column -------------------------


@pytest.mark.parametrize(("column", "value", "words"), [
    ("Session", "99999999999999999999999",
     ["session 99999999999999999999999 is not a UPR session number (1 to 32,767)"]),
    ("Session", "3000000000", ["session 3000000000 is not a UPR session number"]),
    ("Session", "32768", ["session 32768 is not a UPR session number"]),
    ("Session", "0", ["session 0 is not a UPR session number"]),
    ("Session", "\u00b2", ["session '²' is not a number"]),
    ("Session", "9" * 5000, ["is not a number"]),
    ("Action", "\u00b3", ["action category '³' is not a number from 1 to 5"]),
    ("Action", "55", ["action category '55' is not a number from 1 to 5"]),
])
def test_a_number_out_of_its_columns_range_is_refused_in_one_line(
    registry_before, tmp_path, capsys, column, value, words
):
    row = UPR_ROW.split(",")
    position = {"Session": -1, "Action": -3}[column]
    row[position] = value
    path = upr_info_csv(tmp_path, ",".join(row))
    message = refused(capsys, "upr-info", path)
    assert_words(message, "upr.csv, row 2", *words)
    assert registry_snapshot() == registry_before


def test_a_session_option_out_of_range_is_refused_in_one_line(
    registry_before, tmp_path, capsys
):
    path = tmp_path / "nosession.docx"
    matrix(path, ["121.1 Ratify the Convention (France);"], header="UPR of Slovenia")
    message = refused(capsys, "ohchr-matrix", path, "--session", "40000")
    assert_words(message, "nosession.docx, row 2", "session 40000 is not a UPR session number")
    assert registry_snapshot() == registry_before


def test_two_document_symbols_that_share_their_first_120_characters_are_refused(
    registry_before, tmp_path, capsys
):
    # They were cut to 120 characters and collided in the database (IntegrityError).
    stem = "CERD/C/BRA/CO/" + "1" * 110
    path = template_csv(tmp_path, [f"CERD,BRA,18-20,,{stem}A,1,First",
                                   f"CERD,BRA,18-20,,{stem}B,2,Second"])
    message = refused(capsys, "template", path)
    assert_words(message, "t.csv, row 2", "document_symbol", "longer than the 120 characters",
                 "problems in all: 2")
    assert registry_snapshot() == registry_before


def test_a_review_longer_than_its_key_allows_is_imported_under_a_unique_key(db, tmp_path):
    # PostgreSQL refused it (varchar(120)); SQLite stored it. Its label fits its own
    # column (200 characters), so both now store it, its key ended by a hash.
    first, second = "x" * 150 + "1", "x" * 150 + "2"
    path = template_csv(tmp_path, [f"CERD,BRA,{first},,,1,First",
                                   f"CERD,BRA,{second},,,1,Second"])
    import_ok("template", path)
    reviews = Review.objects.order_by("label")
    assert [review.label for review in reviews] == [first, second]
    assert all(len(review.key) <= 120 for review in reviews)
    assert len({review.key for review in reviews}) == 2


def test_a_review_longer_than_its_column_is_refused(
    registry_before, tmp_path, capsys
):
    path = template_csv(tmp_path, [f"CERD,BRA,{'y' * 201},,,1,First"])
    message = refused(capsys, "template", path)
    assert_words(message, "t.csv, row 2", "review 'yyy", "longer than the 200 characters")
    assert registry_snapshot() == registry_before


def test_a_paragraph_longer_than_its_column_is_refused_on_first_import_and_on_re_import(
    db, tmp_path, capsys
):
    path = template_csv(tmp_path, ["CERD,BRA,18-20,,,10,Ratify it"])
    import_ok("template", path)
    before = registry_snapshot()
    long_paragraph = "10" + "a" * 40
    for rows in (["CERD,BRA,18-20,,,10,Ratify it", f"CERD,BRA,18-20,,,{long_paragraph},New"],
                 [f"CERD,BRA,18-20,,,{long_paragraph},New"]):
        path = template_csv(tmp_path, rows)
        message = refused(capsys, "template", path)
        assert_words(message, "paragraph '10aaa", "longer than the 40 characters")
        assert registry_snapshot() == before


# --- 3. encodings: detect or refuse, never guess wrong quietly ------------------------------


def test_a_file_mixing_utf8_and_windows_1252_rows_is_refused_naming_both_lines(
    registry_before, tmp_path, capsys
):
    utf8 = UPR_ROW.replace("Ratify the Convention.", "Éliminer la discrimination").encode()
    legacy = UPR_ROW.replace("Ratify the Convention.", "Améliorer le café").encode("cp1252")
    path = write(tmp_path / "mixed.csv", UPR_HEADER.encode() + b"\n" + utf8 + b"\n" + legacy)
    message = refused(capsys, "upr-info", path)
    assert_words(message, "mixed.csv mixes two encodings", "line 2 is UTF-8", "line 3",
                 "0xE9", "save the whole file as UTF-8")
    assert registry_snapshot() == registry_before


@pytest.mark.parametrize(("text", "encoding"), [
    ("التعليم للجميع وحقوق الإنسان", "cp1256"),
    ("すべての人のための教育と人権", "shift_jis"),
    ("Образование для всех", "cp1251"),
    ("Eğitim ve insan hakları için çalışmak", "cp1254"),
])
def test_a_legacy_code_page_that_is_not_western_is_refused_not_stored_as_garbage(
    registry_before, tmp_path, capsys, text, encoding
):
    row = UPR_ROW.replace("Ratify the Convention.", text)
    path = write(tmp_path / "legacy.csv", (UPR_HEADER + "\n" + row).encode(encoding))
    message = refused(capsys, "upr-info", path)
    assert_words(message, "legacy.csv is not UTF-8 text, nor Windows-1252 or Mac Roman text",
                 "line 2", "Save the file as UTF-8")
    assert registry_snapshot() == registry_before


def test_upr_infos_own_mac_roman_still_imports(db, tmp_path):
    row = UPR_ROW.replace("Ratify the Convention.", "Ratify (Réunion) the “Convention”")
    path = write(tmp_path / "upr.csv", (UPR_HEADER + "\r" + row).encode("mac_roman"))
    import_ok("upr-info", path)
    assert Recommendation.objects.get().text == "Ratify (Réunion) the “Convention”"


def test_a_template_csv_must_be_utf8_and_the_refusal_says_how_to_save_it(
    registry_before, tmp_path, capsys
):
    path = write(tmp_path / "excel.csv",
                 (TEMPLATE_HEADER + "\r\nCERD,BRA,18-20,,,10,Garantir l'égalité\r\n")
                 .encode("cp1252"))
    message = refused(capsys, "template", path)
    assert_words(message, "excel.csv is not UTF-8 text: line 2 holds the byte 0xE9",
                 "CSV UTF-8")
    assert registry_snapshot() == registry_before


def test_a_column_given_twice_in_a_upr_info_export_is_refused(
    registry_before, tmp_path, capsys
):
    path = write(tmp_path / "twice.csv", UPR_HEADER + ",Text\n" + UPR_ROW + ',"Other text"\n')
    message = refused(capsys, "upr-info", path)
    assert_words(message, "twice.csv has the columns Text more than once")
    assert registry_snapshot() == registry_before


# --- 4. terminal escapes ----------------------------------------------------------------------

ESCAPES = "\x1b]0;owned\x07\x1b[2J\x9b31m\u202e"
CONTROLS = "\x1b\x07\x9b\u202e"


def test_control_characters_of_a_header_are_escaped_in_the_error_line(
    registry_before, tmp_path, capsys
):
    path = template_csv(tmp_path, ["CERD,BRA,18-20,,,10,Ratify it"],
                        header=TEMPLATE_HEADER + f",evil{ESCAPES}")
    message = refused(capsys, "template", path)
    assert_words(message, r"evil\x1b]0;owned\x07\x1b[2J\x9b31m\u202e")
    assert not any(char in message for char in CONTROLS)
    assert registry_snapshot() == registry_before


def test_nmirf_runs_escapes_what_a_file_put_in_a_run(db, tmp_path, capsys):
    path = template_csv(tmp_path, ["CERD,BRA,18-20,,,10\x1b[31m,Ratify it"],
                        name=f"f{ESCAPES[:5]}.csv")
    refused(capsys, "template", path)
    run = ImportRun.objects.latest("pk")
    out = io.StringIO()
    call_command("runs", str(run.pk), stdout=out)
    call_command("runs", stdout=out)
    shown = out.getvalue()
    assert "\\x1b" in shown and "paragraph" in shown
    assert not any(char in shown for char in CONTROLS)


def test_control_characters_are_kept_out_of_stored_text(db, tmp_path):
    path = template_csv(tmp_path, ['CERD,BRA,18-20,,,10,"Ratify\x1b[2J it\x07\r\nnow\tplease"'])
    import_ok("template", path)
    assert Recommendation.objects.get().text == "Ratify[2J it\nnow\tplease"


@pytest.mark.parametrize(("header", "row", "column"), [
    (TEMPLATE_HEADER, "CERD,BRA,18-20,,A/HRC/1\x1b,10,Ratify it", "document_symbol"),
    (TEMPLATE_HEADER + ",external_id", "CERD,BRA,18-20,,,10,Ratify it,R1\x07", "external_id"),
])
def test_a_control_character_in_a_value_that_identifies_a_row_is_refused(
    registry_before, tmp_path, capsys, header, row, column
):
    path = template_csv(tmp_path, [row], header=header)
    message = refused(capsys, "template", path)
    assert_words(message, column, "holds a control character")
    assert registry_snapshot() == registry_before
    assert not Document.objects.exists()
