"""Facet counts for a filtered list of recommendations: how many of them fall under each
mechanism, review, position, theme, affected group, SDG, action category, recommending
state, implementation status, lead entity and cluster, for the sidebar of the list page
(and any dashboard that wants the same numbers).

How they are counted, and why that stays fast on 250,000 recommendations: the database
answers which recommendations the filters select (one query for their ids), and an
in-memory index of every recommendation's review, mechanism, position, action category,
terms and recommending states (registry_index.py) counts them with numpy, a few milliseconds
whatever the number selected. Labels are then read for the values shown, one small query
per kind.

Semantics: a facet whose values are alternatives ("any of": state under review, mechanism,
review, position, action category, recommending state) is counted with every filter
applied except its own, so its other values stay visible with the count that adding them
would give (drill-down).
A facet whose values narrow ("all of": themes, affected persons, SDGs) is counted with
every filter applied, so a count is what one more click leaves.

A facet shows its DEFAULT_LIMIT largest values (and every selected one); all of them only
when asked (`full`: the "Show all" of one facet, views.facet_values), so that the list
page does not label thousands of reviews it will not show.
"""

from collections import Counter
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
from django.utils.translation import gettext_lazy as _

from nmirf.accounts.permissions import reads_whole_registry
from nmirf.followup import deadlines
from nmirf.tracking.models import Cluster, Entity, ImplementationStatus

from .filters import (
    AFFECTED_TAXONOMY,
    FLAGGED,
    RESTRICTED_FILTERS,
    SDG_TAXONOMY,
    RecommendationFilter,
)
from .models import (
    ActionCategory,
    Mechanism,
    Position,
    Recommendation,
    Review,
    State,
    Term,
    term_label,
)
from .registry_index import (
    IMPLEMENTATION_STATUSES,
    POSITIONS,
    RegistryIndex,
    cached_matches,
    current_index,
)
from .state_names import localized_name

DEFAULT_LIMIT = 15
# Facets read from the recommendation row itself, and the filters that narrow them.
ROW_FACETS = ("mechanism", "review", "position", "action_category", "flagged")


class FacetValue(NamedTuple):
    value: object  # what the query-string parameter takes
    label: str
    count: int
    selected: bool


@dataclass
class Facet:
    key: str  # a name for templates and tests: "mechanism", "uhri_themes", "sdg", ...
    param: str  # the query-string parameter that a value of this facet sets
    title: str
    values: list[FacetValue] = field(default_factory=list)
    truncated: bool = False  # more values exist than are shown
    available: int = 0  # how many values have a count (all of them, when truncated)
    full: bool = False  # every value is shown, as asked (compute_facets' `full`)

    @property
    def selected(self) -> list[FacetValue]:
        return [value for value in self.values if value.selected]


@dataclass
class Facets:
    total: int  # how many recommendations the filters select
    facets: list[Facet]
    selected: np.ndarray | None = None  # bool[size]: which ones (see registry_index)

    def __iter__(self):
        return iter(self.facets)

    def __getitem__(self, key: str) -> Facet:
        for facet in self.facets:
            if facet.key == key:
                return facet
        raise KeyError(key)


def _readable_mask(index: RegistryIndex, filterset: RecommendationFilter):
    """bool[size] of the recommendations the person may read, where that is not the whole
    registry (an observer: what is shared with them, accounts.permissions), else None. One
    query for their ids, kept on the filter set for the facets' other selections."""
    user = filterset.user
    if user is None or reads_whole_registry(user):
        return None
    mask = getattr(filterset, "_readable_mask", None)
    if mask is None:
        mask = index.mask_of(Recommendation.objects.visible_to(user))
        filterset._readable_mask = mask
    return mask


def selection_base(index: RegistryIndex, filterset: RecommendationFilter,
                   matches: list[int] | None = None, exclude=()) -> np.ndarray:
    """bool[size]: the recommendations selected by every filter except the row facets'
    own (ROW_FACETS), which are checked in memory so that each of them can be counted
    without its own filter. The search is answered by
    the full-text index alone (`matches`, if the caller has them already); the other
    filters by the index too (RegistryIndex.filter_mask), or, for a filter it does not
    know, by one query for the ids."""
    active = {name: values for name, values in filterset.active_filters.items()
              if name not in exclude}
    base = index.active.copy()
    readable = _readable_mask(index, filterset)
    if readable is not None:
        base &= readable
    if filterset.search_problem:  # a refused search selects nothing, never everything
        base[:] = False
        return base
    if filterset.query:
        if matches is None:
            matches, _keys = cached_matches(filterset.query, ranked=False, index=index)
        base &= index.mask_of_ids(matches)
    in_database = []
    for name, values in active.items():
        if name in ROW_FACETS:
            continue
        mask = index.filter_mask(name, values)
        if mask is None:
            in_database.append(name)
        else:
            base &= mask
    if in_database:
        # From all recommendations: the index knows which are archived, and not asking
        # saves reading every selected row.
        others = [name for name in filterset.filters if name not in in_database]
        base &= index.mask_of(filterset.filtered(exclude=others,
                                                 queryset=Recommendation.objects.all()))
    return base


