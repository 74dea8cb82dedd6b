"""The OHCHR thematic list / matrix adapter, on the six real files and on hostile input.

Counts are table rows that start with a paragraph number (SOURCES.md). Every such row of
the six files carries exactly one paragraph number — OHCHR's merging is inside the text of
a paragraph ("… (Egypt); continue … (Peru); …") — so rows and recommendations are the same
number here; the synthetic tests below cover rows that hold several paragraphs.
"""

import csv
import re
import zipfile
from collections import Counter
from pathlib import Path

import docx
import pytest

from nmirf.ingest.records import RowProblem, SourceError, SourceRow
from nmirf.ingest.sources import ohchr_matrix
from nmirf.recommendations.seeding import SEED_DIR
from tests.conftest import shared_file

MATRICES = "ohchr_upr_matrices"

# file: (state, session, cycle, table rows = recommendations, positions, document symbol)
EXPECTED = {
    "Slovenia_UPR20_2014_cycle2_ThematicList.docx": (
        "Slovenia", 20, 2, 163, {"Supported": 142, "Noted": 21}, "A/HRC/28/15/Add.1"),
    "Slovenia_UPR34_2019_cycle3_ThematicList.docx": (
        "Slovenia", 34, 3, 215, {"Supported": 182, "Noted": 33}, "A/HRC/43/15/Add.1"),
    "Slovenia_UPR48_2025_cycle4_ThematicList.docx": (
        "Slovenia", 48, 4, 254, {"Supported": 217, "Noted": 37}, "A/HRC/59/15/Add.1"),
    "China_UPR17_2013_cycle2_Matrix.docx": (
        "China", 17, 2, 252, {"Supported": 204, "Noted": 48}, "A/HRC/25/5/Add.1"),
    "China_UPR31_2018_cycle3_Matrix.docx": (
        "China", 31, 3, 346, {"Supported": 284, "Noted": 62}, "A/HRC/40/6/Add.1"),
    "Egypt_UPR20_2014_cycle2_Matrix.docx": (
        "Egypt", 20, 2, 300, {"Supported": 224, "Noted": 53, "Supported/Noted": 23},
        "A/HRC/28/16/Add.1"),
}
ISO3 = {"Slovenia": "SVN", "China": "CHN", "Egypt": "EGY"}

_cache: dict[str, list] = {}


def read_real(file_name: str) -> list:
    if file_name not in _cache:
        _cache[file_name] = list(ohchr_matrix.read(shared_file(MATRICES, file_name)))
    return _cache[file_name]


def recommendations(file_name: str) -> dict[str, SourceRow]:
    return {row.paragraph: row for row in read_real(file_name) if isinstance(row, SourceRow)}


def seeded_codes(file_name: str) -> set[str]:
    """The first column (code, goal or target) of a seed file."""
    with (SEED_DIR / file_name).open(encoding="utf-8", newline="") as handle:
        return {row[0] for row in list(csv.reader(handle))[1:]}


# --- the six real files ------------------------------------------------------------------


@pytest.mark.parametrize("file_name", sorted(EXPECTED))
def test_it_reads_every_recommendation_of_the_real_matrices(file_name):
    state, session, cycle, count, positions, symbol = EXPECTED[file_name]
    rows = read_real(file_name)

    assert [row for row in rows if isinstance(row, RowProblem)] == []
    assert len(rows) == count
    assert dict(Counter(row.position for row in rows)) == positions
    assert {(row.state, row.session, row.cycle) for row in rows} == {(state, session, cycle)}
    assert {(row.source, row.mechanism, row.language) for row in rows} == {
        ("ohchr_matrix", "UPR", "en")}
    assert symbol in {row.document_symbol for row in rows}
    keys = [row.key for row in rows]
    assert len(set(keys)) == count
    assert all(key == f"{ISO3[state]}:{session}:{row.paragraph}"
               for key, row in zip(keys, rows, strict=True))
    assert all(re.fullmatch(r"\d{1,3}\.\d{1,3}", row.paragraph) for row in rows)
    assert all(row.recommending_states for row in rows)
    assert all(row.terms["uhri_themes"] for row in rows)


@pytest.mark.parametrize("file_name", sorted(EXPECTED))
def test_it_leaves_no_recommending_state_at_the_end_of_the_text(file_name):
    for row in read_real(file_name):
        last = row.recommending_states[-1]
        assert not row.text.rstrip(" ;.").endswith(f"({last})"), (row.paragraph, row.text)
        assert not re.match(r"\d{1,3}\.\d", row.text), row.text
        assert row.text[-1] not in ";, ", row.text


