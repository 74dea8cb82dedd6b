"""Actions in the web UI: the plan (list), one action with its links and history, and the
form to plan or change one — for the coordinator and the focal points of the responsible
entity. A change based on an older version is answered with the action as it is now next
to what the person typed, which stays in the form.

An object one may not see answers 404; an operation one may not do, 403."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from nmirf.accounts import permissions
from nmirf.audit.history import history_of
from nmirf.recommendations.models import Recommendation

from . import action_services
from .action_forms import ActionForm
from .models import Action, Cluster
from .progress_views import measures_of
from .view_helpers import archive_toggle

PAGE_SIZE = 25


def _visible_action(request, pk) -> Action:
    return get_object_or_404(Action.objects.visible_to(request.user).select_related(
        "responsible_entity"), pk=pk)


@login_required
def action_list(request):
    permissions.require(permissions.can_view_actions(request.user))
    actions = (Action.objects.visible_to(request.user).active()
               .select_related("responsible_entity"))
    mine = request.GET.get("mine") == "1"
    if mine:
        actions = actions.filter(responsible_entity__memberships__user=request.user,
                                 responsible_entity__memberships__ended=False).distinct()
    page = Paginator(actions, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "tracking/action_list.html", {
        "page": page, "mine": mine,
        "can_plan": permissions.can_plan_actions(request.user)})


@login_required
def action_detail(request, pk):
    permissions.require(permissions.can_view_actions(request.user))
    action = _visible_action(request, pk)
    return render(request, "tracking/action_detail.html", {
        "action": action,
        "recommendations": Recommendation.objects.visible_to(request.user).with_related()
        .filter(actions=action).order_by("pk"),
        "clusters": Cluster.objects.visible_to(request.user).filter(actions=action),
        "can_edit": permissions.can_edit_action(request.user, action),
        "history": history_of(action),
        **measures_of(action, request.user),
    })


def _differences(form, current: Action) -> list[tuple[str, str, str]]:
    """(label, as it is now, as the person typed it) for each field that differs."""
    rows = []
    for name, field in form.fields.items():
        if name == "version" or name not in form.cleaned_data:
            continue
        yours = form.cleaned_data[name]
        now = getattr(current, name)
        if hasattr(now, "all"):
            now, yours = sorted(map(str, now.all())), sorted(map(str, yours))
        if now != yours:
            show = ", ".join if isinstance(now, list) else str
            now_text = show(now) if now not in (None, "") else "—"
            yours_text = show(yours) if yours not in (None, "") else "—"
            if name == "status":
                now_text, yours_text = current.get_status_display(), dict(
                    field.choices).get(yours, yours)
            rows.append((str(field.label), now_text, yours_text))
    return rows


def _action_form(request, action: Action, title: str):
    # The recommendations the form offers: those it came from (?recommendation=) and those
    # posted, among what the person may read (the form narrows them with visible_to).
    offered = [int(pk) for pk in request.GET.getlist("recommendation") + request.POST.getlist(
        "recommendations") if pk.isdigit()]
    initial = {"version": action.version}
    if action.pk is None and request.GET.get("cluster", "").isdigit():
        initial["clusters"] = [int(request.GET["cluster"])]
    if action.pk is None:
        initial["recommendations"] = offered
    form = ActionForm(request.POST or None, instance=action, user=request.user,
                      offered_recommendations=offered, initial=initial)
    conflict = differences = None
    if request.method == "POST" and form.is_valid():
        try:
            saved = action_services.save_action(
                form.save(commit=False), recommendations=form.cleaned_data["recommendations"],
                clusters=form.cleaned_data["clusters"],
                read_version=form.cleaned_data.get("version"), user=request.user)
        except action_services.ActionConflict as error:
            conflict = error.current
            differences = _differences(form, conflict)
            data = request.POST.copy()
            data["version"] = str(conflict.version)
            form = ActionForm(data, instance=Action.objects.get(pk=conflict.pk),
                              user=request.user, offered_recommendations=offered)
            form.is_valid()
            form.add_error(None, error)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Saved the action “%(title)s”.") % {"title": saved.title})
            return redirect(saved)
    return render(request, "tracking/action_form.html", {
        "form": form, "action": action, "title": title, "conflict": conflict,
        "differences": differences})


@login_required
def action_create(request):
    permissions.require(permissions.can_plan_actions(request.user))
    return _action_form(request, Action(), _("Plan an action"))


@login_required
def action_edit(request, pk):
    action = _visible_action(request, pk)
    permissions.require(permissions.can_edit_action(request.user, action))
    return _action_form(request, action, _("Edit the action “%(title)s”") % {
        "title": action.title})


@login_required
@require_POST
def action_archive(request, pk):
    action = _visible_action(request, pk)
    permissions.require(permissions.can_edit_action(request.user, action))
    return archive_toggle(request, lambda archived: action_services.set_archived(
        action, archived), action)
