"""Saved views in the web UI: save the list one is reading, find one's views, rename or
delete them. Thin: the checks and the audit trail are in services.py, who may in
nmirf.accounts.permissions (another person's view is "not found")."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from nmirf.accounts import permissions

from . import services
from .models import MAX_NAME_CHARS, SavedView


def _own_view(request, pk) -> SavedView:
    view = get_object_or_404(SavedView.objects.visible_to(request.user), pk=pk)
    permissions.require(permissions.can_edit_saved_view(request.user, view))
    return view


@login_required
def view_list(request):
    permissions.require(permissions.can_save_views(request.user))
    views = SavedView.objects.visible_to(request.user)
    return render(request, "saved_views/list.html", {
        "views": views, "max_name": MAX_NAME_CHARS, "section": "saved_views"})


@login_required
@require_POST
def view_create(request):
    permissions.require(permissions.can_save_views(request.user))
    try:
        view = services.save_view(request.user, request.POST.get("name", ""),
                                  request.POST.get("query", ""))
    except services.Refused as refusal:
        messages.error(request, str(refusal))
        return redirect("saved_views:list")
    messages.success(request, _("Saved as “%(name)s”: find it under “Saved views” in the "
                                "menu.") % {"name": view.name})
    return redirect(list_url(view))


@login_required
@require_POST
def view_rename(request, pk):
    view = _own_view(request, pk)
    try:
        services.rename_view(view, request.user, request.POST.get("name", ""))
    except services.Refused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, _("Renamed to “%(name)s”.") % {"name": view.name})
    return redirect("saved_views:list")


@login_required
@require_POST
def view_delete(request, pk):
    view = _own_view(request, pk)
    name = view.name
    services.delete_view(view, request.user)
    messages.success(request, _("The view “%(name)s” was deleted.") % {"name": name})
    return redirect("saved_views:list")


def list_url(view: SavedView) -> str:
    url = reverse("recommendations:list")
    return f"{url}?{view.query}" if view.query else url
