"""A suggestion: a label that a trained model proposes for a recommendation — a UPR Info
issue (a term) or an action category — with its score, a short reason, and the model name
and version that produced it. A person accepts it (the ordinary label is written, and
audited as any edit: decisions.py) or rejects it; nothing is applied by itself.

One row per recommendation and label, whatever the model version: a later run of
`nmirf assist suggest` refreshes a pending one (new score, new version) and never proposes
again what a person has decided (suggesting.py)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from nmirf.recommendations.models import ActionCategory, Recommendation, Term


class Kind(models.TextChoices):
    TERM = "term", _("UPR Info issue")
    ACTION_CATEGORY = "action_category", _("Action category")


class State(models.TextChoices):
    PENDING = "pending", _("Waiting for a decision")
    # A context of their own: "Rejected" is also the import's rejected rows, which French,
    # Spanish and Arabic word otherwise (plural, another gender).
    ACCEPTED = "accepted", pgettext_lazy("suggestion state", "Accepted")
    REJECTED = "rejected", pgettext_lazy("suggestion state", "Rejected")


class SuggestionQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(state=State.PENDING)

    def for_display(self):
        return self.select_related("term__taxonomy").order_by("kind", "-score", "pk")


class Suggestion(models.Model):
    recommendation = models.ForeignKey(Recommendation, on_delete=models.CASCADE,
                                       related_name="suggestions")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    term = models.ForeignKey(Term, on_delete=models.CASCADE, null=True, blank=True,
                             related_name="+", verbose_name=_("term"))
    action_category = models.PositiveSmallIntegerField(
        _("action category"), choices=ActionCategory.choices, null=True, blank=True)
    # The model's margin over the label's own threshold (0: at the threshold; higher is
    # surer). A margin, not a probability: it ranks, it does not promise.
    score = models.FloatField(_("score"))
    # The words of the text that weighed most for the label, comma-separated (trained.py).
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    model_name = models.CharField(_("model"), max_length=100)
    model_version = models.CharField(_("model version"), max_length=100)
    state = models.CharField(_("state"), max_length=10, choices=State.choices,
                             default=State.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SuggestionQuerySet.as_manager()

    class Meta:
        ordering = ["recommendation", "kind", "-score", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind=Kind.TERM, term__isnull=False, action_category__isnull=True)
                           | Q(kind=Kind.ACTION_CATEGORY, term__isnull=True,
                               action_category__isnull=False)),
                name="suggestion_one_label"),
            models.UniqueConstraint(fields=["recommendation", "term"],
                                    condition=Q(term__isnull=False),
                                    name="suggestion_unique_term"),
            models.UniqueConstraint(fields=["recommendation", "action_category"],
                                    condition=Q(action_category__isnull=False),
                                    name="suggestion_unique_category"),
        ]
        indexes = [
            # The bulk page counts the pending suggestions of a list's recommendations.
            models.Index(fields=["state", "recommendation"], name="suggestion_state_rec"),
        ]
        verbose_name = _("suggestion")
        verbose_name_plural = _("suggestions")

    def __str__(self) -> str:
        return f"{self.recommendation_id}: {self.label}"

    @property
    def label(self) -> str:
        """The suggested label as people read it."""
        if self.kind == Kind.TERM:
            return self.term.label if self.term_id else ""
        return str(self.get_action_category_display())

    @property
    def reason_words(self) -> list[str]:
        """The words of the text that weighed most for this label (stored as the model
        gave them; the sentence around them is the reader's language: the template's)."""
        return [word for word in self.reason.split(", ") if word]

    @property
    def is_pending(self) -> bool:
        return self.state == State.PENDING
