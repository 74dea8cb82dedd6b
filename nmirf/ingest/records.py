"""What a source adapter yields: plain records, before any database lookup.

An adapter (one module in ingest/sources/) knows one file format and nothing else. It reads
a file and yields `SourceRow` objects (one recommendation each) or `RowProblem` objects
(a row it could not read). A problem with the whole file (empty, wrong format, zip bomb)
is raised as `SourceError`. Normalising names to states and terms, validating, matching
existing recommendations and writing are the shared pipeline's job (ingest/pipeline.py).
"""

from dataclasses import dataclass, field

from nmirf.core.problems import RowProblem, SourceError

__all__ = ["RowProblem", "SourceError", "SourceRow"]


@dataclass(slots=True)
class SourceRow:
    source: str  # adapter name: "upr_info", "ohchr_matrix", "template"
    file: str  # file name as the user gave it (for messages)
    row: int  # 1-based row (or table row) in the file, for messages
    key: str  # stable key of this record within its source (re-import finds it again)
    state: str  # state under review, as written in the source (name, alias or ISO code)
    mechanism: str  # mechanism code: "UPR", "CERD", …
    text: str
    # The text as core.text.search_text folds it, where the adapter has it already (for
    # its keys); the normaliser folds the text itself otherwise.
    folded: str = ""
    session: int | None = None  # UPR Working Group session
    cycle: int | None = None  # UPR cycle (derived from the session when absent)
    review_label: str = ""  # treaty periodic review ("18-20"), visit ("2012 visit")
    review_date: str = ""  # ISO date, where the source gives one
    mandate: str = ""  # special-procedure mandate code or title
    document_symbol: str = ""
    paragraph: str = ""
    recommending_states: list[str] = field(default_factory=list)
    position: str = ""  # as written in the source: "Accepted", "Supported/Noted", …
    action_category: str = ""  # "1".."5" or ""
    terms: dict[str, list[str]] = field(default_factory=dict)  # taxonomy code -> names
    language: str = "en"
    # Rows repeated word for word in one source are kept and flagged (see pipeline).
    occurrence: int = 1
    # Where the record is in a file without rows ("page 12"); "row N" where empty.
    place: str = ""

    @property
    def location(self) -> str:
        """Where the record is in its file, as a source record keeps it: the file's own
        name (the import run keeps the paths it was given)."""
        return f"{self.file.rpartition('/')[2]}, {self.place or f'row {self.row}'}"
