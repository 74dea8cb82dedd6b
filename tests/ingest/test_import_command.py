"""`nmirf import …`: exit 0 on success; exit 2 with one line on stderr, and nothing written,
on bad input."""

import json
import os
import sqlite3
import subprocess
import sys
from contextlib import closing

import pytest
from django.core.management import call_command

from nmirf.ingest.models import ImportRun
from nmirf.recommendations.models import Recommendation
from tests.conftest import RAW, REPO, registry_snapshot, shared_file

HEADER = "To,To-Rgrp,To-Org,Text,From,From-Rgrp,From-Org,Response,Action,Issue,Session"
GOOD = 'Slovenia,EEG,EU,"Ratify the Convention.",France,WEOG,EU,Accepted,5,"Migrants",7'


def refused(capsys, *args):
    with pytest.raises(SystemExit) as exit_:
        call_command("import", *args)
    err = capsys.readouterr().err
    assert exit_.value.code == 2
    assert err.count("\n") == 1, err
    return err.strip()


def test_it_imports_and_says_what_it_did(db, tmp_path, capsys):
    path = tmp_path / "ok.csv"
    path.write_text(HEADER + "\n" + GOOD)
    call_command("import", "upr-info", str(path))
    assert "Records read: 1; created: 1," in capsys.readouterr().out
    assert Recommendation.objects.count() == 1


def test_it_refuses_a_missing_file(db, capsys):
    assert refused(capsys, "upr-info", "/nonexistent/file.csv") == \
        "/nonexistent/file.csv: no such file."


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "empty.csv is empty."),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "empty.csv is a PNG image, not a CSV file"),
        (HEADER.replace("Text", "Txt").encode(), "missing the columns Text"),
        ((HEADER + "\n" + GOOD.replace("France", "Atlantis")).encode(),
         "Rows rejected: 1; nothing was imported."),
        ((HEADER + "\n" + GOOD.replace("France", "Atlantis")).encode(),
         "empty.csv, row 2: unknown recommending state 'Atlantis'"),
    ],
)
def test_bad_input_exits_2_with_one_line_and_writes_nothing(db, tmp_path, capsys, content,
                                                           expected):
    path = tmp_path / "empty.csv"
    path.write_bytes(content)
    before = registry_snapshot()
    assert expected in refused(capsys, "upr-info", str(path))
    assert registry_snapshot() == before


def test_dry_run_writes_nothing(db, tmp_path, capsys):
    path = tmp_path / "ok.csv"
    path.write_text(HEADER + "\n" + GOOD)
    call_command("import", "upr-info", "--dry-run", str(path))
    out = capsys.readouterr().out
    assert "Dry run, nothing was written. Records read: 1; would be created: 1, would be " \
        "updated: 0" in out
    assert not Recommendation.objects.exists()
    # The list of runs says what a dry run would have done, not what it did.
    call_command("runs")
    listed = capsys.readouterr().out
    assert "would create 1, would update 0" in listed and "created 1" not in listed


def test_stats_prints_one_json_object(db, tmp_path, capsys):
    path = tmp_path / "ok.csv"
    path.write_text(HEADER + "\n" + GOOD + "\n" + GOOD.replace("Ratify", "Sign")
                    .replace("Accepted", "Noted"))
    call_command("import", "upr-info", str(path))
    capsys.readouterr()
    call_command("stats", "--json")
    stats = json.loads(capsys.readouterr().out)
    assert stats == {
        "recommendations": 2,
        "by_mechanism": {"UPR": 2},
        "by_state": {"SVN": 2},
        "by_position": {"noted": 1, "supported": 1},
        "by_session": {"7": 2},
    }


def test_the_console_script_honours_database_url(tmp_path):
    """`nmirf` is installed in the virtual environment and works like manage.py."""
    script = os.path.join(os.path.dirname(sys.executable), "nmirf")
    if not os.path.exists(script):
        pytest.skip("the nmirf console script is not installed (run `make install`)")
    shared_file("upr_info_sessions_01-20", "upr_info_voluntary.csv")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}"}
    env.pop("DJANGO_SETTINGS_MODULE", None)

    def nmirf(*args):
        return subprocess.run([script, *args], env=env, cwd=REPO, capture_output=True,
                              text=True, timeout=300)

    assert nmirf("migrate", "-v0").returncode == 0
    assert nmirf("seed").returncode == 0
    result = nmirf("import", "upr-info", str(RAW / "upr_info_sessions_01-20" /
                                             "upr_info_voluntary.csv"))
    assert result.returncode == 0, result.stderr
    stats = json.loads(nmirf("stats", "--json").stdout)
    assert stats["recommendations"] == 879
    assert stats["by_position"] == {"voluntary_pledge": 879}
    bad = nmirf("import", "upr-info", str(tmp_path / "cli.sqlite3"))
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1
    assert json.loads(nmirf("stats", "--json").stdout)["recommendations"] == 879
    # The database it made is set up as settings.py asks: WAL, 8 KiB pages.
    with closing(sqlite3.connect(tmp_path / "cli.sqlite3")) as made:
        assert made.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert made.execute("PRAGMA page_size").fetchone() == (8192,)


def test_a_refused_import_says_where_every_problem_is_listed(db, tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text("\n".join([HEADER, GOOD.replace("France", "Atlantis"),
                               GOOD.replace("Slovenia", "Narnia")]))
    line = refused(capsys, "upr-info", str(path))
    run = ImportRun.objects.get()
    assert line.endswith(f"Every problem: nmirf runs {run.pk}")

    call_command("runs", str(run.pk))
    shown = capsys.readouterr().out
    assert f"Import run #{run.pk}: UPR Info database export (CSV), failed" in shown
    assert "Problems (2):" in shown
    assert "bad.csv, row 2, From: unknown recommending state 'Atlantis'" in shown
    assert "bad.csv, row 3, To: unknown state under review 'Narnia'" in shown

    call_command("runs")
    listed = capsys.readouterr().out
    assert listed.startswith(f"#{run.pk} ") and "failed" in listed and "rejected 2" in listed


def test_runs_refuses_an_unknown_run(db, capsys):
    with pytest.raises(SystemExit) as exit_:
        call_command("runs", "424242")
    assert exit_.value.code == 2
    assert capsys.readouterr().err == "There is no import run #424242: `nmirf runs` lists them.\n"
