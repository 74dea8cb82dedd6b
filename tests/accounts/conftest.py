"""The world the access tests share (tests/accounts/access_matrix.py).

Built once per test module, inside a transaction that is rolled back when the module's
tests are done; each test runs in its own savepoint within it (pytest-django's `db`),
rolled back after the test, and gets its own copy of the world's Python objects. So no
test sees what another wrote, and the world is not built again for each of the matrix's
hundreds of requests."""

import copy
import shutil

import pytest
from django.db import transaction
from django.test import override_settings

from .access_matrix import build_world


def _personas() -> dict:
    """The shared personas (tests/conftest.py, same names and roles), made here: a
    module-wide world cannot stand on the function-scoped persona fixtures."""
    from nmirf.accounts.models import Role
    from tests.conftest import _make_user

    return {
        "administrator": _make_user("alice-admin", Role.ADMINISTRATOR, is_staff=True,
                                    is_superuser=True),
        "coordinator": _make_user("carla-coordinator", Role.COORDINATOR),
        "focal_point": _make_user("fatima-focal", Role.FOCAL_POINT),
        "observer": _make_user("oscar-observer", Role.OBSERVER),
    }


@pytest.fixture(scope="module")
def _module_world(django_db_setup, django_db_blocker, tmp_path_factory):
    folder = tmp_path_factory.mktemp("world")
    evidence = folder / "evidence"
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with override_settings(NMIRF_EVIDENCE_DIR=evidence, MEDIA_ROOT=folder / "media"):
                world = build_world(_personas())
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    yield world, evidence
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def world(_module_world, db, settings):
    """One object of each kind on the focal point's own entity and on another: this test's
    copy (its changes to the objects stay its own; the database's are rolled back), with
    the evidence files in this test's upload folder."""
    built, evidence = _module_world
    if evidence.exists():
        shutil.copytree(evidence, settings.NMIRF_EVIDENCE_DIR, dirs_exist_ok=True)
    return copy.deepcopy(built)
