"""The writes on indicators: create or change (with the version check of concurrent edits)
and archive, each recorded in the audit trail; each keeps the next due date
(indicator_schedule.refresh). Whoever calls these has checked
`permissions.can_edit_indicators`."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from nmirf.audit.changes import tracking

from . import indicator_schedule
from .progress_models import Indicator
from .versioning import locked_current


@transaction.atomic
def save_indicator(indicator: Indicator, *, read_version: int | None = None,
                   user=None) -> Indicator:
    """Create (`indicator.pk` None) or change an indicator; for a change, VersionConflict
    where it was saved since `read_version` (nothing written)."""
    if indicator.action.archived:
        raise ValidationError(_("This action is archived: restore it before changing its "
                                "indicators."), code="archived_action")
    if indicator.pk is not None:
        current = locked_current(indicator, read_version)
        if current.archived:
            raise ValidationError(_("This indicator is archived: restore it before changing "
                                    "it."), code="archived")
        indicator.version = current.version + 1
        indicator.action_id = current.action_id  # an indicator stays with its action
    elif user is not None and user.is_authenticated:
        indicator.created_by = user
    with tracking(indicator):
        indicator.save()
    indicator_schedule.refresh([indicator])
    return indicator


@transaction.atomic
def set_archived(indicator: Indicator, archived: bool) -> Indicator:
    indicator = Indicator.objects.select_for_update(of=("self",)).get(pk=indicator.pk)
    if indicator.archived != archived:
        with tracking(indicator):
            indicator.archived = archived
            indicator.version += 1
            indicator.save(update_fields=["archived", "version", "updated_at"])
        indicator_schedule.refresh([indicator])
    return indicator
