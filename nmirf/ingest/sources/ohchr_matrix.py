"""OHCHR "thematic list / matrix of recommendations" (DOCX), as OHCHR sends it to a state
after its UPR review.

One table, one row per paragraph of the Working Group report, grouped under "Theme: …"
(or "Right or area: …") rows that span the table. Three layouts are met in real files,
recognised by their column headings rather than by position:

- cycles 2–3 (Slovenia 20 and 34, China 17 and 31): Recommendation / Position / Full list
  of themes / Assessment…; the themes cell holds old UHRI codes ("A12 Acceptance of
  international norms") or, from 2019, plain names ("- Acceptance of international
  norms"), then "SDGs:" and "Affected persons:" sections;
- cycle 4 (Slovenia 48): Recommendation and recommending State / Position of the State
  under review / Human rights themes and groups of persons ("Groups of Persons:") /
  Relevant SDGs;
- Egypt 20: Recommendation / Recommending state/s (one per line) / Position / Full list of
  rights/affected persons (the older "Right or area" numbering, "2.1. Acceptance of
  international norms").

The recommendation cell reads "121.1 Ratify … (France) (Lithuania);" then a line
"Source of position: A/HRC/43/15 - Para 121" (or "Comments: …"). The state under review,
the cycle and the session are in the page header ("UPR of China (2nd Cycle – 17th
session)"; Egypt's says only "UPR of Egypt - Second Cycle").

Decisions, after reading all six real files:

- **Merged recommendations.** The SOURCES.md note that a row "can hold several
  recommendations that OHCHR merged" is true of the *text*, never of the paragraph
  number: all 1,530 rows carry exactly one paragraph number, and the merging is OHCHR's
  own in the Working Group report ("115.38 Ensure … (Egypt); continue … (Peru); take …
  (Azerbaijan);"; China 17's 186.1 merges ten). The paragraph is the unit the state
  answers and the report cites, so one row = one recommendation: the text keeps the inner
  "(State);" markers (they say who asked what), only the trailing "(State)" suffix is
  removed, and every state named in a clause-ending bracket is a recommending state.
  Should a file put several paragraph numbers in one row, each *line* that starts with a
  number becomes its own recommendation (the text separates); several numbers before one
  text ("121.1, 121.2 Ratify …") give one recommendation keyed by the first number. A
  paragraph listed twice in one file (under two themes) is one recommendation with the
  union of its terms; twice with different texts, it is a row problem.
- **Recommending states** come from the brackets that end a clause; a bracket counts when
  every name in it is a state name known to pycountry or the seeded alias table
  (nmirf/recommendations/seed/state_aliases.csv), compared after folding (name_key) and,
  failing that, with spaces removed — which also repairs the real typos "Sierra Le one" and
  "Bolivia (Plurinational S tate of)". Names are split on commas and semicolons outside
  inner brackets ("Venezuela (Bolivarian Republic of),Peru" is two states) and on "and"
  only when both halves are states ("Bosnia and Herzegovina" stays whole). The last bracket
  of a text is taken as states even when a name is unknown, so that the pipeline reports
  the name instead of silently dropping it; acronyms such as "(ICPPED)" never count.
  Where the table has a "Recommending state/s" column (Egypt), that column is the list.
- **Terms** (SourceRow.terms: "uhri_themes", "affected_persons", "sdg"; values are the
  *codes* of nmirf/recommendations/seed/uhri_themes.csv, affected_persons.csv and the
  seeded SDG goals/targets):
  - old UHRI codes: the code ("A12"); UHRI's SDG themes "S01 SDG 1 - poverty" … "S17"
    are SDG goal codes ("1" … "17") in the "sdg" taxonomy, not themes (only the generic
    "S Sustainable Development Goal implementation" stays a theme, code "S");
  - new-style names (2019 on): code = the name, tidied (spacing, "&" spacing, first letter
    capitalised: "Budget &resources" = "Budget & resources");
  - Egypt's "Right or area" numbering is a distinct, older UHRI scheme whose numbers clash
    with nothing in the other two: code = the number as printed without its final dot
    ("2.1", "10", "12.4"), name = the words. Its names often equal an old coded theme's
    name (2.1 and A12 are both "Acceptance of international norms"): they stay separate
    terms, because mapping one scheme to another is a person's call, not a parser's;
  - SDGs "16 - PEACE, JUSTICE AND STRONG INSTITUTIONS" → "16" (a target "16.3" stays
    "16.3"); a line in the SDG column that is not an SDG ("2030 Agenda & other voluntary
    commitments", a UHRI theme) goes to the themes;
  - affected persons / groups of persons: code = the tidied name ("general" → "General").
- **State, cycle, session** come from the page headers (then the text before the table
  and the document title). An explicit `state` / `session` option wins where the file is
  silent or agrees; an option that contradicts the file (another state, another session)
  is refused, since importing a matrix under the wrong review is the mistake to prevent.
  With no session in the file or the options, the session is looked up in the seeded
  UPR session table (nmirf/recommendations/seed/upr_sessions.csv) from the state and the
  cycle the header gives — a state is reviewed once a cycle — so Egypt's "Second Cycle"
  file imports as session 20 without options. Failing all that: SourceError asking for
  --session.
- **Key**: "{ISO3}:{session}:{paragraph}" ("SVN:34:121.1"); the ISO3 code comes from the
  same no-database name index; a state name nothing knows is folded instead.
- **Safety**: before python-docx opens the file, the zip directory is checked: encrypted
  members, more than 5,000 members, over 200 MB declared uncompressed, or a member over
  1 MB that would expand more than 100 times are refused (zipfile never inflates a member
  past its declared size, so the declared sizes bound the memory used). Encrypted Word
  files (an OLE container, not a zip) and old .doc files are named as such. python-docx
  parses XML without resolving entities. Rows are read straight from the table XML (3–5×
  faster than python-docx's cell objects), honouring gridSpan, gridBefore and vMerge.
"""

