"""The import template: a treaty body's recommendations typed into CSV or XLSX become
SourceRows; a file with missing or renamed columns, a bad row, or hostile content is refused
with a message naming the file, the row and the column; the blank template handed out by
`nmirf template` opens in a spreadsheet program with the documented columns."""

import io
import zipfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook, load_workbook

from nmirf.core.spreadsheets import write_csv
from nmirf.ingest.records import RowProblem, SourceError, SourceRow
from nmirf.ingest.sources import template
from nmirf.ingest.sources.template import COLUMN_NAMES, COLUMNS

# CERD's concluding observations on Brazil (CERD/C/BRA/CO/18-20, 19 December 2022).
PARA_6 = ("The Committee recommends that the State party carry out a thorough assessment of "
          "all its mechanisms for collecting demographic data at the federal, state and "
          "municipal levels and promptly address any gaps or weaknesses in the collection, "
          "verification and integration of such data.")
PARA_10 = ("Recalling its general recommendation No. 17 (1993) on the establishment of "
           "national institutions to facilitate the implementation of the Convention and "
           "reiterating the role that such an institution can play, the Committee recommends "
           "that the State party establish an institution, in accordance with the Paris "
           "Principles, with a clear mandate to ensure the implementation of the Convention "
           "and monitor compliance with its provisions throughout the State party.")
PARA_27C = ("The Committee recommends that the State party take all effective measures to "
            "substantially increase the levels of political representation among "
            "Afro-Brazilians, Indigenous Peoples and Quilombolas, including by: (c) Taking "
            "immediate action to prevent and address all forms of violence against "
            "Afro-Brazilian women seeking or holding political office, including those seen "
            "as LGBTQI+ women, holding perpetrators accountable and providing remedies to "
            "victims.")
HEADER = ["mechanism", "state", "review", "document_symbol", "document_date", "paragraph",
          "text", "themes", "affected_persons", "sdg"]
CERD_ROWS = [
    ["CERD", "BRA", "18-20", "CERD/C/BRA/CO/18-20", "2022-12-19", "6", PARA_6,
     "Statistics and data collection", "People of African descent; Indigenous peoples",
     "17.18"],
    ["CERD", "BRA", "18-20", "CERD/C/BRA/CO/18-20", "2022-12-19", "10", PARA_10,
     "National human rights institutions", "", "SDG 16.A"],
    ["CERD", "Brazil", "18-20", "CERD/C/BRA/CO/18-20", "19 December 2022", "27(c)", PARA_27C,
     "Participation in public affairs;\nViolence against women",
     "Women; People of African descent", "5.5, 16.7"],
]


def _expected(file: str) -> list[SourceRow]:
    common = {"source": "template", "file": file, "mechanism": "CERD", "review_label": "18-20",
              "review_date": "2022-12-19", "document_symbol": "CERD/C/BRA/CO/18-20"}
    return [
        SourceRow(row=2, key="CERD:BRA:18-20:6", state="BRA", text=PARA_6, paragraph="6",
                  terms={"uhri_themes": ["Statistics and data collection"],
                         "affected_persons": ["People of African descent",
                                              "Indigenous peoples"],
                         "sdg": ["17.18"]}, **common),
        SourceRow(row=3, key="CERD:BRA:18-20:10", state="BRA", text=PARA_10, paragraph="10",
                  terms={"uhri_themes": ["National human rights institutions"],
                         "affected_persons": [], "sdg": ["16.a"]}, **common),
        SourceRow(row=4, key="CERD:BRA:18-20:27(c)", state="Brazil", text=PARA_27C,
                  paragraph="27(c)",
                  terms={"uhri_themes": ["Participation in public affairs",
                                         "Violence against women"],
                         "affected_persons": ["Women", "People of African descent"],
                         "sdg": ["5.5", "16.7"]}, **common),
    ]


def _csv(path, rows, header=HEADER):
    path.write_text(write_csv(rows, header), encoding="utf-8", newline="")
    return path


