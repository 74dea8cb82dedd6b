"""The "Suggested labels" section of a recommendation's page (`{% suggestions_of rec %}`),
so that the recommendations app does not import this one. Shown to those who may decide
on suggestions only: to everyone else a suggestion is nothing yet."""

from django import template

from nmirf.accounts import permissions

from ..models import Suggestion

register = template.Library()


@register.inclusion_tag("assist/_suggestions_of.html", takes_context=True)
def suggestions_of(context, recommendation):
    user = context["request"].user
    allowed = permissions.can_review_suggestions(user) and not recommendation.archived
    suggestions = (list(Suggestion.objects.pending().filter(recommendation=recommendation)
                        .for_display()) if allowed else [])
    return {"rec": recommendation, "allowed": allowed, "suggestions": suggestions,
            "csrf_token": context.get("csrf_token"), "request": context["request"]}