import csv
import functools
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext_noop
from lxml import etree

from nmirf.core.problems import Message, Number
from nmirf.core.text import clean_text, name_key
from nmirf.recommendations import state_names

from ..brackets import known_state, split_recommendation, split_top_level
from ..files.archive import check_ratios, check_totals
from ..records import RowProblem, SourceError, SourceRow

SOURCE = "ohchr_matrix"

SEED_DIR = Path(__file__).resolve().parents[2] / "recommendations" / "seed"

MAX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_HEADER_CHARS = 20_000
_SPACES = re.compile(r"[^\S\t\n]+")
# Word's own limit on the columns of a table: a row that claims more is damaged or hostile.
MAX_COLUMNS = 63
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_W_T, _W_TAB, _W_BR, _W_CR, _W_NBH = (W + tag for tag in ("t", "tab", "br", "cr",
                                                         "noBreakHyphen"))
_W_P, _W_TC, _W_TBL = W + "p", W + "tc", W + "tbl"
_NS = {"w": W[1:-1]}
_TABLE_ROWS = etree.XPath("./w:tr | ./w:sdt/w:sdtContent/w:tr", namespaces=_NS)
_ROW_CELLS = etree.XPath("./w:tc | ./w:sdt/w:sdtContent/w:tc", namespaces=_NS)
HEADER_RELTYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/header"

# --- regular expressions --------------------------------------------------------------

_PARAGRAPH = re.compile(r"(\d{1,3}(?:\.\d{1,3}){1,2})\.?(?=[\s:;,)–-]|$)")
_LEADING_PARAGRAPHS = re.compile(
    r"^\s*(?:para(?:graph)?s?\.?\s*)?"
    r"(?P<numbers>\d{1,3}(?:\.\d{1,3}){1,2}\.?"
    r"(?:\s*(?:,|&|/|and|–|-)\s*\d{1,3}(?:\.\d{1,3}){1,2}\.?)*)"
    r"(?=[\s:;)–-]|$)\s*[:.–-]?\s*"
)
_GROUP_HEADER = re.compile(r"^\s*(theme|right or area|cluster|thematic area|issue)\s*:", re.I)
_META = re.compile(r"^\s*(source of position|comments?)\s*:", re.I)
_SYMBOL = re.compile(r"\bA/HRC/[0-9A-Za-z./-]*[0-9A-Za-z]")

