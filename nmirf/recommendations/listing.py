"""The list page's work in one place: which recommendations the filters select, how many
fall under each facet value, and which come first. The database selects (filters.py),
the registry index counts and orders (registry_index.py), and only the recommendations
of the page shown are read as rows."""

from dataclasses import dataclass, field

from django.urls import reverse

from .facets import Facets, compute_facets, review_label_of, selection_base
from .filters import RecommendationFilter, Sort
from .models import (
    ActionCategory,
    Position,
    Recommendation,
    RecommendationTerm,
    RecommendingState,
    term_label,
)
from .registry_index import OrderedSelection, cached_matches, current_index
from .state_names import localized_name


@dataclass
class Listing:
    facets: Facets
    ordered_ids: OrderedSelection


def build_listing(filterset: RecommendationFilter, full=()) -> Listing:
    """The list of `filterset`; the facets named in `full` show every value."""
    index = current_index()
    sort = filterset.sort_key
    relevance = matches = None
    if sort == Sort.RELEVANCE:  # (asked for, with a search: the only order that ranks)
        matches, keys = cached_matches(filterset.query, ranked=True, index=index)
        relevance = (matches, keys)
    base = selection_base(index, filterset, matches)
    facets = compute_facets(filterset, index=index, base=base, full=full)
    return Listing(facets=facets, ordered_ids=index.ordered(facets.selected, sort, relevance))


@dataclass(slots=True)
class ListedRecommendation:
    """What the list shows of one recommendation, read as plain values: 25 of these cost
    three small queries and no model instances (a recommendation with its review,
    mechanism, state, document, recommending states and terms was some thirty objects per
    page row)."""

    pk: int
    detail_url: str
    heading: str  # the review's short name
    paragraph: str
    text: str
    language: str
    position: str
    position_label: str
    action_label: str
    recommending: list[str] = field(default_factory=list)  # state names, by name
    terms: list[str] = field(default_factory=list)  # term labels, in taxonomy order


class RecommendationsInOrder:
    """A sequence of recommendations given by their ids in list order, for Django's
    Paginator: slicing it reads just that page's rows, with what the list shows of them."""

    def __init__(self, ids: OrderedSelection):
        self.ids = ids

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, item):
        if not isinstance(item, slice):
            return self[item:item + 1][0]
        wanted = [int(pk) for pk in self.ids[item]]
        return listed(wanted)


def listed(ids: list[int]) -> list[ListedRecommendation]:
    """The recommendations `ids`, in that order, as the list shows them."""
    if not ids:
        return []
    positions = dict(Position.choices)
    actions = dict(ActionCategory.choices)
    # One reverse() for the page, not one per row (each is some 50 µs).
    marker = 987654321
    url_start, url_end = reverse("recommendations:detail", args=[marker]).split(str(marker))
    rows = {}
    for row in Recommendation.objects.filter(pk__in=ids).order_by().values_list(
        "pk", "paragraph", "text", "language", "position", "action_category",
        "review__mechanism__code", "review__session", "review__label", "review__date",
        "review__state__iso3", "review__state__name",
    ):
        (pk, paragraph, text, language, position, action, code, session, label, date,
         iso3, name) = row
        rows[pk] = ListedRecommendation(
            pk=pk, detail_url=f"{url_start}{pk}{url_end}",
            heading=review_label_of(code, session, label, date, localized_name(iso3, name)),
            paragraph=paragraph, text=text, language=language, position=position,
            position_label=str(positions.get(position, position)),
            action_label=str(actions[action]) if action in actions else "",
        )
    for pk, iso3, name in (RecommendingState.objects.filter(recommendation_id__in=ids)
                           .order_by("state__name", "state_id")
                           .values_list("recommendation_id", "state__iso3", "state__name")):
        if pk in rows:
            rows[pk].recommending.append(localized_name(iso3, name))
    for pk, code, name in (RecommendationTerm.objects.filter(recommendation_id__in=ids)
                           .order_by("term__taxonomy__sort", "term__taxonomy__name",
                                     "term__sort", "term__code", "term_id")
                           .values_list("recommendation_id", "term__code", "term__name")):
        if pk in rows:
            rows[pk].terms.append(term_label(code, name))
    return [rows[pk] for pk in ids if pk in rows]
