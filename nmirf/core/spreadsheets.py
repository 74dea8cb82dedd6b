"""Safe spreadsheet input and output, shared by every importer and every export.

Output: a cell that begins with `=`, `+`, `-` or `@` (or a tab or carriage return) is a
formula to Excel and LibreOffice, which is how a recommendation text such as
`=HYPERLINK("http://evil", "click")` becomes an attack on whoever opens an export (OWASP,
"CSV injection"). `neutralise` puts an apostrophe in front of such a value, and
`write_csv` / `write_xlsx` apply it to every text cell, so no export can forget it.

Input: files come from people, and some are hostile or broken. Before any parser sees them:

- an .xlsx is a zip archive: its directory is inspected first, and an archive that would
  expand past `MAX_EXPANDED_BYTES`, or a part that expands more than `MAX_RATIO` times, is
  refused as a possible zip bomb (Python's zipfile never inflates more than a part
  declares, so the declared sizes are binding);
- every worksheet and the shared-strings table are then streamed in blocks to find a cell
  longer than `MAX_CELL_CHARS` *without building it*: openpyxl would otherwise hold a
  100 MB cell in memory before we could look at it;
- formulas are refused (a formula's value is whatever the last program that saved the
  file computed, or nothing): the person is asked to paste the value;
- a CSV is checked for binary content, its encoding is detected (UTF-8 with or without a
  BOM, UTF-16 with a BOM, else Mac Roman or Windows-1252), bare-CR line endings are
  accepted, rows are read with a bounded line reader and a bounded `csv.field_size_limit`,
  and a file that ends inside a quoted field is reported as truncated.

Readers yield `SheetRow` (row number as a spreadsheet shows it, header = row 1, and the
cells as text) and, for problems confined to one row, `RowProblem`. Problems with the
whole file raise `SourceError` with a message that names the file (and the row and column
where there is one).
"""

import codecs
import csv
import datetime as dt
import html
import io
import os
import re
import unicodedata
import warnings
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from django.utils.translation import gettext_noop

from nmirf.core import archives
from nmirf.core.problems import Message, Number, RowProblem, SourceError

# --- limits -------------------------------------------------------------------------------

# No cell may hold more (Excel itself stops at 32,767 characters per cell).
MAX_CELL_CHARS = 100_000
# A CSV record (all its cells together) may not be longer.
MAX_ROW_CHARS = 2_000_000
# A CSV file, or an .xlsx once unpacked, may not be larger. A 40,000-row template is
# about 30 MB unpacked.
MAX_FILE_BYTES = 256 * 1024 * 1024
MAX_EXPANDED_BYTES = MAX_FILE_BYTES
# A part of an .xlsx that expands more than this many times is a zip bomb, not a sheet.
# Excel's own grid.
MAX_SPREADSHEET_ROWS = 1_048_576
# An XML tag (name and attributes) longer than this is not something Excel writes.
_MAX_TAG_BYTES = 1024 * 1024
_MAX_META_BYTES = 8 * 1024 * 1024  # workbook.xml and its relationships
_BLOCK = 1024 * 1024

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
            sheet.column_dimensions[_letter(index - 1)].width = width
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


# --- what a file is -------------------------------------------------------------------------

