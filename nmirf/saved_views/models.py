"""Saved views: a person's named filtered lists of recommendations.

A saved view is the list page's query string (filters, search, sort; never the page), so
that opening it is following a link: the list reads it through the one read path
(recommendations/filters.py) like any other address. Each person's own: nobody else
reads, renames or deletes it (nmirf.accounts.permissions).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

MAX_NAME_CHARS = 100
# A query string of every filter with a few values each fits easily; a longer one is not
# a person's list (the list page itself would be a very long address).
MAX_QUERY_CHARS = 2000
# Views per person: the menu lists them all.
MAX_VIEWS_PER_PERSON = 50


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
