"""Tracking on other apps' pages, without those apps knowing tracking: a recommendation's
page includes `{% load tracking_tags %}{% clusters_of rec %}`."""

from django import template

from nmirf.accounts import permissions

from ..forms import ClusterChoiceForm
from ..models import Cluster

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
