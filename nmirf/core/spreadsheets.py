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
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from os import PathLike

# --- neutralising formulas in exports -------------------------------------------------------

# OWASP's list, plus the full-width forms that some spreadsheet programs also accept.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_LEADING_SPACE = " \n\u00a0"
_FORMULA_START = frozenset(FORMULA_PREFIXES)
_LEADING = frozenset(_LEADING_SPACE)


def needs_neutralising(value: str) -> bool:
    # Asked of every text cell of an export: the first character decides, almost always.
    if not value:
        return False
    first = value[0]
    if first in _FORMULA_START:
        return True
    if first not in _LEADING:
        return False
    # " =1+1": some programs drop leading spaces before deciding what a cell is.
    stripped = value.lstrip(_LEADING_SPACE)
    return bool(stripped) and stripped[0] in _FORMULA_START


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
    kind = type(value)
    if value is None or kind is int or kind is float:  # asked of every cell: short ways
        return value
    if kind is not str:
        value = _plain(value)
    if isinstance(value, str):
        return neutralise(_ILLEGAL_XML.sub("", value))
    return value


def csv_value(value) -> str:
    """The value as it may go into a CSV export (formulas neutralised)."""
    kind = type(value)
    if kind is str:  # asked of every cell: the short ways first
        return "'" + value if needs_neutralising(value) else value
    if value is None:
        return ""
    if kind is int:
        return str(value)
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


def iter_csv(rows: Iterable[Sequence], headers: Sequence[str], *, bom: bool = True,
             delimiter: str = ",", batch: int = 500) -> Iterator[str]:
    """A CSV export as pieces of text, `batch` rows at a time, so that a download or a
    command streams it whatever its length. `bom` puts a UTF-8 byte order mark first,
    without which Excel reads UTF-8 as Windows-1252 and garbles Arabic."""
    buffer = io.StringIO()
    if bom:
        buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([csv_value(h) for h in headers])
    for number, row in enumerate(rows, 1):
        writer.writerow([csv_value(v) for v in row])
        if number % batch == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def write_csv(rows: Iterable[Sequence], headers: Sequence[str], target=None, *,
              bom: bool = True, delimiter: str = ","):
    """Write a CSV export (`iter_csv`). With a text `target` (a file opened with
    newline=""), write into it and return None; otherwise return the CSV as a string."""
    pieces = iter_csv(rows, headers, bom=bom, delimiter=delimiter)
    if target is None:
        return "".join(pieces)
    for piece in pieces:
        target.write(piece)
    return None


