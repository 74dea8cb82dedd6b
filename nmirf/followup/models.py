"""The follow-up calendar's own data: per-mechanism settings (seeded from the reference
data, editable by the coordinator), the recommendations flagged for a treaty body's
follow-up procedure, the deadlines the secretariat marked as met, the reminders sent
(so that `nmirf send-reminders` never sends one twice) and each person's calendar feed.

The deadlines themselves are not stored: deadlines.py computes them, set-based, from the
reviews, these settings, the flags, the actions and the indicators. Nothing here is
deleted by a person: a flag is lifted (`active` false), a feed revoked.
"""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class FollowUpSetting(models.Model):
    """How a mechanism's deadlines are counted from its reviews. Seeded from
    Mechanism.follow_up_reply_years / periodicity_years (reference data, some marked
    UNVERIFIED) and 2.5 years for the UPR mid-term report; empty means "no such
    deadline"."""

    mechanism = models.OneToOneField("recommendations.Mechanism", on_delete=models.CASCADE,
                                     related_name="follow_up_setting",
                                     verbose_name=_("mechanism"))
    mid_term_years = models.DecimalField(
        _("mid-term report (years after the review)"), max_digits=4, decimal_places=1,
        null=True, blank=True,
        help_text=_("UPR: the voluntary mid-term report. Leave empty for none."))
    follow_up_reply_years = models.DecimalField(
        _("follow-up reply (years after the review)"), max_digits=4, decimal_places=1,
        null=True, blank=True,
        help_text=_("Treaty bodies: the reply on the recommendations flagged for follow-up. "
                    "Leave empty for none."))
    periodicity_years = models.DecimalField(
        _("next review or periodic report (years after the review)"), max_digits=4,
        decimal_places=1, null=True, blank=True,
        help_text=_("Leave empty where the mechanism sets no period."))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["mechanism__kind", "mechanism__code"]
        verbose_name = _("follow-up setting")
        verbose_name_plural = _("follow-up settings")
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(mid_term_years__isnull=True) | models.Q(mid_term_years__gt=0))
                & (models.Q(follow_up_reply_years__isnull=True)
                   | models.Q(follow_up_reply_years__gt=0))
                & (models.Q(periodicity_years__isnull=True) | models.Q(periodicity_years__gt=0)),
                name="followup_setting_positive"),
        ]

    def __str__(self) -> str:
        return str(self.mechanism)


class FollowUpFlagQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)


class FollowUpFlag(models.Model):
    """A recommendation the mechanism selected for its follow-up procedure: a reply is due
    `follow_up_reply_years` after the review. Lifted, never deleted; `replied_on` closes
    the deadline."""

    recommendation = models.ForeignKey("recommendations.Recommendation",
                                       on_delete=models.CASCADE, related_name="+",
                                       verbose_name=_("recommendation"))
    active = models.BooleanField(_("flagged"), default=True)
    replied_on = models.DateField(_("replied on"), null=True, blank=True)
    flagged_at = models.DateTimeField(auto_now_add=True)
    flagged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")

    objects = FollowUpFlagQuerySet.as_manager()

    class Meta:
        verbose_name = _("follow-up flag")
        verbose_name_plural = _("follow-up flags")
        constraints = [
            models.UniqueConstraint(fields=["recommendation"], name="followup_flag_once",
                                    condition=models.Q(active=True)),
        ]

    def __str__(self) -> str:
        return f"#{self.recommendation_id}"


class DeadlineDone(models.Model):
    """A deadline the secretariat marked as met (a mid-term report or periodic report
    submitted): `key` is the deadline's stable key (deadlines.Deadline.key)."""

    key = models.CharField(max_length=120, unique=True)
    done_on = models.DateField(_("met on"))
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                null=True, blank=True, related_name="+")
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("met deadline")
        verbose_name_plural = _("met deadlines")

    def __str__(self) -> str:
        return self.key


class ReminderSent(models.Model):
    """One reminder sent to one person about one deadline at one stage (e.g. 14 days
    before, or 1 day after): what makes `nmirf send-reminders` idempotent."""

    deadline_key = models.CharField(max_length=120)
    due_date = models.DateField()
    stage = models.SmallIntegerField(help_text="days after the deadline (negative: before)")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("reminder sent")
        verbose_name_plural = _("reminders sent")
        constraints = [
            models.UniqueConstraint(fields=["deadline_key", "due_date", "stage", "user"],
                                    name="reminder_once"),
        ]
        indexes = [models.Index(fields=["due_date"], name="reminder_due_date")]

    def __str__(self) -> str:
        return f"{self.deadline_key} {self.due_date} {self.stage:+d} → {self.user_id}"


def new_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """A person's iCalendar feed: the secret in its URL. Regenerating replaces the token
    (the old URL answers 404); revoking empties it."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="calendar_feed")
    token = models.CharField(max_length=64, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return f"{self.user}"
