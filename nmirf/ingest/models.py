"""Import runs: every import, from the command line or the web, leaves one row with its
counts and the per-row errors a person can read."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from nmirf.core.problems import localize

from .sources import find_adapter


class ImportRunQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The runs `user` may read (nmirf.accounts.permissions)."""
        from nmirf.accounts.permissions import import_runs_visible_to

        return import_runs_visible_to(self, user)


class ImportRun(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    class Failure(models.TextChoices):
        """Why a failed run failed: what decides whether it may be run again as it is."""
        FILE = "file", _("Refused: the file has problems")
        INTERRUPTED = "interrupted", _("Interrupted")
        ERROR = "error", _("Unexpected error")
        BUSY = "busy", _("Another import was writing")

    source = models.CharField(_("source format"), max_length=30)
    files = models.JSONField(_("files"), default=list)
    options = models.JSONField(default=dict, blank=True)
    dry_run = models.BooleanField(_("dry run"), default=False)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="import_runs",
    )
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    rows_read = models.PositiveIntegerField(_("rows read"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    possible_duplicates = models.PositiveIntegerField(_("possible duplicates"), default=0)
    message = models.TextField(_("message"), blank=True)
    # The message's template and parameters (core.problems.Message), to show it in the
    # reader's language; `message` keeps its English text.
    message_data = models.JSONField(null=True, blank=True, editable=False)
    failure = models.CharField(_("failure"), max_length=12, choices=Failure.choices,
                               blank=True)
    # The process carrying the run out ("host pid start-time", liveness.process_token) and
    # when it last said it was alive: a run whose process is gone is marked interrupted
    # by whoever next looks (liveness.reap_abandoned).
    holder = models.CharField(max_length=200, blank=True, editable=False)
    heartbeat_at = models.DateTimeField(null=True, blank=True, editable=False)
    retry_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="retries",
        verbose_name=_("retry of"),
    )

    objects = ImportRunQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import run")
        verbose_name_plural = _("import runs")

    def __str__(self) -> str:
        return f"#{self.pk} {self.source} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("ingest:run_detail", args=[self.pk])

    @property
    def progress_percent(self) -> int:
        if not self.progress_total:
            return 100 if self.status in (self.Status.SUCCEEDED, self.Status.FAILED) else 0
        return min(100, int(100 * self.progress_done / self.progress_total))

    @property
    def localized_message(self) -> str:
        return localize(self.message_data, self.message)

    @property
    def source_label(self) -> str:
        """The format's name in the reader's language ("UPR Info database export (CSV)")."""
        adapter = find_adapter(self.source)
        return str(adapter.label) if adapter else self.source

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)

    @property
    def is_retryable(self) -> bool:
        """Failed for a reason other than the file itself (interrupted, an unexpected error,
        another import writing), not yet retried, and its uploaded files still kept: the
        same files can be run again. A command-line run has no upload: rerun the command."""
        from .uploads import upload_dir

        return (self.status == self.Status.FAILED and self.failure in RETRYABLE
                and not self.retries.exists() and upload_dir(self.pk).is_dir())

    @property
    def ended_for_good(self) -> bool:
        """Nothing will run these files again: succeeded, or refused for the file's own
        problems (an upload is then removed)."""
        return self.status == self.Status.SUCCEEDED or (
            self.status == self.Status.FAILED and self.failure not in RETRYABLE)


RETRYABLE = {ImportRun.Failure.INTERRUPTED, ImportRun.Failure.ERROR, ImportRun.Failure.BUSY}


class ImportRowError(models.Model):
    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="errors")
    file = models.CharField(_("file"), max_length=300, blank=True)
    row = models.PositiveIntegerField(_("row"), null=True, blank=True)
    field = models.CharField(_("field"), max_length=100, blank=True)
    message = models.TextField(_("message"))
    message_data = models.JSONField(null=True, blank=True, editable=False)  # as on ImportRun

    class Meta:
        ordering = ["id"]
        verbose_name = _("import error")
        verbose_name_plural = _("import errors")

    def __str__(self) -> str:
        where = f"{self.file}, row {self.row}" if self.row else self.file
        return f"{where}: {self.message}"

    @property
    def column(self) -> str:
        """The column (or, in a document, the field) the problem is in, as a person finds
        it in the file: see Adapter.column_of."""
        adapter = find_adapter(self.run.source) if self.field else None
        return adapter.column_of(self.field) if adapter else self.field

    @property
    def localized_message(self) -> str:
        return localize(self.message_data, self.message)