# The descriptions are Messages, so that a message naming one translates it too.
_GIF = Message(gettext_noop("a GIF image"))
_MAGIC = (
    (b"PK\x03\x04", "zip"),
    (b"PK\x05\x06", "zip"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole"),
    (b"\x89PNG\r\n\x1a\n", Message(gettext_noop("a PNG image"))),
    (b"\xff\xd8\xff", Message(gettext_noop("a JPEG image"))),
    (b"GIF87a", _GIF),
    (b"GIF89a", _GIF),
    (b"%PDF", Message(gettext_noop("a PDF document"))),
    (b"{\\rtf", Message(gettext_noop("an RTF document"))),
    (b"\x1f\x8b", Message(gettext_noop("a gzip archive"))),
    (b"Rar!", Message(gettext_noop("a RAR archive"))),
    (b"7z\xbc\xaf\x27\x1c", Message(gettext_noop("a 7-Zip archive"))),
)


def sniff(head: bytes) -> str:
    """What the first bytes of a file say it is: "zip" (xlsx, docx, ods …), "ole" (old
    .xls/.doc, or a password-protected Office file), "empty", "text", or a description
    such as "a PNG image"."""
    if not head:
        return "empty"
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "text"
    if b"\x00" in head:
        return Message(gettext_noop("binary data"))
    return "text"


def _zip_kind(names: set[str], archive: zipfile.ZipFile) -> str:
    """What an Office-like zip archive holds, for messages."""
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "xl/workbook.bin" in names:
        return Message(gettext_noop("an Excel binary workbook (.xlsb)"))
    if "word/document.xml" in names:
        return Message(gettext_noop("a Word document (.docx)"))
    if any(name.startswith("ppt/") for name in names):
        return Message(gettext_noop("a PowerPoint presentation"))
    if "mimetype" in names:
        try:
            mimetype = archive.read("mimetype")[:100].decode("ascii", "replace")
        except (KeyError, zipfile.BadZipFile, OSError, RuntimeError):
            mimetype = ""
        if "spreadsheet" in mimetype:
            return Message(gettext_noop("an OpenDocument spreadsheet (.ods)"))
        if "opendocument" in mimetype:
            return Message(gettext_noop("an OpenDocument file"))
    return Message(gettext_noop("a zip archive"))


def display_name_of(source, display_name: str | None = None) -> str:
    if display_name:
        return display_name
    if isinstance(source, str | os.PathLike):
        return Path(source).name
    return Path(getattr(source, "name", "") or "file").name


@contextmanager
def _binary(source):
    """A binary file for a path or an open binary file (rewound, left open)."""
    if isinstance(source, str | os.PathLike):
        with open(source, "rb") as handle:
            yield handle
    else:
        source.seek(0)
        yield source


def _size(handle: BinaryIO) -> int:
    position = handle.tell()
    handle.seek(0, os.SEEK_END)
    size = handle.tell()
    handle.seek(position)
    return size


# --- rows -----------------------------------------------------------------------------------


@dataclass
class SheetRow:
    number: int  # the row number a spreadsheet program shows (the header is usually 1)
    cells: list[str]


def _letter(index: int) -> str:
    """Column letter of a 0-based column index (0 → A, 26 → AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def column_label(index: int, header: Sequence[str] | None = None) -> str:
    """How a message names a column: its header ('text') or, without one, its letter."""
    if header and index < len(header) and str(header[index]).strip():
        return f"'{str(header[index]).strip()}'"
    return _letter(index)


def cell_text(value) -> str:
    """A cell's value as text, the same for CSV and XLSX: whole numbers without ".0",
    dates as ISO dates, booleans as TRUE/FALSE."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def read_rows(source, display_name: str | None = None, *,
              sheet: str | None = None) -> Iterator[SheetRow | RowProblem]:
    """Read a CSV or an .xlsx, deciding by the file's content (not its name)."""
    name = display_name_of(source, display_name)
    with _binary(source) as handle:
        head = handle.read(16)
    kind = sniff(head)
    if kind == "zip":
        return read_xlsx_rows(source, name, sheet=sheet)
    if kind == "text":
        return read_csv_rows(source, name)
    raise SourceError(_not_a_spreadsheet(name, kind))


def _not_a_spreadsheet(name: str, kind: str) -> Message:
    if kind == "empty":
        return Message(gettext_noop("%(file)s is empty."), file=name)
    if kind == "ole":
        return Message(
            gettext_noop("%(file)s is an old-style Excel file (.xls) or a password-protected "
                         "workbook, which cannot be read: remove any password and save it as "
                         "Excel Workbook (.xlsx) or as CSV."),
            file=name)
    return Message(gettext_noop("%(file)s is %(kind)s, not a spreadsheet: import a CSV or an "
                                "Excel workbook (.xlsx)."),
                   file=name, kind=kind)


# --- CSV ------------------------------------------------------------------------------------

