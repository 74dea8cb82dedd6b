"""The writes on actions: create, change (with the version check of concurrent edits) and
archive, each all-or-nothing and recorded in the audit trail field by field (the linked
recommendations and clusters included). Whoever calls these has checked
`permissions.can_edit_action` / `entities_for_actions`; these check that the change makes
sense and refuse it with a message in the reader's language (ValidationError)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from nmirf.audit.changes import tracking

from . import indicator_schedule
from .models import Action


class ActionConflict(ValidationError):
    """The action changed since the form was read; `current` is the action as it is now
    (the page shows where it differs from what the person typed)."""

    def __init__(self, current: Action):
        super().__init__(
            _("Someone else saved this action on %(when)s, after you opened it. Your changes "
              "were not saved: they are still in the form below. Compare them with the "
              "action as it is now, then save again.")
            % {"when": date_format(localtime(current.updated_at), "DATETIME_FORMAT")},
            code="conflict")
        self.current = current


def check_dates(action: Action) -> None:
    if action.start_date and action.target_date and action.target_date < action.start_date:
        raise ValidationError({"target_date": _(
            "The target date (%(target)s) is before the start date (%(start)s).") % {
            "target": date_format(action.target_date), "start": date_format(action.start_date)}},
            code="target_before_start")


@transaction.atomic
def save_action(action: Action, *, recommendations, clusters, read_version: int | None = None,
                user=None) -> Action:
    """Create (`action.pk` None) or change an action and its links. For a change,
    `read_version` is the version the form was read at: if the action was saved since,
    ActionConflict (nothing written)."""
    check_dates(action)
    if action.budget is not None and not action.currency:
        raise ValidationError({"currency": _("Give the currency of the budget.")},
                              code="currency_required")
    if action.responsible_entity.archived:
        raise ValidationError({"responsible_entity": _(
            "%(entity)s is archived: choose an active entity.") % {
            "entity": action.responsible_entity.name}}, code="archived_entity")
    if action.pk is not None:
        current = Action.objects.select_for_update(of=("self",)).get(pk=action.pk)
        if read_version != current.version:
            raise ActionConflict(current)
        if current.archived:
            raise ValidationError(_("This action is archived: restore it before changing it."),
                                  code="archived")
        action.version = current.version + 1
    elif user is not None and user.is_authenticated:
        action.created_by = user
    with tracking(action):
        action.save()
        action.recommendations.set(recommendations)
        action.clusters.set(clusters)
    # Its dates bound the indicators' due dates.
    indicator_schedule.refresh(action.indicators.all())
    return action


@transaction.atomic
def set_archived(action: Action, archived: bool) -> Action:
    action = Action.objects.select_for_update(of=("self",)).get(pk=action.pk)
    if action.archived == archived:
        return action
    with tracking(action):
        action.archived = archived
        action.version += 1
        action.save(update_fields=["archived", "version", "updated_at"])
    return action

