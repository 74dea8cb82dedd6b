"""What a filtered list of the registry holds, for the operations that take a whole list in
one step (put it in a cluster, assign it): the list's own RecommendationFilter over what
the person may read (active recommendations), so that the count a preview shows and the
rows one POST writes are the rows the list showed."""

from django.http import QueryDict
from django.urls import reverse

from nmirf.recommendations.filters import RecommendationFilter
from nmirf.recommendations.models import Recommendation


def list_query(request) -> QueryDict:
    """The list's filters: from the address (the preview) or the form's `query` (the POST);
    paging and sorting left out, they do not change which rows."""
    if request.method == "POST":
        query = QueryDict(request.POST.get("query", ""), mutable=True)
    else:
        query = request.GET.copy()
    query.pop("page", None)
    query.pop("sort", None)
    return query


def registry_selection(user, query: QueryDict):
    """(the filterset, the recommendations it selects, unordered)."""
    filterset = RecommendationFilter(
        query, queryset=Recommendation.objects.visible_to(user).active(), user=user)
    return filterset, filterset.filtered()


def list_url(query: QueryDict | None = None) -> str:
    url = reverse("recommendations:list")
    return f"{url}?{query.urlencode()}" if query else url