_ASCII = bytes(range(0x80))
# Characters that real texts contain; the legacy encoding that turns a file's non-ASCII
# bytes into more of these is the right one.
_LIKELY = set(
    "àâäçéèêëîïôöùûüÿñáíóúãõåøæœßÀÂÄÇÉÈÊËÎÏÔÖÙÛÜÑÁÍÓÚÃÕÅØÆŒ’‘“”–—…«»°€\u00a0"
)
# Bytes that Windows-1252 leaves undefined: a file holding them is not Windows-1252.
_CP1252_UNDEFINED = frozenset(b"\x81\x8d\x8f\x90\x9d")
_HISTOGRAM_BYTES = 1_000_000  # enough non-ASCII bytes to judge an encoding
# The legacy encodings of Western European text: Windows-1252 (what Excel on Windows saves
# as "CSV") and Mac Roman (what UPR Info's database exports are). A reader accepts them
# only where its format is known to use them (see detect_encoding).
WESTERN_LEGACY = ("cp1252", "mac_roman")
# What a legacy decoding of Western European text may produce besides ASCII: Latin letters
# (but the Icelandic ones, which Arabic in Windows-1256 or Turkish in Windows-1254 become)
# and the punctuation and signs such texts use. Anything else (a "√", a "◊", U+FFFD) means
# the file is in another code page, and the guess would store garbage.
_WESTERN_SIGNS = set(
    "’‘“”„‚–—…«»‹›°€£¥¢©®™§¶·•†‡‰\u00a0\u00ad¡¿ªº±×÷µ¹²³¼½¾¨´¸¯ˆ˜"
)
_NOT_WESTERN = set("ÐðÞþÝý")
# Three non-ASCII letters in a row: a word of Arabic, Greek, Cyrillic or Japanese read in
# the wrong code page ("ÇáÊÚáíã"); Western European words never hold that many.
_HIGH_RUN = re.compile(rb"[\x80-\xff]{3,}")
_MAX_RUNS = 10_000
_ANY_HIGH_RUN = re.compile(rb"[\x80-\xff]+")
def _line_breaks(data: bytes) -> int:
    """Line breaks in `data`, CR LF, CR (old Mac files) and LF each counting once."""
    return data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")


class _Utf8Scan:
    """Follows a file block by block: whether it is UTF-8, and if not, the line of its
    first byte that UTF-8 does not allow and the line of a well-formed UTF-8 sequence (both
    together: a file that mixes encodings, row by row)."""

    def __init__(self):
        self.pending = b""  # an incomplete sequence (or a CR) carried to the next block
        self.line = 1  # the line `pending` starts on
        self.bad: tuple[int, int] | None = None  # (line, byte)
        self.good_line: int | None = None

    def feed(self, block: bytes, final: bool = False) -> None:
        data = self.pending + block
        if self.bad is None:
            try:
                _text, consumed = codecs.utf_8_decode(data, "strict", final)
            except UnicodeDecodeError as exc:
                self._note_good(data, 0, exc.start)
                self.bad = (self.line + _line_breaks(data[:exc.start]), data[exc.start])
                self._find_good(data, exc.start)
                self.pending = b""
                return
            if consumed and data[consumed - 1:consumed] == b"\r" and not final:
                consumed -= 1  # its LF may begin the next block
            self._note_good(data, 0, consumed)
            self.line += _line_breaks(data[:consumed])
            self.pending = data[consumed:]
            return
        if self.good_line is None:
            self._find_good(data, 0)
        self.pending = b""

    def _note_good(self, data: bytes, start: int, end: int) -> None:
        if self.good_line is None:
            high = re.search(rb"[\x80-\xff]", data[start:end])
            if high:
                self.good_line = self.line + _line_breaks(data[:start + high.start()])

    def _find_good(self, data: bytes, start: int) -> None:
        # After the first bad byte, lines are no longer counted exactly: UTF-8 found later
        # only says that the file mixes encodings. It counts where a whole run of non-ASCII
        # bytes is UTF-8 ("é" as C3 A9 between letters), not where two bytes of another
        # encoding's run happen to form a sequence (Shift-JIS is full of them).
        if self.good_line is not None:
            return
        for run in _ANY_HIGH_RUN.finditer(data, start):
            if run.start() == start:
                continue  # the run of the bad byte itself
            try:
                run.group().decode("utf-8")
            except UnicodeDecodeError:
                continue
            self.good_line = 0
            return


