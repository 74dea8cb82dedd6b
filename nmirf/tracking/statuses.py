"""Setting a recommendation's implementation status: with a reason, kept in its history
(StatusChange), recorded in the audit trail, and refused when someone else changed it
since the person read it (two people editing at once: the second save does not silently
undo the first).

Whoever calls `set_status` has checked `permissions.can_set_status`."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from nmirf.audit import record
from nmirf.audit.models import Action

from .models import ImplementationStatus, RecommendationStatus, StatusChange, person_name


class StatusConflict(ValidationError):
    """The status changed since the form was read. `current` is the row as it is now, so
    the page can show what changed; the person's own input is kept by the form."""

    def __init__(self, current: RecommendationStatus):
        who = person_name(current.changed_by) if current.changed_by else _("someone")
        super().__init__(
            _("%(person)s changed the status to “%(status)s” on %(when)s, after you opened "
              "this page (their reason: “%(reason)s”). Your change was not saved. Read "
              "theirs, then save yours again if it should replace it.") % {
                "person": who, "status": current.get_status_display(),
                "when": date_format(localtime(current.changed_at), "DATETIME_FORMAT"),
                "reason": current.reason},
            code="conflict")
        self.current = current


def current_status(recommendation) -> RecommendationStatus:
    """The stored status, or an unsaved "not started" at version 0."""
    status = RecommendationStatus.objects.select_related("changed_by").filter(
        recommendation=recommendation).first()
    return status or RecommendationStatus(recommendation=recommendation)


@transaction.atomic
def set_status(recommendation, status: str, reason: str, *, read_version: int,
               user=None) -> RecommendationStatus:
    """Set the status with a reason. `read_version` is the version the person's form was
    read at; if the status changed since, StatusConflict (nothing written)."""
    if status not in ImplementationStatus.values:
        raise ValidationError(_("Choose one of the implementation statuses."), code="status")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Say why: the reason is kept with the status."),
                              code="reason_required")
    # Lock the row (or, for the first status, the recommendation) so that two saves at
    # the same moment are taken one after the other and the second sees the first.
    type(recommendation).objects.select_for_update().filter(pk=recommendation.pk).first()
    row = RecommendationStatus.objects.select_for_update(of=("self",)).select_related(
        "changed_by").filter(recommendation=recommendation).first()
    version = row.version if row else 0
    if read_version != version:
        if row is None:  # a version that never was: the form was tampered with
            raise ValidationError(_("This form was altered or is incomplete: open the page "
                                    "again and retry."), code="version")
        raise StatusConflict(row)
    previous = row.status if row else ImplementationStatus.NOT_STARTED
    previous_reason = row.reason if row else ""
    if previous == status and previous_reason == reason:
        raise ValidationError(_("Nothing changed: the status and the reason are the same."),
                              code="unchanged")
    person = user if user is not None and user.is_authenticated else None
    if row is None:
        row = RecommendationStatus(recommendation=recommendation)
    row.status, row.reason, row.version, row.changed_by = status, reason, version + 1, person
    row.save()
    StatusChange.objects.create(recommendation=recommendation, status=status,
                                previous_status=previous, reason=reason,
                                version=row.version, changed_by=person)
    record(Action.STATUS_SET, target=recommendation,
           before={"implementation_status": ImplementationStatus(previous).label,
                   "status_reason": previous_reason},
           after={"implementation_status": ImplementationStatus(status).label,
                  "status_reason": reason})
    return row


def history(recommendation):
    return StatusChange.objects.filter(recommendation=recommendation).select_related(
        "changed_by")
