"""One row per thing a person (or the system on their behalf) did.

The actor is kept twice: as a link to the account (for filtering) and as the user name in
text, so that the event still says who it was after the account is gone. The target is
generic (content type + id + a readable text) for the same reason, and so that every app
can point at its own objects without this app knowing them.
"""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    # Signing in and out.
    LOGIN = "login", _("Signed in")
    LOGIN_FAILED = "login_failed", _("Sign-in failed")
    LOGOUT = "logout", _("Signed out")
    LOCKOUT = "lockout", _("Locked out")
    UNLOCK = "unlock", _("Unlocked")
    SECOND_FACTOR_PASSED = "second_factor_passed", _("Second factor accepted")
    SECOND_FACTOR_FAILED = "second_factor_failed", _("Second factor refused")
    # Accounts.
    USER_CREATED = "user_created", _("Account created")
    ROLE_CHANGED = "role_changed", _("Role changed")
    ACCOUNT_DISABLED = "account_disabled", _("Account disabled")
    ACCOUNT_ENABLED = "account_enabled", _("Account enabled")
    PASSWORD_CHANGED = "password_changed", _("Password changed")
    PASSWORD_RESET_REQUESTED = "password_reset_requested", _("Password reset requested")
    PASSWORD_RESET = "password_reset", _("Password reset")
    MFA_ENROLLED = "mfa_enrolled", _("Two-factor authentication turned on")
    MFA_REMOVED = "mfa_removed", _("Two-factor authentication turned off")
    RECOVERY_CODES_RENEWED = "recovery_codes_renewed", _("Recovery codes renewed")
    # What people change in the registry and in tracking (changes.py): before → after per
    # field. Imports are recorded by their import run, not here.
    CREATED = "created", _("Created")
    CHANGED = "changed", _("Changed")
    ARCHIVED = "archived", _("Archived")
    RESTORED = "restored", _("Restored")
    DELETED = "deleted", _("Deleted")
    DUPLICATE_CONFIRMED = "duplicate_confirmed", _("Confirmed as a duplicate")
    DUPLICATE_CLEARED = "duplicate_cleared", _("Kept apart from a possible duplicate")
    DUPLICATE_UNDONE = "duplicate_undone", _("Merge of duplicates undone")
    # Tracking: an entity's part in recommendations and clusters (one event for a bulk
    # assignment, whatever its size), and a recommendation's implementation status.
    ASSIGNED = "assigned", _("Assigned")
    UNASSIGNED = "unassigned", _("Assignment ended")
    STATUS_SET = "status_set", _("Implementation status set")


# The events that make up the log of changes a coordinator reads (no sign-ins, no accounts).
CHANGE_ACTIONS = (
    Action.CREATED, Action.CHANGED, Action.ARCHIVED, Action.RESTORED, Action.DELETED,
    Action.DUPLICATE_CONFIRMED, Action.DUPLICATE_CLEARED, Action.DUPLICATE_UNDONE,
    Action.ASSIGNED, Action.UNASSIGNED, Action.STATUS_SET,
)


def _narrowed_targets():
    """(content type, model) of the models that say `audit_narrowed = True`: some of their
    rows are hidden even from the secretariat (a draft progress update), so their events
    are narrowed like the rows (accounts.permissions.audit_events_visible_to)."""
    from django.apps import apps

    return [(ContentType.objects.get_for_model(model), model) for model in apps.get_models()
            if getattr(model, "audit_narrowed", False)]


class AppendOnlyQuerySet(models.QuerySet):
    """Bulk changes would bypass Model.save/delete: refuse them too."""

    def visible_to(self, user):
        """The events `user` may read (nmirf.accounts.permissions)."""
        from nmirf.accounts.permissions import audit_events_visible_to

        return audit_events_visible_to(self, user, change_actions=CHANGE_ACTIONS,
                                       narrowed_targets=_narrowed_targets())

    def changes(self):
        return self.filter(action__in=CHANGE_ACTIONS)

    def for_target(self, obj):
        """The history of one object, newest first (the per-object view of issue 8)."""
        return self.filter(target_type=ContentType.objects.get_for_model(obj),
                           target_id=str(obj.pk))

    def update(self, **kwargs):
        raise PermissionError("Audit events are never changed.")

    def delete(self):
        raise PermissionError("Audit events are never deleted.")


class AuditEvent(models.Model):
    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("who"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    actor_username = models.CharField(_("user name"), max_length=150, blank=True)
    action = models.CharField(_("what"), max_length=40, choices=Action.choices)
    target_type = models.ForeignKey(
        ContentType, verbose_name=_("kind of object"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    target_id = models.CharField(_("object id"), max_length=64, blank=True)
    target_repr = models.CharField(_("object"), max_length=200, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField(_("after"), null=True, blank=True, encoder=DjangoJSONEncoder)
    ip_address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-pk"]
        indexes = [
            # The log is read newest first, filtered by action, by person, or per object.
            models.Index(fields=["action", "-at"], name="audit_action_at"),
            models.Index(fields=["actor", "-at"], name="audit_actor_at"),
            models.Index(fields=["actor_username", "-at"], name="audit_username_at"),
            models.Index(fields=["target_type", "target_id", "-at"], name="audit_target_at"),
        ]

    def __str__(self):
        who = self.actor_username or "—"
        return f"{self.at:%Y-%m-%d %H:%M:%S} {who} {self.get_action_display()} {self.target_repr}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("Audit events are never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit events are never deleted.")