def detect_encoding(source, display_name: str | None = None, *,
                    legacy: Sequence[str] = ()) -> str:
    """The encoding of a text file, streaming it once: "utf-8-sig" (with or without a
    BOM) or "utf-16" (with a BOM). A file that is not UTF-8 is refused, naming the line
    where UTF-8 decoding fails, unless the format is known to come in a legacy encoding
    (`legacy`, such as WESTERN_LEGACY for UPR Info's exports); then the one that turns the
    file's non-ASCII bytes into letters that real texts use is chosen, provided that what
    it gives reads as Western European text. A file that mixes UTF-8 with another encoding
    is always refused: whichever it was decoded as, some of its rows would be garbled.
    Raises SourceError for an empty file, a binary file or one too large."""
    name = display_name_of(source, display_name)
    with _binary(source) as handle:
        size = _size(handle)
        if size == 0:
            raise SourceError(Message(gettext_noop("%(file)s is empty."), file=name))
        if size > MAX_FILE_BYTES:
            raise SourceError(Message(
                gettext_noop("%(file)s is %(size)s, more than the %(limit)s a CSV file may "
                             "be: split it into smaller files."),
                file=name, size=archives.megabytes(size),
                limit=archives.megabytes(MAX_FILE_BYTES)))
        head = handle.read(16)
        kind = sniff(head)
        if kind not in ("text", "binary data"):
            raise SourceError(_not_a_csv(name, kind))
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        handle.seek(0)
        scan = _Utf8Scan()
        high = Counter()
        runs: set[bytes] = set()
        high_seen = 0
        offset = 0
        while block := handle.read(_BLOCK):
            nul = block.find(b"\x00")
            if nul >= 0:
                raise SourceError(Message(
                    gettext_noop("%(file)s is not a text file: it holds binary data (a NUL "
                                 "byte at byte %(offset)s). Import a CSV saved as text, or "
                                 "an .xlsx workbook."),
                    file=name, offset=Number(offset + nul)))
            offset += len(block)
            scan.feed(block)
            if legacy and high_seen < _HISTOGRAM_BYTES:
                extra = block.translate(None, _ASCII)
                high.update(extra)
                high_seen += len(extra)
                if extra and len(runs) < _MAX_RUNS:
                    runs.update(run[:64] for run in _HIGH_RUN.findall(block))
        scan.feed(b"", final=True)
    if scan.bad is None:
        return "utf-8-sig"
    line, byte = scan.bad
    if scan.good_line is not None:
        good = Message(gettext_noop("line %(line)s is UTF-8"), line=Number(scan.good_line)) \
            if scan.good_line else Message(gettext_noop("some lines are UTF-8"))
        raise SourceError(Message(
            gettext_noop("%(file)s mixes two encodings: %(good)s, but line %(line)s is not "
                         "(it holds the byte 0x%(byte)s). Whichever way it is read, some "
                         "rows would be garbled: save the whole file as UTF-8 (in Excel: "
                         "CSV UTF-8) and import it again."),
            file=name, good=good, line=Number(line), byte=f"{byte:02X}"))
    encoding = _guess_legacy(high, legacy) if legacy else None
    if encoding is None or not _reads_as_western(high, runs, encoding):
        other = Message(gettext_noop(", nor %(encodings)s text (perhaps another code page, "
                                     "such as Windows-1256 for Arabic)"),
                        encodings=" or ".join(_ENCODING_NAMES.get(e, e) for e in legacy)) \
            if legacy else ""
        raise SourceError(Message(
            gettext_noop("%(file)s is not UTF-8 text%(other)s: line %(line)s holds the byte "
                         "0x%(byte)s. Save the file as UTF-8 (in Excel: CSV UTF-8, or an "
                         "Excel workbook) and import it again."),
            file=name, other=other, line=Number(line), byte=f"{byte:02X}"))
    return encoding


_ENCODING_NAMES = {"cp1252": "Windows-1252", "mac_roman": "Mac Roman"}


