"""Source adapters: one module per format. Each module has `read(path, *, display_name,
...)` yielding SourceRow / RowProblem (see ingest/records.py). Adding a format = adding a
module here and a line in ADAPTERS."""

import importlib
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Adapter:
    name: str  # stored in ImportRun.source and SourceRecord.source
    command: str  # as typed after `nmirf import`
    module: str
    label: str
    accepts: tuple[str, ...] = ()  # run options the reader takes (state, session)
    extensions: tuple[str, ...] = ()

    def read(self, path, display_name: str, options: dict):
        module = importlib.import_module(self.module)
        kwargs = {key: options[key] for key in self.accepts if options.get(key) is not None}
        return module.read(path, display_name=display_name, **kwargs)


ADAPTERS = {
    adapter.name: adapter
    for adapter in (
        Adapter("upr_info", "upr-info", "nmirf.ingest.sources.upr_info",
                _("UPR Info database export (CSV)"), extensions=(".csv",)),
        Adapter("ohchr_matrix", "ohchr-matrix", "nmirf.ingest.sources.ohchr_matrix",
                _("OHCHR thematic list / matrix of recommendations (DOCX)"),
                accepts=("state", "session"), extensions=(".docx",)),
        Adapter("template", "template", "nmirf.ingest.sources.template",
                _("OpenNMIRF import template (CSV or XLSX)"), extensions=(".csv", ".xlsx")),
    )
}


def get_adapter(name: str) -> Adapter:
    key = name.replace("-", "_")
    if key not in ADAPTERS:
        raise KeyError(f"unknown source format {name!r}; known: "
                       + ", ".join(a.command for a in ADAPTERS.values()))
    return ADAPTERS[key]