FACET_KEYS = ("status", "overdue", "progress", "lead", "cluster", "state", "mechanism",
              "review", "position", "uhri_themes", "upr_info_issues", "affected_persons",
              "sdg", "action_category", "recommending", "flagged")


class _Limits(dict):
    """The number of values to show per facet key: `limit`, or None (all) for the keys
    asked for in full."""

    def __init__(self, limit, full=()):
        super().__init__()
        self.limit, self.full = limit, set(full)

    def __missing__(self, key):
        return None if key in self.full else self.limit


def compute_facets(filterset: RecommendationFilter, limit: int = DEFAULT_LIMIT, *,
                   index: RegistryIndex | None = None, base: np.ndarray | None = None,
                   full=()) -> Facets:
    """The facets of the recommendations that `filterset` selects (its own validation
    errors, if any, leave the offending filter out, as the list does). `index` and `base`
    (see selection_base) may be given by a caller that has them already. The facets
    named in `full` (keys) show every value, the others their `limit` largest."""
    limit = _Limits(limit, full)
    index = index or current_index()
    if base is None:
        base = selection_base(index, filterset)
    active = filterset.active_filters
    narrowing = [name for name in ROW_FACETS if name in active]
    mechanisms = {mechanism.pk: mechanism for mechanism in Mechanism.objects.all()}
    total, everything, facets = _row_facets(index, base, active, narrowing, mechanisms, limit)
    term_facets = _term_facets(index, everything, active, limit)
    state_base = _without(index, filterset, everything, active, narrowing, "recommending")
    state_facet = _state_facet(index, state_base, active.get("recommending", []),
                               limit["recommending"])
    review_state_base = _without(index, filterset, everything, active, narrowing, "state")
    review_state_facet = _review_state_facet(index, review_state_base,
                                             active.get("state", []), limit["state"])
    tracking_facets = _tracking_facets(index, filterset, everything, active, narrowing, limit)
    # The order of the sidebar.
    by_key = {facet.key: facet for facet in [*facets, *term_facets, state_facet,
                                             review_state_facet, *tracking_facets]}
    for key in limit.full:
        if key in by_key:
            by_key[key].full = True
    return Facets(total=total, facets=[by_key[key] for key in FACET_KEYS if key in by_key],
                  selected=everything)


# -- 1. the recommendation rows ------------------------------------------------------------

def _row_values(index: RegistryIndex) -> dict[str, np.ndarray]:
    return {"mechanism": index.mechanism, "review": index.review,
            "position": index.position, "action_category": index.action,
            "flagged": index.flagged}


def _checks(index, active, narrowing) -> dict[str, np.ndarray]:
    """For each row filter in use: bool[size], whether each row passes it."""
    return {name: index.filter_mask(name, active[name]) for name in narrowing}


def _passes(index, mask, active, narrowing) -> np.ndarray:
    passes = mask.copy()
    for check in _checks(index, active, narrowing).values():
        passes &= check
    return passes


