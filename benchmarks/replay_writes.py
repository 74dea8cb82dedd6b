"""The floor under `nmirf import upr-info`: the product's own writes, with no Python work.

    python benchmarks/replay_writes.py IMPORTED_DB TEMPLATE_DB OUT_DB

Reads what the product wrote into IMPORTED_DB for an import (its reviews, recommendations,
recommending states, terms and source records) and writes the same rows again into OUT_DB,
a fresh copy of TEMPLATE_DB (migrated and seeded), the way ingest/commit.py writes a large
first import: one transaction; foreign-key enforcement off; the secondary indexes dropped
and rebuilt; the full-text index filled in one statement after the rows; the connection
set up as nmirf/settings.py sets it (WAL, synchronous NORMAL, 64 MB of cache). Prints one
JSON object: seconds for the inserts, the full-text fill, the index rebuild, the commit,
and their total.

What it tells: how much of the import's time is the database's work on the product's
schema, which no amount of Python tuning removes. Standard library only.
"""

import json
import shutil
import sqlite3
import sys
import time
from pathlib import Path

# In the order the product writes them; ids of the link rows are the database's to give.
TABLES = [
    ("recommendations_review", True),
    ("recommendations_recommendation", True),
    ("recommendations_recommendingstate", False),
    ("recommendations_recommendationterm", False),
    ("recommendations_sourcerecord", False),
]
FTS_TRIGGER = "recommendation_fts_ai"


def _rows(source: sqlite3.Connection) -> dict[str, tuple[list[str], list[tuple]]]:
    data = {}
    for table, keep_id in TABLES:
        cursor = source.execute(f"SELECT * FROM {table} ORDER BY id")
        columns = [description[0] for description in cursor.description]
        rows = cursor.fetchall()
        if not keep_id:
            drop = columns.index("id")
            columns = columns[:drop] + columns[drop + 1:]
            rows = [row[:drop] + row[drop + 1:] for row in rows]
        if "import_run_id" in columns:  # the run is not in the template
            run = columns.index("import_run_id")
            rows = [row[:run] + (None,) + row[run + 1:] for row in rows]
        data[table] = (columns, rows)
    return data


def replay(imported: Path, template: Path, out: Path) -> dict[str, float]:
    with sqlite3.connect(imported) as source:
        data = _rows(source)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{out}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(template, out)
    start = time.perf_counter()
    db = sqlite3.connect(out, isolation_level=None)
    for pragma in ("journal_mode = WAL", "synchronous = NORMAL", "cache_size = -65536",
                   "foreign_keys = OFF"):
        db.execute(f"PRAGMA {pragma}")
    db.execute("BEGIN IMMEDIATE")
    (trigger,) = db.execute("SELECT sql FROM sqlite_master WHERE name = ?",
                            [FTS_TRIGGER]).fetchone()
    db.execute(f"DROP TRIGGER {FTS_TRIGGER}")
    # The registry change log's insert triggers are set aside as the import's bulk path
    # does (registry_changes.bulk_insert), and the new ids logged with one statement.
    log_triggers = db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                              "AND name LIKE 'nmirf_log_insert_%'").fetchall()
    for name, _sql in log_triggers:
        db.execute(f"DROP TRIGGER {name}")
    tables = [table for table, _keep_id in TABLES[1:]]
    indexes = db.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        f"AND sql NOT LIKE 'CREATE UNIQUE%' AND tbl_name IN ({', '.join('?' * len(tables))})",
        tables).fetchall()
    for name, _sql in indexes:
        db.execute(f'DROP INDEX "{name}"')
    for table, (columns, rows) in data.items():
        db.executemany(f"INSERT INTO {table} ({', '.join(columns)}) "
                       f"VALUES ({', '.join('?' * len(columns))})", rows)
    inserted = time.perf_counter()
    db.execute("INSERT INTO recommendation_fts(rowid, search_text) "
               "SELECT id, search_text FROM recommendations_recommendation")
    db.execute("INSERT INTO recommendations_registrychange (tick, token, recommendation_id, at) "
               "SELECT 1, 0, id, 0 FROM recommendations_recommendation")
    indexed = time.perf_counter()
    for _name, sql in indexes:
        db.execute(sql)
    db.execute(trigger)
    for _name, sql in log_triggers:
        db.execute(sql)
    rebuilt = time.perf_counter()
    db.execute("COMMIT")
    db.close()
    done = time.perf_counter()
    return {"inserts": inserted - start, "full-text fill": indexed - inserted,
            "index rebuild": rebuilt - indexed, "commit and close": done - rebuilt,
            "total": done - start}


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit("usage: replay_writes.py IMPORTED_DB TEMPLATE_DB OUT_DB")
    print(json.dumps(replay(*map(Path, sys.argv[1:]))))
