"""Sign-in lockout: two limits (per account, per address), the page a locked-out person
sees, and the one audited way to unlock.

django-axes counts the failures (nmirf/settings.py, "Accounts and sign-in"); it knows a
single limit, so the handler below scales the address count onto the account limit.
"""

from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Subquery, Sum
from django.db.models.functions import Coalesce
from django.shortcuts import render
from django.utils import timezone

from nmirf import audit
from nmirf.audit.models import Action

from .auditing import account_target


def account_limit() -> int:
    return settings.NMIRF_LOGIN_FAILURE_LIMIT


def failure_limit(request=None, credentials=None) -> int:
    """django-axes' AXES_FAILURE_LIMIT: the account limit (addresses are scaled onto it)."""
    return account_limit()


def address_limit() -> int:
    return settings.NMIRF_LOGIN_ADDRESS_FAILURE_LIMIT


def lockout_minutes() -> int:
    return settings.NMIRF_LOGIN_LOCKOUT_MINUTES


def _recent(attempts):
    if lockout_minutes():
        since = timezone.now() - timezone.timedelta(minutes=lockout_minutes())
        attempts = attempts.filter(attempt_time__gte=since)
    return attempts


def _failures(attempts) -> int:
    return _recent(attempts).aggregate(total=Sum("failures_since_start"))["total"] or 0


def is_account_locked(username: str) -> bool:
    return _failures(AccessAttempt.objects.filter(username=username)) >= account_limit()


def account_failures(username):
    """An account's recent failures as an expression, to annotate a list of accounts in one
    query (`username` is OuterRef("username")); locked when it reaches account_limit()."""
    totals = (_recent(AccessAttempt.objects.filter(username=username)).order_by()
              .values("username").annotate(total=Sum("failures_since_start")).values("total"))
    return Coalesce(Subquery(totals), 0)


def is_address_locked(ip_address: str) -> bool:
    return _failures(AccessAttempt.objects.filter(ip_address=ip_address)) >= address_limit()


class LockoutHandler(AxesDatabaseHandler):
    """django-axes' database handler with a limit per account and another per address,
    and an audit event when a lock begins."""

    def get_failures(self, request, credentials=None) -> int:
        # django-axes compares one count with one limit (the account's): the address count
        # is scaled so that it reaches that limit exactly at the address limit.
        username = get_client_username(request, credentials)
        by_account = _failures(AccessAttempt.objects.filter(username=username)) if username else 0
        by_address = _failures(AccessAttempt.objects.filter(ip_address=request.axes_ip_address))
        return max(by_account, by_address * account_limit() // address_limit())

    def user_login_failed(self, sender, credentials, request=None, **kwargs):
        was_locked = request is not None and self.is_locked(request, credentials)
        super().user_login_failed(sender, credentials, request=request, **kwargs)
        if request is not None and request.axes_locked_out and not was_locked:
            _record_lockout(request, credentials)

    def reset_user_attempts(self, request, credentials=None) -> int:
        # A successful sign-in forgets that account's failures only: signing in to one's own
        # account must not wipe the count of an address that is guessing others' passwords.
        username = (credentials or {}).get("username")
        if not username:
            return 0
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        return count


def _record_lockout(request, credentials) -> None:
    username = (credentials or {}).get("username") or ""
    by = "account" if username and is_account_locked(username) else "address"
    audit.record(Action.LOCKOUT, actor_username=username, **account_target(username),
                 after={"locked": by, "address": request.axes_ip_address,
                        "minutes": lockout_minutes() or None},
                 request=request)


def lockout_response(request, original_response=None, credentials=None):
    """The page a locked-out person sees (django-axes' AXES_LOCKOUT_CALLABLE), in the
    site's layout, with status 429 (Too Many Requests)."""
    context = {
        "minutes": lockout_minutes(),
        "contact": settings.NMIRF_ACCOUNTS_CONTACT,
    }
    return render(request, "accounts/locked_out.html", context, status=429)


def unlock(*, username: str | None = None, ip_address: str | None = None, actor=None,
           request=None) -> int:
    """Forget the failed sign-ins of an account or of an address, so that it may sign in
    again; returns how many records were cleared. Every unlock path (admin, command) comes
    here, so that each leaves an audit event."""
    if not username and not ip_address:
        raise ValueError("Say which account or which address to unlock.")
    count = AxesProxyHandler.reset_attempts(username=username, ip_address=ip_address)
    audit.record(Action.UNLOCK, actor=actor, **account_target(username, username or ip_address),
                 after={"username": username, "address": ip_address, "cleared": count},
                 request=request)
    return count
