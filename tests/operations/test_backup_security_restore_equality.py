"""A backup taken while the app writes restores to one consistent moment of the source.

A writer process keeps adding, one transaction each, an import run and a recommendation
that carry the same number, before, during and after `nmirf backup`. The restored database
must hold every table equal to the source's (the full-text index's own tables included on
SQLite), except the ones the writer adds to, where it must hold exactly the rows the source
had at one moment: what existed before the writer started, plus pairs 0…k-1 for some k, each
pair whole (both rows or neither), each row equal to the source's."""

import contextlib
import subprocess
import sys

from .scratch import scratch_database, table_rows, upr_info_file

WRITER = """
import pathlib, sys
import django
django.setup()
from django.db import transaction
from nmirf.ingest.models import ImportRun
from nmirf.recommendations.models import Recommendation, Review

stop = pathlib.Path(sys.argv[1])
review = Review.objects.first()
n = 0
while not stop.exists():
    with transaction.atomic():
        ImportRun.objects.create(source="writer", message=f"pair {n}")
        text = f"Writer pair {n}: guarantee the right to education."
        Recommendation.objects.create(review=review, text=text, search_text=text,
                                      external_key=f"writer:{n}")
    n += 1
    if n == 25:
        print("writing", flush=True)
print(n, flush=True)
"""

# Tables the writer adds to; the registry's change log and clock follow every write (triggers).
WRITTEN = {"ingest_importrun", "recommendations_recommendation",
           "recommendations_registrychange", "recommendations_registryclock",
           "recommendation_fts_data",
           "recommendation_fts_idx", "recommendation_fts_docsize",
           "recommendation_search"}  # PostgreSQL's full-text table (triggers)


def _pairs(scratch) -> tuple[set, set]:
    with contextlib.closing(scratch.connect()) as db:
        runs = {row[0] for row in db.execute(
            "SELECT message FROM ingest_importrun WHERE source = 'writer'")}
        recs = {row[0] for row in db.execute(
            "SELECT external_key FROM recommendations_recommendation "
            "WHERE external_key LIKE 'writer:%'")}
    return ({int(message.split()[1]) for message in runs},
            {int(key.split(":")[1]) for key in recs})


def _full_text_agrees(scratch) -> None:
    """SQLite: the restored index is sound and indexes exactly the restored rows."""
    with contextlib.closing(scratch.connect()) as db:
        db.execute("INSERT INTO recommendation_fts(recommendation_fts) VALUES('integrity-check')")
        indexed = {row[0] for row in db.execute("SELECT id FROM recommendation_fts_docsize")}
        rows = {row[0] for row in db.execute("SELECT id FROM recommendations_recommendation")}
        assert indexed == rows
        found = db.execute("SELECT count(*) FROM recommendation_fts "
                           "WHERE recommendation_fts MATCH 'writer'").fetchone()[0]
        written = db.execute("SELECT count(*) FROM recommendations_recommendation "
                             "WHERE external_key LIKE 'writer:%'").fetchone()[0]
        assert found == written


def test_a_backup_under_write_load_restores_one_consistent_moment(db, tmp_path):
    with scratch_database(tmp_path, "source") as source:
        source.nmirf("migrate", "--no-input", "-v0")
        source.nmirf("import", "upr-info", str(upr_info_file(tmp_path / "upr.csv", rows=40)))
        before = table_rows(source)

        stop = tmp_path / "stop"
        writer = subprocess.Popen([sys.executable, "-c", WRITER, str(stop)], env=source.env(),
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            assert writer.stdout.readline().strip() == "writing", writer.stderr.read()
            archive = tmp_path / "backup.tar.gz"
            source.nmirf("backup", "--out", str(archive))
        finally:
            stop.touch()
            out, err = writer.communicate(timeout=60)
        assert writer.returncode == 0, err
        written = int(out.strip())
        after = table_rows(source)

        with scratch_database(tmp_path, "target") as target:
            target.nmirf("migrate", "--no-input", "-v0")
            target.nmirf("restore", str(archive))
            restored = table_rows(target)

            runs, recs = _pairs(target)
            assert runs == recs, "a pair was cut in two"
            k = len(runs)
            assert runs == set(range(k)), "pairs are missing from the middle"
            # The backup really ran under load: the writer had written before, and went on.
            assert 25 <= k < written, (k, written)

            assert set(restored) == set(after)
            for table in sorted(set(after) - WRITTEN):
                assert restored[table] == after[table], table
            for table in ("ingest_importrun", "recommendations_recommendation",
                          *(["recommendation_search"] if "recommendation_search" in after
                            else [])):
                # (repr: a JSON column's value is a list, which a set cannot hold)
                before_, restored_, after_ = ({repr(row) for row in rows[table]}
                                              for rows in (before, restored, after))
                assert before_ <= restored_ <= after_, table
            if target.vendor == "sqlite":
                _full_text_agrees(target)
            else:
                with contextlib.closing(target.connect()) as pg:
                    found = pg.execute(
                        "SELECT count(*) FROM recommendation_search WHERE "
                        "search_vector @@ plainto_tsquery('english', 'writer')").fetchone()[0]
                assert found == k