def _xlsx(path, rows, header=HEADER, title="Recommendations"):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def _error(path, **kwargs) -> str:
    with pytest.raises(SourceError) as caught:
        list(template.read(path, **kwargs))
    return str(caught.value)


# --- reading --------------------------------------------------------------------------------


def test_it_reads_a_treaty_body_template_csv(tmp_path):
    path = _csv(tmp_path / "cerd-brazil.csv", CERD_ROWS)
    assert list(template.read(path)) == _expected("cerd-brazil.csv")


def test_it_reads_the_same_template_as_xlsx(tmp_path):
    path = _xlsx(tmp_path / "cerd-brazil.xlsx", CERD_ROWS)
    assert list(template.read(path, display_name="uploads/cerd.xlsx")) == \
        _expected("uploads/cerd.xlsx")


def test_it_reads_excel_dates_and_numbers_as_written(tmp_path):
    import datetime as dt

    rows = [["CERD", "BRA", "18-20", "CERD/C/BRA/CO/18-20", dt.datetime(2022, 12, 19), 10,
             PARA_10, "", "", 16]]
    path = _xlsx(tmp_path / "typed.xlsx", rows)
    [row] = template.read(path)
    assert (row.review_date, row.paragraph, row.terms["sdg"]) == ("2022-12-19", "10", ["16"])


def test_it_decides_the_format_by_content_not_name(tmp_path):
    path = _xlsx(tmp_path / "really-a-workbook.csv", CERD_ROWS)
    assert [row.key for row in template.read(path)] == \
        ["CERD:BRA:18-20:6", "CERD:BRA:18-20:10", "CERD:BRA:18-20:27(c)"]


def test_it_reads_the_recommendations_sheet_of_the_blank_template(tmp_path):
    workbook = load_workbook(io.BytesIO(template.blank_template_xlsx()))
    workbook["Recommendations"].append(
        ["CERD", "BRA", "18-20", "", "CERD/C/BRA/CO/18-20", "2022-12-19", "10", PARA_10])
    workbook.move_sheet("Recommendations", offset=2)  # not the first sheet any more
    path = tmp_path / "filled.xlsx"
    workbook.save(path)
    [row] = template.read(path)
    assert (row.row, row.key, row.text) == (2, "CERD:BRA:18-20:10", PARA_10)


def test_it_reads_header_names_loosely(tmp_path):
    path = _csv(tmp_path / "loose.csv", [["CERD", "BRA", "8(a)", "Guarantee …"]],
                header=["Mechanism", " STATE ", "Paragraph", "text"])
    [row] = template.read(path)
    assert (row.mechanism, row.state, row.paragraph, row.key) == \
        ("CERD", "BRA", "8(a)", "CERD:BRA::8(a)")


def test_it_reads_a_special_procedure_visit_with_the_mandate_as_mechanism(tmp_path):
    path = _csv(tmp_path / "sp.csv", [
        ["sr-housing", "MAR", "2011", "79(a)", "Adopt a housing policy", ""],
        ["SP", "MAR", "2011", "79(b)", "Ensure security of tenure", "sr-housing"],
    ], header=["mechanism", "state", "review", "paragraph", "text", "mandate"])
    rows = list(template.read(path))
    assert [(r.mechanism, r.mandate, r.review_label, r.key) for r in rows] == [
        ("SP", "sr-housing", "2011", "SP:MAR:2011:79(a)"),
        ("SP", "sr-housing", "2011", "SP:MAR:2011:79(b)"),
    ]


def test_it_reads_upr_rows_with_session_positions_and_recommending_states(tmp_path):
    path = _csv(tmp_path / "upr.csv", [
        ["UPR", "SVN", "34", "", "115.1", "Ratify the Convention", "Portugal; Korea, Republic of",
         "Supported", "5"],
        ["upr", "SVN", "", "UPR session 34", "115.2", "Consider ratifying", "Chile", "noted",
         ""],
    ], header=["mechanism", "state", "review", "session", "paragraph", "text",
               "recommending_states", "position", "action_category"])
    first, second = template.read(path)
    assert (first.session, first.review_label, first.recommending_states, first.position,
            first.action_category, first.key) == (
        34, "", ["Portugal", "Korea, Republic of"], "Supported", "5", "UPR:SVN:34:115.1")
    assert (second.session, second.position, second.key) == (34, "noted", "UPR:SVN:34:115.2")


