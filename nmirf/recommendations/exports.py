"""Exports: any list a person can see, as CSV, XLSX or JSON, with every field.

One function, `prepare_export(user, query)`, takes the list page's query string (its
filters, search and sort) and who asks, and gives an `Export`: the same selection in the
same order as the list page (filters.registry_filter, the list's own filters over what
the person may read: the one read path), which then streams itself
in a format. The web view (views.recommendation_export) and the command
(`nmirf export --query 'state=SVN&position=noted' --format xlsx > noted.xlsx`) are thin
wrappers around it.

How it reads: the ids of the selection first, in the list's order (one query), then
`CHUNK_SIZE` recommendations at a time with a bounded number of queries per chunk (the
recommendations; the reviews and documents not met before; their recommending states;
their terms; their sources; with tracking, their assignments direct and through
clusters, and their clusters), never a query per row. States, terms, taxonomies and
entities are read once. Memory stays flat: a chunk's rows, the ids, and one small entry
per review and document.

What it writes:
- CSV: UTF-8 with a byte order mark (without it Excel reads UTF-8 as Windows-1252 and
  garbles Arabic; `bom=False` leaves it out for other programs), several values in one
  cell joined with "; ".
- XLSX: one sheet, streamed (core.spreadsheets.iter_xlsx), right-to-left in Arabic.
- JSON: one array of objects, streamed, with codes beside labels and lists as lists.
Every text cell of CSV and XLSX is formula-neutralised by core.spreadsheets (a text that
begins with =, +, -, @ … gets a leading apostrophe); JSON carries the values as stored,
since no spreadsheet program evaluates it.

Tracking's columns (implementation status, lead and supporting entities, clusters) are
included where the reader may see tracking data (accounts.permissions).
"""

import datetime as dt
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from nmirf.accounts.permissions import can_export_registry, can_view_assignments
from nmirf.core import spreadsheets
from nmirf.core.id_lists import among
from nmirf.tracking.models import (
    Assignment,
    AssignmentRole,
    Cluster,
    ClusterRecommendation,
    Entity,
    ImplementationStatus,
)

from .facets import review_label_of
from .filters import FILTERS, Me, registry_filter
from .models import (
    ActionCategory,
    Document,
    Position,
    Recommendation,
    RecommendationTerm,
    RecommendingState,
    Review,
    SourceRecord,
    State,
    Taxonomy,
    Term,
    term_label,
)
from .state_names import localized_name, sort_key

CHUNK_SIZE = 2000
# A list page's address is a few hundred characters; more is not a person's request.
MAX_QUERY_CHARS = 8000
# Parameters of the list page's address that are not filters: the page shown.
IGNORED_PARAMETERS = {"page"}


@dataclass(frozen=True)
class ExportFormat:
    name: str
    content_type: str
    extension: str


FORMATS = {
    "csv": ExportFormat("csv", "text/csv; charset=utf-8", "csv"),
    "xlsx": ExportFormat("xlsx", spreadsheets.XLSX_CONTENT_TYPE, "xlsx"),
    "json": ExportFormat("json", "application/json", "json"),
}


class ExportRefused(Exception):
    """The export cannot be made as asked; the message says why, in the reader's words.
    Raised before anything is written."""


@dataclass
class Column:
    header: str
    value: Callable[[dict], object]
    width: float = 0


_join = "; ".join  # several values in one cell, as core.spreadsheets joins a list


def _names(items) -> str:
    return _join([item["name"] for item in items])


