"""The audit trail: who did what, when, to which object, with the values before and after.

Other apps call `audit.record(...)` (see service.py); nothing here knows those apps.
Events are append-only: never changed, never deleted (models.py, admin.py).
"""


def record(action, **kwargs):
    """Write one audit event; see nmirf.audit.service.record (imported late so that this
    package can be imported before the app registry is ready)."""
    from .service import record as _record

    return _record(action, **kwargs)


def record_many(action, targets, **kwargs):
    """The same event on each of `targets`, in one bulk INSERT; see
    nmirf.audit.service.record_many."""
    from .service import record_many as _record_many

    return _record_many(action, targets, **kwargs)


def record_each(action, changes, **kwargs):
    """One event per (target, before, after), in one bulk INSERT; see
    nmirf.audit.service.record_each."""
    from .service import record_each as _record_each

    return _record_each(action, changes, **kwargs)