_SECTION = re.compile(
    r"^(?:(?P<persons>affected persons|groups? of persons)|(?P<sdg>sdgs?|relevant sdgs)"
    r"|(?P<themes>(?:human rights )?themes?))\s*:?$",
    re.I,
)
_OLD_CODE = re.compile(r"^(?P<code>[A-HS]\d{0,3})\s+(?P<name>\S.*)$")
_OLD_SDG = re.compile(r"^S(?P<goal>\d{1,2})$")
_NUMBERED = re.compile(r"^(?P<code>\d{1,2}(?:\.\d{1,2})*)\.\s+(?P<name>\D.*)$")
_SDG_ANYWHERE = re.compile(r"^(?P<code>\d{1,2})\s+[-–—]\s+(?P<name>\D.*)$")
_SDG_LINE = re.compile(
    r"^(?:SDG\s*)?(?P<code>\d{1,2}(?:\.(?:\d{1,2}|[a-z]))?)(?:\s*[-–—:.]\s*(?P<name>.*))?$",
    re.I,
)

_STATE_PATTERNS = [
    re.compile(
        r"\b(?:UPR|Universal\s+Periodic\s+Review(?:\s*\(UPR\))?)\s+of\s+(?:the\s+)?"
        r"(?P<state>[^\t\n]+?)\s*(?:\((?=[^)]{0,200}(?:cycle|session))|\s[-–—]\s|[\t\n]|$)",
        re.I,
    ),
]
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6}
_CYCLE_PATTERNS = [
    re.compile(r"\b(?P<n>\d{1,2})\s*(?:st|nd|rd|th)?\s+cycle\b", re.I),
    re.compile(r"\b(?P<w>first|second|third|fourth|fifth|sixth)\s+cycle\b", re.I),
    re.compile(r"\bcycle\s+(?P<n>\d{1,2})\b", re.I),
]
_SESSION_PATTERNS = [
    re.compile(r"\b(?P<n>\d{1,3})\s*(?:st|nd|rd|th)\s+session\b", re.I),
    re.compile(r"\bsession\s+(?P<n>\d{1,3})\b", re.I),
    re.compile(r"\bUPR\s*(?P<n>\d{1,3})\b"),
]


def read(path: Path, *, display_name: str | None = None, state: str | None = None,
         session: int | str | None = None) -> Iterator[SourceRow | RowProblem]:
    """Yield one SourceRow per recommendation of an OHCHR matrix, or a RowProblem per row
    that cannot be read. Raises SourceError when the file as a whole cannot be used."""
    path = Path(path)
    name = display_name or path.name
    document = open_docx(path, name)
    tables = _matrix_tables(document.element.body, name)
    if not tables:
        raise SourceError(Message(
            gettext_noop("%(file)s has no table of recommendations (expected a column "
                         "'Recommendation' and one for the position, as in OHCHR's thematic "
                         "list / matrix of recommendations)."),
            file=name,
        ))
    review = _review(_header_text(document), name, state, session)
    yield from _rows(tables, name, review)


# --- opening the file safely ---------------------------------------------------------


