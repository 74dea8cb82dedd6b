"""Problems with the files people give us: shared by the spreadsheet readers in core and
the import adapters in ingest."""

from dataclasses import dataclass


class SourceError(Exception):
    """The file as a whole cannot be read. The message names the file and the problem."""


@dataclass
class RowProblem:
    """One row that cannot be used; the message says why, without the file and row (the
    pipeline adds them)."""

    file: str
    row: int | None
    message: str
    field: str = ""
