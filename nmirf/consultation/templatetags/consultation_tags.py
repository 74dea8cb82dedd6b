"""Consultation on other apps' pages, without those apps knowing it: a recommendation's
page includes `{% load consultation_tags %}{% consultation_of rec %}` (whether it is
shared, and its comments), a cluster's page `{% cluster_sharing cluster %}`."""

from django import template

from nmirf.accounts import permissions
from nmirf.audit.history import history_of

from ..forms import CommentForm
from ..models import Comment
from ..services import is_shared, sharing_of

register = template.Library()


@register.inclusion_tag("consultation/_consultation_of.html", takes_context=True)
def consultation_of(context, recommendation):
    """Whether observers read this recommendation (and the switch, for the secretariat,
    with the history of its sharing), the comments the person may read, and the form for
    those who may comment."""
    user = context["user"]
    can_share = permissions.can_share_with_observers(user)
    shared = is_shared(recommendation)
    sharing = sharing_of(recommendation) if can_share else None
    may_comment = shared and not recommendation.archived and permissions.can_comment(user)
    return {
        "rec": recommendation,
        "shared": shared,
        "own_sharing": bool(sharing and sharing.shared),
        "can_share": can_share and not recommendation.archived,
        "sharing_history": history_of(sharing) if sharing is not None and sharing.pk else [],
        "comments": list(Comment.objects.visible_to(user).filter(
            recommendation=recommendation).select_related("author", "entity")),
        "can_moderate": permissions.can_moderate_comments(user),
        "form": CommentForm() if may_comment else None,
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("consultation/_cluster_sharing.html", takes_context=True)
def cluster_sharing(context, cluster):
    user = context["user"]
    if not permissions.can_share_with_observers(user):
        return {"show": False}
    sharing = sharing_of(cluster)
    return {"show": True, "cluster": cluster, "shared": bool(sharing and sharing.shared),
            "sharing_history": history_of(sharing) if sharing is not None else [],
            "csrf_token": context.get("csrf_token")}
