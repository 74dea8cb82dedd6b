"""The request being served, for code that records an event far from any view (a model's
save, a signal): `record()` takes the actor, address and browser from it when not given.

A context variable rather than a thread-local, so that it also holds under ASGI.
"""

from contextvars import ContextVar

_current_request: ContextVar = ContextVar("nmirf_audit_request", default=None)


def current_request():
    return _current_request.get()


class AuditContextMiddleware:
    """Make the request known to audit.record() while it is served (after authentication)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            _current_request.reset(token)
