"""UN documents (`nmirf import document`): the UPR Working Group report and its addendum of
the state's views, read from PDF — against the real Slovenia cycle-3 documents and their
OHCHR matrix, and on small PDFs written by hand for the bad input."""

from pathlib import Path

import pytest
from django.core.management import call_command

from nmirf.ingest.records import RowProblem, SourceRow
from nmirf.ingest.sources import ohchr_matrix, un_document
from nmirf.recommendations.models import Position, Recommendation, SourceRecord
from tests.conftest import registry_snapshot, shared_file
from tests.ingest.pdf_files import make_pdf

UPR = "un_documents", "upr"
REPORT = "A_HRC_43_15_SVN_EN.pdf"
ADDENDUM = "A_HRC_43_15_Add.1_SVN_EN.pdf"
MATRIX = "ohchr_upr_matrices", "Slovenia_UPR34_2019_cycle3_ThematicList.docx"


def words(text: str) -> str:
    return " ".join(text.split())


def refused(capsys, *args) -> str:
    with pytest.raises(SystemExit) as exit_:
        call_command("import", *args)
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    return err.strip()


def share(agreeing: int, total: int) -> float:
    return agreeing / total if total else 0.0


# --- the real Slovenia cycle-3 documents against their matrix ---------------------------


@pytest.fixture(scope="module")
def matrix_rows() -> dict[str, SourceRow]:
    rows = ohchr_matrix.read(shared_file(*MATRIX))
    return {row.paragraph: row for row in rows if isinstance(row, SourceRow)}


def read_documents(*names: str) -> list:
    files = [(shared_file(*UPR, name), name) for name in names]
    return list(un_document.read_all(files))


@pytest.fixture(scope="module")
def report_rows(django_db_setup, django_db_blocker) -> dict[str, SourceRow]:
    with django_db_blocker.unblock():
        rows = read_documents(REPORT, ADDENDUM)
    assert [row for row in rows if isinstance(row, RowProblem)] == []
    return {row.paragraph: row for row in rows}


def test_the_report_gives_the_matrix_recommendations_paragraphs_and_states(
        report_rows, matrix_rows):
    assert len(report_rows) == len(matrix_rows) == 215
    same_states = sum(row.recommending_states == matrix_rows[paragraph].recommending_states
                      for paragraph, row in report_rows.items() if paragraph in matrix_rows)
    assert set(report_rows) == set(matrix_rows)
    assert share(same_states, 215) >= 0.99


def test_the_report_gives_the_matrix_texts_word_for_word(report_rows, matrix_rows):
    same = sum(words(row.text) == words(matrix_rows[paragraph].text)
               for paragraph, row in report_rows.items() if paragraph in matrix_rows)
    assert share(same, 215) >= 0.99
    # Footnote marks, page headers and line-end hyphens are gone; the word's own hyphen
    # stays.
    assert report_rows["122.153"].text == (
        "Strengthen the asylum system to fully respect the principle of non-refoulement")
    assert not any("A/HRC/43/15" in row.text for row in report_rows.values())


def test_the_addendum_gives_the_matrix_positions(report_rows, matrix_rows):
    same = sum(row.position == matrix_rows[paragraph].position
               for paragraph, row in report_rows.items() if paragraph in matrix_rows)
    assert share(same, 215) >= 0.99
    positions = [row.position for row in report_rows.values()]
    assert (positions.count("Supported"), positions.count("Noted")) == (182, 33)


def test_it_reads_symbol_state_and_session_from_the_report(report_rows):
    row = report_rows["121.1"]
    assert (row.document_symbol, row.state, row.session, row.mechanism, row.key) == (
        "A/HRC/43/15", "Slovenia", 34, "UPR", "SVN:34:121.1")
    assert row.recommending_states == ["France", "Lithuania"]
    assert report_rows["122.68"].recommending_states == ["Bolivarian Republic of Venezuela"]
    assert report_rows["122.69"].recommending_states == ["State of Palestine"]