def _guess_legacy(high: Counter, legacy: Sequence[str]) -> str:
    candidates = list(legacy)
    if "mac_roman" in candidates and any(byte in _CP1252_UNDEFINED for byte in high):
        return "mac_roman"

    def score(encoding: str) -> int:
        return sum(count for byte, count in high.items()
                   if bytes([byte]).decode(encoding, errors="replace") in _LIKELY)

    # On a tie the first wins: Windows-1252 in WESTERN_LEGACY, what Excel saves as "CSV".
    return max(candidates, key=lambda encoding: (score(encoding), -candidates.index(encoding)))


def _reads_as_western(high: Counter, runs: set[bytes], encoding: str) -> bool:
    """Whether a legacy decoding gives what Western European text holds (see
    _WESTERN_SIGNS), and no word of three non-ASCII letters in a row."""
    for byte in high:
        char = bytes([byte]).decode(encoding, errors="replace")
        latin = char.isalpha() and unicodedata.name(char, "").startswith("LATIN")
        if char in _NOT_WESTERN or not (latin or char in _WESTERN_SIGNS):
            return False
    return not any(re.search(r"[^\W\d_]{3}", run.decode(encoding, errors="replace"))
                   for run in runs)


def _not_a_csv(name: str, kind: str) -> Message:
    if kind == "zip":
        return Message(gettext_noop("%(file)s is a zip archive (an Excel workbook or another "
                                    "Office file), not a CSV text file."),
                       file=name)
    if kind in ("empty", "ole"):
        return _not_a_spreadsheet(name, kind)
    # A sentence of its own (not _not_a_spreadsheet's, edited), so that it translates whole.
    return Message(gettext_noop("%(file)s is %(kind)s, not a CSV file: import a CSV or an "
                                "Excel workbook (.xlsx)."),
                   file=name, kind=kind)


def _sniff_delimiter(text_handle) -> str:
    """Comma, semicolon (what Excel saves as "CSV" where the decimal mark is a comma) or
    tab, by which is most frequent in the first line."""
    first = ""
    for _ in range(50):
        line = text_handle.readline(65536)
        if not line:
            break
        if line.strip().strip("\ufeff"):
            first = line
            break
    counts = {delimiter: first.count(delimiter) for delimiter in (",", ";", "\t")}
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


class _TooLong(Exception):
    pass


class _Lines:
    """Hands csv.reader one physical line at a time (CR, LF or CRLF endings, as
    TextIOWrapper with newline="" finds them), remembering the raw lines of the record
    being read, and never letting a record grow past its budget."""

    def __init__(self, text_handle, budget: int):
        self.text = text_handle
        self.budget = budget
        self.raw: list[str] = []
        self.used = 0
        self.finished = False

    def start_record(self) -> None:
        self.raw = []
        self.used = 0

    def __iter__(self):
        return self

    def __next__(self) -> str:
        room = self.budget - self.used
        line = self.text.readline(room + 1)
        if not line:
            self.finished = True
            raise StopIteration
        self.raw.append(line)
        if len(line) > room:
            raise _TooLong
        self.used += len(line)
        if line[-1] not in "\r\n":
            self.finished = True  # the last line of a file without a final line break
        return line


# Field states of csv's reader, as far as quoting goes.
_START, _IN_FIELD, _IN_QUOTES, _QUOTE_IN_QUOTES = range(4)


def _ends_inside_quotes(raw: str, delimiter: str) -> bool:
    """Whether csv's (non-strict) reader is left inside a quoted field at the end of
    `raw`: the sign of a file cut short."""
    tokens = re.compile('"|' + re.escape(delimiter) + r"|\r\n|\r|\n")
    state = _START
    position = 0
    for match in tokens.finditer(raw):
        if match.start() > position:  # ordinary characters
            if state in (_START, _QUOTE_IN_QUOTES):
                state = _IN_FIELD
        token = match.group()
        if token == '"':
            if state == _START:
                state = _IN_QUOTES
            elif state == _IN_QUOTES:
                state = _QUOTE_IN_QUOTES
            elif state == _QUOTE_IN_QUOTES:
                state = _IN_QUOTES  # a doubled quote
        elif state != _IN_QUOTES:
            state = _START  # a delimiter or a line break ends the field
        position = match.end()
    if position < len(raw) and state in (_START, _QUOTE_IN_QUOTES):
        state = _IN_FIELD
    return state == _IN_QUOTES


