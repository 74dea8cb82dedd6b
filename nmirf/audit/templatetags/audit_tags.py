from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def join_if_list(value):
    """A recorded value as a reader wants it: a many-to-many value (a list of names) as one
    line, a yes/no field as yes or no in the reader's language."""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value) or "—"
    return value