# --- XLSX, streamed -------------------------------------------------------------------------
#
# An .xlsx file is a zip of a few XML parts. The sheet is written here as it is read — one
# row of XML per row, texts as inline strings — and zipped on the fly into a stream that
# cannot seek (zip data descriptors), so that 250,000 rows never sit in memory and a
# download starts at once. openpyxl's write-only mode, used before, kept memory flat too
# but spent ~0.4 ms a row of 23 cells (about 100 s for 250,000 rows); this writes the same
# cells some ten times faster. openpyxl still reads them back in the tests.

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Excel's limits: longer texts are cut (Excel would refuse the file), more rows refused.
XLSX_MAX_CHARS = 32_767
XLSX_MAX_ROWS = 1_048_576

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_OFFICE = "application/vnd.openxmlformats-officedocument"
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_XLSX_PARTS = {
    "[Content_Types].xml": (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{_OFFICE}.spreadsheetml.'
        'sheet.main+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_OFFICE}.'
        'spreadsheetml.worksheet+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{_OFFICE}.spreadsheetml.'
        'styles+xml"/></Types>'),
    "_rels/.rels": (
        f'<Relationships xmlns="{_PKG_REL}"><Relationship Id="rId1" '
        f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'),
    "xl/_rels/workbook.xml.rels": (
        f'<Relationships xmlns="{_PKG_REL}">'
        f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{_REL}/styles" Target="styles.xml"/>'
        '</Relationships>'),
    # Styles: 0 plain, 1 bold (the header), 2 a date, 3 a date and time.
    "xl/styles.xml": (
        f'<styleSheet xmlns="{_MAIN}">'
        '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
        '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border>'
        '</borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" '
        'borderId="0"/></cellStyleXfs><cellXfs count="4">'
        '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
        '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" '
        'applyNumberFormat="1"/>'
        '<xf numFmtId="22" fontId="0" fillId="0" borderId="0" xfId="0" '
        'applyNumberFormat="1"/></cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
        '</cellStyles></styleSheet>'),
}
_EPOCH = dt.datetime(1899, 12, 30)


def _xml_text(value: str) -> str:
    # A bare carriage return would be read back as a line feed: written as a reference.
    return (value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("\r", "&#13;"))


def _xml_attribute(value: str) -> str:
    return _xml_text(value).replace('"', "&quot;")


def _xlsx_cell(ref: str, value, style: int = 0) -> str:
    """One cell's XML, its value as xlsx_value made it safe."""
    if value is None:
        return ""
    styled = f' s="{style}"' if style else ""
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"{styled}><v>{int(value)}</v></c>'
    if isinstance(value, int | Decimal) or (isinstance(value, float)
                                            and value == value and abs(value) != float("inf")):
        return f'<c r="{ref}"{styled}><v>{value}</v></c>'
    if isinstance(value, dt.datetime):
        serial = (value - _EPOCH).total_seconds() / 86400
        return f'<c r="{ref}" s="3"><v>{serial!r}</v></c>'
    if isinstance(value, dt.date):
        return f'<c r="{ref}" s="2"><v>{(value - _EPOCH.date()).days}</v></c>'
    text = str(value)[:XLSX_MAX_CHARS]
    return (f'<c r="{ref}" t="inlineStr"{styled}><is><t xml:space="preserve">'
            f'{_xml_text(text)}</t></is></c>')


class _Sink(io.RawIOBase):
    """Where the zip is written: it keeps what was written until `take()`; it cannot
    seek, so zipfile writes each part's sizes after its data (a data descriptor)."""

    def __init__(self):
        self.pieces: list[bytes] = []
        self.position = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.pieces.append(bytes(data))
        self.position += len(data)
        return len(data)

    def tell(self) -> int:
        return self.position

    def take(self) -> bytes:
        data = b"".join(self.pieces)
        self.pieces.clear()
        return data


def iter_xlsx(rows: Iterable[Sequence], headers: Sequence[str], *, title: str = "Data",
              widths: Sequence[float] | None = None, right_to_left: bool = False,
              batch: int = 500) -> Iterator[bytes]:
    """An .xlsx export (one sheet: a bold, frozen header row, then `rows`) as pieces of
    bytes, `batch` rows at a time; every text cell goes through `xlsx_value`, so formulas
    are neutralised. `right_to_left` shows the sheet from the right (Arabic)."""
    import zipfile

    sink = _Sink()
    archive = zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=3)
    for name in ("[Content_Types].xml", "_rels/.rels", "xl/_rels/workbook.xml.rels",
                 "xl/styles.xml"):
        archive.writestr(name, _XML + _XLSX_PARTS[name])
    archive.writestr("xl/workbook.xml", (
        f'{_XML}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>'
        f'<sheet name="{_xml_attribute(sheet_title(title))}" sheetId="1" r:id="rId1"/>'
        '</sheets></workbook>'))
    letters = [column_letter(index) for index in range(max(len(headers), 1))]
    columns = "".join(
        f'<col min="{index}" max="{index}" width="{width}" customWidth="1"/>'
        for index, width in enumerate(widths or (), 1) if width)
    direction = ' rightToLeft="1"' if right_to_left else ""
    head = (f'{_XML}<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}"><sheetViews>'
            f'<sheetView workbookViewId="0"{direction}>'
            '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
            '</sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>'
            + (f"<cols>{columns}</cols>" if columns else "") + "<sheetData>")
    header_cells = "".join(_xlsx_cell(f"{letters[i]}1", xlsx_value(h), style=1)
                           for i, h in enumerate(headers))
    with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
        sheet.write(f'{head}<row r="1">{header_cells}</row>'.encode())
        lines = []
        for number, row in enumerate(rows, 2):
            if number > XLSX_MAX_ROWS:
                raise ValueError(f"An .xlsx sheet holds at most {XLSX_MAX_ROWS:,} rows.")
            if len(row) > len(letters):
                letters = [column_letter(index) for index in range(len(row))]
            cells = "".join(_xlsx_cell(f"{letters[i]}{number}", xlsx_value(v))
                            for i, v in enumerate(row))
            lines.append(f'<row r="{number}">{cells}</row>')
            if len(lines) == batch:
                sheet.write("".join(lines).encode())
                lines.clear()
                yield sink.take()
        sheet.write(("".join(lines) + "</sheetData></worksheet>").encode())
    archive.close()
    yield sink.take()


def write_xlsx(rows: Iterable[Sequence], headers: Sequence[str], target=None, *,
               title: str = "Data", widths: Sequence[float] | None = None):
    """Write an .xlsx export (`iter_xlsx`). With a binary `target` (a path or a file),
    write into it and return None; otherwise return the workbook's bytes."""
    pieces = iter_xlsx(rows, headers, title=title, widths=widths)
    if target is None:
        return b"".join(pieces)
    if isinstance(target, str | PathLike):
        with open(target, "wb") as out:
            for piece in pieces:
                out.write(piece)
        return None
    for piece in pieces:
        target.write(piece)
    return None


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
