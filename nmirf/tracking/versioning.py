"""The version check of concurrent edits, for indicators and progress updates: a form
carries the version it was read at; a save based on an older one is refused, nothing
written (as action_services.ActionConflict does for actions)."""

from django.core.exceptions import ValidationError
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _


class VersionConflict(ValidationError):
    """`current` is the object as it is now."""

    def __init__(self, current):
        super().__init__(
            _("Someone else saved this on %(when)s, after you opened it. Your changes were "
              "not saved: open the page again to see it as it is now, then make them again.")
            % {"when": date_format(localtime(current.updated_at), "DATETIME_FORMAT")},
            code="conflict")
        self.current = current


def locked_current(instance, read_version):
    """The stored row of `instance`, locked until the transaction ends; VersionConflict
    where it was saved since `read_version`."""
    current = type(instance)._base_manager.select_for_update(of=("self",)).get(pk=instance.pk)
    if read_version != current.version:
        raise VersionConflict(current)
    return current
