"""Fixtures of the file-reading tests."""

import pytest


@pytest.fixture
def huge_file(tmp_path):
    """Where a test writes a 100 MB file; removed afterwards (pytest keeps old tmp dirs)."""
    paths = []

    def make(name: str):
        paths.append(tmp_path / name)
        return paths[-1]

    yield make
    for path in paths:
        path.unlink(missing_ok=True)
