"""The one permissions module: predicates for every role, querysets narrowed per role, and
no role read anywhere else."""

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser

from nmirf.accounts import permissions
from nmirf.audit import record
from nmirf.audit.models import Action, AuditEvent
from nmirf.ingest.models import ImportRun
from nmirf.recommendations.models import Recommendation
from tests.recommendations.builders import make_rec, make_review

PERSONAS = ["administrator", "coordinator", "focal_point", "observer", "anonymous"]


def persona(request, name):
    return AnonymousUser() if name == "anonymous" else request.getfixturevalue(name)


PREDICATES = {
    # predicate: the personas it lets through
    "can_view_registry": {"administrator", "coordinator", "focal_point", "observer"},
    "can_import": {"administrator", "coordinator"},
    "can_resolve_duplicates": {"administrator", "coordinator"},
    "can_edit_reference_data": {"administrator"},
    "can_edit_recommendations": {"administrator"},
    "can_manage_accounts": {"administrator"},
    "can_view_audit_log": {"administrator"},
    "can_view_change_log": {"administrator", "coordinator"},
    "can_view_entities": {"administrator", "coordinator", "focal_point", "observer"},
    "can_manage_entities": {"administrator", "coordinator"},
    "can_be_focal_point": {"focal_point"},
    "can_assign": {"administrator", "coordinator"},
    "can_view_assignments": {"administrator", "coordinator", "focal_point", "observer"},
    "can_view_my_recommendations": {"administrator", "coordinator", "focal_point",
                                    "observer"},
    "can_view_calendar": {"administrator", "coordinator", "focal_point"},
    "can_manage_follow_up": {"administrator", "coordinator"},
}


@pytest.mark.parametrize("name", PERSONAS)
@pytest.mark.parametrize("predicate", sorted(PREDICATES))
def test_permission_predicate_for_each_role(request, db, name, predicate):
    user = persona(request, name)
    assert getattr(permissions, predicate)(user) is (name in PREDICATES[predicate])


@pytest.mark.parametrize("predicate", sorted(PREDICATES))
def test_permission_a_disabled_account_may_do_nothing(db, coordinator, predicate):
    coordinator.is_active = False
    assert getattr(permissions, predicate)(coordinator) is False


def test_permission_a_superuser_counts_as_an_administrator(db, observer):
    observer.is_superuser = True
    assert permissions.role_of(observer) == "administrator"
    assert permissions.can_edit_reference_data(observer)


@pytest.fixture
def rows(db, administrator, observer):
    make_rec(make_review("SVN", "UPR", session=7, cycle=1), "Ratify the Convention.")
    ImportRun.objects.create(source="upr_info", files=["x.csv"])
    record(Action.LOGIN, actor=observer)
    record(Action.CHANGED, actor=administrator, target=observer, before={"a": 1},
           after={"a": 2})


@pytest.mark.parametrize("name, recommendations, runs, events", [
    ("administrator", 1, 1, "all"),  # sign-ins and accounts created too
    ("coordinator", 1, 1, 1),  # the change, not the sign-in
    ("focal_point", 1, 0, 0),
    ("observer", 0, 0, 0),  # nothing is shared with observers here (tests/consultation)
    ("anonymous", 0, 0, 0),
])
def test_permission_querysets_are_narrowed_per_role(request, rows, name, recommendations, runs,
                                                     events):
    user = persona(request, name)
    assert Recommendation.objects.visible_to(user).count() == recommendations
    assert ImportRun.objects.visible_to(user).count() == runs
    expected = AuditEvent.objects.count() if events == "all" else events
    assert AuditEvent.objects.visible_to(user).count() == expected


NMIRF = Path(__file__).resolve().parents[2] / "nmirf"
# Reading a role, or a flag that stands for one, outside the permissions module.
ROLE_CHECK = re.compile(r"\.role\s*(==|!=|\bin\b)|Role\.(ADMINISTRATOR|COORDINATOR|FOCAL_POINT|"
                        r"OBSERVER)\s*(==|!=|\bin\b)|\.is_superuser\b|\.is_coordinator\b|"
                        r"\.is_administrator\b|user\.is_staff\b")
ALLOWED = {"accounts/permissions.py", "accounts/models.py", "accounts/auditing.py"}


def test_access_no_view_template_or_admin_checks_a_role_itself():
    """Who may do what is read in accounts/permissions.py only (the model sets is_staff from
    the role, and the audit trail records role changes: both say what a role *is*)."""
    offenders = []
    for path in NMIRF.rglob("*"):
        if path.suffix not in (".py", ".html") or "migrations" in path.parts:
            continue
        relative = path.relative_to(NMIRF).as_posix()
        if relative in ALLOWED:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if ROLE_CHECK.search(line):
                offenders.append(f"{relative}:{number}: {line.strip()}")
    assert offenders == []


def test_access_the_base_knows_no_app():
    """nmirf/core is the base: it imports no app of the project."""
    imports = re.compile(r"^\s*(from|import)\s+nmirf\.(?!core\b)", re.MULTILINE)
    offenders = [path.name for path in (NMIRF / "core").rglob("*.py")
                 if imports.search(path.read_text(encoding="utf-8"))]
    assert offenders == []


@pytest.mark.parametrize("name", PERSONAS)
def test_permission_whose_deadlines_are_ones_own(request, db, name, entity):
    """The secretariat answers for every deadline (None); a focal point for those of the
    entities they currently belong to; anyone else for none."""
    from nmirf.tracking.models import Membership

    user = persona(request, name)
    if name == "focal_point":
        Membership.objects.create(entity=entity, user=user)
    expected = {"administrator": None, "coordinator": None, "focal_point": {entity.pk},
                "observer": set(), "anonymous": set()}[name]
    assert permissions.deadline_entities_of(user) == expected

