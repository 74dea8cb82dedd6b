"""Progress updates in the web UI: a focal point writes one on an action of their entity
(a draft), edits it, attaches evidence and submits it; the secretariat reviews the queue,
returns an update with a comment or validates it, then publishes it. The transitions are
progress_workflow.py's; who sees what, permissions.py's. An object one may not see
answers 404; an operation one may not do, 403."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from nmirf.accounts import permissions
from nmirf.audit.history import history_of

from . import evidence as evidence_files
from . import progress, progress_workflow
from .models import Action
from .progress_forms import EvidenceForm, ProgressUpdateForm, ReviewForm
from .progress_models import Evidence, IndicatorValue, ProgressState, ProgressUpdate
from .view_helpers import form_errors_text

PAGE_SIZE = 25


def _visible_update(request, pk) -> ProgressUpdate:
    return get_object_or_404(ProgressUpdate.objects.visible_to(request.user).select_related(
        "action__responsible_entity", "created_by"), pk=pk)


def with_contents(updates, user):
    """Updates with their values and the evidence `user` may read, two queries whatever
    their number (the action page, a recommendation's page, the list)."""
    return updates.select_related("action__responsible_entity", "created_by").prefetch_related(
        Prefetch("values", IndicatorValue.objects.select_related("indicator")),
        Prefetch("evidence", Evidence.objects.visible_to(user).filter(archived=False),
                 to_attr="files"))


def measures_of(action: Action, user) -> dict:
    """What the action page shows of its indicators and progress, and what the person may
    do there."""
    return {
        "indicators": list(action.indicators.visible_to(user).order_by("archived", "title")),
        "can_edit_indicators": permissions.can_edit_indicators(user, action)
        and not action.archived,
        "updates": list(with_contents(ProgressUpdate.objects.visible_to(user).filter(
            action=action), user)),
        "can_write_progress": permissions.can_write_progress(user, action),
    }


def unfinished_progress(user, entity_ids) -> list[ProgressUpdate]:
    """The drafts and returned updates of these entities' actions ("My recommendations"
    lists them: what the focal point still has to finish)."""
    return list(ProgressUpdate.objects.visible_to(user).filter(
        action__responsible_entity_id__in=entity_ids,
        state__in=(ProgressState.DRAFT, ProgressState.RETURNED))
        .select_related("action").order_by("-updated_at")[:50])


def _update_form(request, update: ProgressUpdate, title: str):
    indicators = update.action.indicators.filter(archived=False).order_by("title", "pk")
    form = ProgressUpdateForm(request.POST or None, instance=update, indicators=indicators,
                              initial={"version": update.version})
    if request.method == "POST" and form.is_valid():
        try:
            saved = progress.save_update(form.save(commit=False), form.indicator_values(),
                                         read_version=form.cleaned_data.get("version"),
                                         user=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Saved your progress update as a draft: submit it "
                                        "when it is ready.")
                             if saved.state == ProgressState.DRAFT else _("Saved."))
            return redirect(saved)
    return render(request, "tracking/progress_form.html", {
        "form": form, "action": update.action, "update": update, "title": title,
        "cancel_url": (update if update.pk else update.action).get_absolute_url()})


@login_required
def progress_create(request, action_pk):
    action = get_object_or_404(Action.objects.visible_to(request.user).select_related(
        "responsible_entity"), pk=action_pk)
    permissions.require(permissions.can_write_progress(request.user, action))
    return _update_form(request, ProgressUpdate(action=action),
                        _("Report progress on “%(title)s”") % {"title": action.title})


@login_required
def progress_edit(request, pk):
    update = _visible_update(request, pk)
    permissions.require(permissions.can_edit_progress(request.user, update))
    return _update_form(request, update, _("Edit the progress update"))


@login_required
def progress_detail(request, pk):
    update = _visible_update(request, pk)
    update = with_contents(ProgressUpdate.objects.filter(pk=update.pk), request.user).get()
    return render(request, "tracking/progress_detail.html", {
        "update": update, "action": update.action,
        "transitions": progress_workflow.allowed(request.user, update),
        "can_edit": permissions.can_edit_progress(request.user, update),
        "evidence_form": EvidenceForm() if permissions.can_attach_evidence(
            request.user, update) else None,
        "history": history_of(update) if permissions.can_view_progress_history(
            request.user, update) else None})


@login_required
@require_POST
def progress_transition(request, pk, name):
    update = _visible_update(request, pk)
    permissions.require(progress_workflow.may(request.user, update, name))
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors_text(form))
        return redirect(update)
    try:
        progress_workflow.transition(update, name, user=request.user,
                                     read_version=form.cleaned_data["version"],
                                     comment=form.cleaned_data["comment"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, {
            "submit": _("Submitted: the secretariat will review it."),
            "return": _("Returned to the focal points with your comment."),
            "validate": _("Validated."), "publish": _("Published: observers can read it now.")
        }[name])
    return redirect(update)


@login_required
@require_POST
def evidence_upload(request, pk):
    update = _visible_update(request, pk)
    permissions.require(permissions.can_attach_evidence(request.user, update))
    form = EvidenceForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, form_errors_text(form))
        return redirect(update)
    try:
        item = progress.attach(update, form.cleaned_data["file"], user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Attached “%(name)s”.") % {"name": item.original_name})
    return redirect(update)


@login_required
def evidence_download(request, pk):
    """The file, to whoever may read its update: always as a download (never shown in
    the browser's page), and never sniffed into another type."""
    item = get_object_or_404(Evidence.objects.visible_to(request.user), pk=pk)
    path = evidence_files.path_of(item.stored_name)
    if not path.is_file():
        raise Http404(_("The file is missing from the evidence folder."))
    response = FileResponse(path.open("rb"), as_attachment=True, filename=item.original_name,
                            content_type=item.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def evidence_archive(request, pk):
    item = get_object_or_404(Evidence.objects.visible_to(request.user).select_related(
        "update__action__responsible_entity"), pk=pk)
    permissions.require(permissions.can_attach_evidence(request.user, item.update))
    archived = request.POST.get("archived", "1") == "1"
    try:
        progress.set_evidence_archived(item, archived, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Removed the file from the update (it is kept in the "
                                    "archive).") if archived else _("Restored."))
    return redirect(item.update)


@login_required
def progress_list(request):
    """The updates the person may read, by state: the secretariat lands on those waiting
    for review (its queue), a focal point on their entities' own."""
    permissions.require(permissions.can_view_actions(request.user))
    updates = ProgressUpdate.objects.visible_to(request.user).select_related(
        "action__responsible_entity", "created_by")
    default = "submitted" if permissions.is_secretariat(request.user) else ""
    state = request.GET.get("state", default)
    if state not in ProgressState.values:
        state = ""
    if state:
        updates = updates.filter(state=state)
    mine = request.GET.get("mine") == "1"
    if mine:
        updates = updates.filter(
            action__responsible_entity__memberships__user=request.user,
            action__responsible_entity__memberships__ended=False).distinct()
    page = Paginator(updates.order_by("-updated_at", "-pk"), PAGE_SIZE).get_page(
        request.GET.get("page"))
    return render(request, "tracking/progress_list.html", {
        "page": page, "state": state, "mine": mine, "states": ProgressState.choices})