@dataclass
class Export:
    """A prepared export: `len(export)` recommendations, in the list's order."""

    ids: list[int]
    user: object
    tracking: bool
    language: str
    query: str
    _taxonomies: list[tuple[int, str, str]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.ids)

    # -- the columns ------------------------------------------------------------------

    def columns(self) -> list[Column]:
        """The columns of CSV and XLSX, headers in the reader's language."""
        columns = [
            Column(_("ID"), lambda r: r["id"], 8),
            Column(_("Mechanism"), lambda r: r["mechanism"], 10),
            Column(_("State under review"), lambda r: r["state"]["name"], 18),
            Column(_("State ISO code"), lambda r: r["state"]["iso3"], 8),
            Column(_("Review"), lambda r: r["review"]["label"], 24),
            Column(_("Cycle"), lambda r: r["review"]["cycle"], 6),
            Column(_("UPR session"), lambda r: r["review"]["session"], 6),
            Column(_("Review date"), lambda r: r["review"]["date"], 11),
            Column(_("Document"), lambda r: (r["document"] or {}).get("symbol"), 16),
            Column(_("Paragraph"), lambda r: r["paragraph"], 9),
            Column(_("Text"), lambda r: r["text"], 80),
            Column(_("Language"), lambda r: r["language"], 6),
            Column(_("Position"), lambda r: r["position_label"], 14),
            Column(_("Action category"), lambda r: r["action_category_label"], 18),
            Column(_("Recommending states"), lambda r: _names(r["recommending_states"]), 24),
        ]
        for _pk, code, name in self._taxonomies:
            columns.append(Column(name, _labels_of(code), 30))
        columns += [
            Column(_("Sources"), lambda r: _join([_source_text(s) for s in r["sources"]]), 30),
            Column(_("Possible duplicate of"), lambda r: r["possible_duplicate_of"], 10),
        ]
        if self.tracking:
            columns += [
                Column(_("Implementation status"),
                       lambda r: r["implementation_status_label"], 16),
                Column(_("Lead entity"), lambda r: _join(r["lead_entities"]), 24),
                Column(_("Supporting entities"), lambda r: _join(r["supporting_entities"]),
                       24),
                Column(_("Clusters"), lambda r: _join(r["clusters"]), 24),
            ]
        return columns

    def rows(self, progress=None) -> Iterator[list]:
        columns = self.columns()
        for record in self.records(progress):
            yield [column.value(record) for column in columns]

    # -- the records ------------------------------------------------------------------

    def records(self, progress: Callable[[int, int], None] | None = None) -> Iterator[dict]:
        """Each recommendation as a dict (what JSON writes; the columns read it), in
        order. `progress(done, total)` is called after each chunk."""
        reader = _Reader(self)
        total = len(self.ids)
        for start in range(0, total, CHUNK_SIZE):
            yield from reader.chunk(self.ids[start:start + CHUNK_SIZE])
            if progress is not None:
                progress(min(start + CHUNK_SIZE, total), total)

    # -- the formats ------------------------------------------------------------------

    def stream(self, fmt: str, *, bom: bool = True, progress=None) -> Iterator[bytes]:
        """The export in `fmt` as pieces of bytes, in the reader's language."""
        with translation.override(self.language):
            if fmt == "csv":
                columns = self.columns()
                for piece in spreadsheets.iter_csv(self.rows(progress),
                                                   [c.header for c in columns], bom=bom):
                    yield piece.encode("utf-8")
            elif fmt == "xlsx":
                columns = self.columns()
                yield from spreadsheets.iter_xlsx(
                    self.rows(progress), [c.header for c in columns],
                    title=_("Recommendations"), widths=[c.width for c in columns],
                    right_to_left=translation.get_language_bidi())
            elif fmt == "json":
                yield from _iter_json(self.records(progress))
            else:  # prepare_export checked it
                raise ExportRefused(unknown_format_message(fmt))

    def filename(self, fmt: str) -> str:
        """A plain ASCII name for the download: recommendations-2026-12-07.csv."""
        return f"recommendations-{timezone.localdate().isoformat()}.{FORMATS[fmt].extension}"


def _labels_of(taxonomy_code: str):
    def labels(record) -> str:
        items = record["labels"].get(taxonomy_code)
        return _names(items) if items else ""
    return labels


def _source_text(source: dict) -> str:
    where = source["location"] or source["key"]
    return f"{source['label']}: {where}" if where else source["label"]


def _json_default(value):
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return str(value)


def _iter_json(records, batch: int = 200) -> Iterator[bytes]:
    """A JSON array, one object a line, written as it is read."""
    yield b"["
    pieces, first = [], True
    for record in records:
        pieces.append(("\n" if first else ",\n")
                      + json.dumps(record, ensure_ascii=False, default=_json_default))
        first = False
        if len(pieces) == batch:
            yield "".join(pieces).encode("utf-8")
            pieces.clear()
    pieces.append("\n]\n")
    yield "".join(pieces).encode("utf-8")