def _row_facets(index, base, active, narrowing, mechanisms, limit):
    checks = _checks(index, active, narrowing)
    everything = base.copy()
    for check in checks.values():
        everything &= check
    values = _row_values(index)
    counts = {}
    # The selected ids of each distinct mask, found once (the mask is kept with them, so
    # that its id() cannot be reused by another one).
    ids_of: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    for name in ROW_FACETS:
        # Counted with every filter but its own.
        mask = base
        for other, check in checks.items():
            if other != name:
                mask = mask & check
        if id(mask) not in ids_of:
            ids_of[id(mask)] = (mask, np.flatnonzero(mask))
        found = index.selected_counts(name, values[name], mask, ids=ids_of[id(mask)][1])
        if name == "review":  # thousands of values: kept as an array, the top taken there
            review_counts = found
        else:
            counts[name] = Counter(index.as_dict(found))
    counts["mechanism"] = Counter({mechanisms[pk].code: n for pk, n in
                                   counts["mechanism"].items() if pk in mechanisms})
    counts["position"] = Counter({POSITIONS[code]: n for code, n in counts["position"].items()
                                  if code >= 0})
    total = int(everything.sum())
    chosen = {
        "mechanism": set(active.get("mechanism", [])),
        "review": set(active.get("review", [])),
        "position": set(active.get("position", [])),
        "action_category": {int(value) for value in active.get("action_category", [])},
        "flagged": set(active.get("flagged", [])),
    }

    facets = []
    # Mechanism.
    rows, more = _top(counts["mechanism"], chosen["mechanism"], limit["mechanism"])
    by_code = {mechanism.code: mechanism for mechanism in mechanisms.values()}
    facets.append(_facet("mechanism", _("Mechanism"), rows, chosen["mechanism"], more,
                         lambda code: _mechanism_label(by_code.get(code), code)))
    # Review.
    rows, more = _top_of_array(review_counts, chosen["review"], limit["review"])
    labels = review_labels([value for value, _count in rows])
    facets.append(_facet("review", _("Review"), rows, chosen["review"], more,
                         lambda pk: labels.get(pk, str(pk))))
    # Position, in the order of the choices.
    position_labels = dict(Position.choices)
    facets.append(Facet(
        key="position", param="position", title=_("Position"),
        values=[FacetValue(value, position_labels[value], counts["position"][value],
                           value in chosen["position"])
                for value in position_labels if counts["position"][value]],
    ))
    # Action category, in the order of the scale.
    facets.append(Facet(
        key="action_category", param="action_category", title=_("Action category"),
        values=[FacetValue(str(value), label, counts["action_category"][value],
                           value in chosen["action_category"])
                for value, label in ActionCategory.choices
                if counts["action_category"][value]],
    ))
    # What waits for a person's decision (shown only when something does).
    facets.append(Facet(
        key="flagged", param="flagged", title=_("To decide"),
        values=[FacetValue(value, label, counts["flagged"][FLAGGED[value]],
                           value in chosen["flagged"])
                for value, label in (("duplicate", _("Possible duplicate")),
                                     ("positions", _("Positions differ")))
                if counts["flagged"][FLAGGED[value]]],
    ))
    return total, everything, facets


def _mechanism_label(mechanism, code) -> str:
    if mechanism is None:
        return str(code)
    name = mechanism.localized_name
    return f"{code} — {name}" if name and name != code else code


def review_labels(review_ids) -> dict:
    """{review id: its short name (review_label)}, in one query."""
    review_ids = [pk for pk in review_ids if pk is not None]
    if not review_ids:
        return {}
    return {
        pk: review_label_of(code, session, label, date, localized_name(iso3, name))
        for pk, code, session, label, date, iso3, name in Review.objects.filter(
            pk__in=review_ids).values_list("pk", "mechanism__code", "session", "label",
                                           "date", "state__iso3", "state__name")
    }


def review_label(review) -> str:
    """A short name for a review: "UPR 34 · Slovenia", "CRC 2019 · Brazil"."""
    return review_label_of(review.mechanism.code, review.session, review.label, review.date,
                           review.state.localized_name)


def review_label_of(mechanism_code: str, session, label: str, date, state_name: str) -> str:
    """review_label from the review's values, for a caller that read them as values."""
    what = mechanism_code
    if session:
        what = f"{what} {session}"
    elif label:
        what = f"{what} {label}"
    elif date:
        what = f"{what} {date.year}"
    return f"{what} · {state_name}"


# -- 2. the terms ----------------------------------------------------------------------------

TERM_FACETS = [
    # taxonomy, parameter, title
    ("uhri_themes", "theme", _("Theme (UHRI)")),
    ("upr_info_issues", "theme", _("Issue (UPR Info)")),
    (AFFECTED_TAXONOMY, "affected", _("Affected persons")),
    (SDG_TAXONOMY, "sdg", _("Sustainable Development Goal")),
]


