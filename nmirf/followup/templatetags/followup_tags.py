"""The follow-up panel of a recommendation's page (`{% follow_up_of rec %}`), so that the
recommendations app does not import this one."""

from django import template

from nmirf.accounts import permissions

from ..deadlines import follow_up_dates
from ..models import FollowUpFlag

register = template.Library()


@register.inclusion_tag("followup/_follow_up_of.html", takes_context=True)
def follow_up_of(context, recommendation):
    user = context["request"].user
    flag = FollowUpFlag.objects.active().filter(recommendation=recommendation).first()
    due = None
    if flag is not None and flag.replied_on is None:
        due = follow_up_dates(recommendation_ids=[recommendation.pk]).get(
            recommendation.pk, (None, None))[0]
    return {"rec": recommendation, "flag": flag, "due": due, "request": context["request"],
            "can_manage": permissions.can_manage_follow_up(user),
            "can_view": permissions.can_view_calendar(user),
            "csrf_token": context.get("csrf_token")}


@register.filter
def responsible(deadline, names) -> str:
    """Who answers for a deadline: its entities' names, or the secretariat."""
    from django.utils.translation import gettext

    if not deadline.entity_ids:
        return gettext("NMIRF secretariat")
    return ", ".join(names.get(pk, "?") for pk in deadline.entity_ids)
