"""The world the access tests share (tests/accounts/access_matrix.py)."""

import pytest

from .access_matrix import build_world


@pytest.fixture
def world(administrator, coordinator, focal_point, observer):
    """One object of each kind on the focal point's own entity and on another."""
    return build_world({"administrator": administrator, "coordinator": coordinator,
                        "focal_point": focal_point, "observer": observer})