def _term_facets(index, everything, active, limit):
    counts = index.term_counts(everything)
    goal_counts = Counter(index.sdg_goal_counts(everything))
    if not counts:
        return [Facet(key=taxonomy, param=param, title=title)
                for taxonomy, param, title in TERM_FACETS]
    per_taxonomy: dict[str, Counter] = {taxonomy: Counter() for taxonomy, *_ in TERM_FACETS}
    taxonomy_of_term = index.taxonomy_of_term
    for term_id, n in counts.items():
        taxonomy = taxonomy_of_term.get(term_id)
        if taxonomy in per_taxonomy and taxonomy != SDG_TAXONOMY:
            per_taxonomy[taxonomy][term_id] = n
    # Goal level, each recommendation once per goal however many targets it carries.
    per_taxonomy[SDG_TAXONOMY] = goal_counts
    chosen_ids = set(active.get("theme", [])) | set(active.get("affected", []))
    shown = {taxonomy: (*_top(per_taxonomy[taxonomy], chosen_ids, limit[taxonomy]), chosen_ids)
             for taxonomy, *_ in TERM_FACETS if taxonomy != SDG_TAXONOMY}
    # Labels for the values shown only (and every goal: seventeen at most), one query.
    wanted = [term_id for rows, _more, _selected in shown.values() for term_id, _n in rows]
    terms = {term["id"]: term for term in
             Term.objects.filter(pk__in=wanted + list(goal_counts)).values("id", "code", "name")}
    # The SDG filter names goals by code.
    chosen_codes = set(active.get("sdg", []))
    chosen_goals = {pk for pk in goal_counts if pk in terms and terms[pk]["code"] in chosen_codes}
    shown[SDG_TAXONOMY] = (*_top(goal_counts, chosen_goals, limit[SDG_TAXONOMY]), chosen_goals)
    facets = []
    for taxonomy, param, title in TERM_FACETS:
        rows, more, selected = shown[taxonomy]
        values = []
        for term_id, n in rows:
            term = terms.get(term_id)
            if term is None:
                continue
            value = term["code"] if taxonomy == SDG_TAXONOMY else term_id
            values.append(FacetValue(value, term_label(term["code"], term["name"]), n,
                                     term_id in selected))
        facets.append(Facet(key=taxonomy, param=param, title=title, values=values,
                            truncated=more > 0, available=len(rows) + more))
    return facets


# -- 3. the recommending states ----------------------------------------------------------------

def _state_facet(index, mask, chosen_iso3, limit):
    counts = Counter(index.state_counts(mask))
    chosen_ids = set()
    if chosen_iso3:
        chosen_ids = set(State.objects.filter(iso3__in=chosen_iso3).values_list("pk", flat=True))
    rows, more = _top(counts, chosen_ids, limit)
    states = {
        pk: (iso3, name)
        for pk, iso3, name in State.objects.filter(pk__in=[pk for pk, _n in rows])
        .values_list("pk", "iso3", "name")
    }
    values = [
        FacetValue(states[pk][0], localized_name(*states[pk]), n, pk in chosen_ids)
        for pk, n in rows if pk in states
    ]
    return Facet(key="recommending", param="recommending", title=_("Recommending state"),
                 values=values, truncated=more > 0, available=len(rows) + more)


# -- 3b. the state under review ---------------------------------------------------------------

def _review_state_facet(index, mask, chosen_iso3, limit):
    """Recommendations per state under review: counted per review (the list's own review
    counts, whole-registry counts reused), then summed per review's state — no query, the
    names come from the index."""
    per_review = index.selected_counts("review", index.review, mask)
    reviews = np.flatnonzero(per_review)
    reviews = reviews[reviews < index.review_state.size]
    states = index.review_state[reviews]
    known = states >= 0
    by_state = np.bincount(states[known].astype(np.int64),
                           weights=per_review[reviews][known]) if known.any() else np.zeros(0)
    counts = Counter({int(pk): int(n) for pk, n in enumerate(by_state.tolist()) if n})
    ids_by_iso3 = {iso3: pk for pk, (iso3, _name) in index.state_names.items()}
    chosen_ids = {ids_by_iso3[iso3] for iso3 in chosen_iso3 if iso3 in ids_by_iso3}
    rows, more = _top(Counter({pk: n for pk, n in counts.items() if pk in index.state_names}),
                      chosen_ids, limit)
    values = [FacetValue(index.state_names[pk][0], localized_name(*index.state_names[pk]), n,
                         pk in chosen_ids) for pk, n in rows]
    return Facet(key="state", param="state", title=_("State under review"), values=values,
                 truncated=more > 0, available=len(rows) + more)


# -- 4. tracking: implementation status, lead entity, cluster ---------------------------------

