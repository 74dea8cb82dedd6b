"""`record()`: the one way to write an audit event, for every app."""

import ipaddress

from django.conf import settings
from django.contrib.contenttypes.models import ContentType

from .context import current_request
from .models import Action, AuditEvent

USER_AGENT_LENGTH = AuditEvent._meta.get_field("user_agent").max_length
TARGET_REPR_LENGTH = AuditEvent._meta.get_field("target_repr").max_length


def _event(action: str, *, actor=None, actor_username: str | None = None, target=None,
           target_repr: str | None = None, before=None, after=None,
           request=None) -> AuditEvent:
    """An unsaved event (see record)."""
    if action not in Action.values:
        raise ValueError(f"Unknown audit action {action!r}: add it to nmirf.audit.models.Action")
    request = request if request is not None else current_request()
    if actor is None and request is not None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            actor = user
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    if actor_username is None:
        actor_username = actor.get_username() if actor is not None else ""
    event = AuditEvent(
        action=action, actor=actor, actor_username=(actor_username or "")[:150],
        before=before, after=after,
    )
    if target is not None:
        event.target_type = ContentType.objects.get_for_model(target)
        event.target_id = str(target.pk)
        event.target_repr = str(target)[:TARGET_REPR_LENGTH]
    if target_repr is not None:
        event.target_repr = target_repr[:TARGET_REPR_LENGTH]
    if request is not None:
        event.ip_address = client_address(request)
        event.user_agent = request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_LENGTH]
    return event


def record(action: str, *, actor=None, actor_username: str | None = None, target=None,
           target_repr: str | None = None, before=None, after=None, request=None) -> AuditEvent:
    """Write one event. `actor` defaults to the signed-in person of `request` (or of the
    request being served); `actor_username` names someone who has no session (a failed
    sign-in); `target` is any saved model instance; `before`/`after` are JSON-able dicts."""
    event = _event(action, actor=actor, actor_username=actor_username, target=target,
                   target_repr=target_repr, before=before, after=after, request=request)
    event.save()
    return event


def record_many(action: str, targets, *, actor=None, before=None, after=None) -> int:
    """The same event on each of `targets` (saved instances), written in one bulk INSERT
    rather than one query each: how many were written."""
    events = [_event(action, actor=actor, target=target, before=before, after=after)
              for target in targets]
    AuditEvent.objects.bulk_create(events, batch_size=500)
    return len(events)


def record_each(action: str, changes, *, actor=None) -> int:
    """One event per (target, before, after) of `changes`, each with its own values, in one
    bulk INSERT (a bulk decision that changes each object differently): how many."""
    events = [_event(action, actor=actor, target=target, before=before, after=after)
              for target, before, after in changes]
    AuditEvent.objects.bulk_create(events, batch_size=500)
    return len(events)


def client_address(request) -> str | None:
    """The address a request came from, for the audit trail and the sign-in throttle
    (django-axes' AXES_CLIENT_IP_CALLABLE). Behind NMIRF_PROXY_COUNT reverse proxies, each
    of which appends the address it saw to X-Forwarded-For, it is the entry the farthest of
    them wrote: entries to its left come from the client and cannot be trusted. None when
    there is no valid address (PostgreSQL's inet column would refuse it)."""
    candidate = request.META.get("REMOTE_ADDR")
    count = getattr(settings, "NMIRF_PROXY_COUNT", 0)
    if count:
        forwarded = [part.strip() for part in
                     request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= count:
            candidate = forwarded[-count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return None