def open_docx(path: Path, name: str):
    """A python-docx Document, once the file is known to be a sound, unencrypted .docx of
    bounded size (see the module's "Safety"); SourceError otherwise. UN documents in Word
    (sources/un_document.py) are opened the same way."""
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            magic = handle.read(8)
    except OSError as exc:
        raise SourceError(Message(gettext_noop("%(file)s cannot be read (%(reason)s)."),
                                  file=name, reason=str(exc.strerror or exc))) from None
    if size == 0:
        raise SourceError(Message(gettext_noop("%(file)s is empty."), file=name))
    if magic == OLE_MAGIC:
        raise SourceError(Message(
            gettext_noop("%(file)s is password-protected (encrypted) or an old Word 97–2003 "
                         "document: open it in Word, remove the password or save it as "
                         ".docx, and import that."),
            file=name,
        ))
    if not zipfile.is_zipfile(path):
        if magic.startswith(b"PK\x03\x04"):
            raise SourceError(Message(
                gettext_noop("%(file)s is damaged: the zip archive inside the .docx is "
                             "incomplete (a truncated download or copy?)."),
                file=name,
            ))
        raise SourceError(Message(
            gettext_noop("%(file)s is not a Word document (.docx): its content is not an "
                         "Office Open XML file."),
            file=name,
        ))
    try:
        with zipfile.ZipFile(path) as archive:
            _check_archive(archive, name)
    except zipfile.BadZipFile as exc:
        raise SourceError(Message(gettext_noop("%(file)s is damaged and cannot be read "
                                               "(%(reason)s)."),
                                  file=name, reason=str(exc))) from None

    import docx  # python-docx; imported here so that a CLI without it still starts

    try:
        document = docx.Document(str(path))
    except ValueError as exc:  # python-docx: "file '…' is not a Word file, content type …"
        raise SourceError(Message(
            gettext_noop("%(file)s is not a Word document (.docx): %(reason)s."),
            file=name, reason=str(exc).split(",", 1)[-1].strip() or str(exc),
        )) from None
    except KeyError as exc:
        raise SourceError(Message(
            gettext_noop("%(file)s is not a Word document (.docx): the archive has no "
                         "%(part)s part."),
            file=name, part=str(exc),
        )) from None
    except Exception as exc:  # noqa: BLE001 - zlib, lxml, CRC errors: all "damaged"
        raise SourceError(Message(
            gettext_noop("%(file)s is damaged and cannot be read (%(error)s: %(reason)s)."),
            file=name, error=type(exc).__name__, reason=str(exc),
        )) from None
    return document


def _check_archive(archive: zipfile.ZipFile, name: str) -> None:
    check_totals(archive, name, max_expanded=MAX_UNCOMPRESSED)
    check_ratios(archive, name)


# --- reading the XML -----------------------------------------------------------------


def _paragraph_text(paragraph) -> str:
    parts = []
    for element in paragraph.iter(_W_T, _W_TAB, _W_BR, _W_CR, _W_NBH):
        tag = element.tag
        if tag == _W_T:
            parts.append(element.text or "")
        elif tag == _W_TAB:
            parts.append("\t")
        elif tag == _W_NBH:
            parts.append("-")
        else:
            parts.append("\n")
    return "".join(parts)


def _cell_text(cell) -> str:
    return "\n".join(_paragraph_text(p) for p in cell.iter(_W_P))


def _int_attr(element, path: str, default: int) -> int:
    found = element.find(path, _NS)
    if found is None:
        return default
    value = found.get(W + "val") or ""
    # isdecimal and a length bound: "²" or ten thousand digits are not numbers int() takes.
    if not value.isdecimal() or len(value) > 12:
        return default
    return int(value)


class _TooWide(Exception):
    """A row that claims more columns than any Word table has."""

    def __init__(self, columns: int):
        super().__init__(columns)
        self.columns = columns


def _row_cells(row, previous: list[str], grid: int) -> list[str]:
    """Texts by grid column (a cell spanning n columns repeats, as python-docx does; a
    vertically merged cell repeats the one above). `grid` is the table's width: a span
    is cut at the table's edge (its repeats would only copy the same text), and a row
    that claims more than MAX_COLUMNS columns raises _TooWide, so that a tiny file with
    gridSpan="100000000" cannot make a list of a hundred million cells."""
    before = _int_attr(row, "w:trPr/w:gridBefore", 0)
    if before > MAX_COLUMNS:
        raise _TooWide(before)
    texts = [""] * min(before, grid)
    for cell in _ROW_CELLS(row):
        span = max(1, _int_attr(cell, "w:tcPr/w:gridSpan", 1))
        if span > MAX_COLUMNS or len(texts) + 1 > MAX_COLUMNS:
            raise _TooWide(max(span, len(texts) + 1))
        merge = cell.find("w:tcPr/w:vMerge", _NS)
        if merge is not None and merge.get(W + "val", "continue") != "restart":
            column = len(texts)
            text = previous[column] if column < len(previous) else ""
        else:
            text = _cell_text(cell)
        texts.extend([text] * max(1, min(span, grid - len(texts))))
    return texts


