"""What an action measures and reports: its indicators (with the due dates their reporting
frequency gives, indicator_schedule.py), the progress updates a focal point writes on it
(a draft, submitted, returned, validated, published: progress_workflow.py), the values an
update gives for the indicators, and the evidence files attached to it (evidence.py).

Imported by models.py so that Django sees these models as tracking's. Nothing here is
deleted: indicators and evidence are archived; an update keeps every state it went
through in the audit trail."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class IndicatorKind(models.TextChoices):
    STRUCTURAL = "structural", _("Structural")
    PROCESS = "process", _("Process")
    OUTCOME = "outcome", _("Outcome")


class Frequency(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    HALF_YEARLY = "half_yearly", _("Every six months")
    YEARLY = "yearly", _("Yearly")
    ONCE = "once", _("Once")


class IndicatorQuerySet(models.QuerySet):
    def active(self):
        return self.filter(archived=False, action__archived=False)

    def visible_to(self, user):
        from nmirf.accounts.permissions import indicators_visible_to

        return indicators_visible_to(self, user)

    def overdue(self, today):
        """The active indicators whose next due date passed without a validated value
        (`next_due_date` is kept by indicator_schedule.refresh on every change that moves
        it: the indicator, its action's dates, a validation)."""
        return self.active().filter(next_due_date__lt=today)


class Indicator(models.Model):
    """What shows that an action works, reported at a frequency. `version` counts the
    saves (a form based on an older one is refused: indicators.save_indicator)."""

    action = models.ForeignKey("tracking.Action", on_delete=models.PROTECT,
                               related_name="indicators", verbose_name=_("action"))
    kind = models.CharField(_("kind"), max_length=12, choices=IndicatorKind.choices,
                            default=IndicatorKind.PROCESS)
    title = models.CharField(_("title"), max_length=300)
    unit = models.CharField(_("unit"), max_length=60, blank=True,
                            help_text=_("What a value counts, such as “persons” or “%”."))
    baseline_value = models.DecimalField(_("baseline value"), max_digits=16, decimal_places=4,
                                         null=True, blank=True)
    baseline_year = models.PositiveSmallIntegerField(_("baseline year"), null=True, blank=True)
    target_value = models.DecimalField(_("target value"), max_digits=16, decimal_places=4,
                                       null=True, blank=True)
    data_source = models.CharField(_("data source"), max_length=300, blank=True)
    disaggregation = models.TextField(_("disaggregation"), blank=True,
                                      help_text=_("How the data is broken down, such as by sex, "
                                                  "age or region."))
    frequency = models.CharField(_("reporting frequency"), max_length=12,
                                 choices=Frequency.choices, default=Frequency.QUARTERLY)
    first_due_date = models.DateField(
        _("first due date"), null=True, blank=True,
        help_text=_("Leave empty to count from the action's start date (one period later)."))
    next_due_date = models.DateField(_("next due date"), null=True, blank=True, editable=False,
                                     db_index=True)
    archived = models.BooleanField(_("archived"), default=False)
    version = models.PositiveIntegerField(default=0, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = IndicatorQuerySet.as_manager()

    class Meta:
        ordering = ["action_id", "title", "pk"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("tracking:action_detail", args=[self.action_id]) + f"#indicator-{self.pk}"


class ProgressState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned")
    VALIDATED = "validated", _("Validated")
    PUBLISHED = "published", _("Published")


# The states in which an update counts as checked by the secretariat.
VALIDATED_STATES = (ProgressState.VALIDATED, ProgressState.PUBLISHED)


class ProgressUpdateQuerySet(models.QuerySet):
    def visible_to(self, user):
        from nmirf.accounts.permissions import progress_updates_visible_to

        return progress_updates_visible_to(self, user)

    def validated(self):
        return self.filter(state__in=VALIDATED_STATES)


class ProgressUpdate(models.Model):
    """A focal point's report on an action for a period: what was done (narrative), the
    values of its indicators, evidence. Written as a draft, submitted, returned with a
    comment or validated by the secretariat, then published (progress_workflow.py). Its
    `version` counts the saves and transitions."""

    # A draft is hidden from the secretariat: so are its changes in the change log.
    audit_narrowed = True

    action = models.ForeignKey("tracking.Action", on_delete=models.PROTECT,
                               related_name="progress_updates", verbose_name=_("action"))
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    narrative = models.TextField(_("what was done"))
    state = models.CharField(_("state"), max_length=10, choices=ProgressState.choices,
                             default=ProgressState.DRAFT, editable=False)
    review_comment = models.TextField(_("review comment"), blank=True, editable=False)
    version = models.PositiveIntegerField(default=0, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProgressUpdateQuerySet.as_manager()

    # Readable names of what audit_extra adds to the history.
    AUDIT_LABELS = {"values": _("indicator values"), "evidence": _("evidence files")}

    class Meta:
        ordering = ["-period_end", "-pk"]
        verbose_name = _("progress update")
        verbose_name_plural = _("progress updates")
        constraints = [
            models.CheckConstraint(condition=models.Q(period_end__gte=models.F("period_start")),
                                   name="progress_period_in_order"),
        ]
        indexes = [models.Index(fields=["state", "action"], name="progress_state_action")]

    def __str__(self) -> str:
        return _("Progress on “%(action)s”, %(start)s – %(end)s") % {
            "action": self.action, "start": self.period_start, "end": self.period_end}

    def get_absolute_url(self) -> str:
        return reverse("tracking:progress_detail", args=[self.pk])

    def audit_extra(self) -> dict:
        return {"state": self.get_state_display(), "review_comment": self.review_comment,
                "values": sorted(f"{value.indicator}: {value.value.normalize():f}"
                                 for value in self.values.select_related("indicator")),
                "evidence": sorted(self.evidence.filter(archived=False).values_list(
                    "original_name", flat=True))}


class IndicatorValue(models.Model):
    """The value an update reports for one indicator of its action."""

    update = models.ForeignKey(ProgressUpdate, on_delete=models.CASCADE, related_name="values",
                               verbose_name=_("progress update"))
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="values",
                                  verbose_name=_("indicator"))
    value = models.DecimalField(_("value"), max_digits=16, decimal_places=4)

    class Meta:
        ordering = ["indicator__title"]
        verbose_name = _("indicator value")
        verbose_name_plural = _("indicator values")
        constraints = [models.UniqueConstraint(fields=["update", "indicator"],
                                               name="indicator_value_once_per_update")]

    def __str__(self) -> str:
        return f"{self.indicator}: {self.value}"


class EvidenceQuerySet(models.QuerySet):
    def visible_to(self, user):
        from nmirf.accounts.permissions import evidence_visible_to

        return evidence_visible_to(self, user)


class Evidence(models.Model):
    """A file attached to a progress update, its type found from its content (evidence.py),
    stored under a generated name outside the static files and served only through
    `tracking:evidence_download`. Archived, never deleted (the file stays)."""

    update = models.ForeignKey(ProgressUpdate, on_delete=models.PROTECT,
                               related_name="evidence", verbose_name=_("progress update"))
    original_name = models.CharField(_("file name"), max_length=255)
    stored_name = models.CharField(max_length=64, unique=True, editable=False)
    kind = models.CharField(_("type"), max_length=20, editable=False)
    content_type = models.CharField(max_length=100, editable=False)
    size = models.PositiveBigIntegerField(_("size"), editable=False)
    sha256 = models.CharField(max_length=64, editable=False)
    archived = models.BooleanField(_("archived"), default=False)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+", editable=False)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    objects = EvidenceQuerySet.as_manager()

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse("tracking:evidence_download", args=[self.pk])
