"""Facet counts for a filtered list of recommendations: how many of them fall under each
mechanism, review, position, theme, affected group, SDG, action category and recommending
state, for the sidebar of the list page (and any dashboard that wants the same numbers).

How they are counted, and why that stays fast on 250,000 recommendations. The cost of a
facet query is one visit per selected recommendation, so the facets share few of them:

1. the recommendation table, grouped by (review, mechanism, position, action category) in
   one query: the mechanism, review, position and action-category facets and the total
   number of results all come from its rows (a few thousand groups at most), summed in
   Python, so the list needs no COUNT query of its own;
2. the term link table, grouped by term, in one query: UHRI themes, UPR Info issues and
   affected persons (SDG targets are folded into their goal by a second, small query,
   run only when the results carry SDG terms, which counts each recommendation once per
   goal);
3. the recommending-state link table, grouped by state, in one query;
then the labels of the values shown, one small query per kind.

Semantics: a facet whose values are alternatives ("any of": mechanism, review, position,
action category, recommending state) is counted with every filter applied except its own,
so its other values stay visible with the count that adding them would give (drill-down).
A facet whose values narrow ("all of": themes, affected persons, SDGs) is counted with
every filter applied, so a count is what one more click leaves.

Link tables are reached by a join from the filtered recommendations, not by an `IN`
subquery, so the queryset is used as given (the search backend's SQL is written for the
recommendation table at the top level).
"""

from collections import Counter
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db.models import Count, F
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from .filters import AFFECTED_TAXONOMY, SDG_TAXONOMY, RecommendationFilter
from .models import ActionCategory, Mechanism, Position, Review, State, Term

DEFAULT_LIMIT = 15
# Facets read from the recommendation row itself, and the filters that narrow them.
ROW_FACETS = ("mechanism", "review", "position", "action_category")


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

    @property
    def selected(self) -> list[FacetValue]:
        return [value for value in self.values if value.selected]


@dataclass
class Facets:
    total: int  # how many recommendations the filters select
    facets: list[Facet]

    def __iter__(self):
        return iter(self.facets)

    def __getitem__(self, key: str) -> Facet:
        for facet in self.facets:
            if facet.key == key:
                return facet
        raise KeyError(key)


def compute_facets(filterset: RecommendationFilter, limit: int = DEFAULT_LIMIT) -> Facets:
    """The facets of the recommendations that `filterset` selects (its own validation
    errors, if any, leave the offending filter out, as the list does)."""
    active = filterset.active_filters
    everything = filterset.filtered()
    total, facets = _row_facets(filterset, active, everything, limit)
    term_facets = _term_facets(everything, active, limit)
    state_base = (filterset.filtered(exclude=["recommending"]) if "recommending" in active
                  else everything)
    state_facet = _state_facet(state_base, active.get("recommending", []), limit)
    # The order of the sidebar.
    by_key = {facet.key: facet for facet in [*facets, *term_facets, state_facet]}
    order = ["mechanism", "review", "position", "uhri_themes", "upr_info_issues",
             AFFECTED_TAXONOMY, SDG_TAXONOMY, "action_category", "recommending"]
    return Facets(total=total, facets=[by_key[key] for key in order if key in by_key])


# -- 1. the recommendation rows ------------------------------------------------------------

def _row_facets(filterset, active, everything, limit):
    narrowing = [name for name in ROW_FACETS if name in active]
    base = filterset.filtered(exclude=narrowing) if narrowing else everything
    groups = list(
        base.values_list("review_id", "review__mechanism_id", "position", "action_category")
        .annotate(n=Count("pk"))
        .order_by()
    )
    mechanisms = {mechanism.pk: mechanism for mechanism in Mechanism.objects.all()}
    code_of = {pk: mechanism.code for pk, mechanism in mechanisms.items()}

    chosen = {
        "mechanism": set(active.get("mechanism", [])),
        "review": set(active.get("review", [])),
        "position": set(active.get("position", [])),
        "action_category": {int(value) for value in active.get("action_category", [])},
    }
    # A group counts for a facet when it passes every filter except, perhaps, that facet's
    # own: so one that fails exactly one filter counts for that facet only.
    checks = [(index, chosen[name]) for index, name in enumerate(ROW_FACETS)
              if name in narrowing]
    counts = [Counter() for _name in ROW_FACETS]
    total = 0
    for review_id, mechanism_id, position, category, n in groups:
        values = (code_of.get(mechanism_id), review_id, position, category)
        failed = [index for index, allowed in checks if values[index] not in allowed]
        if not failed:
            total += n
            for index, value in enumerate(values):
                counts[index][value] += n
        elif len(failed) == 1:
            counts[failed[0]][values[failed[0]]] += n
    counts = dict(zip(ROW_FACETS, counts, strict=True))

    facets = []
    # Mechanism.
    rows, more = _top(counts["mechanism"], chosen["mechanism"], limit)
    by_code = {mechanism.code: mechanism for mechanism in mechanisms.values()}
    facets.append(_facet("mechanism", _("Mechanism"), rows, chosen["mechanism"], more,
                         lambda code: _mechanism_label(by_code.get(code), code)))
    # Review.
    rows, more = _top(counts["review"], chosen["review"], limit)
    labels = _review_labels([value for value, _count in rows])
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
    return total, facets


