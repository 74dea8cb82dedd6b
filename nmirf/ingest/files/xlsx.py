"""XLSX workbooks: the archive and every part checked before openpyxl opens them (zip
bombs, cells too long to build, decoy parts), then the rows, formulas refused."""

import datetime as dt
import html
import re
import warnings
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import PurePosixPath

from django.utils.translation import gettext_noop

from nmirf.core.problems import Message, Number, RowProblem, SourceError

from .archive import check_ratios, check_totals
from .common import (
    BLOCK,
    MAX_CELL_CHARS,
    MAX_EXPANDED_BYTES,
    MAX_META_BYTES,
    MAX_SPREADSHEET_ROWS,
    MAX_TAG_BYTES,
    SheetRow,
    cell_text,
    column_label,
    display_name_of,
    file_size,
    not_a_spreadsheet,
    open_binary,
    sniff,
    zip_kind,
)

# --- XLSX: the archive ----------------------------------------------------------------------


@contextmanager
def _open_zip(source, name: str):
    with open_binary(source) as handle:
        size = file_size(handle)
        head = handle.read(16)
        handle.seek(0)
        kind = sniff(head)
        if kind == "empty" or size == 0:
            raise SourceError(Message(gettext_noop("%(file)s is empty."), file=name))
        if kind != "zip":
            what = Message(gettext_noop("a text file (perhaps a CSV)")) if kind == "text" \
                else kind
            if kind == "ole":
                raise SourceError(not_a_spreadsheet(name, kind))
            raise SourceError(Message(
                gettext_noop("%(file)s is not an Excel workbook (.xlsx): it is %(kind)s."),
                file=name, kind=what))
        try:
            archive = zipfile.ZipFile(handle)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) \
                as exc:
            raise SourceError(Message(
                gettext_noop("%(file)s is not a readable Excel workbook (.xlsx): the zip "
                             "archive is damaged or incomplete (%(error)s)."),
                file=name, error=str(exc))) from None
        try:
            yield archive
        finally:
            archive.close()


def _check_archive(archive: zipfile.ZipFile, name: str, *, check_ratio: bool) -> None:
    kind = zip_kind({info.filename for info in archive.infolist()}, archive)
    if kind != "xlsx":
        raise SourceError(Message(
            gettext_noop("%(file)s is not an Excel workbook (.xlsx): it is %(kind)s."),
            file=name, kind=kind))
    check_totals(archive, name, max_expanded=MAX_EXPANDED_BYTES)
    if check_ratio:
        check_ratios(archive, name)


def check_xlsx_archive(source, display_name: str | None = None) -> None:
    """Inspect an .xlsx's zip directory before any parser opens it. Raises SourceError for
    an empty file, a file that is not a zip (a PNG renamed .xlsx), a zip that is not a
    workbook (a .docx, an .ods), an encrypted one, one that would expand past
    MAX_EXPANDED_BYTES, or one with a part that expands more than MAX_RATIO times."""
    name = display_name_of(source, display_name)
    with _open_zip(source, name) as archive:
        _check_archive(archive, name, check_ratio=True)


# --- XLSX: the parts, streamed --------------------------------------------------------------

# Bytes that are not UTF-8 continuation bytes: deleting them counts the continuation bytes.
_NOT_CONTINUATION = bytes(b for b in range(256) if not 0x80 <= b <= 0xBF)
# An element still incomplete after this many bytes is counted as it streams, not held.
_CARRY_LIMIT = 4 * 1024 * 1024
_CELL_START = re.compile(rb"(?=<(?:\w+:)?c[\s>/])")
_STRING_START = re.compile(rb"(?=<(?:\w+:)?si[\s>/])")


_ENTITY = re.compile(rb"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{0,31});")


def _chars(data: bytes) -> int:
    """Characters of XML text in UTF-8 bytes, without decoding them: an entity such as
    "&#1593;" (openpyxl writes Arabic that way) counts as the one character it stands for."""
    if b"&" in data:
        data = _ENTITY.sub(b"&", data)
    return len(data) - len(data.translate(None, _NOT_CONTINUATION))


