"""gunicorn's configuration: the registry index is built in the master before the workers
fork, so that no visitor waits for it and the workers share its memory."""

import gc
import logging

import pytest

from nmirf.operations import gunicorn_config
from nmirf.recommendations import registry_index
from tests.recommendations.builders import build_registry


class FakeServer:
    log = logging.getLogger("test.gunicorn")


@pytest.fixture
def unfrozen():
    yield
    gc.unfreeze()


@pytest.mark.django_db
def test_the_master_builds_the_index_and_closes_its_connection(monkeypatch, unfrozen):
    build_registry()
    monkeypatch.setattr(registry_index, "_cached", None)
    closed = []
    monkeypatch.setattr("django.db.connections.close_all", lambda: closed.append(True))
    gunicorn_config.when_ready(FakeServer())
    assert registry_index._cached is not None
    assert registry_index._cached.active.sum() == 7  # the registry's active ones
    # What searches read ahead: the names of each language, the "Did you mean" vocabulary.
    from django.conf import settings

    from nmirf.recommendations import registry_search

    kept = registry_index._cached.resolved
    assert {key[1] for key in kept if key[0] == "search names"} == {
        code for code, _name in settings.LANGUAGES}
    assert registry_search._vocabulary is not None
    assert registry_search._vocabulary._candidates is not None
    assert closed == [True]  # a connection forked into every worker would be shared
    assert gc.get_freeze_count() > 0


def test_a_database_not_ready_leaves_the_build_to_the_workers(monkeypatch, caplog, unfrozen):
    def refuse():
        raise RuntimeError("no such table: recommendations_registryversion")

    monkeypatch.setattr(registry_index, "current_index", refuse)
    monkeypatch.setattr("django.db.connections.close_all", lambda: None)
    with caplog.at_level(logging.WARNING, logger="test.gunicorn"):
        gunicorn_config.when_ready(FakeServer())
    assert "registry index not built before forking" in caplog.text
    assert "no such table" in caplog.text