def test_it_uses_the_external_id_as_the_key(tmp_path):
    path = _csv(tmp_path / "didh.csv", [["CAT", "MAR", "R11P4", "Veiller à …", "fr"]],
                header=["mechanism", "state", "external_id", "text", "language"])
    [row] = template.read(path)
    assert (row.key, row.language, row.paragraph) == ("R11P4", "fr", "")


def test_it_shortens_long_keys_with_a_hash(tmp_path):
    path = _csv(tmp_path / "long.csv", [["CERD", "BRA", "x" * 200, "text"]],
                header=["mechanism", "state", "external_id", "text"])
    [row] = template.read(path)
    assert len(row.key) == 71 and row.key.startswith("x" * 58 + "#")


def test_it_removes_the_apostrophe_an_export_put_before_a_formula_sign(tmp_path):
    path = _csv(tmp_path / "exported.csv", [["CERD", "BRA", "1", "-equal pay"]],
                header=["mechanism", "state", "paragraph", "text"])
    assert "'-equal pay" in path.read_text(encoding="utf-8-sig")
    [row] = template.read(path)
    assert row.text == "-equal pay"


# --- refusing the file ----------------------------------------------------------------------


def test_it_refuses_missing_columns(tmp_path):
    path = _csv(tmp_path / "x.csv", [["CERD", "BRA", "10"]],
                header=["mechanism", "state", "paragraph"])
    assert _error(path) == (
        "x.csv is missing the columns: text. Download the blank template (nmirf template > "
        "blank.xlsx) to see the columns it expects: " + ", ".join(COLUMN_NAMES) + "."
    )


def test_it_refuses_renamed_columns(tmp_path):
    path = _csv(tmp_path / "x.csv", [["CERD", "BRA", "10", PARA_10]],
                header=["mechanism", "country", "paragraph", "txt"])
    assert _error(path) == (
        "x.csv is missing the columns: state, text; unexpected columns: country, txt. "
        "Download the blank template (nmirf template > blank.xlsx) to see the columns it "
        "expects: " + ", ".join(COLUMN_NAMES) + "."
    )


def test_it_refuses_an_unknown_optional_column_rather_than_lose_its_values(tmp_path):
    path = _xlsx(tmp_path / "x.xlsx", [["CERD", "BRA", "10", PARA_10]],
                 header=["mechanism", "state", "para", "text"])
    assert _error(path).startswith("x.xlsx has unexpected columns: para. Download the blank "
                                   "template")


def test_it_refuses_a_column_given_twice(tmp_path):
    path = _csv(tmp_path / "x.csv", [["CERD", "BRA", "a", "b"]],
                header=["mechanism", "state", "text", "Text"])
    assert _error(path).startswith("x.csv has columns given twice: Text. Download")


def test_it_refuses_an_empty_file(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    assert _error(path) == "empty.csv is empty."


def test_it_refuses_the_blank_template_itself(tmp_path):
    path = tmp_path / "blank.xlsx"
    path.write_bytes(template.blank_template_xlsx())
    assert _error(path) == ("blank.xlsx has the template's columns but no recommendations "
                            "below them.")


def test_it_refuses_a_png_renamed_xlsx(tmp_path):
    path = tmp_path / "scan.xlsx"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64))
    assert _error(path) == ("scan.xlsx is a PNG image, not a spreadsheet: import a CSV or an "
                            "Excel workbook (.xlsx).")


