"""Safe spreadsheet output, shared by every export.

A cell that begins with `=`, `+`, `-` or `@` (or a tab or carriage return) is a formula to
Excel and LibreOffice, which is how a recommendation text such as
`=HYPERLINK("http://evil", "click")` becomes an attack on whoever opens an export (OWASP,
"CSV injection"). `neutralise` puts an apostrophe in front of such a value, and
`write_csv` / `write_xlsx` apply it to every text cell, so no export can forget it.
`unneutralise` undoes it, so that an export imports back unchanged.

Reading files people give us (CSV, XLSX: hostile or broken ones included) is the import's
business: nmirf/ingest/files/.
"""

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal

# --- neutralising formulas in exports -------------------------------------------------------

# OWASP's list, plus the full-width forms that some spreadsheet programs also accept.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_LEADING_SPACE = " \n\u00a0"


def needs_neutralising(value: str) -> bool:
    if not value:
        return False
    if value[0] in FORMULA_PREFIXES:
        return True
    # " =1+1": some programs drop leading spaces before deciding what a cell is.
    stripped = value.lstrip(_LEADING_SPACE)
    return bool(stripped) and stripped[0] in FORMULA_PREFIXES


def neutralise(value):
    """The value as it may go into a spreadsheet or CSV export: a text that a spreadsheet
    program would take for a formula gets a leading apostrophe (OWASP CSV injection
    guidance). Anything that is not a text is returned as it is."""
    if isinstance(value, str) and needs_neutralising(value):
        return "'" + value
    return value


def unneutralise(value: str) -> str:
    """Undo `neutralise`, so that a file exported by OpenNMIRF imports back unchanged."""
    if value.startswith("'") and needs_neutralising(value[1:]):
        return value[1:]
    return value


# Characters XML 1.0 cannot carry; openpyxl refuses them, so exports drop them.
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _plain(value) -> object:
    """A Python value as one spreadsheet cell: numbers, dates and booleans stay typed;
    lists become '; '-joined text; everything else becomes text."""
    if value is None or isinstance(value, bool | int | float | Decimal):
        return value
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:  # Excel has no time zones
            from django.utils import timezone

            value = timezone.localtime(value).replace(tzinfo=None)
        return value
    if isinstance(value, dt.date | dt.time):
        return value
    if isinstance(value, list | tuple | set | frozenset):
        return "; ".join(str(item) for item in value)
    return str(value)


def xlsx_value(value):
    """The value as it may go into an .xlsx export (formulas neutralised)."""
    value = _plain(value)
    if isinstance(value, str):
        return neutralise(_ILLEGAL_XML.sub("", value))
    return value


def csv_value(value) -> str:
    """The value as it may go into a CSV export (formulas neutralised)."""
    value = _plain(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, str):
        return neutralise(value)
    return str(value)


def write_csv(rows: Iterable[Sequence], headers: Sequence[str], target=None, *,
              bom: bool = True, delimiter: str = ","):
    """Write a CSV export. With a text `target` (a file opened with newline=""), write into
    it and return None; otherwise return the CSV as a string. `bom` puts a UTF-8 byte order
    mark first, without which Excel reads UTF-8 as Windows-1252 and garbles Arabic."""
    out = target if target is not None else io.StringIO()
    if bom:
        out.write("\ufeff")
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([csv_value(h) for h in headers])
    for row in rows:
        writer.writerow([csv_value(v) for v in row])
    return None if target is not None else out.getvalue()


def write_xlsx(rows: Iterable[Sequence], headers: Sequence[str], target=None, *,
               title: str = "Data", widths: Sequence[float] | None = None):
    """Write an .xlsx export in openpyxl's streaming (write-only) mode, so that 250,000
    rows do not sit in memory as cell objects. With a binary `target` (a path or a file),
    write into it and return None; otherwise return the workbook's bytes."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title(title))
    for index, width in enumerate(widths or (), 1):
        if width:
            sheet.column_dimensions[column_letter(index - 1)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=xlsx_value(header))
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append([xlsx_value(v) for v in row])
    if target is not None:
        workbook.save(target)
        return None
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def sheet_title(title: str) -> str:
    """A sheet name Excel accepts: at most 31 characters, none of []:*?/\\."""
    cleaned = re.sub(r"[\[\]:*?/\\]", " ", title).strip() or "Sheet"
    return cleaned[:31]


def column_letter(index: int) -> str:
    """Column letter of a 0-based column index (0 → A, 26 → AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