def _text_chars(data: bytes, in_tag: bool) -> tuple[int, bool, int]:
    """(characters of text outside tags, whether `data` ends inside a tag, longest tag)
    for a stretch of XML that starts inside a tag or not."""
    chars = longest_tag = 0
    for number, piece in enumerate(data.split(b"<")):
        if number == 0 and not in_tag:
            chars += _chars(piece)
            continue
        end_of_tag = piece.find(b">")
        if end_of_tag < 0:
            longest_tag = max(longest_tag, len(piece))
            in_tag = True
        else:
            longest_tag = max(longest_tag, end_of_tag)
            chars += _chars(piece[end_of_tag + 1:])
            in_tag = False
    return chars, in_tag, longest_tag


@dataclass
class _Oversize:
    kind: str  # "text": an element's text is too long; "tag": a tag is absurdly long
    index: int  # 0-based index of the element (cell, or shared string); -1 before the first
    head: bytes  # the element's first bytes (its tag tells the cell reference)


def _scan_elements(stream, start: re.Pattern, visit=None) -> _Oversize | None:  # noqa: C901 - one streaming pass, a state machine kept in one loop for speed
    """Stream one XML part of a workbook in blocks cut at element starts (cells `<c`, or
    shared strings `<si`) and return the first element whose text is longer than
    MAX_CELL_CHARS, without ever building it: at most a block and one element of up to
    _CARRY_LIMIT bytes are held. An element longer than that (the sheet's tail of merged
    cells and formatting, or a hostile cell) is counted as it streams past.

    `visit(first_index, elements)` is called with each block's complete elements (small
    ones: checked first) and may return True to stop early."""
    buffer = b""
    index = -1  # the element `buffer` begins with; -1: what precedes the first element
    running = None  # [index, head, chars, in_tag] of an element too long to hold
    while True:
        block = stream.read(BLOCK)
        at_end = not block
        if running is not None:
            match = start.search(block)
            rest = block if match is None else block[:match.start()]
            chars, running[3], longest_tag = _text_chars(rest, running[3])
            running[2] += chars
            if running[2] > MAX_CELL_CHARS:
                return _Oversize("text", running[0], running[1])
            if longest_tag > MAX_TAG_BYTES:
                return _Oversize("tag", running[0], running[1])
            if match is None:
                if at_end:
                    return None
                continue
            running = None
            index += 1
            buffer = block[match.start():]
        else:
            buffer = buffer + block if buffer else block
        if not buffer:
            return None
        elements = start.split(buffer)
        if index >= 0 or not elements[0]:
            # The buffer begins with an element's start: split() left an empty first piece.
            elements = elements[1:] if not elements[0] else elements
            if index < 0:
                index = 0
        complete = elements if at_end else elements[:-1]
        if complete and max(map(len, complete)) > MAX_CELL_CHARS:
            for offset, element in enumerate(complete):
                if len(element) > MAX_CELL_CHARS:
                    chars, _, longest_tag = _text_chars(element, False)
                    if chars > MAX_CELL_CHARS:
                        return _Oversize("text", index + offset, element[:1024])
                    if longest_tag > MAX_TAG_BYTES:
                        return _Oversize("tag", index + offset, element[:1024])
        if visit is not None and complete and visit(index, complete):
            return None
        if at_end:
            return None
        index += len(complete)
        buffer = elements[-1]
        if len(buffer) > _CARRY_LIMIT:
            chars, in_tag, longest_tag = _text_chars(buffer, False)
            if chars > MAX_CELL_CHARS:
                return _Oversize("text", index, buffer[:1024])
            if longest_tag > MAX_TAG_BYTES:
                return _Oversize("tag", index, buffer[:1024])
            running = [index, buffer[:1024], chars, in_tag]
            buffer = b""