def test_it_refuses_a_truncated_csv(tmp_path):
    path = _csv(tmp_path / "cut.csv", CERD_ROWS)
    data = path.read_bytes()
    path.write_bytes(data[:data.index(b"Afro-Brazilians") + 5])
    assert _error(path) == ("cut.csv ends inside a quoted field at row 4: the file looks "
                            "truncated (a quote mark opened there is never closed).")


def test_it_refuses_a_100_mb_cell(tmp_path):
    path = tmp_path / "huge.csv"
    with path.open("wb") as handle:
        handle.write(b"mechanism,state,paragraph,text\r\nCERD,BRA,10,")
        for _ in range(100):
            handle.write(b"y" * (1024 * 1024))
    try:
        assert _error(path) == ("huge.csv, row 2, column 'text': the cell is longer than "
                                "100,000 characters; no cell may be that long.")
    finally:
        path.unlink()  # pytest keeps the last runs' tmp dirs: do not leave 100 MB there


def test_it_refuses_an_xlsx_zip_bomb(tmp_path):
    path = _xlsx(tmp_path / "bomb.xlsx", CERD_ROWS)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive, \
            archive.open("xl/media/padding.bin", "w") as stream:
        for _ in range(40):
            stream.write(bytes(1024 * 1024))
    assert _error(path).startswith("bomb.xlsx looks like a zip bomb: its part "
                                   "xl/media/padding.bin would expand ")


# --- refusing rows --------------------------------------------------------------------------


def test_it_reports_each_bad_row_with_its_column(tmp_path):
    path = _csv(tmp_path / "rows.csv", [
        ["CERD", "BRA", "18-20", "", "", "10", PARA_10, "", "", ""],
        ["CERD", "", "18-20", "", "19/12/2022", "11", "", "", "", "SDG ten"],
        ["CERD", "BRA", "18-20", "", "", "", "no paragraph", "", "", ""],
        ["CERD", "BRA", "18-20", "", "", "10", "the same paragraph again", "", "", ""],
    ])
    assert list(template.read(path))[1:] == [
        RowProblem("rows.csv", 3, "the 'state' column is empty", "state"),
        RowProblem("rows.csv", 3, "the 'text' column is empty", "text"),
        RowProblem("rows.csv", 3, "document_date '19/12/2022' is not a date: write it as "
                   "YYYY-MM-DD (for example 2022-12-19)", "document_date"),
        RowProblem("rows.csv", 3, "sdg 'SDG ten' is not a goal or target code such as 10 or "
                   "16.a", "sdg"),
        RowProblem("rows.csv", 4, "give the paragraph number (or an external_id): without one "
                   "the recommendation cannot be found again when the file is re-imported",
                   "paragraph"),
        RowProblem("rows.csv", 5, "has the same mechanism, state, review and paragraph as row "
                   "2: give each recommendation its own paragraph (such as 8(a) and 8(b)) or "
                   "external_id", "paragraph"),
    ]


def test_it_reports_a_formula_cell_naming_row_and_column(tmp_path):
    rows = [list(row) for row in CERD_ROWS]
    rows[2][6] = '=CONCATENATE("The Committee ", "recommends")'
    path = _xlsx(tmp_path / "formula.xlsx", rows)
    results = list(template.read(path))
    assert results[2] == RowProblem(
        "formula.xlsx", 4, "column 'text': formulas are not accepted; paste the value instead "
        "(Paste Special → Values)", "text")
    assert [r.row for r in results if isinstance(r, SourceRow)] == [2, 3]


def test_it_reports_a_value_under_no_heading(tmp_path):
    path = _xlsx(tmp_path / "shifted.xlsx", [["CERD", "BRA", "10", PARA_10, "stray"]],
                 header=["mechanism", "state", "paragraph", "text"])
    assert list(template.read(path)) == [RowProblem(
        "shifted.xlsx", 2, "column E has a value but no template heading; move it to a "
        "template column or delete it", "")]


# --- the blank template ---------------------------------------------------------------------


