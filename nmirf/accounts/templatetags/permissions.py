"""Ask accounts.permissions from a template: `{% if user|can:"import" %}` calls
`can_import(user)`, so that a link is shown only to those whom the view would let in, and
the rule itself stays in one place."""

from django import template

from nmirf.accounts import permissions

register = template.Library()


@register.filter
def can(user, action: str) -> bool:
    predicate = getattr(permissions, f"can_{action}", None)
    if predicate is None:
        raise template.TemplateSyntaxError(f"nmirf.accounts.permissions has no can_{action}")
    return bool(predicate(user))
