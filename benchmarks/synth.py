"""Synthetic recommendations for the list benchmark, recombined from the real ones.

The registry the benchmark searches must look like a real one at any size: several
mechanisms, every taxonomy, and texts whose variety (distinct texts, word pairs, rare
words) grows with the number of rows, as a real registry's does — not 250,000 copies of
the 37,991 distinct texts of the shared exports, which a cache or a small index would
flatter.

How. Every real UPR Info text (../shared/data/raw/upr_info_sessions_01-20) is cut into
clauses (at ", ", "; ", ": " and sentence ends). A synthetic text starts with the opening
clause of one real text and goes on with 1–3 clauses drawn from other real texts; about a
third also cite a national law or plan by number and year ("Act No. 1234/2016"), drawn
from a range that grows with the size, so the vocabulary (numbers, as real laws have)
grows with the rows too. Two kinds of rows are written, each in the format of the
importer that reads it:

- UPR recommendations (60 %), in UPR Info's export format (`nmirf import upr-info`): a
  (session, state under review) pair of the real UPR schedule of sessions 1–50
  (../shared/data/reference/upr_sessions.csv, 717 reviews), the recommending state,
  response, action category and UPR Info issues of a real row (issues of a second real
  row added to some);
- treaty-body recommendations (40 %), in the OpenNMIRF import template
  (`nmirf import template`): one of the ten treaty bodies, a state of the UPR schedule,
  a review ("4-6", …: three per body and state at the most), a paragraph number, a
  document symbol, 1–3 UHRI themes, 0–2 groups of affected persons and 0–2 SDG goals or
  targets from the seeded reference lists, and a text opened as a committee opens one
  ("The Committee recommends that the State party …"), and an external id of its own
  (state names of the schedule that are aliases of one state would otherwise collide).

No two rows share an identity for their importer (UPR: state, session, recommending state
and folded text; template: the external id). Files hold at most
50,000 rows each, UTF-8, and are fully determined by this file, the seed and the size
(the cache key of the built databases hashes this file: see bench_list.py).
"""

import csv
import html
import random
import re
import unicodedata
from pathlib import Path

COLUMNS = ["To", "To-Rgrp", "To-Org", "Text", "From", "From-Rgrp", "From-Org",
           "Response", "Action", "Issue", "Session"]
TEMPLATE_COLUMNS = ["mechanism", "state", "review", "document_symbol", "paragraph", "text",
                    "themes", "affected_persons", "sdg", "language", "external_id"]
TREATY_BODIES = ["CCPR", "CESCR", "CERD", "CEDAW", "CAT", "CRC", "CMW", "CRPD", "CED", "SPT"]
ROWS_PER_FILE = 50_000
UPR_SHARE = 0.6
SEED = 20_250_101
SEED_DIR = Path(__file__).resolve().parent.parent / "nmirf" / "recommendations" / "seed"
LEAD_INS = [
    "The Committee recommends that the State party",
    "The Committee urges the State party to",
    "The Committee calls upon the State party to",
    "The Committee reiterates its recommendation that the State party",
    "The State party should",
]
LAW_KINDS = ["Act No.", "Law No.", "Decree No.", "Organic Law No.", "National Action Plan",
             "Bill No.", "Code No.", "Ordinance No."]
_CLAUSE_SPLIT = re.compile(r"(?<=[,;:.])\s+")


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
                rows.append({column: row.get(column) or "" for column in COLUMNS})
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


def _seed_column(name: str, column: str) -> list[str]:
    with (SEED_DIR / name).open(newline="", encoding="utf-8") as handle:
        return [row[column] for row in csv.DictReader(handle) if row.get(column)]


def _lower_first(clause: str) -> str:
    """"Continue …" in the middle of a sentence reads "continue …"; "UNHCR …" stays."""
    if len(clause) > 1 and clause[1].isupper():
        return clause
    return clause[:1].lower() + clause[1:]


