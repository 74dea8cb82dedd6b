"""The list page's work in one place: which recommendations the filters select, how many
fall under each facet value, and which come first. The database selects (filters.py),
the registry index counts and orders (registry_index.py), and only the recommendations
of the page shown are read as rows."""

from dataclasses import dataclass

from django.db.models import Prefetch

from .facets import Facets, compute_facets, selection_base
from .filters import RecommendationFilter, Sort
from .models import Recommendation, State, Term
from .registry_index import OrderedSelection, cached_matches, current_index


@dataclass
class Listing:
    facets: Facets
    ordered_ids: OrderedSelection


def build_listing(filterset: RecommendationFilter) -> Listing:
    index = current_index()
    sort = filterset.sort_key
    relevance = matches = None
    if sort == Sort.RELEVANCE:  # (asked for, with a search: the only order that ranks)
        matches, keys = cached_matches(filterset.query, ranked=True)
        relevance = (matches, keys)
    base = selection_base(index, filterset, matches)
    facets = compute_facets(filterset, index=index, base=base)
    return Listing(facets=facets, ordered_ids=index.ordered(facets.selected, sort, relevance))


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
        rows = Recommendation.objects.filter(pk__in=wanted).with_related().prefetch_related(
            Prefetch("recommending_states", queryset=State.objects.order_by("name")),
            Prefetch("terms", queryset=Term.objects.select_related("taxonomy")),
        )
        by_id = {rec.pk: rec for rec in rows}
        return [by_id[pk] for pk in wanted if pk in by_id]
