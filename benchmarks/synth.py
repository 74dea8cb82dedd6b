"""Synthetic UPR Info exports for the list benchmark, resampled from the real ones.

Every generated row is a real UPR Info row (its text, recommending state, response,
action category and issues unchanged) moved to another review: a (session, state under
review) pair drawn from the real UPR Working Group schedule of sessions 1–50
(../shared/data/reference/upr_sessions.csv, 717 reviews). So the texts are real, the
reviews are as many and as large as real ones (about 350 recommendations each at 250,000
rows), and no two generated rows share a state, session, recommending state and text
(a row that would is drawn again), so each is its own recommendation for the importer.

The output is written in UPR Info's format (same columns), UTF-8, in files of at most
50,000 rows, and is fully determined by this file, the seed and the size: the cache key of
the built databases is a hash of this file (see bench_list.py).
"""

import csv
import html
import random
import re
import unicodedata
from pathlib import Path

COLUMNS = ["To", "To-Rgrp", "To-Org", "Text", "From", "From-Rgrp", "From-Org",
           "Response", "Action", "Issue", "Session"]
ROWS_PER_FILE = 50_000
SEED = 20_250_101


def _decode(data: bytes) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("mac_roman")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def fold(value: str) -> str:
    """Roughly how the importer folds a text or name into its key (entities decoded,
    accents, case, punctuation and spacing ignored), so that two generated rows never
    become the same source record there."""
    value = unicodedata.normalize("NFKD", html.unescape(value))
    value = "".join(ch for ch in value if not unicodedata.combining(ch)).casefold()
    return " ".join(re.findall(r"\w+", value))


def real_rows(files: list[Path]) -> list[dict]:
    rows = []
    for path in files:
        for row in csv.DictReader(_decode(path.read_bytes()).split("\n")):
            if row.get("Text") and row.get("To"):
                record = {column: row.get(column) or "" for column in COLUMNS}
                record["_identity"] = (fold(record["From"]), fold(record["Text"]))
                rows.append(record)
    return rows


def schedule(sessions_csv: Path) -> list[tuple[int, str]]:
    """(session, state name) for every review of the real schedule, sessions 1–50."""
    reviews = []
    with sessions_csv.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            session = int(row["session"])
            for state in row["states_reviewed"].split(";"):
                if state.strip():
                    reviews.append((session, state.strip()))
    return reviews


def generate(upr_info_files: list[Path], sessions_csv: Path, out_dir: Path, total: int,
             seed: int = SEED) -> list[Path]:
    source = real_rows(upr_info_files)
    reviews = schedule(sessions_csv)
    rng = random.Random(seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    seen: set[tuple] = set()
    paths: list[Path] = []
    writer = handle = None
    for index in range(total):
        if index % ROWS_PER_FILE == 0:
            if handle:
                handle.close()
            path = out_dir / f"upr_info_synthetic_{len(paths) + 1:02d}.csv"
            paths.append(path)
            handle = path.open("w", newline="", encoding="utf-8")
            writer = csv.writer(handle)
            writer.writerow(COLUMNS)
        while True:
            row = rng.choice(source)
            session, state = rng.choice(reviews)
            identity = (fold(state), session, row["_identity"])
            if identity not in seen:
                seen.add(identity)
                break
        writer.writerow([state if column == "To" else str(session) if column == "Session"
                         else row[column] for column in COLUMNS])
    if handle:
        handle.close()
    return paths