@dataclass
class _Layout:
    text: int
    states: int | None = None
    position: int | None = None
    terms: list[int] = field(default_factory=list)
    sdg: int | None = None


def _layout(headings: list[str]) -> _Layout | None:
    text = states = position = sdg = None
    terms: list[int] = []
    for column, heading in enumerate(headings):
        key = name_key(heading)
        if not key or column in terms:
            continue
        if key.startswith("recommendation") and text is None:
            text = column
        elif key.startswith("recommending state") and states is None:
            states = column
        elif "position" in key and position is None:
            position = column
        elif any(word.startswith("sdg") for word in key.split()) and sdg is None:
            sdg = column
        elif any(word in key for word in ("theme", "rights", "persons")):
            terms.append(column)
    if text is None or (position is None and not terms):
        return None
    # A heading cell spanning several columns repeats: keep its first column only.
    terms = [c for c in terms if headings[c] not in {headings[o] for o in terms if o < c}]
    return _Layout(text=text, states=states, position=position, terms=terms, sdg=sdg)


def _matrix_tables(body, name: str) -> list[tuple[_Layout, list[list[str]]]]:
    """Every table that has a recommendations heading row (within its first three rows),
    with its rows as grid-column texts; the heading rows are left empty so that row
    numbers stay those of the table. A later table as wide as the previous one but without
    a heading continues it (a table split by a page or section break)."""
    found: list[tuple[_Layout, list[list[str]]]] = []
    width = 0
    for number, table in enumerate(body.iter(_W_TBL), 1):
        parent = table.getparent()
        if parent is not None and parent.tag == _W_TC:
            continue  # a table nested in a cell
        rows: list[list[str]] = []
        previous: list[str] = []
        grid = len(table.findall("w:tblGrid/w:gridCol", _NS))
        grid = grid if 0 < grid <= MAX_COLUMNS else MAX_COLUMNS
        for row_number, row in enumerate(_TABLE_ROWS(table), 1):
            try:
                previous = _row_cells(row, previous, grid)
            except _TooWide as wide:
                raise SourceError(Message(
                    gettext_noop("%(file)s, table %(table)s, row %(row)s: a cell claims "
                                 "%(columns)s columns, but a Word table has at most "
                                 "%(limit)s: the document is damaged. Open it in Word, save "
                                 "it again and import that."),
                    file=name, table=number, row=row_number, columns=Number(wide.columns),
                    limit=MAX_COLUMNS)) from None
            rows.append(previous)
        if not rows:
            continue
        layout = None
        for index, cells in enumerate(rows[:3]):
            layout = _layout(cells)
            if layout is not None:
                rows = [[] for _ in range(index + 1)] + rows[index + 1:]
                width = max(len(cells) for cells in rows[index + 1:] or [cells])
                break
        if layout is None and found and max(len(cells) for cells in rows) == width:
            layout = found[-1][0]
        if layout is not None:
            found.append((layout, rows))
    return found


def _header_text(document) -> str:
    texts = []
    for rel in document.part.rels.values():
        if rel.reltype == HEADER_RELTYPE and not rel.is_external:
            element = getattr(rel.target_part, "element", None)
            if element is not None:
                texts.extend(_paragraph_text(p) for p in element.iter(_W_P))
    # Lines before the first table (a title), then the document title.
    for child in document.element.body:
        if child.tag == _W_TBL:
            break
        if child.tag == _W_P:
            texts.append(_paragraph_text(child))
    texts.append(document.core_properties.title or "")
    text = "\n".join(text for text in texts if text.strip())
    # A page header is a line or two. Bounded, and its runs of spaces made one, the
    # patterns that search it stay linear whatever a hostile header holds.
    return _SPACES.sub(" ", text[:MAX_HEADER_CHARS])


# --- state names without a database (recommendations/state_names.py) ----------------------


def _iso3(value: str) -> str | None:
    return state_names.iso3_of(value.strip())



# --- the review: state, cycle, session -----------------------------------------------


@dataclass
class _Review:
    state: str
    session: int
    cycle: int | None
    key_prefix: str


def _first(patterns, text: str) -> re.Match | None:
    for pattern in patterns:
        match = pattern.search(text)
        if match:
            return match
    return None