_ATTR_R = re.compile(rb'\br="([A-Za-z]{1,3})(\d+)"')
_ATTR_T = re.compile(rb'\bt="(\w+)"')
_FIRST_ROW = re.compile(rb"<(?:\w+:)?row\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?row>)", re.S)
_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_VALUE = re.compile(rb"<(?:\w+:)?v>(.*?)</(?:\w+:)?v>", re.S)
_TEXT = re.compile(rb"<(?:\w+:)?t\b[^>]*>(.*?)</(?:\w+:)?t>", re.S)


def _column_index(letters: bytes) -> int:
    index = 0
    for char in letters.upper():
        index = index * 26 + (char - 64)
    return index - 1


def _cell_ref(head: bytes) -> tuple[int | None, int | None]:
    """(row, 0-based column) from a cell element's opening tag."""
    end = head.find(b">")
    match = _ATTR_R.search(head[:end if end >= 0 else len(head)])
    if not match:
        return None, None
    return int(match.group(2)), _column_index(match.group(1))


@dataclass
class _Part:
    title: str
    path: str


_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml."
_WORKBOOK_TYPES = (  # in the order openpyxl looks for them
    "application/vnd.ms-excel.template.macroEnabled.main+xml",
    _CT + "template.main+xml",
    "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    _CT + "sheet.main+xml",
)
_SHARED_STRINGS_TYPE = _CT + "sharedStrings+xml"
_WORKSHEET_TYPE = _CT + "worksheet+xml"


@dataclass
class _Package:
    sheets: list[_Part]  # the workbook's worksheets, in order (title, zip path)
    shared: list[str]  # shared-strings parts; the first is the one openpyxl reads
    other_sheets: list[_Part]  # parts typed as worksheets that the workbook does not list


def _workbook_parts(archive: zipfile.ZipFile, name: str) -> _Package:  # noqa: C901 - a checklist of the package's parts, each refused in its own words
    """Find the parts the way openpyxl will: the workbook part and the shared strings from
    [Content_Types].xml, the worksheets from the workbook's relationships (all read with
    defusedxml). Every part typed as a worksheet or a string table is scanned, so that a
    decoy xl/workbook.xml cannot hide the parts openpyxl would really read."""
    from defusedxml import ElementTree
    from defusedxml.common import DefusedXmlException

    names = set(archive.namelist())

    def read_small(path: str) -> bytes:
        with archive.open(path) as stream:
            data = stream.read(MAX_META_BYTES + 1)
        if len(data) > MAX_META_BYTES:
            raise SourceError(Message(
                gettext_noop("%(file)s is not a readable Excel workbook (.xlsx): its part "
                             "%(part)s is implausibly large."),
                file=name, part=path))
        return data

    types_ns = "{http://schemas.openxmlformats.org/package/2006/content-types}"
    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    rel_ns = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
    pkg_ns = "{http://schemas.openxmlformats.org/package/2006/relationships}"
    try:
        types = ElementTree.fromstring(read_small("[Content_Types].xml"))
        overrides = [(element.get("PartName", "").lstrip("/"), element.get("ContentType"))
                     for element in types.iter(f"{types_ns}Override")]
        defaults = {element.get("ContentType") for element in types.iter(f"{types_ns}Default")}
        workbook_path = next(
            (part for kind in _WORKBOOK_TYPES for part, part_type in overrides
             if part_type == kind), None)
        if workbook_path is None and defaults & set(_WORKBOOK_TYPES):
            workbook_path = "xl/workbook.xml"
        if workbook_path not in names:
            raise SourceError(Message(
                gettext_noop("%(file)s is not a readable Excel workbook (.xlsx): it has no "
                             "workbook part."),
                file=name))
        folder, _, base = workbook_path.rpartition("/")
        rels_path = f"{folder}/_rels/{base}.rels" if folder else f"_rels/{base}.rels"
        workbook = ElementTree.fromstring(read_small(workbook_path))
        rels = ElementTree.fromstring(read_small(rels_path) if rels_path in names else b"<x/>")
    except (ElementTree.ParseError, DefusedXmlException, KeyError, ValueError,
            zipfile.BadZipFile, OSError, EOFError) as exc:
        raise SourceError(Message(
            gettext_noop("%(file)s is not a readable Excel workbook (.xlsx): its workbook "
                         "part is damaged (%(error)s)."),
            file=name, error=str(exc))) from None

    def resolve(target: str) -> str:
        if target.startswith("/"):
            return target.lstrip("/")
        parts: list[str] = []
        for part in PurePosixPath(folder or ".", target).parts:
            if part == "..":
                if parts:
                    parts.pop()
            elif part != ".":
                parts.append(part)
        return "/".join(parts)

    targets, shared = {}, []
    shared += [part for part, part_type in overrides if part_type == _SHARED_STRINGS_TYPE]
    for rel in rels.iter(f"{pkg_ns}Relationship"):
        target = resolve(rel.get("Target", ""))
        targets[rel.get("Id")] = target
        if rel.get("Type", "").endswith("/sharedStrings"):
            shared.append(target)
    sheets = []
    for element in workbook.iter(f"{main}sheet"):
        path = targets.get(element.get(f"{rel_ns}id"))
        if path in names:
            sheets.append(_Part(element.get("name", ""), path))
    listed = {sheet.path for sheet in sheets}
    others = [_Part(part, part) for part, part_type in overrides
              if part_type == _WORKSHEET_TYPE and part in names and part not in listed]
    shared = list(dict.fromkeys(part for part in shared if part in names))
    return _Package(sheets, shared, others)