def test_it_reads_the_state_and_session_from_the_page_header():
    row = recommendations("China_UPR17_2013_cycle2_Matrix.docx")["186.28"]
    assert (row.state, row.session, row.cycle, row.row) == ("China", 17, 2, 3)
    assert row.text == ("Continue its efforts on the ratification of other human rights "
                        "instruments and relevant protocols")
    assert row.recommending_states == ["Mongolia"]
    assert row.key == "CHN:17:186.28"


def test_it_finds_the_session_of_a_header_that_names_only_the_cycle():
    # "UPR of Egypt - Second Cycle": Egypt's second-cycle review was session 20.
    row = recommendations("Egypt_UPR20_2014_cycle2_Matrix.docx")["166.6"]
    assert (row.state, row.session, row.cycle) == ("Egypt", 20, 2)


def test_it_splits_a_bracket_of_several_states_keeping_names_with_commas():
    rows = recommendations("Slovenia_UPR20_2014_cycle2_ThematicList.docx")
    assert rows["115.8"].recommending_states == [
        "Senegal", "Sierra Leone", "Venezuela (Bolivarian Republic of)", "Peru", "Uruguay"]
    assert rows["115.8"].text == "Ratify ICRMW"
    assert rows["115.75"].recommending_states == ["Venezuela (Bolivarian Republic of)"]
    assert rows["115.6"].recommending_states == ["Iran (Islamic Republic of)"]
    assert rows["115.6"].text.endswith("Members of Their Families (ICRMW)")


def test_it_reads_a_chain_of_brackets_and_does_not_split_on_and():
    rows = recommendations("China_UPR31_2018_cycle3_Matrix.docx")
    assert rows["28.5"].recommending_states[-1] == (
        "United Kingdom of Great Britain and Northern Ireland")
    assert len(rows["28.5"].recommending_states) == 11
    assert rows["28.5"].text == "Ratify the International Covenant on Civil and Political Rights"


def test_it_keeps_a_paragraph_that_merges_several_recommendations_as_one():
    rows = recommendations("Slovenia_UPR20_2014_cycle2_ThematicList.docx")
    merged = rows["115.38"]
    assert merged.recommending_states == ["Egypt", "Peru", "Azerbaijan"]
    assert "(Egypt); continue with the efforts" in merged.text
    assert merged.text.endswith("into compliance with the Paris Principles")


def test_it_repairs_state_names_that_the_source_misspaced():
    rows = recommendations("China_UPR17_2013_cycle2_Matrix.docx")
    assert "Sierra Leone" in rows["186.1"].recommending_states  # "(Sierra Le one)"
    assert len(rows["186.1"].recommending_states) == 9  # Maldives twice, once here
    assert rows["186.198"].recommending_states == ["Bolivia (Plurinational State of)"]


def test_it_takes_recommending_states_from_their_own_column():
    rows = recommendations("Egypt_UPR20_2014_cycle2_Matrix.docx")
    assert rows["166.6"].recommending_states == [
        "Chile", "Estonia", "Slovenia", "Tunisia", "Uruguay"]
    assert rows["166.6"].text == "Ratify the Rome Statute of the ICC"
    assert rows["166.10"].text.endswith("Enforced Disappearance (ICPPED)")
    assert rows["166.7"].text == "Ratify the OP-CAT"
    assert rows["166.17"].position == "Supported/Noted"
    assert rows["166.16"].document_symbol == ""  # "Comments: Information sent in a post…"


def test_it_reads_old_uhri_codes_affected_persons_and_sdg_themes():
    row = recommendations("China_UPR31_2018_cycle3_Matrix.docx")["28.212"]
    assert row.terms == {"uhri_themes": ["A12", "A41", "E1"],
                         "affected_persons": ["General"], "sdg": ["16"]}
    assert row.document_symbol == "A/HRC/40/6/Add.1"


def test_it_reads_new_uhri_names_and_the_sdgs_section():
    row = recommendations("Slovenia_UPR34_2019_cycle3_ThematicList.docx")["121.1"]
    assert row.terms == {
        "uhri_themes": ["Acceptance of international norms", "Enforced disappearances"],
        "affected_persons": ["Disappeared persons"], "sdg": ["16"]}
    assert row.recommending_states == ["France", "Lithuania"]
    assert row.document_symbol == "A/HRC/43/15"


