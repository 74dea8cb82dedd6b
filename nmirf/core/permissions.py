"""The one write rule: every view, API endpoint and import asks these predicates.

Each predicate takes the acting user (possibly anonymous) and, where it matters, the object.
Later capabilities (assignments, progress, validation) add their predicates here, e.g.
`is_focal_point_of_assigned_entity`, so that who-may-do-what stays readable in one file.
"""

from nmirf.accounts.models import Role

STAFF_ROLES = {Role.ADMINISTRATOR, Role.COORDINATOR}


def _role(user) -> str | None:
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        return Role.ADMINISTRATOR
    return user.role


def can_view_registry(user) -> bool:
    """Everyone with an account reads the internal registry (the public portal comes later)."""
    return _role(user) is not None


def can_import(user) -> bool:
    """Imports change the registry: only the NMIRF secretariat runs them."""
    return _role(user) in STAFF_ROLES


def can_view_import_run(user, run) -> bool:
    return can_import(user)


def can_edit_reference_data(user) -> bool:
    return _role(user) == Role.ADMINISTRATOR


def can_resolve_duplicates(user) -> bool:
    """Deciding that two recommendations are one is the secretariat's call."""
    return _role(user) in STAFF_ROLES


def can_manage_accounts(user) -> bool:
    """Creating people, giving roles and unlocking sign-in are the administrator's."""
    return _role(user) == Role.ADMINISTRATOR


def can_view_audit_log(user) -> bool:
    return _role(user) == Role.ADMINISTRATOR
