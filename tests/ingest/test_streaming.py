"""Imports as a stream of chunks: bounded memory, and the same outcome as one big write —
all-or-nothing, idempotent, repeats and cross-source matches found across chunks."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from nmirf.ingest import commit as commit_module
from nmirf.ingest import pipeline
from nmirf.ingest.models import ImportRowError
from nmirf.ingest.pipeline import ImportFailed, InputFile, estimate_rows
from nmirf.ingest.tables import Table
from nmirf.recommendations.models import Recommendation, SourceRecord
from tests.conftest import registry_snapshot
from tests.ingest.test_pipeline import csv_file, import_file, row


@pytest.fixture
def small_chunks(monkeypatch):
    """Chunks of 2 records, so that a file of a few rows crosses several; and a record of
    every chunk the commit is handed."""
    monkeypatch.setattr(pipeline, "CHUNK", 2)
    sizes = []
    add = commit_module.Commit.add

    def recording_add(self, records):
        sizes.append(len(records))
        return add(self, records)

    monkeypatch.setattr(commit_module.Commit, "add", recording_add)
    return sizes


def texts(count: int, subject: str = "the rights of the child") -> list[str]:
    return [row(f"Recommendation number {n} on {subject}.") for n in range(count)]


def test_the_commit_is_handed_one_chunk_at_a_time(db, tmp_path, small_chunks):
    run = import_file(csv_file(tmp_path, *texts(7)))
    assert (run.status, run.created, run.rows_read) == ("succeeded", 7, 7)
    assert max(small_chunks) <= 2 and sum(small_chunks) == 7
    assert Recommendation.objects.count() == 7


def test_reimporting_a_file_of_many_chunks_changes_nothing(db, tmp_path, small_chunks):
    path = csv_file(tmp_path, *texts(5))
    import_file(path)
    before = registry_snapshot()
    run = import_file(path)
    assert (run.created, run.updated, run.unchanged) == (0, 0, 5)
    assert registry_snapshot() == before


def test_a_bad_row_in_a_late_chunk_undoes_the_chunks_already_written(db, tmp_path,
                                                                     small_chunks):
    import_file(csv_file(tmp_path, row("Already there."), name="first.csv"))
    before = registry_snapshot()
    rows = texts(5) + [row(state="Atlantis")] + texts(2) + [row(session="x")]
    with pytest.raises(ImportFailed) as failed:
        import_file(csv_file(tmp_path, *rows))
    assert registry_snapshot() == before
    assert sum(small_chunks) >= 4  # chunks were written before the bad row was read
    run = failed.value.run
    # Every problem of the file is reported, not only the first.
    assert run.rejected == 2 and run.rows_read == 9
    assert "Atlantis" in run.message and "(problems in all: 2)" in run.message
    assert ImportRowError.objects.filter(run=run).count() == 2


def test_a_dry_run_of_many_chunks_writes_nothing(db, tmp_path, small_chunks):
    before = registry_snapshot()
    run = pipeline.run_import(pipeline.start_run(
        "upr_info", [InputFile(csv_file(tmp_path, *texts(5)), "export.csv")], dry_run=True),
        [InputFile(csv_file(tmp_path, *texts(5)), "export.csv")])
    assert run.created == 5 and run.message.startswith("Dry run")
    assert registry_snapshot() == before


def test_an_exact_repeat_in_a_later_chunk_is_still_flagged(db, tmp_path, small_chunks):
    run = import_file(csv_file(tmp_path, row(), *texts(4), row()))
    assert run.created == 6 and run.possible_duplicates == 1
    first, *_, last = Recommendation.objects.order_by("pk")
    assert last.possible_duplicate_of == first


def test_a_record_met_twice_in_one_import_is_refused(db, tmp_path):
    # Two exports that share a row: the second would otherwise overwrite the first.
    one = csv_file(tmp_path, row(), name="one.csv")
    two = csv_file(tmp_path, row("Protect migrants."), row(), name="two.csv")
    files = [InputFile(one, "one.csv"), InputFile(two, "two.csv")]
    before = registry_snapshot()
    with pytest.raises(ImportFailed) as failed:
        pipeline.run_import(pipeline.start_run("upr_info", files), files)
    assert "two.csv, row 3" in failed.value.run.message
    assert "repeats a record met earlier in this import" in failed.value.run.message
    assert registry_snapshot() == before


def test_candidates_of_other_sources_are_found_in_every_chunk(db, tmp_path, small_chunks):
    # Another source brought the texts first; UPR Info's rows, spread over several chunks
    # and recommended by two states each, all join them rather than copying them.
    from nmirf.ingest.normalise import Normaliser
    from nmirf.ingest.records import SourceRow

    normaliser = Normaliser()
    prepared = [normaliser.prepare(SourceRow(
        source="ohchr_matrix", file="matrix.docx", row=n, key=f"SVN:7:{n}", state="SVN",
        mechanism="UPR", session=7, text=f"Recommendation number {n} on the rights of the "
        "child.", paragraph=f"90.{n}", recommending_states=["France"], position="Supported",
    )) for n in range(3)]
    commit_module.commit("ohchr_matrix", prepared, normaliser.reviews, run_id=None)
    rows = [row(f"Recommendation number {n} on the rights of the child.", source=state)
            for n in range(3) for state in ("France", "Chile")]
    run = import_file(csv_file(tmp_path, *rows))
    assert (run.created, run.updated) == (0, 6)  # six links, no copy
    assert Recommendation.objects.count() == 3
    assert SourceRecord.objects.filter(source="upr_info").count() == 6


def test_a_bulk_load_finds_candidates_in_every_chunk_and_puts_every_index_back(
        db, tmp_path, small_chunks, monkeypatch):
    from django.db import connection

    monkeypatch.setattr(commit_module, "BULK_ROWS", 1)  # indexes dropped, rebuilt at the end

    def indexes():
        with connection.cursor() as cursor:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'index'"
                           if connection.vendor == "sqlite" else
                           "SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")
            return sorted(name for (name,) in cursor.fetchall())

    test_candidates_of_other_sources_are_found_in_every_chunk(db, tmp_path, small_chunks)
    before = indexes()
    run = import_file(csv_file(tmp_path, *texts(4, "water"), name="more.csv"))
    assert run.created == 4 and indexes() == before


def test_only_the_first_problems_are_kept_in_memory(db, tmp_path, monkeypatch):
    monkeypatch.setattr(pipeline, "MAX_STORED_ERRORS", 3)
    with pytest.raises(ImportFailed) as failed:
        import_file(csv_file(tmp_path, *[row(state="Atlantis")] * 10))
    run = failed.value.run
    assert run.rejected == 10 and "(problems in all: 10)" in run.message
    messages = list(ImportRowError.objects.filter(run=run).values_list("message", flat=True))
    assert len(messages) == 4 and messages[-1] == "… and 7 more problems."


def test_the_size_of_an_import_is_estimated_before_reading(tmp_path):
    path = csv_file(tmp_path, *texts(4))
    zipped = tmp_path / "book.xlsx"
    zipped.write_bytes(b"PK\x03\x04 not counted")
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(b"%PDF-1.7\n" + b"stream bytes\n" * 20_000)
    assert estimate_rows([InputFile(path, "a.csv"), InputFile(zipped, "b.xlsx"),
                          InputFile(pdf, "report.pdf"),
                          InputFile(tmp_path / "missing.csv", "c.csv")]) == 4


def test_the_write_path_takes_its_columns_from_the_model(db):
    table = commit_module.RECOMMENDATIONS
    # Columns the import does not give get their default; nullable ones (the PostgreSQL
    # search vector, which a trigger fills) are left to the database.
    assert "archived" in table.columns and "search_vector" not in table.columns
    # archived; values_from (its creator's); positions_differ
    assert table.constants() == (False, "", False)
    # The paragraph's sort key has no default: an import must derive it (paragraphs.py).
    with pytest.raises(ImproperlyConfigured,
                       match="without a value for paragraph, paragraph_key, text"):
        Table(Recommendation, ("id", "review_id", "search_text", "external_key",
                               "created_at", "updated_at"))
    with pytest.raises(ImproperlyConfigured, match="has no column colour"):
        Table(Recommendation, ("id", "colour"))
