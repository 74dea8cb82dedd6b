"""`nmirf export --query QUERY --format csv|xlsx|json [--user USERNAME] [-o FILE]`: the list
page's query string exported from the command line, as the web download exports it; a
refused export exits 2 with one line on standard error and writes nothing."""

import csv
import io
import json

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from .builders import build_registry

pytestmark = pytest.mark.django_db


@pytest.fixture
def r():
    return build_registry()


def run(*args) -> bytes:
    out = io.BytesIO()
    call_command("export", *args, stdout=out)
    return out.getvalue()


def refused(capsys, *args) -> str:
    out = io.BytesIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("export", *args, stdout=out)
    assert exit_.value.code == 2
    assert out.getvalue() == b""
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    return error


def test_it_writes_the_lists_recommendations_as_xlsx_to_a_file(r, tmp_path):
    path = tmp_path / "noted.xlsx"
    run("--query", "state=SVN&position=noted", "--format", "xlsx", "-o", str(path))
    rows = list(load_workbook(path).active.iter_rows(values_only=True))
    assert [row[0] for row in rows[1:]] == [r.roma.pk]
    assert not [p for p in tmp_path.iterdir() if p.name != "noted.xlsx"]  # no temporary


def test_it_writes_csv_to_standard_output_by_default(r):
    text = run("--query", "state=EGY").decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert [row[0] for row in rows[1:]] == [str(r.death_penalty.pk)]


def test_it_leaves_the_byte_order_mark_out_when_asked(r):
    assert run("--query", "state=EGY", "--no-bom").startswith(b"ID,")


def test_it_takes_a_whole_address_of_the_list_page(r):
    data = run("--query", "http://localhost:8000/recommendations/?state=EGY&page=1",
               "--format", "json")
    assert [record["id"] for record in json.loads(data)] == [r.death_penalty.pk]


def test_it_exports_what_the_user_may_see_and_their_assignments(r, entity,
                                                                focal_point_of_entity):
    from nmirf.tracking import assigning

    assigning.assign_recommendations(entity, "lead", [r.french.pk])
    data = run("--query", "assigned=me", "--format", "json", "--user",
               focal_point_of_entity.username)
    assert [record["id"] for record in json.loads(data)] == [r.french.pk]
    assert json.loads(data)[0]["lead_entities"] == ["Ministry of Justice"]


def test_access_is_refused_to_a_disabled_account(r, observer, capsys):
    observer.is_active = False
    observer.save()
    assert "may not read the registry" in refused(capsys, "--user", observer.username)


def test_an_unknown_user_is_refused(r, capsys):
    assert "No user" in refused(capsys, "--user", "nobody")


def test_assigned_to_me_needs_a_user(r, capsys):
    assert "--user" in refused(capsys, "--query", "assigned=me")


@pytest.mark.parametrize(("args", "message"), [
    (["--format", "exe"], "Unknown format"),
    (["--query", "theme=abc"], "theme"),
    (["--query", "State=SVN"], "Unknown parameter: State"),
    (["--query", "sort=\x1b[31mred"], "sort"),
    (["--language", "xx"], "Unknown language"),
])
def test_a_refused_export_says_why_on_one_line_and_writes_nothing(r, capsys, tmp_path, args,
                                                                  message):
    path = tmp_path / "out.csv"
    error = refused(capsys, *args, "-o", str(path))
    assert message in error
    assert "\x1b" not in error  # nothing the terminal would obey
    assert list(tmp_path.iterdir()) == []


def test_headers_follow_the_language_asked_for(r):
    data = run("--query", "state=EGY", "--format", "json", "--language", "fr")
    assert json.loads(data)[0]["state"]["name"] == "Égypte"
