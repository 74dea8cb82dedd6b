"""Tracking on other apps' pages, without those apps knowing tracking: a recommendation's
page includes `{% load tracking_tags %}{% clusters_of rec %}{% implementation_of rec %}`,
the registry's list shows each row's status with one query per page
(`{% statuses_for page.object_list as statuses %}` … `{% status_badge statuses rec %}`)."""

from decimal import Decimal

from django import template
from django.db.models import Q
from django.utils import formats

from nmirf.accounts import permissions
from nmirf.audit.history import entries
from nmirf.audit.models import AuditEvent

from ..forms import AssignForm, ClusterChoiceForm
from ..models import (
    Action,
    Assignment,
    Cluster,
    ImplementationStatus,
    RecommendationStatus,
    leads_among,
)
from ..progress_models import ProgressUpdate
from ..progress_views import with_contents
from ..queries import implementing
from ..statuses import current_status

register = template.Library()


@register.inclusion_tag("tracking/_clusters_of.html", takes_context=True)
def clusters_of(context, recommendation):
    user = context["user"]
    can_manage = permissions.can_manage_clusters(user)
    return {
        "rec": recommendation,
        "clusters": list(Cluster.objects.visible_to(user).filter(
            links__recommendation=recommendation).order_by("title")),
        "form": ClusterChoiceForm(user=user, auto_id="id_cluster_%s") if can_manage else None,
        "csrf_token": context.get("csrf_token"),
    }


STATUS_BADGES = {
    ImplementationStatus.NOT_STARTED: "text-bg-light border",
    ImplementationStatus.IN_PROGRESS: "text-bg-info",
    ImplementationStatus.PARTIALLY_IMPLEMENTED: "text-bg-warning",
    ImplementationStatus.IMPLEMENTED: "text-bg-success",
    ImplementationStatus.NOT_IMPLEMENTED: "text-bg-danger",
}


@register.simple_tag
def statuses_for(recommendations) -> dict:
    """{recommendation id: status value} for the rows of one page: one query."""
    ids = [rec.pk for rec in recommendations]
    return dict(RecommendationStatus.objects.filter(recommendation_id__in=ids)
                .values_list("recommendation_id", "status"))


@register.inclusion_tag("tracking/_status_badge.html")
def status_badge(statuses, recommendation):
    """A row's status, from `statuses_for` (absent: not started)."""
    value = ImplementationStatus((statuses or {}).get(recommendation.pk,
                                                      ImplementationStatus.NOT_STARTED))
    return {"label": value.label, "css": STATUS_BADGES[value]}


def _assignment_history(recommendation):
    """The events that made or ended this recommendation's own assignments — a bulk
    assignment is one event for many rows, found here through the rows that point at it."""
    rows = Assignment.objects.filter(recommendation=recommendation)
    return entries(AuditEvent.objects.filter(
        Q(pk__in=rows.values("event_id")) | Q(pk__in=rows.values("ended_event_id")))
        .select_related("target_type"))


@register.inclusion_tag("tracking/_implementation_of.html", takes_context=True)
def implementation_of(context, recommendation):
    """A recommendation's implementation: its status (and who may change it), the entities
    assigned to it (its own, and through its clusters: the rule in
    Assignment.objects.lead_entity_ids), and the history of its assignments."""
    user = context["user"]
    can_assign = permissions.can_assign(user)
    assignments = list(Assignment.objects.visible_to(user).of_recommendation(recommendation)
                       .select_related("entity", "cluster").order_by("role", "entity__name"))
    leads = leads_among(assignments)
    status = current_status(recommendation)
    return {
        "rec": recommendation,
        "status": status,
        "status_css": STATUS_BADGES[ImplementationStatus(status.status)],
        "can_set_status": permissions.can_set_status(user, recommendation),
        "assignments": [(a, a.is_lead and a.entity_id in leads) for a in assignments],
        "can_assign": can_assign,
        "form": AssignForm(user=user, auto_id="id_assign_%s") if can_assign else None,
        "assignment_history": _assignment_history(recommendation)
        if permissions.can_view_assignments(user) else [],
        "can_plan": permissions.can_plan_actions(user),
        "actions": list(Action.objects.visible_to(user).active().filter(
            recommendations=recommendation).select_related("responsible_entity")),
        "updates": list(with_contents(ProgressUpdate.objects.visible_to(user).filter(
            action__in=Action.objects.active().filter(implementing(recommendation.pk))
            .values("pk")), user)),
        "csrf_token": context.get("csrf_token"),
        "next": context["request"].get_full_path() if "request" in context else "",
    }


@register.inclusion_tag("tracking/_cluster_assignments.html", takes_context=True)
def cluster_assignments(context, cluster):
    user = context["user"]
    can_assign = permissions.can_assign(user) and not cluster.archived
    return {
        "cluster": cluster,
        "assignments": list(Assignment.objects.visible_to(user).current().filter(
            cluster=cluster).select_related("entity").order_by("role", "entity__name")),
        "can_assign": can_assign,
        "form": AssignForm(user=user, auto_id="id_assign_%s") if can_assign else None,
        "can_plan": permissions.can_plan_actions(user) and not cluster.archived,
        "actions": list(Action.objects.visible_to(user).active().filter(
            clusters=cluster).select_related("responsible_entity")),
        "csrf_token": context.get("csrf_token"),
    }


@register.filter
def plain_number(value) -> str:
    """A stored decimal as people write it: 20 not 20.0000 nor 2E+1, 3.5 not 3.5000, in the
    reader's number format."""
    if value is None:
        return ""
    digits = Decimal(f"{Decimal(value).normalize():f}")
    return formats.number_format(digits, use_l10n=True)