def _review(header: str, name: str, state_option, session_option) -> _Review:
    match = _first(_STATE_PATTERNS, header)
    file_state = clean_text(match.group("state")).strip(" -–,.") if match else ""
    match = _first(_CYCLE_PATTERNS, header)
    cycle = None
    if match:
        cycle = int(match.group("n")) if match.groupdict().get("n") else _ORDINALS[
            match.group("w").lower()]
    match = _first(_SESSION_PATTERNS, header)
    file_session = int(match.group("n")) if match else None

    state_option = str(state_option).strip() if state_option else ""
    if state_option and file_state:
        option_iso, file_iso = _iso3(state_option), _iso3(file_state)
        if option_iso and file_iso and option_iso != file_iso:
            raise SourceError(Message(
                gettext_noop("%(file)s is the matrix of %(file_state)s, but the state given "
                             "is %(state)s: leave --state out or import the right file."),
                web_template=gettext_noop(
                    "%(file)s is the matrix of %(file_state)s, but the state given is "
                    "%(state)s: leave “State under review” empty or import the right file."),
                file=name, file_state=file_state, state=state_option,
            ))
    state = state_option or file_state
    if not state:
        raise SourceError(Message(
            gettext_noop("%(file)s does not say which state was reviewed (no 'UPR of …' in "
                         "its page header): pass --state with the state's ISO code or "
                         "name."),
            web_template=gettext_noop(
                "%(file)s does not say which state was reviewed (no 'UPR of …' in its page "
                "header): fill in “State under review” with the state's ISO code or name."),
            file=name,
        ))

    session = None
    if session_option not in (None, ""):
        try:
            session = int(str(session_option).strip())
        except ValueError:
            raise SourceError(Message(
                gettext_noop("--session %(session)s is not a number."),
                web_template=gettext_noop("The UPR session %(session)s is not a number."),
                session=repr(session_option))) from None
        if file_session is not None and file_session != session:
            raise SourceError(Message(
                gettext_noop("%(file)s is the matrix of UPR session %(file_session)s, but the "
                             "session given is %(session)s: leave --session out or import "
                             "the right file."),
                web_template=gettext_noop(
                    "%(file)s is the matrix of UPR session %(file_session)s, but the session "
                    "given is %(session)s: leave “UPR session” empty or import the right "
                    "file."),
                file=name, file_session=file_session, session=session,
            ))
    session = session or file_session
    iso = _iso3(state)
    if session is None and cycle is not None and iso:
        session = _session_of(iso, cycle)
    if session is None:
        raise SourceError(Message(
            gettext_noop("%(file)s does not say which UPR session it covers: pass --session "
                         "with the session number (for example --session 20)."),
            web_template=gettext_noop(
                "%(file)s does not say which UPR session it covers: fill in “UPR session” "
                "with the session number (for example 20)."),
            file=name,
        ))
    prefix = iso or name_key(state).replace(" ", "-")
    return _Review(state=state, session=session, cycle=cycle, key_prefix=prefix)


def _session_of(iso: str, cycle: int) -> int | None:
    """The session in which the state was reviewed in that cycle, from the seeded table
    of UPR sessions (one review per state per cycle)."""
    path = SEED_DIR / "upr_sessions.csv"
    if not path.exists():
        return None
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            if row.get("cycle", "").strip() != str(cycle):
                continue
            reviewed = {_iso3(value) for value in row.get("states_reviewed", "").split(";")}
            if iso in reviewed:
                return int(row["session"])
    return None


# --- terms -----------------------------------------------------------------------------


def tidy_term(value: str) -> str:
    """A term name as a stable code: single spaces, " & " spaced, first letter capital."""
    value = clean_text(value.replace("\u00a0", " "))
    value = re.sub(r"\s*&\s*", " & ", value).strip(" -–—•·;,")
    return value[:1].upper() + value[1:] if value else value


@functools.cache
def _seeded_codes(taxonomy: str) -> dict[str, str]:
    """name_key(code) -> code as spelt in the seed file, so that a spelling variant
    ("… family environment & alternative care") is emitted as the seeded code
    ("… family environment and alternative care")."""
    path = SEED_DIR / f"{taxonomy}.csv"
    if not path.exists():
        return {}
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return {name_key(row["code"]): row["code"] for row in csv.DictReader(handle)}