def test_the_report_after_the_matrix_joins_its_recommendations(db, capsys):
    call_command("import", "ohchr-matrix", str(shared_file(*MATRIX)))
    before = set(Recommendation.objects.values_list("pk", "paragraph", "position"))
    capsys.readouterr()
    call_command("import", "document", str(shared_file(*UPR, REPORT)),
                 str(shared_file(*UPR, ADDENDUM)))
    out = capsys.readouterr().out
    assert "created: 0" in out and "matched to a recommendation from another source: 215" in out
    # One recommendation per paragraph, with both source records; nothing changed its
    # fields (the matrix created them and owns them).
    assert set(Recommendation.objects.values_list("pk", "paragraph", "position")) == before
    assert not Recommendation.objects.filter(possible_duplicate_of__isnull=False).exists()
    pairs = SourceRecord.objects.values_list("recommendation_id", "source")
    assert {source for _rec, source in pairs} == {"ohchr_matrix", "un_document"}
    assert SourceRecord.objects.filter(source="un_document").count() == 215
    assert len({rec for rec, _source in pairs}) == 215


def test_the_matrix_after_the_report_joins_its_recommendations_too(db, capsys):
    call_command("import", "document", str(shared_file(*UPR, REPORT)),
                 str(shared_file(*UPR, ADDENDUM)))
    capsys.readouterr()
    call_command("import", "ohchr-matrix", str(shared_file(*MATRIX)))
    assert "matched to a recommendation from another source: 215" in capsys.readouterr().out
    assert Recommendation.objects.count() == 215
    assert not Recommendation.objects.filter(possible_duplicate_of__isnull=False).exists()
    # The matrix's themes join the report's recommendations.
    assert Recommendation.objects.filter(terms__isnull=False).distinct().count() == 215


def test_the_addendum_alone_sets_the_positions_of_the_recommendations_held(db, capsys,
                                                                            matrix_rows):
    call_command("import", "document", str(shared_file(*UPR, REPORT)))
    pending = Recommendation.objects.filter(paragraph__startswith="122.")
    assert set(pending.values_list("position", flat=True)) == {Position.NONE}
    call_command("import", "document", str(shared_file(*UPR, ADDENDUM)))
    assert "updated: 157" in capsys.readouterr().out
    held = dict(Recommendation.objects.values_list("paragraph", "position"))
    expected = {paragraph: {"Supported": Position.SUPPORTED, "Noted": Position.NOTED}[
        row.position] for paragraph, row in matrix_rows.items()}
    assert share(sum(held[p] == expected[p] for p in expected), 215) >= 0.99
    # The report again, after its addendum: the positions stay.
    call_command("import", "document", str(shared_file(*UPR, REPORT)))
    assert "unchanged: 215" in capsys.readouterr().out
    assert dict(Recommendation.objects.values_list("paragraph", "position")) == held


# --- small documents written for the tests ----------------------------------------------


def masthead(symbol: str, *, addendum: bool = False) -> list:
    lines = [("Human Rights Council"), "Report of the Working Group on the Universal Periodic",
             "Review*", "Slovenia"]
    if addendum:
        lines += ["Addendum", "Views on conclusions and/or recommendations, voluntary "
                  "commitments and replies presented by the State under review"]
    return [*lines, f"United Nations {symbol}", {"at": 88, "size": 8,
                                                 "text": "* Circulated as received."}]


REPORT_PAGES = [
    masthead("A/HRC/99/15"),
    ["Introduction",
     "1. The Working Group on the Universal Periodic Review, established in accordance",
     "with Human Rights Council resolution 5/1, held its thirty-fourth session from 4 to 15",
     "November 2019, for the protection of human rights.",
     "II. Conclusions and/or recommendations",
     "121. The recommendations formulated during the interactive dialogue/listed below",
     "have been examined by Slovenia and enjoy the support of Slovenia:",
     "121.1 Ratify the Convention for the pro-",
     "tection of all persons (Holy See);",
     "121.2 Respect the principle of non-",
     "refoulement (Bolivarian Republic of Venezuela) (Republic of Korea);",
     [("121.3 Implement the Paris Principles", 10, 0), ("1", 6, 4),
      (" fully (State of Palestine);", 10, 0)],
     {"at": 80, "size": 8, "text": "1 See A/HRC/99/1, para. 12."}],
    ["122. The following recommendations will be examined by Slovenia, which will provide",
     "responses in due time:",
     "122.1 Ratify the Optional Protocol (Republic of Korea);",
     "122.2 Abolish the death penalty (Holy See).",
     "123. All conclusions and/or recommendations contained in the present report reflect",
     "the position of the submitting State(s) and/or the State under review."],
]
ADDENDUM_PAGES = [
    masthead("A/HRC/99/15/Add.1", addendum=True),
    ["3. The Government accepts the following recommendations 122.1.",
     "122.1",
     "See recommendation 122.2 for the details.",
     "4. For the time being, the Government notes recommendations 122.2."],
]