class _Reader:
    """Reads chunks of recommendations as records: reference tables once, then a fixed
    number of queries a chunk."""

    def __init__(self, export: Export):
        self.export = export
        self.positions = {value: str(label) for value, label in Position.choices}
        self.actions = {value: str(label) for value, label in ActionCategory.choices}
        self.statuses = {value: str(label) for value, label in ImplementationStatus.choices}
        # Each state and term once, with its place in the order it is listed in (states
        # by name in the reader's language, terms in their taxonomy's order), so that a
        # record's lists sort by a number and share their small dicts.
        states = sorted((sort_key(iso3, name), iso3, pk, localized_name(iso3, name))
                        for pk, iso3, name in State.objects.values_list("pk", "iso3", "name"))
        self.states = {pk: (rank, {"iso3": iso3, "name": name})
                       for rank, (_key, iso3, pk, name) in enumerate(states)}
        taxonomy_codes = {pk: code for pk, code, _name in export._taxonomies}
        taxonomy_rank = {pk: rank for rank, (pk, _code, _name) in enumerate(export._taxonomies)}
        terms = sorted(
            (taxonomy_rank.get(taxonomy_id, len(taxonomy_rank)), sort, code, pk, taxonomy_id,
             name)
            for pk, taxonomy_id, code, name, sort in Term.objects.values_list(
                "pk", "taxonomy_id", "code", "name", "sort"))
        self.terms = {pk: (rank, taxonomy_codes.get(taxonomy_id),
                           {"code": code, "name": term_label(code, name)})
                      for rank, (_t, _sort, code, pk, taxonomy_id, name) in enumerate(terms)}
        self.entities = dict(Entity.objects.values_list("pk", "name")) if export.tracking else {}
        # Reviews and documents are read once each, when a chunk first meets them: a
        # registry has a few thousand of them for hundreds of thousands of rows.
        self.reviews: dict[int, tuple] = {}
        self.documents: dict[int, dict] = {}
        self.source_labels: dict[str, str] = {}

    def chunk(self, ids: list[int]) -> Iterator[dict]:
        chunk_ids = ids
        ids = among(chunk_ids)
        fields = ["pk", "review_id", "document_id", "paragraph", "text", "language",
                  "position", "action_category", "possible_duplicate_of_id"]
        if self.export.tracking:
            fields.append("implementation__status")
        rows = list(Recommendation.objects.filter(pk__in=ids).order_by().values_list(*fields))
        self._read_reviews({row[1] for row in rows} - self.reviews.keys())
        self._read_documents({row[2] for row in rows if row[2] is not None}
                             - self.documents.keys())
        records = {row[0]: self._record(row) for row in rows}
        del rows
        self._recommending(ids, records)
        self._terms(ids, records)
        self._sources(ids, records)
        if self.export.tracking:
            self._tracking(ids, records)
        for pk in chunk_ids:
            record = records.get(pk)
            if record is not None:
                yield record

    def _read_reviews(self, missing: set[int]) -> None:
        if not missing:
            return
        for pk, mechanism, state_id, cycle, session, label, review_date in (
                Review.objects.filter(pk__in=missing).order_by().values_list(
                    "pk", "mechanism__code", "state_id", "cycle", "session", "label",
                    "date")):
            state = self.states[state_id][1]
            review = {"id": pk, "label": review_label_of(mechanism, session, label,
                                                         review_date, state["name"]),
                      "cycle": cycle, "session": session, "date": review_date}
            self.reviews[pk] = (mechanism, state, review)

    def _read_documents(self, missing: set[int]) -> None:
        if not missing:
            return
        for pk, symbol, document_date in Document.objects.filter(pk__in=missing).order_by() \
                .values_list("pk", "symbol", "date"):
            self.documents[pk] = {"symbol": symbol, "date": document_date}

    def _record(self, row) -> dict:
        (pk, review_id, document_id, paragraph, text, language, position, action,
         duplicate_of, *tracking) = row
        mechanism, state, review = self.reviews[review_id]
        record = {
            "id": pk,
            "mechanism": mechanism,
            "state": state,
            "review": review,
            "document": self.documents.get(document_id),
            "paragraph": paragraph,
            "text": text,
            "language": language,
            "position": position,
            "position_label": self.positions.get(position, position),
            "action_category": action,
            "action_category_label": self.actions.get(action, ""),
            "recommending_states": [],
            "labels": {},
            "sources": [],
            "possible_duplicate_of": duplicate_of,
        }
        if self.export.tracking:
            status = tracking[0] or ImplementationStatus.NOT_STARTED
            record.update(implementation_status=status,
                          implementation_status_label=self.statuses.get(status, status),
                          lead_entities=[], supporting_entities=[], clusters=[])
        return record

    def _recommending(self, ids, records):
        found: dict[int, list] = {}
        states = self.states
        for pk, state_id in RecommendingState.objects.filter(
                recommendation_id__in=ids).values_list("recommendation_id", "state_id"):
            found.setdefault(pk, []).append(states[state_id])
        for pk, ranked in found.items():
            if pk in records:
                ranked.sort(key=_first)
                records[pk]["recommending_states"] = [state for _rank, state in ranked]

    def _terms(self, ids, records):
        found: dict[int, list] = {}
        terms = self.terms
        for pk, term_id in RecommendationTerm.objects.filter(
                recommendation_id__in=ids).values_list("recommendation_id", "term_id"):
            term = terms.get(term_id)
            if term is not None and term[1] is not None:
                found.setdefault(pk, []).append(term)
        for pk, ranked in found.items():
            record = records.get(pk)
            if record is None:
                continue
            ranked.sort(key=_first)
            labels = record["labels"]
            for _rank, taxonomy, item in ranked:
                if taxonomy in labels:
                    labels[taxonomy].append(item)
                else:
                    labels[taxonomy] = [item]

    def _sources(self, ids, records):
        for pk, source, key, location in SourceRecord.objects.filter(
                recommendation_id__in=ids).order_by("source", "key").values_list(
                "recommendation_id", "source", "key", "location"):
            if pk in records:
                records[pk]["sources"].append({"source": source,
                                               "label": self._source_label(source),
                                               "key": key, "location": location})

    def _source_label(self, source: str) -> str:
        if source not in self.source_labels:
            from nmirf.ingest.sources import find_adapter

            adapter = find_adapter(source)
            self.source_labels[source] = str(adapter.label) if adapter else source
        return self.source_labels[source]

    def _tracking(self, ids, records):
        """Who leads and supports (tracking's lead rule, models.leads_among: a lead named
        on the recommendation wins; without one the leads of its active clusters lead),
        and the clusters it sits in. Three queries."""
        own: dict[int, list] = {}
        for pk, entity_id, role in _narrowed(Assignment.objects.current(), self.export.user) \
                .filter(recommendation_id__in=ids).values_list(
                    "recommendation_id", "entity_id", "role"):
            own.setdefault(pk, []).append((entity_id, role))
        through: dict[int, list] = {}
        for pk, entity_id, role in ClusterRecommendation.objects.filter(
                recommendation_id__in=ids, cluster__archived=False,
                cluster__assignments__ended=False).values_list(
                "recommendation_id", "cluster__assignments__entity_id",
                "cluster__assignments__role"):
            through.setdefault(pk, []).append((entity_id, role))
        clusters = _visible_clusters(self.export.user)
        for pk, title in ClusterRecommendation.objects.filter(
                recommendation_id__in=ids, cluster_id__in=clusters).order_by(
                "cluster__title", "cluster_id").values_list("recommendation_id",
                                                            "cluster__title"):
            if pk in records:
                records[pk]["clusters"].append(title)
        lead = AssignmentRole.LEAD
        for pk in set(own) | set(through):
            if pk not in records:
                continue
            own_leads = {e for e, role in own.get(pk, ()) if role == lead}
            leads = own_leads or {e for e, role in through.get(pk, ()) if role == lead}
            supporting = {e for e, role in [*own.get(pk, ()), *through.get(pk, ())]
                          if role != lead} - leads
            records[pk]["lead_entities"] = sorted(self.entities.get(e, "") for e in leads)
            records[pk]["supporting_entities"] = sorted(
                self.entities.get(e, "") for e in supporting)