def _tracking_facets(index, filterset, everything, active, narrowing, limit):
    """Each counted without its own filter ("any of"), as the row facets are. Labels: the
    active entities and clusters the reader may see, one query each."""
    def counted(name):
        return _without(index, filterset, everything, active, narrowing, name)

    statuses = index.count(index.implementation_status, counted("status"))
    chosen = set(active.get("status", []))
    status_facet = Facet(key="status", param="status", title=_("Implementation status"),
                         values=[FacetValue(value, label, statuses[code], value in chosen)
                                 for value, label in ImplementationStatus.choices
                                 if (code := IMPLEMENTATION_STATUSES.index(value)) in statuses])
    facets = [status_facet]
    for key, title, pairs, model in (
            ("lead", _("Lead entity"), ("lead_rec", "lead_entity"), Entity),
            ("cluster", _("Cluster"), ("cluster_rec", "cluster_id"), Cluster)):
        chosen = set(active.get(key, []))
        counts = Counter(index.pair_counts(*pairs, counted(key)))
        # Labels of what the person reads (an observer: the clusters shared with them).
        readable = model.objects.active() if filterset.user is None else \
            model.objects.visible_to(filterset.user).active()
        names = dict(readable.filter(pk__in=list(counts)).values_list(
            "pk", "title" if model is Cluster else "name"))
        rows, more = _top(Counter({pk: n for pk, n in counts.items() if pk in names}),
                          chosen, limit[key])
        facets.append(_facet(key, title, rows, chosen, more, names.get))
    # Validated (not yet published) progress and the calendar's dates are internal: no
    # facet for those who may not use the filter (filters.RESTRICTED_FILTERS).
    def allowed(param):
        return filterset.user is None or RESTRICTED_FILTERS[param](filterset.user)

    reported = index.pair_counts("progress_rec", "progress_value", counted("progress")).get(1, 0) \
        if allowed("progress") else 0
    facets.append(Facet(
        key="progress", param="progress", title=_("Progress"),
        values=[FacetValue("validated", _("Validated progress reported"), reported,
                           "validated" in active.get("progress", []))] if reported else []))
    late = int((counted("overdue") & index.due_before(deadlines.today().toordinal())).sum()) \
        if allowed("overdue") else 0
    facets.append(Facet(
        key="overdue", param="overdue", title=_("Deadline"),
        values=[FacetValue("yes", _("Overdue"), late, "yes" in active.get("overdue", []))]
        if late else []))
    return facets


# -- helpers -------------------------------------------------------------------------------------

def _without(index, filterset, everything, active, narrowing, name) -> np.ndarray:
    """bool[size]: the selection less the filter `name` (its facet is counted without its
    own filter: "any of"); `everything` when that filter is not set."""
    if name not in active:
        return everything
    return _passes(index, selection_base(index, filterset, exclude=[name]), active, narrowing)


def _top(counts: Counter, selected, limit):
    """The `limit` largest (value, count) pairs (all of them for None) plus every selected
    value wherever it ranks, largest first; and how many values were left out."""
    ranked = sorted(((value, n) for value, n in counts.items() if value is not None and n),
                    key=lambda row: (-row[1], str(row[0])))
    if limit is None:
        return ranked, 0
    kept = ranked[:limit] + [row for row in ranked[limit:] if row[0] in selected]
    return kept, len(ranked) - len(kept)


def _top_of_array(counts: np.ndarray, selected, limit):
    """`_top` of counts given as an array (the index of each count is its value): the
    values that can be among the `limit` largest are found by a partition, and only they
    are sorted — not the thousands of reviews a broad selection spreads over."""
    present = np.flatnonzero(counts)
    if limit is None:
        return _top(Counter(dict(zip(present.tolist(), counts[present].tolist(), strict=True))),
                    selected, None)
    more = present.size > limit
    candidates = present
    if more:
        threshold = np.partition(counts[present], present.size - limit)[present.size - limit]
        candidates = present[counts[present] >= threshold]
    extra = [int(value) for value in selected
             if 0 <= int(value) < counts.size and counts[int(value)]]
    wanted = Counter(dict(zip(candidates.tolist(), counts[candidates].tolist(), strict=True)))
    wanted.update({value: int(counts[value]) for value in extra if value not in wanted})
    kept = _top(wanted, selected, limit)[0]
    return kept, present.size - len(kept)


def _facet(key, title, rows, selected, more, label):
    """A facet of `rows` shown, `more` values left out."""
    return Facet(
        key=key, param=key, title=title, truncated=more > 0, available=len(rows) + more,
        values=[FacetValue(value, label(value), n, value in selected) for value, n in rows],
    )
