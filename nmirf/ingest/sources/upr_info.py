"""UPR Info database export (CSV): one row per recommendation and recommending state.

The real exports are an importer's honest test: Mac Roman rather than UTF-8, bare CR line
endings and no final terminator, a few HTML entities ("&#40;Unknown&#41;"), and the issues
as one comma-joined cell. Voluntary pledges arrive as rows whose recommending state is the
state under review itself; they are kept as recommendations whose position is "voluntary
pledge" and have no recommending state.

Rows that repeat exactly (same state, session, recommending state and text) are kept — a
report can list a recommendation twice — and get an occurrence number so that each has its
own stable key; the pipeline flags the second one as a possible duplicate of the first.
"""

import hashlib
import html
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from django.utils.translation import gettext_noop

from nmirf.core.problems import Message
from nmirf.core.text import clean_text, name_key, search_text

from ..files import WESTERN_LEGACY, read_csv_rows
from ..records import RowProblem, SourceError, SourceRow

SOURCE = "upr_info"
COLUMNS = ["To", "To-Rgrp", "To-Org", "Text", "From", "From-Rgrp", "From-Org",
           "Response", "Action", "Issue", "Session"]
REQUIRED = ["To", "Text", "From", "Response", "Action", "Issue", "Session"]
UNKNOWN_STATE = "(unknown)"
MAX_TEXT = 20_000
_MAX_DIGITS = 30


def read(path: Path, *, display_name: str | None = None, **_options) -> Iterator[
    SourceRow | RowProblem
]:
    name = display_name or Path(path).name
    # UPR Info's exports are Mac Roman; one opened and saved again in Excel on Windows is
    # Windows-1252. No other legacy encoding is guessed (spreadsheets.detect_encoding).
    rows = read_csv_rows(path, name, delimiter=",", legacy=WESTERN_LEGACY)
    header_row = next(rows, None)
    if header_row is None:
        raise SourceError(Message(gettext_noop("%(file)s is empty."), file=name))
    header = [column.strip() for column in header_row.cells]
    missing = [column for column in REQUIRED if column not in header]
    if missing:
        unexpected = [column for column in header if column not in COLUMNS]
        detail = Message(gettext_noop("; unexpected columns: %(columns)s"),
                         columns=", ".join(unexpected)) if unexpected else ""
        raise SourceError(Message(
            gettext_noop("%(file)s is not a UPR Info export: missing the columns %(columns)s"
                         "%(detail)s."),
            file=name, columns=", ".join(missing), detail=detail,
        ))
    counts = Counter(header)
    twice = [column for column, count in counts.items() if column and count > 1]
    if twice:
        # Which of the two holds the data is anyone's guess: a person must say.
        raise SourceError(Message(
            gettext_noop("%(file)s has the columns %(columns)s more than once: keep one of "
                         "each and import it again."),
            file=name, columns=", ".join(twice)))
    columns = tuple(header.index(column) for column in
                    ("To", "Text", "From", "Response", "Action", "Issue", "Session"))
    width = len(header)
    seen = Occurrences()
    for sheet_row in rows:
        cells, row_number = sheet_row.cells, sheet_row.number
        if len(cells) < width:
            yield RowProblem(name, row_number, Message(
                gettext_noop("has %(fields)s fields where the header has %(width)s"
                             " (the file may be truncated)"),
                fields=len(cells), width=width))
            continue
        record = _row(cells, columns, name, row_number)
        if isinstance(record, RowProblem):
            yield record
            continue
        occurrence = seen.count(record.key)
        if occurrence > 1:
            record.occurrence = occurrence
            record.key = f"{record.key}#{occurrence}"
        yield record


class Occurrences:
    """How many times each key has been met in a file, in bounded memory: an 8-byte digest
    of each key met once (a file of a million rows in tens of megabytes), the keys
    themselves only for those met again (a few). The digest is a stable one, not hash():
    a key's occurrence number is part of its record's key, which must be the same at every
    import of the file."""

    def __init__(self):
        self._once: set[int] = set()
        self._counts: dict[str, int] = {}

    def count(self, key: str) -> int:
        """Note one more occurrence of `key`; return how many there have been."""
        if key in self._counts:
            self._counts[key] += 1
            return self._counts[key]
        digest = int.from_bytes(hashlib.blake2b(key.encode("utf-8", "surrogatepass"),
                                                digest_size=8).digest())
        if digest not in self._once:
            self._once.add(digest)
            return 1
        # The digest was met: most likely this very key (a row repeated word for word). Two
        # keys sharing a digest (one chance in 10^19 per pair) would number the second
        # one's record "#2": still a key of its own, and the same at every import.
        self._counts[key] = 2
        return 2


def _row(cells: list[str], columns: tuple[int, ...], name: str, row_number: int):
    # This runs 40,000 times for the shared files: cells are read by position, and
    # unescaped only in the rare rows where an entity may be.
    if "&" in "".join(cells):
        cells = [html.unescape(cell) for cell in cells]
    c_state, c_text, c_from, c_response, c_action, c_issue, c_session = columns
    state, text, recommending, response, action, issue_cell, session_cell = (
        cells[c_state].strip(), cells[c_text], cells[c_from].strip(), cells[c_response].strip(),
        cells[c_action].strip(), cells[c_issue], cells[c_session].strip())
    text = clean_text(text)
    if not state:
        return RowProblem(name, row_number,
                          Message(gettext_noop("has no state under review (To)")), "To")
    if not text:
        return RowProblem(name, row_number,
                          Message(gettext_noop("has no recommendation text")), "Text")
    if len(text) > MAX_TEXT:
        return RowProblem(name, row_number,
                          Message(gettext_noop("text is longer than %(max)s characters"),
                                  max=MAX_TEXT), "Text")
    # isdecimal, not isdigit: "²" is a digit that int() refuses; the length bound keeps
    # int() within its limit (the normaliser then checks the session's range).
    if not session_cell.isdecimal() or len(session_cell) > _MAX_DIGITS:
        return RowProblem(name, row_number,
                          Message(gettext_noop("session %(session)s is not a number"),
                                  session=repr(session_cell)), "Session")
    pledge = name_key(response) == "voluntary pledge"
    if pledge or not recommending or recommending.casefold() == UNKNOWN_STATE:
        recommending_states = []
    else:
        recommending_states = [recommending]
    issues = [issue for issue in map(str.strip, issue_cell.split(",")) if issue]
    folded = search_text(text)
    digest = hashlib.sha1(folded.encode()).hexdigest()[:16]
    return SourceRow(
        source=SOURCE,
        file=name,
        row=row_number,
        key=f"{name_key(state)}:{session_cell}:{name_key(recommending)}:{digest}",
        state=state,
        mechanism="UPR",
        text=text,
        folded=folded,
        session=int(session_cell),
        recommending_states=recommending_states,
        position=response,
        action_category=action,
        terms={"upr_info_issues": issues},
        language="en",
    )