def write(tmp_path: Path, name: str, pages: list, **kwargs) -> str:
    path = tmp_path / name
    path.write_bytes(make_pdf(pages, header=name.split("_")[0], **kwargs))
    return str(path)


def test_it_reads_a_report_without_headers_footnotes_or_hyphenation(db, tmp_path, capsys):
    path = write(tmp_path, "report.pdf", REPORT_PAGES)
    call_command("import", "document", path)
    assert "created: 5" in capsys.readouterr().out
    held = {r.paragraph: r for r in Recommendation.objects.prefetch_related(
        "recommending_states")}
    assert {p: (r.text, sorted(s.iso3 for s in r.recommending_states.all()), r.position)
            for p, r in held.items()} == {
        # "pro-tection": the document writes "protection" elsewhere; "non-refoulement" it
        # does not write without its hyphen.
        "121.1": ("Ratify the Convention for the protection of all persons", ["VAT"],
                  Position.SUPPORTED),
        "121.2": ("Respect the principle of non-refoulement", ["KOR", "VEN"],
                  Position.SUPPORTED),
        "121.3": ("Implement the Paris Principles fully", ["PSE"], Position.SUPPORTED),
        "122.1": ("Ratify the Optional Protocol", ["KOR"], Position.NONE),
        "122.2": ("Abolish the death penalty", ["VAT"], Position.NONE),
    }
    assert {r.document.symbol for r in held.values()} == {"A/HRC/99/15"}
    assert SourceRecord.objects.get(recommendation=held["122.1"]).location == \
        "report.pdf, page 3"
    assert {r.review.session for r in held.values()} == {34}


def test_an_addendum_in_the_same_import_gives_the_positions_whatever_the_order(
        db, tmp_path, capsys):
    report = write(tmp_path, "report.pdf", REPORT_PAGES)
    addendum = write(tmp_path, "addendum.pdf", ADDENDUM_PAGES)
    call_command("import", "document", addendum, report)
    assert dict(Recommendation.objects.filter(paragraph__startswith="122.").values_list(
        "paragraph", "position")) == {"122.1": Position.SUPPORTED, "122.2": Position.NOTED}
    capsys.readouterr()
    call_command("import", "document", report, addendum)  # idempotent
    assert "created: 0, updated: 0 (matched to a recommendation from another source: 0), " \
        "unchanged: 5" in capsys.readouterr().out


def test_an_addendum_says_supported_in_part(db, tmp_path):
    pages = [ADDENDUM_PAGES[0], [
        "3. Slovenia supports in part recommendation 122.1, namely its second part, and",
        "notes recommendation 122.2."]]
    call_command("import", "document", write(tmp_path, "r.pdf", REPORT_PAGES),
                 write(tmp_path, "a.pdf", pages))
    assert dict(Recommendation.objects.filter(paragraph__startswith="122.").values_list(
        "paragraph", "position")) == {"122.1": Position.SUPPORTED_IN_PART,
                                      "122.2": Position.NOTED}


def test_a_dry_run_writes_nothing(db, tmp_path, capsys):
    before = registry_snapshot()
    call_command("import", "document", "--dry-run", write(tmp_path, "r.pdf", REPORT_PAGES))
    assert "Dry run, nothing was written. Records read: 5; would be created: 5" in \
        capsys.readouterr().out
    assert registry_snapshot() == before


def test_an_addendum_paragraph_the_registry_does_not_hold_is_a_row_error(db, tmp_path,
                                                                        capsys):
    call_command("import", "document", write(tmp_path, "report.pdf", REPORT_PAGES))
    before = registry_snapshot()
    pages = [ADDENDUM_PAGES[0], ["3. The Government supports recommendations 122.1 and "
                                 "122.7."]]
    message = refused(capsys, "document", write(tmp_path, "add.pdf", pages))
    assert "Rows rejected: 1; nothing was imported." in message
    assert "recommendation 122.7: the registry holds no recommendation with this paragraph " \
        "number for the review of A/HRC/99/15" in message
    assert registry_snapshot() == before


