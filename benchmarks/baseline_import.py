"""The plain baseline that `nmirf import upr-info` is measured against.

    python benchmarks/baseline_import.py [--same-schema] DB.sqlite3 FILE.csv...

What the simplest honest script does with the UPR Info exports: read each file, decode it
(UTF-8 if it is, Mac Roman otherwise), turn bare CR line endings into lines, parse it with
the csv module, and in ONE transaction `executemany` every row into a recommendations table
(state, session, recommending state, text, response, action) and its comma-joined issues
into an issue link table (recommendation id, issue), in a fresh SQLite file. No validation,
no look-ups, no de-duplication, no full-text index: the floor that the real importer's
extra work is measured from. Standard library only, so its start-up is Python's alone.

With --same-schema the recommendations table is equivalent to the product's own: its
columns and constraints (a review, a document, paragraph, text and its folded search form,
language, position, action category as a number, a unique external key, a possible
duplicate, an archived flag, two timestamps), with the reviews in their own table and a
link table of issue ids under a unique constraint, as the product has them. Still no
validation, no full-text index, no source records and no recommending-state links. The
issue asks for "an equivalent recommendations table"; both readings are reported
(benchmarks/README.md says which the verdict uses, and why).
"""

import csv
import datetime
import sqlite3
import sys

SCHEMA = """
CREATE TABLE recommendation (
    id INTEGER PRIMARY KEY,
    state TEXT NOT NULL,
    session INTEGER NOT NULL,
    recommending_state TEXT NOT NULL,
    text TEXT NOT NULL,
    response TEXT NOT NULL,
    action TEXT NOT NULL
);
CREATE TABLE recommendation_issue (
    recommendation_id INTEGER NOT NULL REFERENCES recommendation (id),
    issue TEXT NOT NULL
);
"""
SAME_SCHEMA = """
CREATE TABLE review (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE);
CREATE TABLE recommendation (
    id INTEGER PRIMARY KEY,
    review_id INTEGER NOT NULL REFERENCES review (id),
    document_id INTEGER NULL,
    paragraph TEXT NOT NULL,
    text TEXT NOT NULL,
    search_text TEXT NOT NULL,
    language TEXT NOT NULL,
    position TEXT NOT NULL,
    action_category INTEGER NULL,
    external_key TEXT NOT NULL UNIQUE,
    possible_duplicate_of_id INTEGER NULL REFERENCES recommendation (id),
    archived INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE recommendation_issue (
    recommendation_id INTEGER NOT NULL REFERENCES recommendation (id),
    issue_id INTEGER NOT NULL,
    UNIQUE (recommendation_id, issue_id)
);
"""


def decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("mac_roman")


def main(db_path: str, paths: list[str]) -> int:
    recommendations, issues = _plain_rows(paths)
    return _write(db_path, SCHEMA, recommendations, issues)


def _write(db_path: str, schema: str, recommendations: list[tuple], issues: list[tuple],
           reviews: list[tuple] = ()) -> int:
    conn = sqlite3.connect(db_path)
    conn.executescript(schema)
    with conn:  # one transaction
        if reviews:
            conn.executemany("INSERT INTO review VALUES (?, ?)", reviews)
        width = len(recommendations[0])
        conn.executemany(f"INSERT INTO recommendation VALUES ({', '.join('?' * width)})",
                         recommendations)
        conn.executemany("INSERT INTO recommendation_issue VALUES (?, ?)", issues)
    conn.close()
    print(f"{len(recommendations)} recommendations, {len(issues)} issue links")
    return 0


def _reader(path: str):
    """The file's rows after its header, the header's width, and the positions of the
    columns used: To, Text, From, Response, Action, Issue, Session. (The loops over the
    rows stay written out in each form of the baseline: a shared per-row helper would slow
    the baseline, and flatter the ratio.)"""
    with open(path, "rb") as handle:
        text = decode(handle.read())
    reader = csv.reader(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    header = next(reader)
    col = {name.strip(): i for i, name in enumerate(header)}
    return reader, len(header), tuple(col[name] for name in (
        "To", "Text", "From", "Response", "Action", "Issue", "Session"))


def _plain_rows(paths: list[str]) -> tuple[list[tuple], list[tuple]]:
    recommendations, issues = [], []
    for path in paths:
        reader, width, columns = _reader(path)
        c_to, c_text, c_from, c_resp, c_action, c_issue, c_session = columns
        for cells in reader:
            if len(cells) < width:
                continue  # blank line (the files have no final terminator)
            rec_id = len(recommendations) + 1
            recommendations.append((rec_id, cells[c_to], int(cells[c_session]), cells[c_from],
                                    cells[c_text], cells[c_resp], cells[c_action]))
            for issue in cells[c_issue].split(","):
                if issue.strip():
                    issues.append((rec_id, issue.strip()))
    return recommendations, issues


def main_same_schema(db_path: str, paths: list[str]) -> int:
    """The product's columns, filled the plain way: ids from dictionaries, no checks."""
    now = str(datetime.datetime.now(datetime.UTC).replace(tzinfo=None))
    recommendations, issues = [], []
    review_ids: dict[str, int] = {}
    issue_ids: dict[str, int] = {}
    for path in paths:
        reader, width, columns = _reader(path)
        c_to, c_text, c_from, c_resp, c_action, c_issue, c_session = columns
        for cells in reader:
            if len(cells) < width:
                continue
            rec_id = len(recommendations) + 1
            review = review_ids.setdefault(f"UPR:{cells[c_to]}:{cells[c_session]}",
                                           len(review_ids) + 1)
            action = cells[c_action].strip()
            text = cells[c_text]
            recommendations.append((
                rec_id, review, None, "", text, text.casefold(), "en",
                cells[c_resp].strip().lower(), int(action) if action.isdigit() else None,
                f"upr_info:{cells[c_to]}:{cells[c_session]}:{cells[c_from]}:{rec_id}", None,
                0, now, now))
            for issue in cells[c_issue].split(","):
                if issue.strip():
                    issues.append((rec_id, issue_ids.setdefault(issue.strip(),
                                                                len(issue_ids) + 1)))
    return _write(db_path, SAME_SCHEMA, recommendations, issues,
                  [(pk, key) for key, pk in review_ids.items()])


if __name__ == "__main__":
    arguments = sys.argv[1:]
    same_schema = arguments[:1] == ["--same-schema"]
    arguments = arguments[1:] if same_schema else arguments
    if len(arguments) < 2:
        sys.exit("usage: baseline_import.py [--same-schema] DB FILE...")
    sys.exit((main_same_schema if same_schema else main)(arguments[0], arguments[1:]))
