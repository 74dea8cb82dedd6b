"""The registry in the web UI: the faceted list and the detail page.

Thin views: what a filter means lives in filters.py (the one read path), how facets are
counted in facets.py, repeated texts in assist/similarity.py, and who may read in
accounts.permissions.
"""

from itertools import groupby

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy

from nmirf.accounts.permissions import (
    can_export_registry,
    can_view_registry,
    reads_whole_registry,
    require,
)
from nmirf.assist.similarity import repeats_of
from nmirf.audit.history import history_of
from nmirf.core.search import parse_query

from . import registry_search
from .duplicates import compare
from .exports import FORMATS, ExportRefused, prepare_export
from .facets import FACET_KEYS, compute_facets, review_label, review_labels
from .filters import (
    ALL_STATES,
    RecommendationFilter,
    home_state,
    opens_on_home_state,
    registry_filter,
)
from .listing import RecommendationsInOrder, build_listing
from .models import Merge, Recommendation, State, Term, term_label
from .registry_index import cached_matches, current_index
from .state_names import localized_name, sort_key

PAGE_SIZE = 25
EXPORT_LINKS = [("csv", "CSV"), ("xlsx", gettext_lazy("Excel (XLSX)")), ("json", "JSON")]


def _require_reader(user):
    if not can_view_registry(user):
        raise PermissionDenied


def _list_filterset(request) -> RecommendationFilter:
    # The one read path, over what this person may read; the request tells "assigned to
    # me" who is asking.
    return registry_filter(request.GET, request=request)