def _first(item):
    return item[0]


def _narrowed(queryset: QuerySet, user) -> QuerySet:
    """What `user` may read of `queryset`; everything for the command line's own access
    (user None)."""
    return queryset if user is None else queryset.visible_to(user)


def _visible_clusters(user) -> QuerySet:
    return _narrowed(Cluster.objects.filter(archived=False), user).values("pk")


# -- preparing an export: the list's selection, checked ---------------------------------------

def unknown_format_message(fmt: str) -> str:
    return _("Unknown format “%(format)s”: choose one of %(formats)s.") % {
        "format": str(fmt)[:20], "formats": ", ".join(FORMATS)}


def query_dict(query) -> QueryDict:
    """The list page's query string (text, with or without its "?", or a QueryDict)."""
    if isinstance(query, QueryDict):
        return query
    text = (query or "").strip()
    if len(text) > MAX_QUERY_CHARS:
        raise ExportRefused(_("The query is too long (at most %(max)s characters).")
                            % {"max": MAX_QUERY_CHARS})
    return QueryDict(text.removeprefix("?"))


def checked_filterset(user, query, *, strict: bool = True):
    """The list page's filters at `query` (text or a QueryDict), as `user` sees them
    (None: the command line's own access), checked as an export checks them: ExportRefused,
    before anything is read, for a filter value the list does not understand, a search the
    list refuses, "assigned=me" without a person, and with `strict` (the command line) a
    parameter the list does not know. Exports and `nmirf assist suggest` start here."""
    data = query_dict(query)
    if user is not None and not can_export_registry(user):
        raise ExportRefused(_("This account may not read the registry."))
    filterset = registry_filter(data, user)
    if strict:
        known = set(filterset.filters) | IGNORED_PARAMETERS
        unknown = sorted(name for name in data if name not in known)
        if unknown:
            raise ExportRefused(_("Unknown parameter: %(names)s. The list's filters are: "
                                  "%(known)s.") % {
                "names": ", ".join(name[:40] for name in unknown[:5]),
                "known": ", ".join(sorted(set(filterset.filters)))})
    if filterset.search_problem:
        raise ExportRefused(str(filterset.search_problem))
    if filterset.filter_errors:
        raise ExportRefused(_("Some filters were not understood: %(errors)s") % {
            "errors": "; ".join(f"{name}: {' '.join(str(e) for e in errors)}"
                                for name, errors in filterset.filter_errors.items())})
    for definition in FILTERS:
        values = filterset.value(definition.param) or []
        if definition.personal and any(isinstance(v, Me) and v.user_id is None
                                       for v in values):
            raise ExportRefused(_("“%(param)s=me” needs a person: give --user USERNAME.")
                                % {"param": definition.param})
    return filterset


