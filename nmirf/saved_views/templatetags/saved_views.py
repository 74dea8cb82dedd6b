"""The menu's "Saved views": the signed-in person's own, read on every page by one small
query (a person keeps at most MAX_VIEWS_PER_PERSON)."""

import logging

from django import template
from django.db import DatabaseError

from nmirf.accounts import permissions
from nmirf.saved_views.models import SavedView

register = template.Library()
logger = logging.getLogger(__name__)


@register.simple_tag
def saved_views_of(user):
    """[(name, query)] of `user`'s views; none where the database cannot answer (the error
    page is drawn with this menu too, and must not fail for it)."""
    if not permissions.can_save_views(user):
        return []
    try:
        return list(SavedView.objects.visible_to(user).values_list("name", "query"))
    except DatabaseError:
        logger.warning("the saved views of the menu could not be read", exc_info=True)
        return []
