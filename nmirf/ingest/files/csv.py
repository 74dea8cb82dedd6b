"""CSV files: encoding (strict UTF-8, or a legacy encoding a format is known to use),
delimiter, and records read with bounded lines and cells (module name as DESIGN.md names
it; `import csv` here is the standard library's, imports being absolute)."""

import codecs
import csv
import io
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator, Sequence

from django.utils.translation import gettext_noop

from nmirf.core.problems import Message, Number, SourceError

from . import archive
from .common import (
    BLOCK,
    MAX_CELL_CHARS,
    MAX_FILE_BYTES,
    MAX_ROW_CHARS,
    MAX_SPREADSHEET_ROWS,
    SheetRow,
    column_label,
    display_name_of,
    file_size,
    not_a_spreadsheet,
    open_binary,
    sniff,
)

# --- encodings ------------------------------------------------------------------------------------

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


def detect_encoding(source, display_name: str | None = None, *,  # noqa: C901 - one streaming pass over the file
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
    with open_binary(source) as handle:
        size = file_size(handle)
        if size == 0:
            raise SourceError(Message(gettext_noop("%(file)s is empty."), file=name))
        if size > MAX_FILE_BYTES:
            raise SourceError(Message(
                gettext_noop("%(file)s is %(size)s, more than the %(limit)s a CSV file may "
                             "be: split it into smaller files."),
                file=name, size=archive.megabytes(size),
                limit=archive.megabytes(MAX_FILE_BYTES)))
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
        while block := handle.read(BLOCK):
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
        return not_a_spreadsheet(name, kind)
    # A sentence of its own (not not_a_spreadsheet's, edited), so that it translates whole.
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
    with open_binary(source) as handle:
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
