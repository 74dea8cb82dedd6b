"""What a filtered list of the registry holds, for the operations that take a whole list in
one step (put it in a cluster, assign it): the list's own RecommendationFilter over what
the person may read (active recommendations), so that the count a preview shows and the
rows one POST writes are the rows the list showed."""

from dataclasses import dataclass

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from nmirf.accounts import permissions
from nmirf.recommendations.filters import registry_filter


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
    filterset = registry_filter(query, user)
    return filterset, filterset.filtered()


def list_url(query: QueryDict | None = None) -> str:
    url = reverse("recommendations:list")
    return f"{url}?{query.urlencode()}" if query else url


@dataclass
class ListOperation:
    """An operation on the whole of a filtered list (a preview page, then one POST): the
    list's filters, the rows they select and how many there are."""

    query: QueryDict
    selection: QuerySet
    count: int

    def ready(self, request, form, empty_message: str) -> bool:
        """Whether a valid POST may now write: an empty list is the form's error instead
        (nothing to write), said in `empty_message`."""
        if request.method != "POST" or not form.is_valid():
            return False
        if not self.count:
            form.add_error(None, empty_message)
            return False
        return True

    def context(self, form, **extra) -> dict:
        """What the preview template (tracking/_from_list.html) reads."""
        return {"form": form, "count": self.count, "query": self.query.urlencode(),
                "list_url": list_url(self.query), **extra}


def list_operation(request, allowed: bool) -> ListOperation | HttpResponse:
    """The filtered list a request names, for one who is `allowed` the operation (else
    403); filters that are not valid answer with a redirect to the list and the message why
    (the list shows what to correct), not with a count of some other rows."""
    permissions.require(allowed)
    query = list_query(request)
    filterset, selection = registry_selection(request.user, query)
    if filterset.is_bound and filterset.errors:
        messages.error(request, _("The list's filters are not valid: correct them on the "
                                  "list first."))
        return redirect(list_url(query))
    return ListOperation(query, selection, selection.count())