def _mechanism_label(mechanism, code) -> str:
    if mechanism is None:
        return str(code)
    name = mechanism.localized_name
    return f"{code} — {name}" if name and name != code else code


def _review_labels(review_ids) -> dict:
    review_ids = [pk for pk in review_ids if pk is not None]
    if not review_ids:
        return {}
    return {
        review.pk: review_label(review)
        for review in Review.objects.filter(pk__in=review_ids).select_related(
            "mechanism", "state"
        )
    }


def review_label(review) -> str:
    """A short name for a review: "UPR 34 · Slovenia", "CRC 2019 · Brazil"."""
    what = review.mechanism.code
    if review.session:
        what = f"{what} {review.session}"
    elif review.label:
        what = f"{what} {review.label}"
    elif review.date:
        what = f"{what} {review.date.year}"
    return f"{what} · {review.state.name}"


# -- 2. the terms ----------------------------------------------------------------------------

TERM_FACETS = [
    # taxonomy, parameter, title
    ("uhri_themes", "theme", _("Theme (UHRI)")),
    ("upr_info_issues", "theme", _("Issue (UPR Info)")),
    (AFFECTED_TAXONOMY, "affected", _("Affected persons")),
    (SDG_TAXONOMY, "sdg", _("Sustainable Development Goal")),
]


def _term_facets(everything, active, limit):
    counts = Counter(dict(
        everything.filter(recommendationterm__isnull=False)
        .values_list("recommendationterm__term_id")
        .annotate(n=Count("pk"))
        .order_by()
    ))
    if not counts:
        return [Facet(key=taxonomy, param=param, title=title)
                for taxonomy, param, title in TERM_FACETS]
    terms = {
        term["id"]: term
        for term in Term.objects.filter(pk__in=list(counts)).values(
            "id", "code", "name", "parent_id", "taxonomy_id", "taxonomy__code"
        )
    }
    per_taxonomy: dict[str, Counter] = {taxonomy: Counter() for taxonomy, *_ in TERM_FACETS}
    for term_id, n in counts.items():
        taxonomy = terms[term_id]["taxonomy__code"] if term_id in terms else None
        if taxonomy in per_taxonomy and taxonomy != SDG_TAXONOMY:
            per_taxonomy[taxonomy][term_id] = n

    sdg_terms = [term for term in terms.values() if term["taxonomy__code"] == SDG_TAXONOMY]
    goal_codes = {}
    if sdg_terms:
        # Goal level, each recommendation once per goal however many targets it carries.
        # (Filtering on the term's taxonomy rather than on a list of term ids keeps the
        # database walking from the selected recommendations to their terms.)
        per_taxonomy[SDG_TAXONOMY] = Counter(dict(
            everything.filter(recommendationterm__term__taxonomy_id=sdg_terms[0]["taxonomy_id"])
            .annotate(goal=Coalesce(F("recommendationterm__term__parent_id"),
                                    F("recommendationterm__term_id")))
            .values_list("goal")
            .annotate(n=Count("pk", distinct=True))
            .order_by()
        ))
        goals = Term.objects.filter(pk__in=list(per_taxonomy[SDG_TAXONOMY])).values(
            "id", "code", "name"
        )
        for goal in goals:
            goal_codes[goal["id"]] = goal["code"]
            terms.setdefault(goal["id"], goal)

    chosen_ids = set(active.get("theme", [])) | set(active.get("affected", []))
    chosen_codes = set(active.get("sdg", []))
    facets = []
    for taxonomy, param, title in TERM_FACETS:
        if taxonomy == SDG_TAXONOMY:
            selected = {pk for pk, code in goal_codes.items() if code in chosen_codes}
        else:
            selected = chosen_ids
        rows, more = _top(per_taxonomy[taxonomy], selected, limit)
        values = []
        for term_id, n in rows:
            term = terms.get(term_id)
            if term is None:
                continue
            value = term["code"] if taxonomy == SDG_TAXONOMY else term_id
            values.append(FacetValue(value, term["name"], n, term_id in selected))
        facets.append(Facet(key=taxonomy, param=param, title=title, values=values,
                            truncated=more))
    return facets


# -- 3. the recommending states ----------------------------------------------------------------

def _state_facet(base, chosen_iso3, limit):
    counts = Counter(dict(
        base.filter(recommendingstate__isnull=False)
        .values_list("recommendingstate__state_id")
        .annotate(n=Count("pk"))
        .order_by()
    ))
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
        FacetValue(states[pk][0], states[pk][1], n, pk in chosen_ids)
        for pk, n in rows if pk in states
    ]
    return Facet(key="recommending", param="recommending", title=_("Recommending state"),
                 values=values, truncated=more)


# -- helpers -------------------------------------------------------------------------------------

def _top(counts: Counter, selected, limit):
    """The `limit` largest (value, count) pairs plus every selected value wherever it ranks,
    largest first; and whether some values were left out."""
    ranked = sorted(((value, n) for value, n in counts.items() if value is not None and n),
                    key=lambda row: (-row[1], str(row[0])))
    kept = ranked[:limit] + [row for row in ranked[limit:] if row[0] in selected]
    return kept, len(ranked) > limit


def _facet(key, title, rows, selected, truncated, label):
    return Facet(
        key=key, param=key, title=title, truncated=truncated,
        values=[FacetValue(value, label(value), n, value in selected) for value, n in rows],
    )
