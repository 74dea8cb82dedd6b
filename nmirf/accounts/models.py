"""People and the roles that later work gives powers to.

A role is a plain field rather than Django groups: what each role may do is decided in one
place, nmirf/accounts.permissions.py, and the role is what that module reads.
"""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMINISTRATOR = "administrator", _("Administrator")
    COORDINATOR = "coordinator", _("NMIRF coordinator")
    FOCAL_POINT = "focal_point", _("Entity focal point")
    OBSERVER = "observer", _("Observer")


class User(AbstractUser):
    role = models.CharField(
        _("role"), max_length=20, choices=Role.choices, default=Role.OBSERVER, db_index=True
    )
    preferred_language = models.CharField(_("preferred language"), max_length=8, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def save(self, *args, **kwargs):
        # The Django admin lets in staff only: administrators are staff by their role.
        if self.role == Role.ADMINISTRATOR:
            self.is_staff = True
        # The audit trail hears of role, access and password changes here, in the save
        # path, so that the admin, a view, a command and the shell are all recorded
        # (QuerySet.update() bypasses it: change people through save()).
        from .auditing import AccountChanges

        changes = AccountChanges.before_save(self, kwargs.get("update_fields"))
        super().save(*args, **kwargs)
        changes.after_save(self)

    @property
    def is_administrator(self) -> bool:
        return self.is_superuser or self.role == Role.ADMINISTRATOR

    @property
    def is_coordinator(self) -> bool:
        return self.role == Role.COORDINATOR