class Texts:
    """Recombines clauses of the real texts into new ones."""

    def __init__(self, rows: list[dict], total: int, rng: random.Random):
        self.rng = rng
        self.openings: list[str] = []
        self.clauses: list[str] = []
        for row in rows:
            parts = [p.strip().rstrip(",;:.") for p in _CLAUSE_SPLIT.split(row["Text"].strip())]
            parts = [p for p in parts if len(p) > 12]
            if not parts:
                continue
            self.openings.append(parts[0])
            self.clauses.extend(parts[1:] or parts)
        # Law numbers: the more rows, the more distinct numbers (a vocabulary that grows).
        self.law_numbers = max(100, total // 5)

    def _tail(self) -> list[str]:
        rng = self.rng
        parts = [_lower_first(rng.choice(self.clauses)) for _ in range(rng.randint(1, 3))]
        if rng.random() < 0.35:
            parts.append(f"in line with {rng.choice(LAW_KINDS)} "
                         f"{rng.randrange(1, self.law_numbers)}/{rng.randint(1990, 2025)}")
        return parts

    def upr(self) -> str:
        return ", ".join([self.rng.choice(self.openings), *self._tail()]) + "."

    def treaty_body(self) -> str:
        opening = self.rng.choice(self.openings)
        opening = _lower_first(opening)
        return f"{self.rng.choice(LEAD_INS)} {opening}, " + "; ".join(self._tail()) + "."


class _Files:
    """CSV files of at most ROWS_PER_FILE rows, named PREFIX_NN.csv."""

    def __init__(self, out_dir: Path, prefix: str, header: list[str]):
        self.out_dir, self.prefix, self.header = out_dir, prefix, header
        self.paths: list[Path] = []
        self.count = 0
        self.handle = self.writer = None

    def write(self, row: list[str]) -> None:
        if self.count % ROWS_PER_FILE == 0:
            self.close()
            path = self.out_dir / f"{self.prefix}_{len(self.paths) + 1:02d}.csv"
            self.paths.append(path)
            self.handle = path.open("w", newline="", encoding="utf-8")
            self.writer = csv.writer(self.handle)
            self.writer.writerow(self.header)
        self.writer.writerow(row)
        self.count += 1

    def close(self) -> None:
        if self.handle:
            self.handle.close()
            self.handle = None


def generate(upr_info_files: list[Path], sessions_csv: Path, out_dir: Path, total: int,
             seed: int = SEED) -> list[tuple[str, Path]]:
    """Write the files; return [(importer, path)] in the order to import them."""
    source = real_rows(upr_info_files)
    reviews = schedule(sessions_csv)
    states = sorted({state for _session, state in reviews})
    rng = random.Random(seed)
    texts = Texts(source, total, rng)
    themes = _seed_column("uhri_themes.csv", "name")
    affected = _seed_column("affected_persons.csv", "name")
    sdgs = (_seed_column("sdg_goals.csv", "goal")
            + _seed_column("sdg_targets.csv", "target"))
    out_dir.mkdir(parents=True, exist_ok=True)
    upr = _Files(out_dir, "upr_info_synthetic", COLUMNS)
    treaty = _Files(out_dir, "template_synthetic", TEMPLATE_COLUMNS)
    seen: set[tuple] = set()
    paragraphs: dict[tuple, int] = {}
    for _index in range(total):
        if rng.random() < UPR_SHARE:
            while True:
                row = rng.choice(source)
                session, state = rng.choice(reviews)
                text = texts.upr()
                identity = (fold(state), session, fold(row["From"]), fold(text))
                if identity not in seen:
                    seen.add(identity)
                    break
            issues = row["Issue"]
            if rng.random() < 0.3:
                other = rng.choice(source)["Issue"]
                issues = ",".join(dict.fromkeys(
                    [i for i in (issues + "," + other).split(",") if i.strip()]))
            upr.write([state if c == "To" else str(session) if c == "Session"
                       else text if c == "Text" else issues if c == "Issue" else row[c]
                       for c in COLUMNS])
        else:
            body = rng.choice(TREATY_BODIES)
            state = rng.choice(states)
            first = rng.choice((1, 4, 7))
            review = f"{first}-{first + 2}"
            key = (body, state, review)
            paragraph = paragraphs[key] = paragraphs.get(key, 0) + 1
            symbol = f"{body}/C/{fold(state)[:3].upper()}/CO/{review}"
            treaty.write([
                body, state, review, symbol, str(paragraph), texts.treaty_body(),
                "; ".join(rng.sample(themes, rng.randint(1, 3))),
                "; ".join(rng.sample(affected, rng.randint(0, 2))),
                "; ".join(rng.sample(sdgs, rng.randint(0, 2))),
                "en", f"synthetic-{_index}",
            ])
    upr.close()
    treaty.close()
    return ([("upr-info", p) for p in upr.paths] + [("template", p) for p in treaty.paths])