def prepare_export(user, query, fmt: str = "csv", *, strict: bool = True) -> Export:
    """The recommendations of the list page at `query`, as `user` sees them, ready to
    stream as `fmt`. `user` None is the command line's own access (every active
    recommendation, tracking included); otherwise what accounts.permissions lets the
    person read. Raises ExportRefused, before anything is read, for an unknown format, a
    filter value the list does not understand (the message the list shows), a search the
    list refuses, "assigned=me" without a person, and with `strict` (the command line)
    a parameter the list does not know."""
    if fmt not in FORMATS:
        raise ExportRefused(unknown_format_message(fmt))
    data = query_dict(query)
    filterset = checked_filterset(user, data, strict=strict)
    tracking = user is None or can_view_assignments(user)
    ids = list(filterset.qs.values_list("pk", flat=True))
    if fmt == "xlsx" and len(ids) >= spreadsheets.XLSX_MAX_ROWS:
        raise ExportRefused(_("%(count)s recommendations are more than one spreadsheet "
                              "holds: export them as CSV, or narrow the list.")
                            % {"count": f"{len(ids):,}"})
    taxonomies = list(Taxonomy.objects.order_by("sort", "name").values_list(
        "pk", "code", "name"))
    return Export(ids=ids, user=user, tracking=tracking,
                  language=translation.get_language() or "en",
                  query=data.urlencode(), _taxonomies=taxonomies)
