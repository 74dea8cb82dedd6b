"""The log of changes people made, for the coordinator: filtered, paginated, in the layout."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from nmirf.accounts import permissions

from .forms import ChangeLogFilter
from .history import entries
from .models import AuditEvent

PAGE_SIZE = 50


@login_required
def change_log(request):
    permissions.require(permissions.can_view_change_log(request.user))
    events = AuditEvent.objects.visible_to(request.user).changes()
    form = ChangeLogFilter(request.GET or None, events)
    filtered = form.filtered().select_related("target_type")
    page = Paginator(filtered, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "audit/log.html", {
        "form": form, "page": page, "entries": entries(page.object_list),
        "query": query.urlencode(),
    })
