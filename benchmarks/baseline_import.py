"""The plain baseline that `nmirf import upr-info` is measured against.

    python benchmarks/baseline_import.py DB.sqlite3 FILE.csv...

What the simplest honest script does with the UPR Info exports: read each file, decode it
(UTF-8 if it is, Mac Roman otherwise), turn bare CR line endings into lines, parse it with
the csv module, and in ONE transaction `executemany` every row into a recommendations table
(state, session, recommending state, text, response, action) and its comma-joined issues
into an issue link table (recommendation id, issue), in a fresh SQLite file. No validation,
no look-ups, no de-duplication, no full-text index: the floor that the real importer's
extra work is measured from. Standard library only, so its start-up is Python's alone.
"""

import csv
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


def decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("mac_roman")


def main(db_path: str, paths: list[str]) -> int:
    recommendations, issues = [], []
    for path in paths:
        with open(path, "rb") as handle:
            text = decode(handle.read())
        reader = csv.reader(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
        header = next(reader)
        col = {name.strip(): i for i, name in enumerate(header)}
        c_to, c_text, c_from = col["To"], col["Text"], col["From"]
        c_resp, c_action, c_issue, c_session = (col["Response"], col["Action"], col["Issue"],
                                                col["Session"])
        for cells in reader:
            if len(cells) < len(header):
                continue  # blank line (the files have no final terminator)
            rec_id = len(recommendations) + 1
            recommendations.append((rec_id, cells[c_to], int(cells[c_session]), cells[c_from],
                                    cells[c_text], cells[c_resp], cells[c_action]))
            for issue in cells[c_issue].split(","):
                if issue.strip():
                    issues.append((rec_id, issue.strip()))
    conn = sqlite3.connect(db_path)
    conn.executescript(SCHEMA)
    with conn:  # one transaction
        conn.executemany("INSERT INTO recommendation VALUES (?, ?, ?, ?, ?, ?, ?)",
                         recommendations)
        conn.executemany("INSERT INTO recommendation_issue VALUES (?, ?)", issues)
    conn.close()
    print(f"{len(recommendations)} recommendations, {len(issues)} issue links")
    return 0


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit("usage: baseline_import.py DB FILE...")
    sys.exit(main(sys.argv[1], sys.argv[2:]))