def _xml_text(raw: bytes) -> str:
    return html.unescape(raw.decode("utf-8", errors="replace"))


def _shared_strings(archive, part: str | None, wanted: set[int]) -> dict[int, str]:
    """The shared strings at the `wanted` indexes (a header's few), streaming the table
    only as far as needed."""
    found: dict[int, str] = {}
    if not part or not wanted:
        return found
    last = max(wanted)

    def visit(first: int, elements: list[bytes]) -> bool:
        for index, element in enumerate(elements, first):
            if index in wanted:
                found[index] = _xml_text(b"".join(_TEXT.findall(element)))
        return first + len(elements) > last

    with archive.open(part) as stream:
        _scan_elements(stream, _STRING_START, visit)
    return found


def _header_names(archive, sheet: _Part, shared: str | None) -> list[str]:
    """The first row that holds a value, as text: the header, to name columns by."""
    with archive.open(sheet.path) as stream:
        start = stream.read(BLOCK)
    cells: list[tuple[int, bytes, bytes]] = []
    for row in _FIRST_ROW.finditer(start):
        cells = []
        for match in _CELL.finditer(row.group(1) or b""):
            attrs, inner = match.group(1), match.group(2) or b""
            ref, kind = _ATTR_R.search(attrs), _ATTR_T.search(attrs)
            column = _column_index(ref.group(1)) if ref else len(cells)
            kind = kind.group(1) if kind else b"n"
            if kind == b"inlineStr":
                value = b"".join(_TEXT.findall(inner))
            else:
                found = _VALUE.search(inner)
                value = found.group(1) if found else b""
            cells.append((column, kind, value))
        if any(value.strip() for _, _, value in cells):
            break
    wanted = {int(value) for _, kind, value in cells if kind == b"s" and value.isdigit()}
    strings = _shared_strings(archive, shared, wanted)
    header = [""] * (max((column for column, _, _ in cells), default=-1) + 1)
    for column, kind, value in cells:
        if kind == b"s":
            header[column] = strings.get(int(value), "") if value.isdigit() else ""
        else:
            header[column] = _xml_text(value)
    return [name.strip() for name in header]


def _find_shared_string_use(archive, sheets: list[_Part], index: int):
    """The first cell (sheet, row, 0-based column) that shows shared string `index`."""
    pattern = re.compile(
        rb'<(?:\w+:)?c\b([^>]*\bt="s"[^>]*)>\s*<(?:\w+:)?v>\s*' + str(index).encode()
        + rb"\s*</(?:\w+:)?v>"
    )
    for sheet in sheets:
        found: list = []

        def visit(first: int, elements: list[bytes], sheet=sheet, found=found) -> bool:
            match = pattern.search(b"".join(elements))
            if match:
                found.append((sheet, *_cell_ref(b"<c " + match.group(1) + b">")))
            return bool(match)

        with archive.open(sheet.path) as stream:
            _scan_elements(stream, _CELL_START, visit)
        if found:
            return found[0]
    return None, None, None


