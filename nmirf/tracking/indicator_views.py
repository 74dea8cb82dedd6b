"""Indicators in the web UI: defined, changed and archived on their action's page, by those
who may edit the action. An object one may not see answers 404; an operation one may not
do, 403."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from nmirf.accounts import permissions
from nmirf.audit.history import history_of

from . import indicators
from .models import Action
from .progress_forms import IndicatorForm
from .progress_models import Indicator
from .view_helpers import archive_toggle


def _visible_indicator(request, pk) -> Indicator:
    indicator = get_object_or_404(Indicator.objects.visible_to(request.user).select_related(
        "action__responsible_entity"), pk=pk)
    # The indicator is read with its action: one hidden from the person hides it too.
    get_object_or_404(Action.objects.visible_to(request.user), pk=indicator.action_id)
    return indicator


def _indicator_form(request, indicator: Indicator, title: str):
    form = IndicatorForm(request.POST or None, instance=indicator,
                         initial={"version": indicator.version})
    if request.method == "POST" and form.is_valid():
        try:
            saved = indicators.save_indicator(
                form.save(commit=False), read_version=form.cleaned_data.get("version"),
                user=request.user)
        except ValidationError as error:  # a VersionConflict too: the form keeps the input
            form.add_error(None, error)
        else:
            messages.success(request, _("Saved the indicator “%(title)s”.") % {
                "title": saved.title})
            return redirect(saved)
    return render(request, "tracking/indicator_form.html", {
        "form": form, "action": indicator.action, "indicator": indicator, "title": title,
        "cancel_url": indicator.action.get_absolute_url(),
        "history": history_of(indicator) if indicator.pk else None})


@login_required
def indicator_create(request, action_pk):
    action = get_object_or_404(Action.objects.visible_to(request.user).select_related(
        "responsible_entity"), pk=action_pk)
    permissions.require(permissions.can_edit_indicators(request.user, action))
    return _indicator_form(request, Indicator(action=action), _("Add an indicator"))


@login_required
def indicator_edit(request, pk):
    indicator = _visible_indicator(request, pk)
    permissions.require(permissions.can_edit_indicators(request.user, indicator.action))
    return _indicator_form(request, indicator, _("Edit the indicator “%(title)s”") % {
        "title": indicator.title})


@login_required
@require_POST
def indicator_archive(request, pk):
    indicator = _visible_indicator(request, pk)
    permissions.require(permissions.can_edit_indicators(request.user, indicator.action))
    return archive_toggle(request, lambda archived: indicators.set_archived(
        indicator, archived), indicator.action)