def test_an_addendum_before_its_report_is_refused(db, tmp_path, capsys):
    before = registry_snapshot()
    message = refused(capsys, "document", write(tmp_path, "add.pdf", ADDENDUM_PAGES))
    assert message.endswith("add.pdf answers the Working Group report A/HRC/99/15, which the "
                       "registry does not hold: import the report first, or both files "
                       "together.")
    assert registry_snapshot() == before


def test_a_state_that_contradicts_the_document_is_refused(db, tmp_path, capsys):
    before = registry_snapshot()
    message = refused(capsys, "document", "--state", "FRA",
                      write(tmp_path, "r.pdf", REPORT_PAGES))
    assert message.endswith("r.pdf is about Slovenia, but the state given is FRA: leave --state "
                       "out or import the right file.")
    assert registry_snapshot() == before


@pytest.mark.parametrize(("name", "content", "expected"), [
    ("scan.pdf", make_pdf([[], [], []]),
     "scan.pdf has no text layer (a scanned document?): its pages are images, which cannot "
     "be read. Import the PDF the UN publishes, or run text recognition (OCR) on the scan "
     "first."),
    ("locked.pdf", make_pdf(REPORT_PAGES, encrypted=True),
     "locked.pdf is encrypted (protected by a password), so its text cannot be read: open "
     "it, save a copy without the password, and import that."),
    ("summary.pdf", make_pdf([masthead("A/HRC/99/15"), ["1. The review was held."]]),
     "summary.pdf has no “Conclusions and/or recommendations” section, where a Working "
     "Group report lists its recommendations: is it the whole report?"),
    ("other.pdf", make_pdf([["Committee on the Elimination of Racial Discrimination"]]),
     "other.pdf is not a report of the UPR Working Group or its addendum"),
    ("report.pdf", b"To,Text\nSlovenia,Ratify\n",
     "report.pdf is not a PDF document (it holds text): import the UN document as the PDF "
     "file the UN publishes (or as Word or a web page)."),
    ("huge.pdf", make_pdf([[]] * 501),
     "huge.pdf has 501 pages, more than the 500 a UN document holds: import the report "
     "itself, not a compilation of documents."),
    ("empty.pdf", b"", "empty.pdf is empty."),
    ("broken.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog", "broken.pdf cannot be read as a "
     "PDF document: it is damaged or incomplete."),
    ("no-pages.pdf", make_pdf([]), "no-pages.pdf cannot be read as a PDF document: it is "
     "damaged or incomplete."),
])
def test_bad_documents_are_refused_with_a_clear_message_and_nothing_written(
        db, tmp_path, capsys, name, content, expected):
    call_command("import", "document", write(tmp_path, "held.pdf", REPORT_PAGES))
    capsys.readouterr()
    before = registry_snapshot()
    path = tmp_path / name
    path.write_bytes(content)
    assert expected in refused(capsys, "document", str(path))
    assert registry_snapshot() == before


def test_a_long_document_is_refused_before_its_pages_are_read(tmp_path, monkeypatch):
    """The page count comes from the page tree: no page of a 501-page file is opened."""
    from nmirf.ingest.files import pdf

    opened = []
    monkeypatch.setattr(pdf, "_page_chars", lambda page: opened.append(page) or [])
    path = tmp_path / "huge.pdf"
    path.write_bytes(make_pdf([["Page"]] * 501))
    with pytest.raises(pdf.SourceError):
        pdf.read_lines(path, "huge.pdf")
    assert opened == []


def test_a_report_that_does_not_name_its_session_needs_one(db, tmp_path, capsys):
    pages = [REPORT_PAGES[0], [line.replace("held its thirty-fourth session", "met")
                               if isinstance(line, str) else line
                               for line in REPORT_PAGES[1]], REPORT_PAGES[2]]
    path = write(tmp_path, "r.pdf", pages)
    before = registry_snapshot()
    assert refused(capsys, "document", path).endswith(
        "r.pdf does not say which UPR session it reports on (no “held its … session”): pass "
        "--session.")
    assert registry_snapshot() == before
    call_command("import", "document", "--session", "34", path)
    assert set(Recommendation.objects.values_list("review__key", flat=True)) == {"UPR:SVN:34"}
    assert refused(capsys, "document", "--session", "35", write(
        tmp_path, "s.pdf", REPORT_PAGES)).endswith(
        "s.pdf is the report of UPR session 34, but the session given is 35: leave --session "
        "out or import the right file.")