def test_it_reads_the_cycle_4_layout_with_its_own_sdg_column():
    row = recommendations("Slovenia_UPR48_2025_cycle4_ThematicList.docx")["140.7"]
    assert row.terms["uhri_themes"] == [
        "Ratification of & accession to international instruments",
        "Economic, social & cultural rights - general measures of implementation"]
    assert row.terms["affected_persons"] == ["Public officials"]
    assert row.terms["sdg"] == ["1", "2", "3", "4", "5", "6", "7", "8"]
    assert row.recommending_states == ["Maldives", "Portugal"]


def test_it_reads_the_egypt_right_or_area_numbering():
    row = recommendations("Egypt_UPR20_2014_cycle2_Matrix.docx")["166.1"]
    assert row.terms == {"uhri_themes": ["2.1", "12.4"], "affected_persons": ["General"],
                         "sdg": []}


def test_it_emits_only_term_codes_that_the_seed_files_define():
    themes = seeded_codes("uhri_themes.csv")
    persons = seeded_codes("affected_persons.csv")
    sdgs = seeded_codes("sdg_goals.csv") | seeded_codes("sdg_targets.csv")
    for file_name in EXPECTED:
        for row in read_real(file_name):
            assert set(row.terms["uhri_themes"]) <= themes, row.terms
            assert set(row.terms["affected_persons"]) <= persons, row.terms
            assert set(row.terms["sdg"]) <= sdgs, row.terms


def test_it_names_states_that_the_registry_resolves(db):
    from nmirf.recommendations.seeding import StateResolver

    resolver = StateResolver()
    names = {name for file_name in EXPECTED for row in read_real(file_name)
             for name in [row.state, *row.recommending_states]}
    assert len(names) > 170
    assert [name for name in sorted(names) if resolver.resolve(name) is None] == []


def test_it_emits_terms_that_the_seeded_taxonomies_hold(db):
    from nmirf.recommendations.models import Term

    seeded = set(Term.objects.values_list("taxonomy__code", "code"))
    emitted = {(taxonomy, code) for file_name in EXPECTED for row in read_real(file_name)
               for taxonomy, codes in row.terms.items() for code in codes}
    assert emitted - seeded == set()


# --- synthetic matrices -----------------------------------------------------------------

HEADINGS = ["Recommendation", "Position", "Full list of themes",
            "Assessment/comments on level of implementation"]


def make_matrix(path: Path, rows: list[list[str]], *, header: str | None =
                "UPR of Slovenia (3rd Cycle - 34th Session)\tThematic list of recommendations",
                headings: list[str] = HEADINGS) -> Path:
    document = docx.Document()
    if header is not None:
        document.sections[0].header.paragraphs[0].text = header
    table = document.add_table(rows=1, cols=len(headings))
    for cell, heading in zip(table.rows[0].cells, headings, strict=True):
        cell.text = heading
    for values in rows:
        cells = table.add_row().cells
        if len(values) == 1:
            merged = cells[0].merge(cells[-1])
            merged.text = values[0]
            continue
        for cell, value in zip(cells, values, strict=False):
            cell.text = value
    document.save(path)
    return path


def row(text: str, position: str = "Supported",
        themes: str = "- Acceptance of international norms\nAffected persons:\n- general"):
    return [text + "\nSource of Position: A/HRC/43/15/Add.1 - Para.3", position, themes, ""]


def test_it_skips_theme_rows_and_keys_rows_by_paragraph(tmp_path):
    path = make_matrix(tmp_path / "m.docx", [
        ["Theme: Acceptance of international norms"],
        row("121.1 Ratify the Convention (France) (Lithuania);"),
        ["", "", "", ""],
        row("121.2 Ratify it soon (Holy See).", position="Noted"),
    ])
    rows = list(ohchr_matrix.read(path))
    assert [(r.row, r.key, r.position) for r in rows] == [
        (3, "SVN:34:121.1", "Supported"), (5, "SVN:34:121.2", "Noted")]
    assert rows[1].recommending_states == ["Holy See"]
    assert rows[0].terms["affected_persons"] == ["General"]