def _scan_cells(archive: zipfile.ZipFile, name: str, package: _Package,
                data_sheet: _Part) -> None:
    """Refuse, naming the cell, a workbook that holds a cell longer than MAX_CELL_CHARS."""
    ordered = [data_sheet] + [sheet for sheet in package.sheets if sheet is not data_sheet]
    where = None  # (sheet, row, column)
    for shared in package.shared:
        with archive.open(shared) as stream:
            oversize = _scan_elements(stream, _STRING_START)
        if oversize is None:
            continue
        if oversize.kind == "tag":
            raise _damaged(name, shared)
        where = _find_shared_string_use(archive, ordered, oversize.index) \
            if shared == package.shared[0] else (None, None, None)
        if where[0] is None:
            raise SourceError(Message(
                gettext_noop("%(file)s holds a text longer than %(limit)s characters (string "
                             "%(index)s of %(part)s); no cell may be that long."),
                file=name, limit=Number(MAX_CELL_CHARS), index=Number(oversize.index + 1),
                part=shared))
        break
    if where is None:
        for sheet in ordered + package.other_sheets:
            with archive.open(sheet.path) as stream:
                oversize = _scan_elements(stream, _CELL_START)
            if oversize is not None:
                if oversize.kind == "tag":
                    raise _damaged(name, sheet.path)
                where = (sheet, *_cell_ref(oversize.head))
                break
    if where is None:
        return
    sheet, row, column = where
    shared = package.shared[0] if package.shared else None
    header = _header_names(archive, sheet, shared) if row != 1 else []
    in_sheet = Message(gettext_noop(", sheet '%(sheet)s'"), sheet=sheet.title) \
        if sheet is not data_sheet else ""
    in_row = Message(gettext_noop(", row %(row)s"), row=row) if row is not None else ""
    in_column = Message(gettext_noop(", column %(column)s"),
                        column=column_label(column, header)) if column is not None else ""
    raise SourceError(Message(
        gettext_noop("%(file)s%(sheet)s%(row)s%(column)s: the cell is longer than %(limit)s "
                     "characters; no cell may be that long (Excel itself stops at 32,767)."),
        file=name, sheet=in_sheet, row=in_row, column=in_column, limit=Number(MAX_CELL_CHARS)))


def _damaged(name: str, part: str) -> SourceError:
    return SourceError(Message(
        gettext_noop("%(file)s is not a readable Excel workbook (.xlsx): its part %(part)s "
                     "holds an XML tag longer than %(limit)s bytes."),
        file=name, part=part, limit=Number(MAX_TAG_BYTES)))


# --- XLSX: the rows -------------------------------------------------------------------------

_OPENPYXL_ERRORS = (KeyError, ValueError, TypeError, IndexError, AttributeError, EOFError,
                    OSError, zipfile.BadZipFile, SyntaxError)


def read_xlsx_rows(source, display_name: str | None = None, *,
                   sheet: str | None = None) -> Iterator[SheetRow | RowProblem]:
    """Yield the non-blank rows of one worksheet as SheetRows (the first is the header),
    and a RowProblem for each cell that holds a formula or an error value (the row itself
    is then left out). `sheet` names the worksheet to read when the workbook has it; else
    the first worksheet is read. The archive and every cell's size are checked first."""
    name = display_name_of(source, display_name)
    with _open_zip(source, name) as archive:
        # The declared sizes bound how much the scan below can inflate; the cell scan goes
        # before the ratio check so that a file with one huge repetitive cell is reported
        # by its row and column rather than as a zip bomb.
        _check_archive(archive, name, check_ratio=False)
        package = _workbook_parts(archive, name)
        if not package.sheets:
            raise SourceError(Message(gettext_noop("%(file)s has no worksheet."), file=name))
        data_sheet = next((part for part in package.sheets if sheet and part.title == sheet),
                          package.sheets[0])
        _scan_cells(archive, name, package, data_sheet)
        check_ratios(archive, name)
    yield from _openpyxl_rows(source, name, data_sheet.title)