def test_another_mechanism_is_refused(db, tmp_path, capsys):
    message = refused(capsys, "document", "--mechanism", "CERD",
                      write(tmp_path, "r.pdf", REPORT_PAGES))
    assert message.startswith("UPR Working Group reports and their addenda are UPR documents")


# --- the import page ---------------------------------------------------------------------


def test_a_coordinator_imports_a_report_from_the_import_page(
        coordinator_client, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    with django_capture_on_commit_callbacks(execute=True):
        coordinator_client.post(reverse("ingest:run_list"), {
            "source": "un_document",
            "files": SimpleUploadedFile("A_HRC_99_15.pdf", make_pdf(REPORT_PAGES))})
    assert Recommendation.objects.count() == 5
    assert set(SourceRecord.objects.values_list("source", flat=True)) == {"un_document"}


def test_the_import_page_refuses_a_pdf_under_another_format(coordinator_client):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    before = registry_snapshot()
    response = coordinator_client.post(reverse("ingest:run_list"), {
        "source": "ohchr_matrix",
        "files": SimpleUploadedFile("A_HRC_99_15.pdf", make_pdf(REPORT_PAGES))})
    assert "A_HRC_99_15.pdf: a OHCHR thematic list / matrix of recommendations (DOCX) file " \
        "must end in .docx." in response.content.decode()
    assert registry_snapshot() == before


# --- the same report as Word and as a web page ------------------------------------------

BODY = [
    "Introduction",
    "1. The Working Group on the Universal Periodic Review held its thirty-fourth session "
    "from 4 to 15 November 2019.",
    "II. Conclusions and/or recommendations",
    "121. The recommendations formulated during the interactive dialogue/listed below have "
    "been examined by Slovenia and enjoy the support of Slovenia:",
    "121.1\tRatify the Convention for the protection of all persons (Holy See);",
    "121.2\tRespect the principle of non-refoulement (Bolivarian Republic of Venezuela) "
    "(Republic of Korea);",
    "122. The following recommendations have been noted by Slovenia:",
    "122.1\tAbolish the death penalty (State of Palestine).",
    "123. All conclusions and/or recommendations contained in the present report reflect "
    "the position of the submitting State(s) and/or the State under review.",
]
EXPECTED = {"121.1": ("Ratify the Convention for the protection of all persons", ["VAT"],
                      Position.SUPPORTED),
            "121.2": ("Respect the principle of non-refoulement", ["KOR", "VEN"],
                      Position.SUPPORTED),
            "122.1": ("Abolish the death penalty", ["PSE"], Position.NOTED)}


def held() -> dict:
    return {r.paragraph: (r.text, sorted(s.iso3 for s in r.recommending_states.all()),
                          r.position)
            for r in Recommendation.objects.prefetch_related("recommending_states")}


def test_it_reads_the_report_saved_as_word(db, tmp_path):
    import docx

    document = docx.Document()
    section = document.sections[0]
    section.different_first_page_header_footer = True
    section.first_page_header.paragraphs[0].text = "United Nations\tA/HRC/99/15"
    section.header.paragraphs[0].text = "A/HRC/99/15"
    for line in ("Human Rights Council",
                 "Report of the Working Group on the Universal Periodic Review*", "Slovenia"):
        document.add_paragraph(line)
    document.add_page_break()
    for line in BODY:
        document.add_paragraph(line)
    path = tmp_path / "A_HRC_99_15.docx"
    document.save(path)
    call_command("import", "document", str(path))
    assert held() == EXPECTED
    assert set(Recommendation.objects.values_list("document__symbol", "review__session")) == {
        ("A/HRC/99/15", 34)}


def test_it_reads_the_report_saved_as_a_web_page(db, tmp_path):
    body = "".join(f"<p>{line}</p>" for line in BODY).replace(
        "death penalty", "death penalty<sup>2</sup>")
    assert "<sup>2</sup>" in body
    path = tmp_path / "A_HRC_99_15.html"
    path.write_text(
        "<!DOCTYPE html><html><head><title>A/HRC/99/15</title></head><body>"
        "<div><p>United Nations A/HRC/99/15</p><h1>Report of the Working Group on the "
        "Universal Periodic Review</h1><p>Slovenia</p></div>" + body + "</body></html>")
    call_command("import", "document", str(path))
    assert held() == EXPECTED
