"""The OpenNMIRF import template (CSV or XLSX): for mechanisms whose recommendations come
with no machine-readable source — the treaty bodies' concluding observations, special
procedures' visit reports, regional bodies' reports — an NMIRF types or pastes them into one
sheet with the columns below, and imports it.

The system hands the template out blank (`nmirf template > blank.xlsx`, or `--csv`), with a
sheet documenting each column and the valid mechanism and mandate codes. The format is
decided by the file's content, not its name; reading goes through ingest/files, which
refuses zip bombs, oversized cells, formulas and truncated files.

A row's stable key is its `external_id` when given, else mechanism:state:review:paragraph,
so importing the same file again updates the same recommendations.
"""

import csv
import hashlib
import io
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

from django.utils.translation import gettext_noop

import nmirf.recommendations
from nmirf.core.problems import Message
from nmirf.core.spreadsheets import unneutralise, write_csv, xlsx_value
from nmirf.core.text import name_key
from nmirf.recommendations import state_names

from ..files import SheetRow, column_label, display_name_of, read_rows
from ..records import RowProblem, SourceError, SourceRow

SOURCE = "template"
SHEET = "Recommendations"
SEED_DIR = Path(nmirf.recommendations.__file__).resolve().parent / "seed"


class Column(NamedTuple):
    name: str
    required: bool  # the column must be in the header (and, for these, filled in each row)
    description: str


COLUMNS: list[Column] = [
    Column("mechanism", True,
           "Code of the mechanism that made the recommendation, as listed on the "
           "Mechanisms sheet: a treaty body (CERD, CEDAW, CRC …), SP for the special "
           "procedures (then give the mandate in 'mandate'; a mandate code such as "
           "sr-housing is also accepted here), a regional body (IACHR, ACHPR, ECRI …), or "
           "UPR."),
    Column("state", True,
           "State under review: its ISO 3166 three-letter code (BRA) or its name as UN "
           "documents write it (Brazil; Venezuela (Bolivarian Republic of))."),
    Column("review", False,
           "Which examination the recommendation comes from: for a treaty body, the "
           "periodic reports considered (18-20); for a country visit or a regional report, "
           "its year (2019); for the UPR, the session number. Rows with the same mechanism, "
           "state and review belong to one review."),
    Column("session", False,
           "UPR only: the Working Group session number (also accepted in 'review')."),
    Column("document_symbol", False,
           "Symbol of the document the recommendation is taken from (CERD/C/BRA/CO/18-20)."),
    Column("document_date", False,
           "Date of that document, as YYYY-MM-DD (a date typed in Excel is fine)."),
    Column("paragraph", False,
           "Paragraph number as the document prints it, with the letter of a "
           "sub-paragraph (8(a)). Each row needs a paragraph or an external_id, so that "
           "importing the file again finds the same recommendation."),
    Column("text", True, "The recommendation, worded as in the document."),
    Column("recommending_states", False,
           "UPR only: the recommending states, separated by ';' (a state's name can "
           "contain a comma)."),
    Column("position", False,
           "The state's position: supported, supported in part, noted, voluntary pledge, "
           "or empty for none (mostly for the UPR)."),
    Column("mandate", False,
           "Special procedures: the mandate's code from the Mandates sheet (sr-housing) "
           "or its title."),
    Column("action_category", False,
           "UPR Info's action category, 1 (minimal action) to 5 (specific action)."),
    Column("themes", False,
           "Themes (as in the Universal Human Rights Index), separated by ';'. A theme "
           "that is not yet on the list is added to it."),
    Column("affected_persons", False, "Groups of persons concerned, separated by ';'."),
    Column("sdg", False,
           "Sustainable Development Goals or targets, separated by ';' (10; 16.a)."),
    Column("language", False, "Language of the text: en, fr, es, ar … (en when empty)."),
    Column("external_id", False,
           "Your own stable identifier for the recommendation (a national code such as "
           "R11P4). When given, it — not mechanism, state, review and paragraph — "
           "identifies the row when the file is imported again."),
]
COLUMN_NAMES = [column.name for column in COLUMNS]
REQUIRED = [column.name for column in COLUMNS if column.required]