@login_required
def recommendation_list(request):
    _require_reader(request.user)
    home = home_state()
    if home and opens_on_home_state(request.GET):
        # The list opens on the home state, and its address says so (filters.py): a copied
        # link, an export or a list operation reads the same recommendations.
        query = request.GET.copy()
        query["state"] = home
        return redirect(f"{request.path}?{query.urlencode()}")
    filterset = _list_filterset(request)
    expand = request.GET.get("expand", "")  # "Show all" of one facet, without a script
    listing = build_listing(filterset, full=[expand] if expand in FACET_KEYS else [])
    facets = listing.facets
    paginator = Paginator(RecommendationsInOrder(listing.ordered_ids), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    context = {
        "filterset": filterset,
        "facets": facets,
        "page": page,
        "page_range": paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
        "active_filters": _active_filter_labels(filterset, facets),
        # The words of the search, folded: the results mark where they are.
        "search_words": parse_query(filterset.query).words if filterset.query else set(),
        # The downloads of this list: its query string without the page.
        "export_formats": EXPORT_LINKS,
        "export_query": _without_page(request.GET),
        "facet_query": _without_page(request.GET),
        "scope": _scope(request.GET, filterset, home),
        "search_suggestion": _search_suggestion(request.GET, filterset, page.paginator.count),
    }
    if request.htmx and request.htmx.target == "results" and not (
        request.htmx.history_restore_request
    ):
        return render(request, "recommendations/_results.html", context)
    return render(request, "recommendations/list.html", context)


@login_required
def recommendation_export(request, fmt):
    """The list at this query string (filters, search, sort), as this person sees it,
    downloaded as CSV, XLSX or JSON (exports.py), streamed as it is read. A filter the
    list would leave out refuses the export (400, with the list's message): a file that
    silently holds more than was asked for is worse than none."""
    require(can_export_registry(request.user))
    try:
        export = prepare_export(request.user, request.GET, fmt, strict=False)
    except ExportRefused as refusal:
        return render(request, "recommendations/export_refused.html",
                      {"message": str(refusal), "query": request.GET.urlencode()}, status=400)
    response = StreamingHttpResponse(export.stream(fmt),
                                     content_type=FORMATS[fmt].content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename(fmt)}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def facet_values(request, key):
    """Every value of one facet of the list at this query string (its "Show all"), as the
    fragment that htmx puts in place of the short one; without htmx, the list page with
    that facet in full. Counted only when asked: the list itself labels its top values."""
    _require_reader(request.user)
    if key not in FACET_KEYS:
        raise Http404
    if not request.htmx:
        query = request.GET.copy()
        query["expand"] = key
        return redirect(f"{reverse('recommendations:list')}?{query.urlencode()}#facet-{key}")
    filterset = _list_filterset(request)
    try:
        facet = compute_facets(filterset, full=[key])[key]
    except KeyError:  # a facet this person has none of
        raise Http404 from None
    return render(request, "recommendations/_facet.html", {
        "facet": facet, "filterset": filterset, "facet_query": _without_page(request.GET)})


def _search_suggestion(query, filterset, found: int) -> dict | None:
    """{query, url} of "Did you mean …?" for a search that found next to nothing
    (registry_search.suggestion), or None."""
    if not filterset.query or found > registry_search.FEW_RESULTS or filterset.search_problem:
        return None
    index = current_index()
    # Offered only where it finds what this person may read: the vocabulary is the whole
    # registry's, and a word of a text an observer may not read is not theirs to see.
    readable = (None if reads_whole_registry(filterset.user)
                else index.mask_of(Recommendation.objects.visible_to(filterset.user)))

    def has_matches(text):
        mask = index.mask_of_ids(cached_matches(text, ranked=False, index=index)[0])
        return (mask if readable is None else mask & readable).any()

    suggested = registry_search.suggestion(filterset.query, found, index.clock,
                                           has_matches=has_matches, kept=index.resolved)
    if suggested is None:
        return None
    query = query.copy()
    query.pop("page", None)
    query["q"] = suggested
    return {"query": suggested, "url": "?" + query.urlencode()}


def _without_page(query) -> str:
    """The list's query string without the page (and without a facet shown in full)."""
    query = query.copy()
    query.pop("page", None)
    query.pop("expand", None)
    return query.urlencode()


def _scope(query, filterset, home) -> dict | None:
    """Where the list opens on the home state: its name, and the one link to the other
    scope (every state, or the home state alone again), for the notice above the results."""
    if not home:
        return None
    states = filterset.active_filters.get("state", [])
    every = ("state", ALL_STATES) in filterset.every_asked
    if states != [home] and not every:
        return None
    other = query.copy()
    other.pop("page", None)
    other.setlist("state", [home] if every else [ALL_STATES])
    name = State.objects.filter(iso3=home).values_list("name", flat=True).first()
    return {"home": localized_name(home, name or home), "every": every,
            "other_url": f"?{other.urlencode()}"}


def _active_filter_labels(filterset, facets):
    """[{param, value, title, label}] for every filter value in use, for the "remove this
    filter" buttons. Labels come from the facets where they show the value; the few others
    (a value with no result left) are looked up, one query per kind at most."""
    labels = {}
    for facet in facets:
        for value in facet.values:
            labels[(facet.param, str(value.value))] = value.label
    for param, field in filterset.form.fields.items():  # filters with fixed choices
        for value, label in getattr(field, "choices", ()):
            labels.setdefault((param, str(value)), str(label))
    active = filterset.active_filters
    missing = {param: [v for v in values if (param, str(v)) not in labels]
               for param, values in active.items()}
    for looked_up in (_term_labels, _state_labels, _review_labels):
        labels.update(looked_up(missing))
    titles = {name: filter_.label for name, filter_ in filterset.filters.items()}
    return [
        {"param": param, "value": value, "title": titles.get(param, param),
         "label": labels.get((param, str(value)), str(value))}
        for param, values in active.items()
        for value in values
    ]


def _term_labels(missing: dict) -> dict:
    """Labels of the terms in use that no facet shows: one query."""
    params = ("theme", "affected", "term")
    term_ids = [value for param in params for value in missing.get(param, [])]
    if not term_ids:
        return {}
    names = {pk: term_label(code, name) for pk, code, name in
             Term.objects.filter(pk__in=term_ids).values_list("pk", "code", "name")}
    return {(param, str(value)): names[value]
            for param in params for value in missing.get(param, []) if value in names}


def _state_labels(missing: dict) -> dict:
    """Names of the states in use that no facet shows, in the reader's language."""
    params = ("recommending", "state")
    codes = [value for param in params for value in missing.get(param, [])]
    if not codes:
        return {}
    names = {iso3: localized_name(iso3, name) for iso3, name in
             State.objects.filter(iso3__in=codes).values_list("iso3", "name")}
    return {(param, value): names[value]
            for param in params for value in missing.get(param, []) if value in names}


def _review_labels(missing: dict) -> dict:
    return {("review", str(pk)): label
            for pk, label in review_labels(missing.get("review", [])).items()}


@login_required
def recommendation_detail(request, pk):
    _require_reader(request.user)
    rec = get_object_or_404(
        Recommendation.objects.visible_to(request.user).with_related().select_related(
            "review__mandate", "possible_duplicate_of__review__mechanism",
            "possible_duplicate_of__review__state",
        ),
        pk=pk,
    )
    terms = rec.terms.select_related("taxonomy", "parent").order_by(
        "taxonomy__sort", "taxonomy__name", "sort", "code"
    )
    # Observers read only what is shared with them: other recommendations are named here
    # only if they may read them too (their texts are quoted).
    whole = reads_whole_registry(request.user)
    repeats = repeats_of(rec)
    if not whole and repeats:
        readable = set(Recommendation.objects.visible_to(request.user).filter(
            pk__in=[r.recommendation.pk for r in repeats]).values_list("pk", flat=True))
        repeats = [r for r in repeats if r.recommendation.pk in readable]
    context = {
        "rec": rec,
        "show_duplicates": whole,
        "review_label": review_label(rec.review),
        # In the order of their names in the reader's language, joined as it joins lists.
        "recommending_states": sorted(rec.recommending_states.all(),
                                      key=lambda state: sort_key(state.iso3, state.name)),
        "terms_by_taxonomy": [
            (taxonomy, list(items)) for taxonomy, items in groupby(terms, lambda t: t.taxonomy)
        ],
        "sources": rec.sources.order_by("source", "key"),
        # The source whose values the page shows, where several tell of it (ingest/merging).
        "values_key": rec.values_from or rec.external_key,
        # Those merged into it are shown with their merges, not as possible duplicates.
        "duplicates": Recommendation.objects.with_related().filter(possible_duplicate_of=rec,
                                                                   archived=False),
        # The two texts side by side, what differs marked, for the person who decides.
        "comparison": (compare(rec.text, rec.possible_duplicate_of.text)
                       if rec.possible_duplicate_of else None),
        "repeats": repeats,
        # Fetched through visible_to(user): whoever reads it reads its history
        # (accounts.permissions.can_view_history), without asking the database again.
        "history": history_of(rec),
        **_merges_of(rec, whole),
    }
    return render(request, "recommendations/detail.html", context)


def _merges_of(rec, whole: bool) -> dict:
    """The merges this recommendation took part in (duplicates.merge), for those who read
    the whole registry: those it was kept in ("merges"), and the one that archived it
    ("merged_into"). One query."""
    if not whole:
        return {"merges": [], "merged_into": None}
    records = list(Merge.objects.filter(Q(kept=rec) | Q(merged=rec)).select_related(
        "kept__review__mechanism", "kept__review__state", "merged__review__mechanism",
        "merged__review__state", "decided_by", "undone_by"))
    return {"merges": [record for record in records if record.kept_id == rec.pk],
            "merged_into": next((record for record in records if record.merged_id == rec.pk
                                 and not record.undone), None)}