def read_csv_rows(source, display_name: str | None = None, *, delimiter: str | None = None,
                  encoding: str | None = None,
                  legacy: Sequence[str] = ()) -> Iterator[SheetRow]:
    """Yield the non-blank records of a CSV file as SheetRows; the first is the header.

    Row numbers count records (a quoted cell may span lines), the header being row 1, as a
    spreadsheet program shows the file. The file must be UTF-8 (or UTF-16 with a BOM),
    unless `legacy` names the encodings its format is known to use (detect_encoding).
    Raises SourceError for an empty, binary or truncated file, and for a cell longer than
    MAX_CELL_CHARS (naming its row and column): past such a cell the reader cannot tell
    where the next row begins.
    """
    name = display_name_of(source, display_name)
    encoding = encoding or detect_encoding(source, name, legacy=legacy)
    with _binary(source) as handle:
        # Strict for every encoding: a legacy one was only chosen if it decodes every byte.
        text = io.TextIOWrapper(handle, encoding=encoding, errors="strict", newline="")
        try:
            if delimiter is None:
                delimiter = _sniff_delimiter(text)
                text.seek(0)
            yield from _csv_records(text, name, delimiter)
        except UnicodeDecodeError as exc:
            raise SourceError(Message(
                gettext_noop("%(file)s is not valid %(encoding)s text (%(reason)s)."),
                file=name, encoding=encoding, reason=str(exc.reason))) from None
        finally:
            text.detach()


def _csv_records(text, name: str, delimiter: str) -> Iterator[SheetRow]:
    lines = _Lines(text, MAX_ROW_CHARS)
    reader = csv.reader(lines, delimiter=delimiter)
    header: list[str] | None = None
    number = 0
    # The cell limit is module-wide state of csv: set for this file's records only, and
    # given back whenever this generator hands a row to its caller.
    previous_limit = csv.field_size_limit()
    while not lines.finished:
        lines.start_record()
        row_number = number + 1
        csv.field_size_limit(MAX_CELL_CHARS)
        try:
            cells = next(reader)
        except StopIteration:
            break
        except (csv.Error, _TooLong) as exc:
            raise SourceError(_explain_long_record(name, row_number, lines.raw, delimiter,
                                                   header, exc)) from None
        finally:
            csv.field_size_limit(previous_limit)
        number = row_number
        if lines.finished and _ends_inside_quotes("".join(lines.raw), delimiter):
            raise SourceError(Message(
                gettext_noop("%(file)s ends inside a quoted field at row %(row)s: the file "
                             "looks truncated (a quote mark opened there is never closed)."),
                file=name, row=row_number))
        if number > MAX_SPREADSHEET_ROWS:
            raise SourceError(Message(
                gettext_noop("%(file)s has more than %(limit)s rows: split it."),
                file=name, limit=Number(MAX_SPREADSHEET_ROWS)))
        if not "".join(cells).strip():  # a blank record
            continue
        if header is None:
            cells[0] = cells[0].lstrip("\ufeff")
            header = cells
        yield SheetRow(number, cells)
    if header is None:
        raise SourceError(Message(gettext_noop("%(file)s is empty."), file=name))