# A real treaty-body recommendation in the template's shape: CERD's concluding observations
# on Brazil (CERD/C/BRA/CO/18-20, 19 December 2022), paragraph 10. Shown on the Columns
# sheet and in docs/import-template.md.
EXAMPLE = {
    "mechanism": "CERD",
    "state": "BRA",
    "review": "18-20",
    "session": "",
    "document_symbol": "CERD/C/BRA/CO/18-20",
    "document_date": "2022-12-19",
    "paragraph": "10",
    "text": "Recalling its general recommendation No. 17 (1993) on the establishment of "
            "national institutions to facilitate the implementation of the Convention and "
            "reiterating the role that such an institution can play, the Committee "
            "recommends that the State party establish an institution, in accordance with "
            "the Paris Principles, with a clear mandate to ensure the implementation of the "
            "Convention and monitor compliance with its provisions throughout the State "
            "party. […]",
    "recommending_states": "",
    "position": "",
    "mandate": "",
    "action_category": "",
    "themes": "National human rights institutions; Racial discrimination",
    "affected_persons": "People of African descent; Indigenous peoples",
    "sdg": "16.a",
    "language": "en",
    "external_id": "",
}

# Stored keys are "template:" + key in 80 characters (Recommendation.external_key).
MAX_KEY = 71
_LIST_SPLIT = re.compile(r"[;\n\r]+")
_SDG_SPLIT = re.compile(r"[;,\n\r]+")
_SDG_CODE = re.compile(r"^(?:sdg|goal|target|odd|ods)?(\d{1,2})(?:\.([0-9]{1,2}|[a-z]))?$")
_SESSION = re.compile(r"^(?:upr\s*)?(?:session\s*)?(\d{1,3})$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(?:-[a-z0-9]{2,4})?$")
_DATE_FORMATS = ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%d %B %Y", "%d %b %Y", "%B %d, %Y",
                 "%b %d, %Y")


def _seed(name: str) -> list[dict[str, str]]:
    path = SEED_DIR / name
    if not path.exists():
        return []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _header_key(value: str) -> str:
    """'Document symbol', 'document-symbol ' and 'DOCUMENT_SYMBOL' all mean one column."""
    return re.sub(r"[\s\-]+", "_", value.strip().strip("*").strip().casefold())


# --- reading --------------------------------------------------------------------------------


def read(path, *, display_name: str | None = None, **_options) -> Iterator[
    SourceRow | RowProblem
]:
    """Yield one SourceRow per filled-in row of a template (CSV or XLSX), or a RowProblem
    for a row that cannot be read. Raises SourceError when the file as a whole is wrong:
    not a spreadsheet, empty, truncated, a zip bomb, or columns missing or unknown."""
    name = display_name_of(path, display_name)
    rows = read_rows(path, name, sheet=SHEET)
    header: dict[str, int] | None = None
    header_cells: list[str] = []
    mandates = {name_key(row["code"]) for row in _seed("special_procedures_mandates.csv")}
    mechanisms = {row["code"].casefold() for row in _seed("mechanisms.csv")}
    seen: dict[str, int] = {}
    data_rows = 0
    for item in rows:
        if isinstance(item, RowProblem):
            data_rows += 1
            key = _header_key(item.field)
            item.field = key if key in COLUMN_NAMES else item.field
            yield item
            continue
        if header is None:
            header_cells = [cell.strip() for cell in item.cells]
            header = _check_header(header_cells, name)
            continue
        data_rows += 1
        yield from _row(item, header, header_cells, name, mandates, mechanisms, seen)
    if header is None:
        raise SourceError(Message(gettext_noop("%(file)s is empty."), file=name))
    if not data_rows:
        raise SourceError(Message(
            gettext_noop("%(file)s has the template's columns but no recommendations below "
                         "them."),
            file=name,
        ))


def _check_header(cells: list[str], name: str) -> dict[str, int]:
    index: dict[str, int] = {}
    unexpected, duplicated = [], []
    for position, cell in enumerate(cells):
        if not cell:
            continue
        key = _header_key(cell)
        if key not in COLUMN_NAMES:
            unexpected.append(cell)
        elif key in index:
            duplicated.append(cell)
        else:
            index[key] = position
    missing = [column for column in REQUIRED if column not in index]
    if missing or unexpected or duplicated:
        problems = _header_problems(missing, unexpected, duplicated)
        raise SourceError(Message(
            gettext_noop("%(file)s %(problems)s. Download the blank template "
                         "(nmirf template > blank.xlsx) to see the columns it expects: "
                         "%(columns)s."),
            web_template=gettext_noop(
                "%(file)s %(problems)s. Download the blank template (on the Imports page) to "
                "see the columns it expects: %(columns)s."),
            file=name, problems=problems, columns=", ".join(COLUMN_NAMES),
        ))
    return index


