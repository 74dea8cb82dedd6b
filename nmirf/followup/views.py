"""The follow-up calendar's pages: upcoming deadlines, the overdue view, the settings per
mechanism, flagging recommendations for follow-up (one, or a filtered list), marking a
report as met, and each person's calendar feed. Every deadline comes from deadlines.py;
who may see and do what from accounts.permissions."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from nmirf.accounts import permissions
from nmirf.recommendations.models import Mechanism, Recommendation
from nmirf.tracking.selection import list_operation

from . import deadlines, ical, services
from .deadlines import Kind
from .forms import CalendarFilterForm, RepliedForm, SettingForm
from .models import CalendarFeed, FollowUpSetting

PER_PAGE = 50


def _query(request, form) -> deadlines.Query:
    """The deadlines a calendar request asks for, narrowed to the person's own where they
    ask for "mine" (permissions.deadline_entities_of)."""
    query = deadlines.Query()
    if not form.is_valid():
        return query
    if form.cleaned_data["kind"]:
        query.kinds = form.cleaned_data["kind"]
    entity = form.cleaned_data["entity"]
    if entity is not None:
        query.entity_ids = {entity.pk}
    if form.cleaned_data["mine"]:
        own = permissions.deadline_entities_of(request.user)
        if own is not None:
            query.entity_ids = own if query.entity_ids is None else query.entity_ids & own
    return query


def _page(request, template, found, form, **extra):
    """A page of deadlines: `found` (deadlines.Found) makes only the page's 50."""
    page = Paginator(found, PER_PAGE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, template, {
        "page": page, "form": form, "names": deadlines.entity_names(page.object_list),
        "today": deadlines.today(), "params": params.urlencode(), "section": "followup",
        "can_manage": permissions.can_manage_follow_up(request.user),
        "review_kinds": Kind.OF_REVIEWS, **extra})


@login_required
def calendar(request):
    permissions.require(permissions.can_view_calendar(request.user))
    form = CalendarFilterForm(request.GET or None, user=request.user)
    shared = {}  # what both windows read alike, read once
    overdue_count = len(deadlines.found(deadlines.overdue_query(_query(request, form)),
                                        shared))
    return _page(request, "followup/calendar.html",
                 deadlines.found(deadlines.upcoming_query(_query(request, form)), shared),
                 form, overdue_count=overdue_count)


@login_required
def overdue(request):
    permissions.require(permissions.can_view_calendar(request.user))
    form = CalendarFilterForm(request.GET or None, user=request.user)
    return _page(request, "followup/overdue.html",
                 deadlines.found(deadlines.overdue_query(_query(request, form))), form)


@login_required
@require_POST
def mark_done(request):
    permissions.require(permissions.can_manage_follow_up(request.user))
    key = request.POST.get("key", "")
    known = {deadline.key for deadline in deadlines.review_deadlines()}
    if key not in known:
        raise Http404
    services.mark_done(key, user=request.user)
    messages.success(request, _("Marked as met: it leaves the calendar."))
    return redirect("followup:overdue" if request.POST.get("next") == "overdue"
                    else "followup:calendar")


# -- settings -------------------------------------------------------------------------------

@login_required
def settings_list(request):
    permissions.require(permissions.can_manage_follow_up(request.user))
    services.ensure_settings()
    rows = FollowUpSetting.objects.select_related("mechanism")
    return render(request, "followup/settings_list.html",
                  {"rows": rows, "section": "followup"})


@login_required
def setting_edit(request, pk):
    permissions.require(permissions.can_manage_follow_up(request.user))
    mechanism = get_object_or_404(Mechanism, pk=pk)
    setting = services.setting_of(mechanism)
    form = SettingForm(request.POST or None, instance=setting)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_setting(form.instance, user=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The follow-up settings of %(mechanism)s are saved.")
                             % {"mechanism": mechanism.code})
            return redirect("followup:settings")
    return render(request, "followup/setting_form.html",
                  {"form": form, "mechanism": mechanism, "section": "followup",
                   "defaults": deadlines.default_settings(mechanism)})


# -- flags ----------------------------------------------------------------------------------

@login_required
@require_POST
def flag(request, pk):
    permissions.require(permissions.can_manage_follow_up(request.user))
    recommendation = get_object_or_404(Recommendation.objects.visible_to(request.user), pk=pk)
    flagged = request.POST.get("flagged", "1") == "1"
    try:
        services.set_flag(recommendation, flagged, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Flagged for follow-up.") if flagged
                         else _("No longer flagged for follow-up."))
    return redirect("recommendations:detail", pk)


@login_required
@require_POST
def replied(request, pk):
    permissions.require(permissions.can_manage_follow_up(request.user))
    recommendation = get_object_or_404(Recommendation.objects.visible_to(request.user), pk=pk)
    form = RepliedForm(request.POST)
    if not services.is_flagged(recommendation):
        messages.error(request, _("This recommendation is not flagged for follow-up."))
    elif not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    else:
        services.mark_replied(recommendation, form.cleaned_data["replied_on"], user=request.user)
        messages.success(request, _("The follow-up reply is recorded."))
    return redirect("recommendations:detail", pk)


@login_required
def flag_from_list(request):
    operation = list_operation(request, permissions.can_manage_follow_up(request.user))
    if isinstance(operation, HttpResponse):
        return operation
    form = forms.Form(request.POST or None)  # nothing to fill in: the list is the input
    too_many = operation.count > services.MAX_BULK_FLAGS
    if not too_many and operation.ready(request, form, _("The list is empty: there is "
                                                         "nothing to flag.")):
        with transaction.atomic():
            count = services.flag_many(list(operation.selection.values_list("pk", flat=True)),
                                       user=request.user)
        messages.success(request, ngettext(
            "%(count)d recommendation flagged for follow-up.",
            "%(count)d recommendations flagged for follow-up.", count) % {"count": count})
        return redirect(operation.context(form)["list_url"])
    return render(request, "followup/flag_from_list.html", operation.context(
        form, too_many=too_many, limit=services.MAX_BULK_FLAGS, section="followup"))


# -- the calendar feed --------------------------------------------------------------------

@login_required
def feed(request):
    permissions.require(permissions.can_view_calendar(request.user))
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            services.revoke_feed(request.user)
            messages.success(request, _("The calendar address no longer works."))
        else:
            services.regenerate_feed(request.user)
            messages.success(request, _("A new calendar address was made; the old one no "
                                        "longer works."))
        return redirect("followup:feed")
    current = services.feed_of(request.user)
    url = None
    if current is not None and current.token:
        url = request.build_absolute_uri(reverse("followup:feed_ics", args=[current.token]))
    return render(request, "followup/feed.html", {
        "url": url, "section": "followup",
        "can_manage": permissions.can_manage_follow_up(request.user)})


def feed_ics(request, token):
    """The feed itself, for calendar programs: no session, the secret is the address. A
    revoked or unknown secret, or a person who may no longer see the calendar: 404."""
    current = CalendarFeed.objects.filter(token=token).select_related("user").first()
    if current is None or not permissions.can_view_calendar(current.user):
        raise Http404
    query = deadlines.Query(entity_ids=permissions.deadline_entities_of(current.user))
    found = deadlines.deadlines(query)
    text = ical.calendar(found, name=_("OpenNMIRF deadlines"),
                         base_url=request.build_absolute_uri("/").rstrip("/"),
                         host=request.get_host().split(":")[0] or "nmirf",
                         entity_names=deadlines.entity_names(found))
    response = HttpResponse(text, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    return response