def parse_terms(cells: list[tuple[str, str]]) -> dict[str, list[tuple[str, str]]]:
    """(section the cell starts in, cell text) -> taxonomy code -> [(term code, name)]."""
    found: dict[str, list[tuple[str, str]]] = {
        "uhri_themes": [], "affected_persons": [], "sdg": []}

    seen: set[tuple[str, str]] = set()

    def add(taxonomy: str, code: str, term_name: str) -> None:
        if taxonomy != "sdg":
            code = _seeded_codes(taxonomy).get(name_key(code), code)
        if code and (taxonomy, code) not in seen:
            seen.add((taxonomy, code))
            found[taxonomy].append((code, term_name))

    for section, text in cells:
        for raw_line in text.splitlines():
            line = clean_text(raw_line.replace("\u00a0", " "))
            line = re.sub(r"^[-–—•·*]\s*", "", line).strip()
            if not line:
                continue
            header = _SECTION.match(line)
            if header:
                section = header.lastgroup
                continue
            add(*_line_term(section, line))
    return found


def _line_term(section: str, line: str) -> tuple[str, str, str]:
    """(taxonomy, code, name) of one line of a matrix's labels, read in `section`."""
    if section == "persons":
        return "affected_persons", tidy_term(line), tidy_term(line)
    match = (_SDG_LINE if section == "sdg" else _SDG_ANYWHERE).match(line)
    if match and 1 <= int(match.group("code").split(".")[0]) <= 17:
        return "sdg", match.group("code").lower(), tidy_term(match.group("name") or "")
    match = _OLD_CODE.match(line)
    if match:
        sdg = _OLD_SDG.match(match.group("code"))
        if sdg and 1 <= int(sdg.group("goal")) <= 17:
            return "sdg", str(int(sdg.group("goal"))), tidy_term(match.group("name"))
        return "uhri_themes", match.group("code"), tidy_term(match.group("name"))
    match = _NUMBERED.match(line)
    if match:
        return "uhri_themes", match.group("code"), tidy_term(match.group("name"))
    return "uhri_themes", tidy_term(line), tidy_term(line)


# --- rows ------------------------------------------------------------------------------


def _rows(tables, name: str, review: _Review) -> Iterator[SourceRow | RowProblem]:
    records: dict[str, SourceRow] = {}
    order: list[SourceRow | RowProblem] = []
    row_number = 0
    for layout, rows in tables:
        for cells in rows:
            row_number += 1
            if not cells or not any(cell.strip() for cell in cells):
                continue
            for item in _records(layout, cells, row_number, name, review):
                if isinstance(item, RowProblem):
                    order.append(item)
                    continue
                first = records.get(item.key)
                if first is None:
                    records[item.key] = item
                    order.append(item)
                elif first.text == item.text:
                    for taxonomy, codes in item.terms.items():
                        merged = first.terms.get(taxonomy, [])
                        first.terms[taxonomy] = list(dict.fromkeys(merged + codes))
                    first.recommending_states = list(dict.fromkeys(
                        first.recommending_states + item.recommending_states))
                else:
                    order.append(RowProblem(
                        name, row_number,
                        Message(gettext_noop("paragraph %(paragraph)s was already read at "
                                             "row %(row)s with a different text"),
                                paragraph=item.paragraph, row=first.row),
                        "Recommendation",
                    ))
    yield from order


def _cell(cells: list[str], column: int | None) -> str:
    return cells[column] if column is not None and column < len(cells) else ""


