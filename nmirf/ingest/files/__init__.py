"""Reading the files people give us: CSV and XLSX spreadsheets (the import template, UPR
Info's exports), and the zip archives that XLSX and DOCX files are.

Files come from people, and some are hostile or broken. Before any parser sees them:

- an .xlsx is a zip archive: its directory is inspected first, and an archive that would
  expand past `MAX_EXPANDED_BYTES`, or a part that expands more than `MAX_RATIO` times, is
  refused as a possible zip bomb (Python's zipfile never inflates more than a part
  declares, so the declared sizes are binding);
- every worksheet and the shared-strings table are then streamed in blocks to find a cell
  longer than `MAX_CELL_CHARS` *without building it*: openpyxl would otherwise hold a
  100 MB cell in memory before we could look at it;
- formulas are refused (a formula's value is whatever the last program that saved the
  file computed, or nothing): the person is asked to paste the value;
- a CSV is checked for binary content and must be UTF-8 (with or without a BOM) or UTF-16
  with a BOM, unless its format is known to come in a legacy encoding (UPR Info's Mac
  Roman), which must then read as such; a file mixing encodings is refused (see
  csv.detect_encoding); bare-CR line endings are accepted, rows are read with a bounded
  line reader and a bounded `csv.field_size_limit`, and a file that ends inside a quoted
  field is reported as truncated.

Readers yield `SheetRow` (row number as a spreadsheet shows it, header = row 1, and the
cells as text) and, for problems confined to one row, `RowProblem`. Problems with the
whole file raise `SourceError` with a message that names the file (and the row and column
where there is one).
"""

from collections.abc import Iterator

from nmirf.core.problems import RowProblem, SourceError

from .common import (
    MAX_CELL_CHARS,
    SheetRow,
    column_label,
    display_name_of,
    not_a_spreadsheet,
    open_binary,
    sniff,
)
from .csv import WESTERN_LEGACY, detect_encoding, read_csv_rows
from .xlsx import check_xlsx_archive, read_xlsx_rows

__all__ = ["MAX_CELL_CHARS", "WESTERN_LEGACY", "SheetRow", "check_xlsx_archive",
           "column_label", "detect_encoding", "display_name_of", "read_csv_rows", "read_rows",
           "read_xlsx_rows"]


def read_rows(source, display_name: str | None = None, *,
              sheet: str | None = None) -> Iterator[SheetRow | RowProblem]:
    """Read a CSV or an .xlsx, deciding by the file's content (not its name)."""
    name = display_name_of(source, display_name)
    with open_binary(source) as handle:
        head = handle.read(16)
    kind = sniff(head)
    if kind == "zip":
        return read_xlsx_rows(source, name, sheet=sheet)
    if kind == "text":
        return read_csv_rows(source, name)
    raise SourceError(not_a_spreadsheet(name, kind))
