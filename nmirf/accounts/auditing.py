"""What the audit trail records about accounts: changes seen in User.save, sign-in signals
and two-factor devices (connected in apps.py)."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_delete
from django_otp.plugins.otp_totp.models import TOTPDevice

from nmirf import audit
from nmirf.audit.models import Action

# Fields whose change is a change of powers (role_changed), and the account's activity.
POWER_FIELDS = ("role", "is_superuser", "is_staff")


class AccountChanges:
    """Compares a user before and after save()."""

    def __init__(self, created: bool, previous: dict | None, password_changed: bool):
        self.created = created
        self.previous = previous
        self.password_changed = password_changed

    @classmethod
    def before_save(cls, user, update_fields):
        created = user._state.adding
        watched = POWER_FIELDS + ("is_active",)
        previous = None
        if not created and (update_fields is None or set(update_fields) & set(watched)):
            previous = type(user).objects.filter(pk=user.pk).values(*watched).first()
        # AbstractBaseUser.set_password keeps the raw password until save() (which then tells
        # the validators): a password set before saving an existing account is a change.
        password_changed = not created and user._password is not None
        return cls(created, previous, password_changed)

    def after_save(self, user):
        if self.created:
            audit.record(Action.USER_CREATED, target=user,
                         after={field: getattr(user, field) for field in POWER_FIELDS})
        if self.previous is not None:
            before = {f: self.previous[f] for f in POWER_FIELDS
                      if self.previous[f] != getattr(user, f)}
            if before:
                audit.record(Action.ROLE_CHANGED, target=user, before=before,
                             after={f: getattr(user, f) for f in before})
            if self.previous["is_active"] != user.is_active:
                action = Action.ACCOUNT_ENABLED if user.is_active else Action.ACCOUNT_DISABLED
                audit.record(action, target=user)
        if self.password_changed:
            action = getattr(user, "password_audit_action", Action.PASSWORD_CHANGED)
            audit.record(action, target=user)
            user.password_audit_action = Action.PASSWORD_CHANGED


def _logged_in(sender, request, user, **kwargs):
    audit.record(Action.LOGIN, actor=user, target=user, request=request)


def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit.record(Action.LOGOUT, actor=user, target=user, request=request)


def account_target(username: str | None, missing: str | None = None) -> dict:
    """audit.record()'s target for an account known by its user name: the account where it
    exists, else `missing` (the name by default) as text, e.g. a name nobody has."""
    from .models import User

    user = User.objects.filter(username=username).first() if username else None
    return {"target": user, "target_repr": None if user else (missing or username)}


def _login_failed(sender, credentials, request=None, **kwargs):
    username = (credentials or {}).get("username") or ""
    locked = bool(getattr(request, "axes_locked_out", False))
    audit.record(Action.LOGIN_FAILED, actor_username=username, **account_target(username),
                 after={"locked": locked}, request=request)


def _device_deleted(sender, instance, **kwargs):
    if instance.confirmed:
        audit.record(Action.MFA_REMOVED, target=instance.user)


def connect():
    user_logged_in.connect(_logged_in, dispatch_uid="nmirf.accounts.audit.logged_in")
    user_logged_out.connect(_logged_out, dispatch_uid="nmirf.accounts.audit.logged_out")
    user_login_failed.connect(_login_failed, dispatch_uid="nmirf.accounts.audit.login_failed")
    post_delete.connect(_device_deleted, sender=TOTPDevice,
                        dispatch_uid="nmirf.accounts.audit.device_deleted")