def _records(layout: _Layout, cells: list[str], row_number: int, name: str,
             review: _Review) -> list[SourceRow | RowProblem]:
    first = _cell(cells, layout.text)
    if _GROUP_HEADER.match(first) or _GROUP_HEADER.match(cells[0]):
        return []
    if len(cells) > 1 and len(set(cells)) == 1 and not _LEADING_PARAGRAPHS.match(first):
        return []  # one cell across the table: a heading or a note, not a recommendation
    body_lines, meta = _body_and_meta(first.splitlines())
    segments = _segments(body_lines)
    if not segments:
        others = [c for index, c in enumerate(cells) if index != layout.text]
        if any(clean_text(c) for c in others):
            return [RowProblem(name, row_number,
                               Message(gettext_noop("has no recommendation text")),
                               "Recommendation")]
        return []

    symbol_match = _SYMBOL.search(meta)
    shared = {
        "document_symbol": symbol_match.group(0).rstrip(".") if symbol_match else "",
        "position": clean_text(_cell(cells, layout.position)),
        "terms": _row_terms(layout, cells),
        "column_states": _column_states(layout, cells),
    }
    return [_segment_record(segment, row_number, name, review, **shared)
            for segment in segments]


def _body_and_meta(lines: list[str]) -> tuple[list[str], str]:
    """The lines of a text cell that hold recommendations, and the metadata after them
    ("Source of position: A/HRC/…")."""
    meta_at = next((i for i, line in enumerate(lines) if _META.match(line)), len(lines))
    body_lines, meta = lines[:meta_at], "\n".join(lines[meta_at:])
    inline = re.search(r"\bsource of position\s*:", "\n".join(body_lines), re.I)
    if inline:  # "… (France); Source of position: A/HRC/…" on the text's own line
        joined = "\n".join(body_lines)
        body_lines, meta = joined[:inline.start()].splitlines(), joined[inline.start():]
    return body_lines, meta


def _segments(body_lines: list[str]) -> list[list[str]]:
    """The cell's recommendations, as lines each. A line that starts with a paragraph
    number of the same chapter as the first ("115.") starts another recommendation; any
    other line continues the current one."""
    segments: list[list[str]] = []
    chapter = None
    for line in body_lines:
        match = _LEADING_PARAGRAPHS.match(line)
        number = match.group("numbers").split(".")[0] if match else None
        if not segments or (number is not None and number == chapter):
            segments.append([line])
            chapter = chapter or number
        else:
            segments[-1].append(line)
    return [segment for segment in segments if clean_text(" ".join(segment))]


def _row_terms(layout: _Layout, cells: list[str]) -> dict[str, list[str]]:
    term_cells = [("themes", _cell(cells, column)) for column in layout.terms]
    if layout.sdg is not None:
        term_cells.append(("sdg", _cell(cells, layout.sdg)))
    return {taxonomy: [code for code, _ in found]
            for taxonomy, found in parse_terms(term_cells).items()}


def _column_states(layout: _Layout, cells: list[str]) -> list[str]:
    """The recommending states of the matrix's own column, in order, each once."""
    states: dict[str, None] = {}
    if layout.states is not None:
        for line in _cell(cells, layout.states).splitlines():
            for part in split_top_level(line):
                states[known_state(part) or part] = None
    return list(states)


def _segment_record(segment: list[str], row_number: int, name: str, review: _Review, *,
                    document_symbol: str, position: str, terms: dict[str, list[str]],
                    column_states: list[str]) -> SourceRow | RowProblem:
    body = clean_text(" ".join(segment))
    match = _LEADING_PARAGRAPHS.match(body)
    if not match:
        return RowProblem(
            name, row_number,
            Message(gettext_noop("has no paragraph number at the start of its text "
                                 "(%(start)s…)"),
                    start=repr(body[:60])),
            "Recommendation",
        )
    paragraph = _PARAGRAPH.match(match.group("numbers")).group(1)
    text, states = split_recommendation(body[match.end():])
    if not text:
        return RowProblem(name, row_number,
                          Message(gettext_noop("paragraph %(paragraph)s has no "
                                               "recommendation text"),
                                  paragraph=paragraph),
                          "Recommendation")
    return SourceRow(
        source=SOURCE,
        file=name,
        row=row_number,
        key=f"{review.key_prefix}:{review.session}:{paragraph}",
        state=review.state,
        mechanism="UPR",
        text=text,
        session=review.session,
        cycle=review.cycle,
        document_symbol=document_symbol,
        paragraph=paragraph,
        recommending_states=list(column_states or states),
        position=position,
        terms={taxonomy: list(codes) for taxonomy, codes in terms.items()},
        language="en",
    )
