"""The UPR Info CSV export adapter, on the real files and on hostile ones."""

import pytest

from nmirf.ingest.records import RowProblem, SourceError, SourceRow
from nmirf.ingest.sources import upr_info
from tests.conftest import RAW, shared_file

HEADER = "To,To-Rgrp,To-Org,Text,From,From-Rgrp,From-Org,Response,Action,Issue,Session"
ROW = ('Slovenia,EEG,EU,"Ratify the Convention &#40;CED&#41;.",France,WEOG,EU,Accepted,5,'
       '"International instruments,Enforced disappearances",7')


def write(tmp_path, content: bytes | str, name="export.csv"):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


def rows_of(path):
    return list(upr_info.read(path))


def test_it_reads_mac_roman_with_bare_cr_line_endings(tmp_path):
    text = HEADER + "\r" + ROW.replace("Ratify", "Ratify (Réunion)")
    path = write(tmp_path, text.encode("mac_roman"))
    [row] = rows_of(path)
    assert row.text == "Ratify (Réunion) the Convention (CED)."
    assert row.state == "Slovenia" and row.session == 7
    assert row.recommending_states == ["France"]
    assert row.terms == {"upr_info_issues": ["International instruments",
                                             "Enforced disappearances"]}
    assert row.position == "Accepted" and row.action_category == "5"


def test_it_keeps_voluntary_pledges_without_a_recommending_state(tmp_path):
    pledge = ROW.replace("France,WEOG,EU,Accepted", "Slovenia,EEG,EU,Voluntary Pledge")
    [row] = rows_of(write(tmp_path, HEADER + "\n" + pledge))
    assert row.position == "Voluntary Pledge"
    assert row.recommending_states == []


def test_it_keeps_exact_repeats_with_their_own_keys(tmp_path):
    rows = rows_of(write(tmp_path, "\n".join([HEADER, ROW, ROW])))
    assert [r.occurrence for r in rows] == [1, 2]
    assert rows[0].key != rows[1].key and rows[1].key.startswith(rows[0].key)


def test_it_treats_unknown_recommending_state_as_none(tmp_path):
    unknown = ROW.replace("France", "&#40;Unknown&#41;")
    [row] = rows_of(write(tmp_path, HEADER + "\n" + unknown))
    assert row.recommending_states == []


def test_it_refuses_an_empty_file(tmp_path):
    with pytest.raises(SourceError, match="empty.csv is empty"):
        rows_of(write(tmp_path, b"", "empty.csv"))


def test_it_refuses_a_file_of_another_format(tmp_path):
    with pytest.raises(SourceError, match="photo.csv is a PNG image, not a CSV file"):
        rows_of(write(tmp_path, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "photo.csv"))
    with pytest.raises(SourceError, match=r"book.csv is a zip archive \(an Excel workbook"):
        rows_of(write(tmp_path, b"PK\x03\x04rest-of-a-zip", "book.csv"))


def test_it_names_missing_and_renamed_columns(tmp_path):
    renamed = HEADER.replace("Text", "Recommendation").replace(",Session", "")
    with pytest.raises(SourceError) as error:
        rows_of(write(tmp_path, renamed + "\n" + ROW, "renamed.csv"))
    message = str(error.value)
    assert "renamed.csv" in message
    assert "missing the columns Text, Session" in message
    assert "unexpected columns: Recommendation" in message


def test_it_refuses_a_truncated_file(tmp_path):
    truncated = HEADER + "\n" + ROW + "\n" + ROW[:40]  # ends inside the quoted text
    with pytest.raises(SourceError,
                       match="cut.csv ends inside a quoted field at row 3: the file looks trunc"):
        rows_of(write(tmp_path, truncated, "cut.csv"))


def test_it_reports_short_rows_with_their_row_number(tmp_path):
    rows = rows_of(write(tmp_path, HEADER + "\n" + ROW + "\nSlovenia,EEG,EU", "short.csv"))
    assert isinstance(rows[0], SourceRow)
    assert isinstance(rows[1], RowProblem) and rows[1].row == 3
    assert "has 3 fields where the header has 11" in rows[1].message


def test_it_reads_all_40814_shared_rows():
    shared_file("upr_info_sessions_01-20", "upr_info_1-5.csv")
    rows = []
    for path in sorted((RAW / "upr_info_sessions_01-20").glob("*.csv")):
        rows.extend(upr_info.read(path))
    assert len(rows) == 40_814
    assert not [r for r in rows if isinstance(r, RowProblem)]
    assert sum(r.position == "Voluntary Pledge" for r in rows) == 879
    assert sum(r.position == "Noted" for r in rows) == 10_279
    assert len({r.key for r in rows}) == 40_814
    repeats = [r for r in rows if r.occurrence > 1]
    assert 0 < len(repeats) < 20