def test_it_documents_every_column():
    assert [column.name for column in COLUMNS] == COLUMN_NAMES
    assert [name for name, required, _ in COLUMNS if required] == ["mechanism", "state", "text"]
    assert all(description.strip() for _, _, description in COLUMNS)


def test_it_writes_the_blank_template_to_stdout_as_a_workbook():
    out = io.BytesIO()
    call_command("template", stdout=out)
    workbook = load_workbook(io.BytesIO(out.getvalue()))
    assert workbook.sheetnames == ["Recommendations", "Columns", "Mechanisms", "Mandates"]
    sheet = workbook["Recommendations"]
    assert [cell.value for cell in sheet[1]] == COLUMN_NAMES
    assert sheet.max_row == 1
    documented = [[cell.value for cell in row]
                  for row in workbook["Columns"].iter_rows(min_row=2, max_col=3)]
    assert documented == [[c.name, "required" if c.required else None, c.description]
                          for c in COLUMNS]
    codes = [row[0].value for row in workbook["Mechanisms"].iter_rows(min_row=2)]
    assert {"UPR", "CCPR", "CERD", "CEDAW", "CRC", "SP", "IACHR", "ACHPR", "ECtHR"} <= set(codes)
    mandates = [row[0].value for row in workbook["Mandates"].iter_rows(min_row=2)]
    assert "sr-housing" in mandates


def test_it_writes_the_blank_template_to_a_file(tmp_path):
    path = tmp_path / "blank.xlsx"
    call_command("template", "-o", str(path))
    assert [c.value for c in load_workbook(path)["Recommendations"][1]] == COLUMN_NAMES


def test_it_writes_the_csv_template():
    out = io.StringIO()
    call_command("template", "--csv", stdout=out)
    assert out.getvalue() == "\ufeff" + ",".join(COLUMN_NAMES) + "\r\n"


def test_it_will_not_write_a_workbook_to_a_terminal():
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    with pytest.raises(CommandError, match="redirect it to a file"):
        call_command("template", stdout=Terminal())


# --- through the import pipeline ------------------------------------------------------------


@pytest.mark.django_db
def test_it_imports_a_template_and_leaves_nothing_behind_on_bad_input(tmp_path, capsys):
    from nmirf.recommendations.models import Recommendation

    path = _csv(tmp_path / "cerd-brazil.csv", CERD_ROWS)
    call_command("import", "template", str(path), "--no-progress", stdout=io.StringIO())
    imported = Recommendation.objects.filter(review__mechanism__code="CERD")
    assert imported.count() == 3
    assert {r.review.label for r in imported} == {"18-20"}
    assert {r.review.state.iso3 for r in imported} == {"BRA"}
    assert sorted(imported.values_list("paragraph", flat=True)) == ["10", "27(c)", "6"]

    call_command("import", "template", str(path), "--no-progress", stdout=io.StringIO())
    assert Recommendation.objects.count() == 3  # the same rows again: updated, not added

    bad = _csv(tmp_path / "bad.csv", [*CERD_ROWS, ["CERD", "Brasil", "18-20", "", "", "12",
                                                   "another", "", "", ""]])
    with pytest.raises(SystemExit) as exited:
        call_command("import", "template", str(bad), "--no-progress", stdout=io.StringIO())
    assert exited.value.code == 2
    error = capsys.readouterr().err
    assert error.startswith("Rows rejected: 1; nothing was imported. ")
    assert error.endswith("bad.csv, row 5: unknown state under review 'Brasil'.\n")
    assert Recommendation.objects.count() == 3


def test_the_key_is_the_same_whether_the_state_is_written_as_a_code_or_a_name(tmp_path):
    first = _csv(tmp_path / "codes.csv", [["CERD", "BRA", "18-20", "", "", "6", PARA_6,
                                           "", "", ""]])
    second = _csv(tmp_path / "names.csv", [["CERD", "Brazil", "18-20", "", "", "6", PARA_6,
                                            "", "", ""]])
    assert next(template.read(first)).key == next(template.read(second)).key == \
        "CERD:BRA:18-20:6"