def _openpyxl_rows(source, name: str, title: str) -> Iterator[SheetRow | RowProblem]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    errors = (*_OPENPYXL_ERRORS, InvalidFileException)
    with open_binary(source) as handle, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "no default style", unsupported extensions …
        try:
            workbook = load_workbook(handle, read_only=True, data_only=False, keep_links=False,
                                     rich_text=False)
        except errors as exc:
            raise SourceError(Message(
                gettext_noop("%(file)s is not a readable Excel workbook (.xlsx): %(error)s."),
                file=name, error=str(exc or type(exc).__name__))) from None
        try:
            worksheet = workbook[title] if title in workbook.sheetnames \
                else workbook.worksheets[0]
            if not hasattr(worksheet, "iter_rows"):
                raise SourceError(Message(
                    gettext_noop("%(file)s: the sheet '%(sheet)s' is a chart, not a worksheet."),
                    file=name, sheet=title))
            worksheet.reset_dimensions()  # the stored dimensions may be wrong
            yield from _worksheet_rows(worksheet, name)
        except errors as exc:
            raise SourceError(Message(
                gettext_noop("%(file)s is not a readable Excel workbook (.xlsx): %(error)s."),
                file=name, error=str(exc or type(exc).__name__))) from None
        finally:
            workbook.close()


def _worksheet_rows(worksheet, name: str) -> Iterator[SheetRow | RowProblem]:  # noqa: C901 - the hot loop of every XLSX import, one pass
    header: list[str] | None = None
    for number, row in enumerate(worksheet.iter_rows(), 1):
        if number > MAX_SPREADSHEET_ROWS:
            raise SourceError(Message(
                gettext_noop("%(file)s has rows past Excel's last row (%(limit)s); the "
                             "workbook is damaged."),
                file=name, limit=Number(MAX_SPREADSHEET_ROWS)))
        if not row:
            continue
        cells: list[str] = []
        problems: list[RowProblem] = []
        for index, cell in enumerate(row):
            value, kind = cell.value, getattr(cell, "data_type", "n")
            if value is None:
                cells.append("")
                continue
            label = column_label(index, header)
            field = header[index].strip() if header and index < len(header) else ""
            if kind == "f" or (kind != "s" and isinstance(value, str)
                               and value.startswith("=")) or not isinstance(
                    value, str | int | float | bool | dt.date | dt.time | Decimal):
                problems.append(RowProblem(name, number, Message(
                    gettext_noop("column %(column)s: formulas are not accepted; paste the "
                                 "value instead (Paste Special → Values)"),
                    column=label), field))
                cells.append("")
                continue
            if kind == "e":
                problems.append(RowProblem(name, number, Message(
                    gettext_noop("column %(column)s: the cell shows the error %(error)s; type "
                                 "the value instead"),
                    column=label, error=str(value)), field))
                cells.append("")
                continue
            text = cell_text(value)
            if len(text) > MAX_CELL_CHARS:
                problems.append(RowProblem(name, number, Message(
                    gettext_noop("column %(column)s: the cell is longer than %(limit)s "
                                 "characters"),
                    column=label, limit=Number(MAX_CELL_CHARS)), field))
                text = ""
            cells.append(text)
        if header is None:
            if problems:
                raise SourceError(Message(gettext_noop("%(file)s, row %(row)s: %(problem)s."),
                                          file=name, row=number, problem=problems[0].message))
            if not any(cell.strip() for cell in cells):
                continue
            header = cells
            yield SheetRow(number, cells)
            continue
        if problems:
            yield from problems
            continue
        if any(cell.strip() for cell in cells):
            yield SheetRow(number, cells)
    if header is None:
        raise SourceError(Message(
            gettext_noop("%(file)s is empty: its worksheet holds no rows."), file=name))
