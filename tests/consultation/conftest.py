"""The fixtures of consultation's tests: the small registry with one recommendation shared,
and the people of the NHRI."""

import pytest

from nmirf.accounts.models import Role
from nmirf.consultation import services
from nmirf.tracking.models import Entity, Membership
from tests.recommendations.builders import build_registry


@pytest.fixture
def r(db, coordinator):
    """The small registry; the torture recommendation shared with observers."""
    registry = build_registry()
    services.set_shared(registry.torture, True, user=coordinator)
    return registry


@pytest.fixture
def nhri(db):
    return Entity.objects.create(name="Human Rights Ombudsman", kind="nhri")


@pytest.fixture
def nhri_observer(db, nhri):
    """An observer who writes for the NHRI (the demo's kind of account)."""
    from tests.conftest import _make_user

    user = _make_user("nina-nhri", Role.OBSERVER, first_name="Nina", last_name="Zupan")
    Membership.objects.create(entity=nhri, user=user)
    return user


@pytest.fixture
def nhri_focal_point(db, nhri):
    """A focal point of the NHRI: reads what is shared internally, comments as an observer."""
    from tests.conftest import _make_user

    user = _make_user("nejc-nhri", Role.FOCAL_POINT)
    Membership.objects.create(entity=nhri, user=user)
    return user