def _explain_long_record(name: str, row: int, raw_lines: list[str], delimiter: str,
                         header, exc: Exception) -> Message:
    raw = "".join(raw_lines)
    if isinstance(exc, csv.Error) and "field larger than field limit" not in str(exc):
        return Message(gettext_noop("%(file)s, row %(row)s: this is not a readable CSV row "
                                    "(%(error)s)."),
                       file=name, row=row, error=str(exc))
    # Parse the record again, this time letting its cells be as long as they are (the raw
    # text is bounded by MAX_ROW_CHARS), to name the overlong cell.
    previous_limit = csv.field_size_limit(len(raw) + 1)
    try:
        cells = next(csv.reader(io.StringIO(raw, newline=""), delimiter=delimiter), [])
    except csv.Error:
        cells = []
    finally:
        csv.field_size_limit(previous_limit)
    index = next((i for i, cell in enumerate(cells) if len(cell) > MAX_CELL_CHARS), None)
    if index is None and isinstance(exc, csv.Error) and cells:
        index = len(cells) - 1
    if index is None:
        return Message(gettext_noop("%(file)s, row %(row)s: the row is longer than %(limit)s "
                                    "characters, more than any row of a spreadsheet should "
                                    "be."),
                       file=name, row=row, limit=Number(MAX_ROW_CHARS))
    hint = ""
    if cells[index].count("\n") + cells[index].count("\r") > 2:
        hint = Message(gettext_noop(" (it runs over many lines: perhaps a quote mark opened "
                                    "in it is never closed)"))
    return Message(gettext_noop("%(file)s, row %(row)s, column %(column)s: the cell is longer "
                                "than %(limit)s characters%(hint)s; no cell may be that "
                                "long."),
                   file=name, row=row, column=column_label(index, header),
                   limit=Number(MAX_CELL_CHARS), hint=hint)


# --- XLSX: the archive ----------------------------------------------------------------------


@contextmanager
def _open_zip(source, name: str):
    with _binary(source) as handle:
        size = _size(handle)
        head = handle.read(16)
        handle.seek(0)
        kind = sniff(head)
        if kind == "empty" or size == 0:
            raise SourceError(Message(gettext_noop("%(file)s is empty."), file=name))
        if kind != "zip":
            what = Message(gettext_noop("a text file (perhaps a CSV)")) if kind == "text" \
                else kind
            if kind == "ole":
                raise SourceError(_not_a_spreadsheet(name, kind))
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
    kind = _zip_kind({info.filename for info in archive.infolist()}, archive)
    if kind != "xlsx":
        raise SourceError(Message(
            gettext_noop("%(file)s is not an Excel workbook (.xlsx): it is %(kind)s."),
            file=name, kind=kind))
    archives.check_totals(archive, name, max_expanded=MAX_EXPANDED_BYTES)
    if check_ratio:
        archives.check_ratios(archive, name)


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


def _scan_elements(stream, start: re.Pattern, visit=None) -> _Oversize | None:
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
        block = stream.read(_BLOCK)
        at_end = not block
        if running is not None:
            match = start.search(block)
            rest = block if match is None else block[:match.start()]
            chars, running[3], longest_tag = _text_chars(rest, running[3])
            running[2] += chars
            if running[2] > MAX_CELL_CHARS:
                return _Oversize("text", running[0], running[1])
            if longest_tag > _MAX_TAG_BYTES:
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
                    if longest_tag > _MAX_TAG_BYTES:
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
            if longest_tag > _MAX_TAG_BYTES:
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


def _workbook_parts(archive: zipfile.ZipFile, name: str) -> _Package:
    """Find the parts the way openpyxl will: the workbook part and the shared strings from
    [Content_Types].xml, the worksheets from the workbook's relationships (all read with
    defusedxml). Every part typed as a worksheet or a string table is scanned, so that a
    decoy xl/workbook.xml cannot hide the parts openpyxl would really read."""
    from defusedxml import ElementTree
    from defusedxml.common import DefusedXmlException

    names = set(archive.namelist())

    def read_small(path: str) -> bytes:
        with archive.open(path) as stream:
            data = stream.read(_MAX_META_BYTES + 1)
        if len(data) > _MAX_META_BYTES:
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
        start = stream.read(_BLOCK)
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
        file=name, part=part, limit=Number(_MAX_TAG_BYTES)))


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
        archives.check_ratios(archive, name)
    yield from _openpyxl_rows(source, name, data_sheet.title)


def _openpyxl_rows(source, name: str, title: str) -> Iterator[SheetRow | RowProblem]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    errors = (*_OPENPYXL_ERRORS, InvalidFileException)
    with _binary(source) as handle, warnings.catch_warnings():
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


def _worksheet_rows(worksheet, name: str) -> Iterator[SheetRow | RowProblem]:
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
