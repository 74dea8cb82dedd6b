"""What a file is (by its first bytes, not its name), the limits every reader keeps, and
the rows readers yield."""

import codecs
import datetime as dt
import os
import zipfile
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from django.utils.translation import gettext_noop

from nmirf.core.problems import Message
from nmirf.core.spreadsheets import column_letter

# --- limits -------------------------------------------------------------------------------

# No cell may hold more (Excel itself stops at 32,767 characters per cell).
MAX_CELL_CHARS = 100_000
# A CSV record (all its cells together) may not be longer.
MAX_ROW_CHARS = 2_000_000
# A CSV file, or an .xlsx once unpacked, may not be larger. A 40,000-row template is
# about 30 MB unpacked.
MAX_FILE_BYTES = 256 * 1024 * 1024
MAX_EXPANDED_BYTES = MAX_FILE_BYTES
# Excel's own grid (zip bombs: archive.MAX_RATIO).
MAX_SPREADSHEET_ROWS = 1_048_576
# An XML tag (name and attributes) longer than this is not something Excel writes.
MAX_TAG_BYTES = 1024 * 1024
MAX_META_BYTES = 8 * 1024 * 1024  # workbook.xml and its relationships
BLOCK = 1024 * 1024


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


def zip_kind(names: set[str], archive: zipfile.ZipFile) -> str:
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
def open_binary(source):
    """A binary file for a path or an open binary file (rewound, left open)."""
    if isinstance(source, str | os.PathLike):
        with open(source, "rb") as handle:
            yield handle
    else:
        source.seek(0)
        yield source


def file_size(handle: BinaryIO) -> int:
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


def column_label(index: int, header: Sequence[str] | None = None) -> str:
    """How a message names a column: its header ('text') or, without one, its letter."""
    if header and index < len(header) and str(header[index]).strip():
        return f"'{str(header[index]).strip()}'"
    return column_letter(index)


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


def not_a_spreadsheet(name: str, kind: str) -> Message:
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