def _header_problems(missing: list[str], unexpected: list[str],
                     duplicated: list[str]) -> Message:
    """What is wrong with a header, as one message: its parts joined with "; ", one at a
    time, so that each stays translatable."""
    parts: list[Message] = []
    if missing:
        parts.append(Message(gettext_noop("is missing the columns: %(columns)s"),
                             columns=", ".join(missing)))
    if unexpected:
        shown: str = ", ".join(unexpected[:12])
        if len(unexpected) > 12:
            shown = Message(gettext_noop("%(columns)s and %(more)s more"),
                            columns=shown, more=len(unexpected) - 12)
        parts.append(Message(gettext_noop("unexpected columns: %(columns)s"),
                             columns=shown))
    if duplicated:
        parts.append(Message(gettext_noop("columns given twice: %(columns)s"),
                             columns=", ".join(duplicated)))
    problems = parts[0] if missing else Message(gettext_noop("has %(problem)s"),
                                                problem=parts[0])
    for part in parts[1:]:
        problems = Message(gettext_noop("%(problems)s; %(problem)s"),
                           problems=problems, problem=part)
    return problems


def _row(item: SheetRow, header: dict[str, int], header_cells: list[str], name: str,
         mandates: set[str], mechanisms: set[str], seen: dict[str, int]):
    """The SourceRow of one line of the template, or its problems."""
    row = _TemplateRow(item, header, name)
    row.check_stray_cells(header_cells)
    mechanism, mandate = row.mechanism_and_mandate(mandates, mechanisms)
    state = row.value("state")
    # One line-break convention, so that the CSV and the XLSX of one text hash alike.
    text = row.value("text").replace("\r\n", "\n").replace("\r", "\n")
    for column, given in (("mechanism", mechanism), ("state", state), ("text", text)):
        if not given:
            row.problem(Message(gettext_noop("the '%(column)s' column is empty"),
                                column=column), column)
    review = row.value("review")
    is_upr = mechanism.casefold() == "upr"
    session = row.session(review, is_upr)
    review_date = row.review_date()
    language = row.language()
    sdg = row.sdg()
    paragraph = row.value("paragraph")
    key = row.key(mechanism, state, review, session, paragraph, seen)
    if row.problems:
        yield from row.problems
        return
    yield SourceRow(
        source=SOURCE,
        file=name,
        row=item.number,
        key=key,
        state=state,
        mechanism=mechanism,
        text=text,
        session=session,
        review_label=review if not (is_upr and session) else "",
        review_date=review_date,
        mandate=mandate,
        document_symbol=row.value("document_symbol"),
        paragraph=paragraph,
        recommending_states=_split(row.value("recommending_states"), _LIST_SPLIT),
        position=row.value("position"),
        action_category=row.value("action_category"),
        terms={
            "uhri_themes": _split(row.value("themes"), _LIST_SPLIT),
            "affected_persons": _split(row.value("affected_persons"), _LIST_SPLIT),
            "sdg": sdg,
        },
        language=language,
    )