def test_it_yields_one_recommendation_per_paragraph_that_a_row_lists_on_its_own_line(
        tmp_path):
    path = make_matrix(tmp_path / "m.docx", [
        row("121.3 Adopt a law (Chile);\n121.4 Adopt the law quickly (Peru, Spain);"),
        row("121.5, 121.6 Consider adopting a law (Cuba);"),
    ])
    rows = list(ohchr_matrix.read(path))
    assert [(r.paragraph, r.row, r.text, r.recommending_states) for r in rows] == [
        ("121.3", 2, "Adopt a law", ["Chile"]),
        ("121.4", 2, "Adopt the law quickly", ["Peru", "Spain"]),
        ("121.5", 3, "Consider adopting a law", ["Cuba"]),
    ]


def test_it_merges_a_paragraph_listed_under_two_themes(tmp_path):
    path = make_matrix(tmp_path / "m.docx", [
        ["Theme: A"], row("121.1 Ratify (France);", themes="- Theme A"),
        ["Theme: B"], row("121.1 Ratify (France);", themes="- Theme B"),
        row("121.1 Something else (Spain);"),
    ])
    rows = list(ohchr_matrix.read(path))
    assert rows[0].terms["uhri_themes"] == ["Theme A", "Theme B"]
    assert isinstance(rows[1], RowProblem)
    assert rows[1].row == 6 and "already read at row 3" in rows[1].message


def test_it_reports_rows_without_a_paragraph_number_or_text(tmp_path):
    path = make_matrix(tmp_path / "broken.docx", [
        row("Ratify the Convention (France);"),
        row("121.9 (France);"),
        ["", "Supported", "- Acceptance of international norms", ""],
    ])
    problems = list(ohchr_matrix.read(path))
    assert all(isinstance(p, RowProblem) for p in problems)
    assert [(p.file, p.row) for p in problems] == [
        ("broken.docx", 2), ("broken.docx", 3), ("broken.docx", 4)]
    assert "no paragraph number" in problems[0].message
    assert "121.9 has no recommendation text" in problems[1].message
    assert "no recommendation text" in problems[2].message


def test_it_passes_an_unknown_final_bracket_on_for_the_pipeline_to_report(tmp_path):
    path = make_matrix(tmp_path / "m.docx", [row("121.1 Ratify the Convention (Atlantis);")])
    (record,) = ohchr_matrix.read(path)
    assert (record.text, record.recommending_states) == ("Ratify the Convention", ["Atlantis"])


def test_it_takes_state_and_session_from_the_options_where_the_file_is_silent(tmp_path):
    path = make_matrix(tmp_path / "m.docx", [row("5.1 Ratify (France);")], header=None)
    (record,) = ohchr_matrix.read(path, state="SVN", session="34")
    assert (record.state, record.session, record.key) == ("SVN", 34, "SVN:34:5.1")


def test_it_asks_for_the_session_when_nothing_says_it(tmp_path):
    path = make_matrix(tmp_path / "m.docx", [row("5.1 Ratify (France);")],
                       header="UPR of Slovenia\tThematic list of recommendations")
    with pytest.raises(SourceError, match=r"m\.docx does not say which UPR session.*--session"):
        list(ohchr_matrix.read(path))


def test_it_asks_for_the_state_when_nothing_says_it(tmp_path):
    path = make_matrix(tmp_path / "m.docx", [row("5.1 Ratify (France);")], header=None)
    with pytest.raises(SourceError, match=r"m\.docx does not say which state.*--state"):
        list(ohchr_matrix.read(path, session=34))


def test_it_refuses_options_that_contradict_the_file(tmp_path):
    path = make_matrix(tmp_path / "m.docx", [row("121.1 Ratify (France);")])
    with pytest.raises(SourceError, match=r"m\.docx is the matrix of UPR session 34"):
        list(ohchr_matrix.read(path, session=20))
    with pytest.raises(SourceError, match=r"m\.docx is the matrix of Slovenia"):
        list(ohchr_matrix.read(path, state="HRV"))
    (record,) = ohchr_matrix.read(path, state="SVN", session=34)
    assert record.state == "SVN"


def test_it_reads_the_egypt_layout_from_its_headings(tmp_path):
    path = make_matrix(
        tmp_path / "m.docx",
        [["Right or area: 2.1. Acceptance of international norms"],
         ["166.6. Ratify the Rome Statute (Chile); (Estonia);\nSource of position: "
          "A/HRC/28/16/Add.1", "Chile\nEstonia", "Noted",
          "2.1. Acceptance of international norms\nAffected persons:\n- general"]],
        header="UPR of Egypt - Second Cycle\tThematic list of recommendations",
        headings=["Recommendation", "Recommending state/s", "Position",
                  "Full list of rights/affected persons"],
    )
    (record,) = ohchr_matrix.read(path)
    assert (record.paragraph, record.text, record.session, record.position) == (
        "166.6", "Ratify the Rome Statute", 20, "Noted")
    assert record.recommending_states == ["Chile", "Estonia"]
    assert record.terms["uhri_themes"] == ["2.1"]


