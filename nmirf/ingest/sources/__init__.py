"""Source adapters: one module per format. Each module has `read(path, *, display_name,
...)` yielding SourceRow / RowProblem (see ingest/records.py). Adding a format = adding a
module here and a line in ADAPTERS (with the columns of its files that hold each field the
shared normaliser checks, so that a problem names the column a person sees)."""

import importlib
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Adapter:
    name: str  # stored in ImportRun.source and SourceRecord.source
    command: str  # as typed after `nmirf import`
    module: str
    label: str  # the format and its file type, for the import form
    # The format's name in words, where a stored record names its source ("OHCHR
    # recommendations matrix" rather than the code ohchr_matrix).
    title: str = ""
    accepts: tuple[str, ...] = ()  # run options the reader takes (state, session)
    extensions: tuple[str, ...] = ()
    # (normaliser field, the column of this format's files that holds it): see column_of.
    columns: tuple[tuple[str, str], ...] = ()

    def column_of(self, field: str) -> str:
        """Where a row problem is, as a person finds it: the file's own column for a field
        the shared normaliser checked ("From" for recommending_states in a UPR Info
        export), else the field's name in the reader's language (a DOCX has no columns),
        else the field as the adapter named it (already a column: "Session")."""
        column = dict(self.columns).get(field)
        if column:
            return column
        label = FIELD_LABELS.get(field)
        return str(label) if label is not None else field

    def read(self, path, display_name: str, options: dict):
        module = importlib.import_module(self.module)
        return module.read(path, display_name=display_name, **self._kwargs(options))

    def read_files(self, files: list[tuple], options: dict):
        """The records of all the files of one import, [(path, name)]. A format whose
        files complete one another (a UN report and its addendum) reads them together
        (its module's read_all); every other reads them one after another."""
        module = importlib.import_module(self.module)
        if hasattr(module, "read_all"):
            yield from module.read_all(files, **self._kwargs(options))
            return
        for path, name in files:
            yield from module.read(path, display_name=name, **self._kwargs(options))

    def _kwargs(self, options: dict) -> dict:
        return {key: options[key] for key in self.accepts if options.get(key) is not None}


# The fields the shared normaliser (ingest/normalise.py) names in its row problems.
FIELD_LABELS = {
    "state": _("State under review"),
    "mechanism": _("Mechanism"),
    "text": _("Text"),
    "position": _("Position"),
    "action": _("Action category"),
    "recommending_states": _("Recommending states"),
    "session": _("UPR session"),
    "mandate": _("Mandate"),
    "upr_info_issues": _("Issue (UPR Info)"),
    "uhri_themes": _("Theme (UHRI)"),
    "affected_persons": _("Affected persons"),
    "sdg": _("SDG"),
}

ADAPTERS = {
    adapter.name: adapter
    for adapter in (
        Adapter("upr_info", "upr-info", "nmirf.ingest.sources.upr_info",
                _("UPR Info database export (CSV)"), title=_("UPR Info database export"),
                extensions=(".csv",),
                columns=(("state", "To"), ("text", "Text"), ("recommending_states", "From"),
                         ("position", "Response"), ("action", "Action"),
                         ("upr_info_issues", "Issue"), ("session", "Session"))),
        Adapter("ohchr_matrix", "ohchr-matrix", "nmirf.ingest.sources.ohchr_matrix",
                _("OHCHR thematic list / matrix of recommendations (DOCX)"),
                title=_("OHCHR recommendations matrix"), accepts=("state", "session"),
                extensions=(".docx",)),
        Adapter("template", "template", "nmirf.ingest.sources.template",
                _("OpenNMIRF import template (CSV or XLSX)"), title=_("OpenNMIRF template"),
                extensions=(".csv", ".xlsx"),
                columns=(("state", "state"), ("mechanism", "mechanism"), ("text", "text"),
                         ("position", "position"), ("action", "action_category"),
                         ("recommending_states", "recommending_states"),
                         ("session", "session"), ("mandate", "mandate"),
                         ("uhri_themes", "themes"), ("affected_persons", "affected_persons"),
                         ("sdg", "sdg"))),
        Adapter("un_document", "document", "nmirf.ingest.sources.un_document",
                _("UN document: UPR Working Group report or its addendum (PDF, DOCX or "
                  "HTML)"),
                title=_("UN document"), accepts=("state", "session", "mechanism"),
                extensions=(".pdf", ".docx", ".html", ".htm")),
    )
}


def get_adapter(name: str) -> Adapter:
    key = name.replace("-", "_")
    if key not in ADAPTERS:
        raise KeyError(f"unknown source format {name!r}; known: "
                       + ", ".join(a.command for a in ADAPTERS.values()))
    return ADAPTERS[key]


def source_title(name: str) -> str:
    """A source format in words, in the reader's language; the stored code itself for a
    format this version no longer has."""
    adapter = find_adapter(name) if name else None
    return str(adapter.title or adapter.label) if adapter else name


def find_adapter(name: str) -> Adapter | None:
    """The adapter a stored run or source record names, or None for a format this version
    no longer has (its rows are then shown as they were stored)."""
    try:
        return get_adapter(name)
    except KeyError:
        return None
