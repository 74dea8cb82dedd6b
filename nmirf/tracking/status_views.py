"""Setting a recommendation's implementation status: a page with the form (status, reason,
and the version it was read at) and the status's history. A save based on an older
version is answered with the change that came first, and the person's own input kept
in the form, so that nothing of either is lost."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from nmirf.accounts import permissions
from nmirf.recommendations.models import Recommendation

from . import statuses
from .forms import StatusForm
from .models import ImplementationStatus


@login_required
def status_edit(request, recommendation_pk):
    rec = get_object_or_404(Recommendation.objects.visible_to(request.user).active(),
                            pk=recommendation_pk)
    permissions.require(permissions.can_set_status(request.user, rec))
    current = statuses.current_status(rec)
    conflict = mine = None
    if request.method == "POST":
        form = StatusForm(request.POST)
        if form.is_valid():
            try:
                statuses.set_status(rec, form.cleaned_data["status"], form.cleaned_data["reason"],
                                    read_version=form.cleaned_data["version"], user=request.user)
            except statuses.StatusConflict as error:
                conflict = error.current
                mine = {"status": ImplementationStatus(form.cleaned_data["status"]).label,
                        "reason": form.cleaned_data["reason"]}
                # Keep what the person wrote; from now on they answer the newer version.
                data = request.POST.copy()
                data["version"] = str(conflict.version)
                form = StatusForm(data)
                form.is_valid()
                form.add_error(None, error)
                current = conflict
            except ValidationError as error:
                field = {"reason_required": "reason", "unchanged": "reason",
                         "status": "status"}.get(error.code)
                form.add_error(field, error)
            else:
                messages.success(request, _("The implementation status is saved."))
                return redirect("recommendations:detail", pk=rec.pk)
    else:
        form = StatusForm(initial={"status": current.status, "reason": current.reason,
                                   "version": current.version})
    return render(request, "tracking/status_form.html", {
        "rec": rec, "form": form, "current": current, "conflict": conflict, "mine": mine,
        "history": statuses.history(rec)})
