"""The menu's "Saved views": the signed-in person's own, on every page. Read from the cache
(shared by the web processes, settings.CACHES) so that a page costs no query for it; the
cached list is dropped whenever one of the person's views is saved, renamed or deleted
(models.py's signals)."""

import logging

from django import template
from django.db import DatabaseError

from nmirf.accounts import permissions
from nmirf.saved_views.models import menu_of

register = template.Library()
logger = logging.getLogger(__name__)


@register.simple_tag
def saved_views_of(user):
    """[(name, query)] of `user`'s views; none where they cannot be read (the error page
    is drawn with this menu too, and must not fail for it)."""
    if not permissions.can_save_views(user):
        return []
    try:
        return menu_of(user)
    except DatabaseError:
        logger.warning("the saved views of the menu could not be read", exc_info=True)
        return []
