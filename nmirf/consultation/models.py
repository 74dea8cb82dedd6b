"""Consultation of the NHRI and civil society: what the coordinator shares with observers
(`Sharing`, per recommendation or per cluster), and the comments observers send on a
recommendation (`Comment`: pending until the coordinator approves or rejects it).

Nothing here is deleted: a sharing is turned off (and the change is in the audit trail), a
comment is rejected with a reason. Who may read and do what is decided in
nmirf.accounts.permissions; the querysets' `visible_to(user)` call in there.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# A comment is a paragraph or a few, not a report (an attachment would be evidence).
MAX_COMMENT_CHARS = 5000


class SharingQuerySet(models.QuerySet):
    def shared(self):
        return self.filter(shared=True)

    def visible_to(self, user):
        from nmirf.accounts.permissions import sharings_visible_to

        return sharings_visible_to(self, user)


class Sharing(models.Model):
    """Whether a recommendation, or a cluster (and so every recommendation in it while it
    is active), is shared with observers. One row per object, kept when sharing ends
    (`shared` false): the audit trail holds who turned it on and off, and when."""

    recommendation = models.OneToOneField(
        "recommendations.Recommendation", on_delete=models.PROTECT, null=True, blank=True,
        related_name="sharing", verbose_name=_("recommendation"))
    cluster = models.OneToOneField(
        "tracking.Cluster", on_delete=models.PROTECT, null=True, blank=True,
        related_name="sharing", verbose_name=_("cluster"))
    shared = models.BooleanField(_("shared with observers"), default=False)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+", editable=False)
    changed_at = models.DateTimeField(auto_now=True)

    objects = SharingQuerySet.as_manager()

    class Meta:
        verbose_name = _("sharing with observers")
        verbose_name_plural = _("sharing with observers")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(recommendation__isnull=False, cluster__isnull=True)
                | models.Q(recommendation__isnull=True, cluster__isnull=False),
                name="sharing_recommendation_or_cluster"),
        ]
        indexes = [models.Index(fields=["shared"], name="sharing_shared")]

    def __str__(self) -> str:
        return str(self.recommendation or self.cluster)


class CommentState(models.TextChoices):
    PENDING = "pending", _("Pending moderation")
    # A comment's state (singular, unlike the counts of rejected import rows).
    APPROVED = "approved", pgettext_lazy("comment state", "Approved")
    REJECTED = "rejected", pgettext_lazy("comment state", "Rejected")


class CommentQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The comments `user` may read (nmirf.accounts.permissions)."""
        from nmirf.accounts.permissions import comments_visible_to

        return comments_visible_to(self, user)


class Comment(models.Model):
    """A comment or information an observer sends on a recommendation. Pending until the
    coordinator approves it (then read by everyone who reads the recommendation) or
    rejects it with a reason (then read by its author and the secretariat only)."""

    recommendation = models.ForeignKey(
        "recommendations.Recommendation", on_delete=models.PROTECT, related_name="comments",
        verbose_name=_("recommendation"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="comments", verbose_name=_("author"))
    # The NHRI or civil-society organisation the author wrote for, if they belong to one.
    entity = models.ForeignKey("tracking.Entity", on_delete=models.PROTECT, null=True,
                               blank=True, related_name="comments",
                               verbose_name=_("on behalf of"))
    text = models.TextField(_("comment"), max_length=MAX_COMMENT_CHARS)
    state = models.CharField(_("state"), max_length=10, choices=CommentState.choices,
                             default=CommentState.PENDING)
    moderation_reason = models.TextField(_("reason"), blank=True)
    moderated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                     null=True, blank=True, related_name="+",
                                     verbose_name=_("moderated by"))
    moderated_at = models.DateTimeField(_("moderated on"), null=True, blank=True)
    created_at = models.DateTimeField(_("sent on"), auto_now_add=True)

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        indexes = [
            models.Index(fields=["state", "created_at"], name="comment_state_at"),
            models.Index(fields=["recommendation", "state"], name="comment_rec_state"),
        ]

    def __str__(self) -> str:
        return _("Comment by %(author)s") % {"author": self.author}
