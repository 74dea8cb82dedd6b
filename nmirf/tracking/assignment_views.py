"""Assignments in the web UI: assigning a whole filtered list of the registry in one step
(a preview that says how many rows it touches, then one POST), one recommendation or one
cluster from its page, ending an assignment, and a focal point's "My recommendations".

An object one may not see answers 404; an operation one may not do, 403."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from nmirf.accounts import permissions
from nmirf.recommendations.models import Recommendation

from . import assigning, queries
from .forms import AssignForm
from .models import Assignment, AssignmentRole, Cluster
from .progress_views import unfinished_progress
from .selection import list_operation, list_url
from .view_helpers import form_errors_text

PAGE_SIZE = 25


def _outcome(result: dict) -> str:
    text = ngettext("%(count)d recommendation assigned.", "%(count)d recommendations assigned.",
                    result["assigned"]) % {"count": result["assigned"]}
    if result["replaced"]:
        text += " " + ngettext("%(count)d earlier assignment ended.",
                               "%(count)d earlier assignments ended.",
                               result["replaced"]) % {"count": result["replaced"]}
    if result["unchanged"]:
        text += " " + ngettext("%(count)d already had this assignment.",
                               "%(count)d already had this assignment.",
                               result["unchanged"]) % {"count": result["unchanged"]}
    return text


@login_required
def assign_from_list(request):
    """Assign every recommendation of a filtered list to an entity, in one step: the page
    says how many rows the list holds and how many already have a lead; one POST writes
    them all (assigning.assign_recommendations: set-based, one audit event)."""
    operation = list_operation(request, permissions.can_assign(request.user))
    if isinstance(operation, HttpResponse):
        return operation
    form = AssignForm(request.POST or None, user=request.user)
    if operation.ready(request, form, _("The list is empty: there is nothing to assign.")):
        try:
            result = assigning.assign_recommendations(
                form.cleaned_data["entity"], form.cleaned_data["role"], operation.selection,
                user=request.user, source=operation.query.urlencode())
        except ValidationError as error:
            form.add_error("entity" if (error.code or "").endswith("entity") else None, error)
        else:
            messages.success(request, _outcome(result))
            return redirect(list_url(operation.query))
    with_lead = Assignment.objects.current().filter(
        role=AssignmentRole.LEAD, recommendation__in=operation.selection
    ).count() if operation.count else 0
    return render(request, "tracking/assign_from_list.html",
                  operation.context(form, with_lead=with_lead))


def _page_of(obj) -> str:
    if isinstance(obj, Cluster):
        return obj.get_absolute_url()
    return reverse("recommendations:detail", args=[obj.pk])


def _back(request, fallback):
    """To the page the form was on (`next`, if it is ours), else the object's page."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return redirect(target)
    return redirect(_page_of(fallback))


def _post_assignment(request, fallback, change):
    form = AssignForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, form_errors_text(form))
        return _back(request, fallback)
    try:
        result = change(form.cleaned_data["entity"], form.cleaned_data["role"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if result["assigned"]:
            messages.success(request, _("Assigned %(entity)s (%(role)s).") % {
                "entity": form.cleaned_data["entity"],
                "role": AssignmentRole(form.cleaned_data["role"]).label})
        else:
            messages.info(request, _("Already assigned so: nothing changed."))
    return _back(request, fallback)


@login_required
@require_POST
def assign_one(request, recommendation_pk):
    permissions.require(permissions.can_assign(request.user))
    rec = get_object_or_404(Recommendation.objects.visible_to(request.user).active(),
                            pk=recommendation_pk)
    return _post_assignment(request, rec, lambda entity, role: assigning.assign_recommendations(
        entity, role, [rec.pk], user=request.user))


@login_required
@require_POST
def assign_cluster(request, pk):
    permissions.require(permissions.can_assign(request.user))
    cluster = get_object_or_404(Cluster.objects.visible_to(request.user), pk=pk)
    return _post_assignment(request, cluster, lambda entity, role: assigning.assign_cluster(
        entity, role, cluster, user=request.user))


@login_required
@require_POST
def assignment_end(request, pk):
    permissions.require(permissions.can_assign(request.user))
    assignment = get_object_or_404(Assignment.objects.visible_to(request.user).current(), pk=pk)
    fallback = assignment.cluster or assignment.recommendation
    assigning.end_assignment(assignment, user=request.user)
    messages.success(request, _("The assignment of %(entity)s has ended.") % {
        "entity": assignment.entity})
    return _back(request, fallback)


@login_required
def my_recommendations(request):
    """What the entities a focal point belongs to must do: the recommendations assigned to
    them (lead or supporting, directly or through a cluster). Where a focal point lands
    after signing in."""
    permissions.require(permissions.can_view_my_recommendations(request.user))
    memberships = list(request.user.memberships.filter(ended=False, entity__archived=False)
                       .select_related("entity"))
    entity_ids = [m.entity_id for m in memberships]
    role = request.GET.get("role", "")
    if role not in AssignmentRole.values:
        role = ""
    recommendations = (Recommendation.objects.visible_to(request.user).active().with_related()
                       .filter(queries.assigned_to(entity_ids, role or None))
                       .in_document_order())
    page = Paginator(recommendations, PAGE_SIZE).get_page(request.GET.get("page"))
    parts = queries.parts_on_page([rec.pk for rec in page], entity_ids)
    rows = [(rec, [dict(part, role=AssignmentRole(part["role"]).label)
                   for part in parts.get(rec.pk, [])]) for rec in page]
    return render(request, "tracking/my_recommendations.html", {
        "memberships": memberships, "page": page, "rows": rows, "role": role,
        "roles": AssignmentRole.choices,
        "unfinished": unfinished_progress(request.user, entity_ids)})
