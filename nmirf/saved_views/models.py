"""Saved views: a person's named filtered lists of recommendations.

A saved view is the list page's query string (filters, search, sort; never the page), so
that opening it is following a link: the list reads it through the one read path
(recommendations/filters.py) like any other address. Each person's own: nobody else
reads, renames or deletes it (nmirf.accounts.permissions).
"""

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import models, transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

MAX_NAME_CHARS = 100
# A query string of every filter with a few values each fits easily; a longer one is not
# a person's list (the list page itself would be a very long address).
MAX_QUERY_CHARS = 2000
# Views per person: the menu lists them all.
MAX_VIEWS_PER_PERSON = 50
# The menu's copy of a person's views (see menu_of); dropped on every change.
MENU_CACHE_SECONDS = 24 * 3600

logger = logging.getLogger(__name__)


class SavedViewQuerySet(models.QuerySet):
    def visible_to(self, user):
        from nmirf.accounts.permissions import saved_views_visible_to

        return saved_views_visible_to(self, user)


class SavedView(models.Model):
    # Someone's own bookmarks: the change log shows them only to whom the rows show.
    audit_narrowed = True

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                              related_name="saved_views", verbose_name=_("owner"))
    name = models.CharField(_("name"), max_length=MAX_NAME_CHARS)
    query = models.CharField(_("query string"), max_length=MAX_QUERY_CHARS, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    objects = SavedViewQuerySet.as_manager()

    class Meta:
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="saved_view_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


def _menu_key(user_id, joined) -> str:
    # The account's creation time too: an id may be given again to another account (a
    # database restored, or tests rolled back), and must not inherit a menu.
    return f"nmirf:saved-views:{user_id}:{joined.timestamp() if joined else ''}"


def menu_of(user) -> list[tuple[str, str]]:
    """[(name, query)] of `user`'s views, in name order, for the menu on every page: from
    the cache where it holds them, else one query (then cached)."""
    key = _menu_key(user.pk, user.date_joined)
    try:
        cached = cache.get(key)
    except Exception:  # noqa: BLE001 - a cache that fails costs a query, not the page
        logger.warning("the cache could not be read for the saved views", exc_info=True)
        cached = None
    if isinstance(cached, list):
        return cached
    views = [tuple(row) for row in SavedView.objects.visible_to(user).values_list("name",
                                                                                "query")]
    try:
        cache.set(key, views, MENU_CACHE_SECONDS)
    except Exception:  # noqa: BLE001
        logger.warning("the cache could not keep the saved views", exc_info=True)
    return views


@receiver([post_save, post_delete], sender=SavedView)
def _drop_menu(sender, instance, **kwargs):
    """A view saved, renamed or deleted: its owner's menu is read again (after the
    transaction, so that no other request caches the list as it was)."""
    owner = type(instance).owner.field.related_model._default_manager.filter(
        pk=instance.owner_id).values_list("date_joined", flat=True).first()

    def drop():
        try:
            cache.delete(_menu_key(instance.owner_id, owner))
        except Exception:  # noqa: BLE001
            logger.warning("the cache could not drop the saved views", exc_info=True)

    drop()
    transaction.on_commit(drop)
