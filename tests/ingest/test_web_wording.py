"""Web pages speak the web's words: where an import's problem tells a command-line user
which option to give ("leave --state out", "nmirf template > blank.xlsx"), the run page
names the form's field or the page instead. The command line keeps its own words (the
run's English text, which `nmirf import` and `nmirf runs` print)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from nmirf.core.problems import Message, localize, message_data
from nmirf.ingest.models import ImportRun
from tests.ingest.test_ohchr_matrix import make_matrix, row

URL = reverse("ingest:run_list")
COMMAND_LINE = ("--state", "--session", "nmirf template", "blank.xlsx")


@pytest.fixture
def web_import(coordinator_client, django_capture_on_commit_callbacks):
    def post(path, source, **data) -> tuple[ImportRun, str]:
        with django_capture_on_commit_callbacks(execute=True):
            coordinator_client.post(URL, {
                "source": source, "files": SimpleUploadedFile(path.name, path.read_bytes()),
                **data})
        run = ImportRun.objects.order_by("-pk").first()
        return run, coordinator_client.get(run.get_absolute_url()).content.decode()

    return post


def assert_web_words(html: str) -> None:
    for words in COMMAND_LINE:
        assert words not in html, words


def test_a_matrix_without_a_state_asks_for_the_forms_field(web_import, tmp_path):
    path = make_matrix(tmp_path / "m.docx", [row("5.1 Ratify (France);")], header=None)
    run, html = web_import(path, "ohchr_matrix", session="34")
    assert run.status == "failed"
    assert "fill in “State under review” with the state&#x27;s ISO code or name" in html
    assert_web_words(html)
    assert "pass --state" in run.message  # what the command line prints


def test_a_matrix_of_another_state_says_to_leave_the_field_empty(web_import, tmp_path):
    path = make_matrix(tmp_path / "m.docx", [row("121.1 Ratify (France);")])
    run, html = web_import(path, "ohchr_matrix", state="HRV")
    assert "leave “State under review” empty or import the right file" in html
    assert_web_words(html)
    assert "leave --state out" in run.message


def test_a_matrix_of_another_session_says_to_leave_the_field_empty(web_import, tmp_path):
    path = make_matrix(tmp_path / "m.docx", [row("121.1 Ratify (France);")])
    run, html = web_import(path, "ohchr_matrix", session="20")
    assert "leave “UPR session” empty or import the right file" in html
    assert_web_words(html)


def test_a_matrix_without_a_session_asks_for_the_forms_field(web_import, tmp_path):
    path = make_matrix(tmp_path / "m.docx", [row("5.1 Ratify (France);")],
                       header="UPR of Slovenia\tThematic list of recommendations")
    run, html = web_import(path, "ohchr_matrix")
    assert "fill in “UPR session” with the session number (for example 20)" in html
    assert_web_words(html)


def test_a_template_with_wrong_columns_points_to_the_imports_page(web_import, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("mechanism,state,paragraph\nCERD,BRA,10\n", encoding="utf-8")
    run, html = web_import(path, "template")
    assert "Download the blank template (on the Imports page)" in html
    assert_web_words(html)
    assert "nmirf template > blank.xlsx" in run.message
    assert reverse("ingest:template") in html  # and the page links to it


def test_a_message_without_web_words_reads_the_same_everywhere():
    message = Message("%(file)s is empty.", file="x.csv")
    assert localize(message_data(message), str(message)) == "x.csv is empty."
    worded = Message("leave --state out of %(file)s", web_template="leave the field empty "
                     "for %(file)s", file="x.csv")
    assert str(worded) == "leave --state out of x.csv"
    assert localize(message_data(worded), str(worded)) == "leave the field empty for x.csv"