class _TemplateRow:
    """One line of the template as _row reads it: its cells by column, and the problems
    found so far (each check adds to them and returns what it could read)."""

    def __init__(self, item: SheetRow, header: dict[str, int], name: str):
        self.item, self.header, self.name = item, header, name
        self.problems: list[RowProblem] = []

    def problem(self, message: Message, field: str) -> None:
        self.problems.append(RowProblem(self.name, self.item.number, message, field))

    def value(self, column: str) -> str:
        position = self.header.get(column)
        if position is None or position >= len(self.item.cells):
            return ""
        return unneutralise(self.item.cells[position].strip())

    def check_stray_cells(self, header_cells: list[str]) -> None:
        known = set(self.header.values())
        for position, cell in enumerate(self.item.cells):
            if position not in known and cell.strip():
                self.problem(Message(gettext_noop(
                    "column %(column)s has a value but no template heading; move it to a "
                    "template column or delete it"),
                    column=column_label(position, header_cells)), "")
                return

    def mechanism_and_mandate(self, mandates: set[str], mechanisms: set[str]) -> tuple[str, str]:
        mechanism, mandate = self.value("mechanism"), self.value("mandate")
        if (mechanism and mechanism.casefold() not in mechanisms
                and name_key(mechanism) in mandates):
            # A special-procedure mandate code given as the mechanism.
            return "SP", mandate or mechanism
        return mechanism, mandate

    def session(self, review: str, is_upr: bool) -> int | None:
        session_text = self.value("session")
        if not session_text and is_upr and _SESSION.match(review.casefold()):
            session_text = review
        if not session_text:
            return None
        match = _SESSION.match(session_text.casefold())
        if match:
            return int(match.group(1))
        self.problem(Message(gettext_noop("session %(session)s is not a UPR session number"),
                             session=repr(session_text)), "session")
        return None

    def review_date(self) -> str:
        document_date = self.value("document_date")
        if not document_date:
            return ""
        review_date = _iso_date(document_date)
        if not review_date:
            self.problem(Message(gettext_noop("document_date %(date)s is not a date: write it "
                                              "as YYYY-MM-DD (for example 2022-12-19)"),
                                 date=repr(document_date)), "document_date")
        return review_date

    def language(self) -> str:
        language = (self.value("language") or "en").casefold().replace("_", "-")
        if not _LANGUAGE.match(language):
            self.problem(Message(gettext_noop("language %(language)s is not a language code "
                                              "such as en, fr, es or ar"),
                                 language=repr(self.value("language"))), "language")
        return language

    def sdg(self) -> list[str]:
        sdg = []
        for code in _split(self.value("sdg"), _SDG_SPLIT):
            match = _SDG_CODE.match(code.casefold().replace(" ", ""))
            if match:
                goal, target = match.groups()
                sdg.append(f"{int(goal)}.{target}" if target else str(int(goal)))
            else:
                self.problem(Message(gettext_noop("sdg %(code)s is not a goal or target code "
                                                  "such as 10 or 16.a"),
                                     code=repr(code)), "sdg")
        return sdg

    def key(self, mechanism: str, state: str, review: str, session: int | None,
            paragraph: str, seen: dict[str, int]) -> str:
        """The row's key: its external_id, or mechanism, state, review and paragraph;
        a key met before in the file is a problem (`seen`: key → row number)."""
        external_id = self.value("external_id")
        if external_id:
            key = external_id
        elif paragraph:
            # The state by its ISO3 code where it is known, so that "BRA" and "Brazil" are
            # the same recommendation on the next import.
            state_part = state_names.iso3_of(state) or name_key(state).replace(" ", "-")
            key = ":".join([mechanism.upper(), state_part,
                            review or (str(session) if session else ""), paragraph])
        else:
            self.problem(Message(gettext_noop(
                "give the paragraph number (or an external_id): without one the "
                "recommendation cannot be found again when the file is re-imported")),
                "paragraph")
            return ""
        if len(key) > MAX_KEY:
            key = key[:MAX_KEY - 13] + "#" + hashlib.sha1(key.encode()).hexdigest()[:12]
        if self.problems:
            return key
        if key in seen:
            what = "external_id" if external_id else Message(
                gettext_noop("mechanism, state, review and paragraph"))
            self.problem(Message(gettext_noop("has the same %(what)s as row %(row)s: give each "
                                              "recommendation its own paragraph (such as 8(a) "
                                              "and 8(b)) or external_id"),
                                 what=what, row=seen[key]),
                         "external_id" if external_id else "paragraph")
        else:
            seen[key] = self.item.number
        return key


def _split(value: str, pattern: re.Pattern) -> list[str]:
    """The distinct parts, in order (a dict: a cell of 20,000 names stays linear)."""
    return list(dict.fromkeys(part for part in map(str.strip, pattern.split(value)) if part))


def _iso_date(value: str) -> str:
    if len(value) > 40:  # no date is longer; strptime need not read a 100,000-character cell
        return ""
    for date_format in _DATE_FORMATS:
        try:
            return datetime.strptime(value, date_format).date().isoformat()
        except ValueError:
            continue
    return ""


# --- the blank template ---------------------------------------------------------------------