# --- hostile input ----------------------------------------------------------------------


def test_it_refuses_an_empty_file(tmp_path):
    path = tmp_path / "empty.docx"
    path.write_bytes(b"")
    with pytest.raises(SourceError, match=r"^empty\.docx is empty"):
        list(ohchr_matrix.read(path))


def test_it_refuses_a_text_file_named_docx(tmp_path):
    path = tmp_path / "notes.docx"
    path.write_text("Recommendation,Position\n121.1 Ratify,Supported\n")
    with pytest.raises(SourceError, match=r"^notes\.docx is not a Word document"):
        list(ohchr_matrix.read(path))


def test_it_names_the_file_as_the_user_gave_it(tmp_path):
    path = tmp_path / "upload-1234"
    path.write_text("hello")
    with pytest.raises(SourceError, match=r"^matrix\.docx is not a Word document"):
        list(ohchr_matrix.read(path, display_name="matrix.docx"))


def test_it_refuses_a_word_document_without_a_matrix(tmp_path):
    path = tmp_path / "letter.docx"
    document = docx.Document()
    document.add_paragraph("Dear colleagues,")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Name"
    table.cell(0, 1).text = "Phone"
    document.save(path)
    with pytest.raises(SourceError,
                       match=r"^letter\.docx has no table of recommendations \(expected a "
                             r"column 'Recommendation'"):
        list(ohchr_matrix.read(path))


def test_it_refuses_another_office_file_named_docx(tmp_path):
    path = tmp_path / "sheet.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml",
                         '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                         'package/2006/content-types"/>')
        archive.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(SourceError, match=r"^sheet\.docx is not a Word document"):
        list(ohchr_matrix.read(path))


def test_it_refuses_a_zip_bomb_by_its_declared_size(tmp_path):
    path = tmp_path / "bomb.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"<w:document/>" * 10)
    data = bytearray(path.read_bytes())
    central = data.rindex(b"PK\x01\x02")
    data[central + 24:central + 28] = (0xF000_0000).to_bytes(4, "little")  # ~3.75 GiB
    path.write_bytes(bytes(data))
    with pytest.raises(SourceError, match=r"^bomb\.docx would expand to 3,840 MB.*zip bomb"):
        list(ohchr_matrix.read(path))


def test_it_refuses_a_zip_bomb_by_its_compression_ratio(tmp_path):
    path = tmp_path / "bomb.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"\0" * (20 * 1024 * 1024))
    with pytest.raises(SourceError, match=r"^bomb\.docx looks like a zip bomb: its part "
                                          r"word/document\.xml would expand .* times"):
        list(ohchr_matrix.read(path))


def test_it_refuses_an_encrypted_word_file(tmp_path):
    path = tmp_path / "secret.docx"  # Word saves a password-protected .docx as OLE
    path.write_bytes(ohchr_matrix.OLE_MAGIC + b"\0" * 504)
    with pytest.raises(SourceError, match=r"^secret\.docx is password-protected"):
        list(ohchr_matrix.read(path))


def test_it_refuses_a_truncated_docx(tmp_path):
    real = shared_file(MATRICES, "Slovenia_UPR34_2019_cycle3_ThematicList.docx")
    path = tmp_path / "cut.docx"
    path.write_bytes(real.read_bytes()[:20_000])
    with pytest.raises(SourceError, match=r"^cut\.docx is damaged"):
        list(ohchr_matrix.read(path))


def test_it_refuses_a_docx_whose_xml_is_corrupt(tmp_path):
    good = make_matrix(tmp_path / "good.docx", [row("121.1 Ratify (France);")])
    path = tmp_path / "corrupt.docx"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(path, "w") as target:
        for member in source.infolist():
            data = source.read(member)
            if member.filename == "word/document.xml":
                data = data[: len(data) // 2]
            target.writestr(member, data)
    with pytest.raises(SourceError, match=r"^corrupt\.docx is damaged"):
        list(ohchr_matrix.read(path))
