"""The writes on a progress update that are not transitions (progress_workflow.py): write
or edit it with its indicator values (version check), attach and archive evidence. Each is
all-or-nothing and recorded in the audit trail. Whoever calls these has checked
`permissions.can_write_progress` / `can_edit_progress` / `can_attach_evidence`."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from nmirf.audit.changes import tracking

from . import evidence as evidence_files
from .progress_models import Evidence, IndicatorValue, ProgressState, ProgressUpdate
from .versioning import locked_current

EDITABLE_STATES = (ProgressState.DRAFT, ProgressState.RETURNED)


def _check(update: ProgressUpdate, values: dict) -> None:
    if update.period_end < update.period_start:
        raise ValidationError({"period_end": _("The period cannot end before it starts.")},
                              code="period")
    if update.action.archived:
        raise ValidationError(_("This action is archived: progress cannot be reported on it."),
                              code="archived_action")
    foreign = [indicator for indicator in values if indicator.action_id != update.action_id
               or indicator.archived]
    if foreign:
        raise ValidationError(_("An indicator of the form is not one of this action's: open "
                                "the page again and retry."), code="foreign_indicator")


@transaction.atomic
def save_update(update: ProgressUpdate, values: dict, *, read_version: int | None = None,
                user=None) -> ProgressUpdate:
    """Create (`update.pk` None, as a draft) or edit a draft or returned update, with
    `values` {indicator: Decimal or None} (None: no value). VersionConflict where it was
    saved since `read_version`; nothing written on any refusal."""
    _check(update, values)
    if update.pk is not None:
        current = locked_current(update, read_version)
        if current.state not in EDITABLE_STATES:
            raise ValidationError(_("This update was submitted: it can no longer be edited "
                                    "unless the secretariat returns it."), code="not_editable")
        update.version = current.version + 1
        update.action_id = current.action_id
        update.state = current.state
    elif user is not None and user.is_authenticated:
        update.created_by = user
    with tracking(update, actor=user):
        update.save()
        for indicator, value in values.items():
            if value is None:
                IndicatorValue.objects.filter(update=update, indicator=indicator).delete()
            else:
                IndicatorValue.objects.update_or_create(update=update, indicator=indicator,
                                                        defaults={"value": value})
    return update


@transaction.atomic
def attach(update: ProgressUpdate, upload, *, user) -> Evidence:
    """Check the file (size, then content) and keep it under a generated name. The file is
    written last: a refusal leaves neither a row nor a file; a database error after the
    write removes the file again."""
    update = ProgressUpdate.objects.select_for_update(of=("self",)).get(pk=update.pk)
    if update.state not in EDITABLE_STATES:
        raise ValidationError(_("This update was submitted: files can no longer be added "
                                "unless the secretariat returns it."), code="not_editable")
    kind = evidence_files.check(upload)
    stored_name, sha256 = evidence_files.store(upload)
    try:
        with tracking(update, actor=user):
            item = Evidence.objects.create(
                update=update, original_name=evidence_files.safe_name(upload.name),
                stored_name=stored_name, kind=kind.name, content_type=kind.content_type,
                size=upload.size, sha256=sha256, uploaded_by=user)
    except Exception:
        evidence_files.path_of(stored_name).unlink(missing_ok=True)
        raise
    return item


@transaction.atomic
def set_evidence_archived(item: Evidence, archived: bool, *, user) -> Evidence:
    """Take a file off an update (or put it back) while the update is editable; the file
    itself is kept."""
    item = Evidence.objects.select_for_update(of=("self",)).select_related("update").get(
        pk=item.pk)
    if item.update.state not in EDITABLE_STATES:
        raise ValidationError(_("This update was submitted: its files can no longer be "
                                "changed."), code="not_editable")
    if item.archived != archived:
        with tracking(item.update, actor=user):
            item.archived = archived
            item.save(update_fields=["archived"])
    return item