_KIND_LABELS = {
    "upr": "Universal Periodic Review",
    "treaty_body": "Treaty body",
    "special_procedure": "Special procedures",
    "special_procedure_system": "Special procedures",
    "regional": "Regional mechanism",
}
_WIDTHS = {"text": 80, "document_symbol": 22, "recommending_states": 28, "themes": 30,
           "affected_persons": 30, "mechanism": 12, "state": 14, "external_id": 16}
# Columns kept as text in Excel, so that 18-20 is not taken for a date nor 10.10 for 10.1.
_TEXT_COLUMNS = {"mechanism", "state", "review", "session", "document_symbol", "paragraph",
                 "text", "recommending_states", "position", "mandate", "themes",
                 "affected_persons", "sdg", "language", "external_id"}
POSITIONS = ["supported", "supported in part", "noted", "voluntary pledge", "none"]


def blank_template_csv() -> str:
    """The blank template as CSV: the header row only (UTF-8 with a BOM, for Excel)."""
    return write_csv([], COLUMN_NAMES)


def blank_template_xlsx() -> bytes:
    """The blank template workbook: the "Recommendations" sheet (header row, widths, text
    formats, drop-down lists), "Columns" documenting each column with an example,
    "Mechanisms" and "Mandates" listing the valid codes (read from the seed files, so this
    works before the database exists)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    wrap = Alignment(wrap_text=True, vertical="top")

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET
    sheet.append([xlsx_value(name) for name in COLUMN_NAMES])
    for position, column in enumerate(COLUMNS, 1):
        letter = get_column_letter(position)
        cell = sheet.cell(row=1, column=position)
        cell.font = bold
        if column.required:
            cell.fill = fill
        dimension = sheet.column_dimensions[letter]
        dimension.width = _WIDTHS.get(column.name, 15)
        if column.name in _TEXT_COLUMNS:
            dimension.number_format = "@"
        if column.name == "document_date":
            dimension.number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "A2"

    mechanisms = _seed("mechanisms.csv")
    mandates = _seed("special_procedures_mandates.csv")
    last = 1048576
    mechanism_column = get_column_letter(COLUMN_NAMES.index("mechanism") + 1)
    position_column = get_column_letter(COLUMN_NAMES.index("position") + 1)
    mandate_column = get_column_letter(COLUMN_NAMES.index("mandate") + 1)
    for letter, source, prompt in (
        (mechanism_column, f"Mechanisms!$A$2:$A${len(mechanisms) + 1}",
         "A code from the Mechanisms sheet"),
        (position_column, '"' + ",".join(POSITIONS) + '"', "The state's position"),
        (mandate_column, f"Mandates!$A$2:$A${len(mandates) + 1}",
         "Special procedures: a code from the Mandates sheet"),
    ):
        # A warning, not a stop: a title or another spelling is still accepted on import.
        validation = DataValidation(type="list", formula1=source, allow_blank=True,
                                    errorStyle="warning", showErrorMessage=True,
                                    showInputMessage=True, prompt=prompt)
        validation.add(f"{letter}2:{letter}{last}")
        sheet.add_data_validation(validation)

    columns = workbook.create_sheet("Columns")
    columns.append(["column", "required", "what to write", "example (CERD on Brazil, 2022)"])
    for column in COLUMNS:
        columns.append([xlsx_value(v) for v in (
            column.name, "required" if column.required else "", column.description,
            EXAMPLE.get(column.name, ""))])
    _style_list(columns, (20, 10, 70, 60), bold, wrap)

    listing = workbook.create_sheet("Mechanisms")
    listing.append(["code", "kind", "name", "name (French)", "name (Spanish)"])
    for row in mechanisms:
        listing.append([xlsx_value(v) for v in (
            row["code"], _KIND_LABELS.get(row["kind"], row["kind"]), row["name_en"],
            row["name_fr"], row["name_es"])])
    _style_list(listing, (12, 26, 60, 50, 50), bold, None)

    listing = workbook.create_sheet("Mandates")
    listing.append(["code", "kind", "title"])
    for row in mandates:
        listing.append([xlsx_value(v) for v in (row["code"], row["kind"], row["title_en"])])
    _style_list(listing, (28, 12, 100), bold, None)

    workbook.active = 0
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _style_list(sheet, widths, bold, wrap) -> None:
    from openpyxl.utils import get_column_letter

    for position, width in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(position)].width = width
    for cell in sheet[1]:
        cell.font = bold
    if wrap is not None:
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                cell.alignment = wrap
    sheet.freeze_panes = "A2"
