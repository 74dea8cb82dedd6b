"""Schema choices made for speed that a later migration could silently undo."""

import pytest
from django.db import connection

from nmirf.recommendations.models import RecommendationTerm, RecommendingState, SourceRecord

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor != "sqlite", reason="a SQLite schema detail")
@pytest.mark.parametrize("model", [RecommendingState, RecommendationTerm, SourceRecord])
def test_tables_filled_in_bulk_are_plain_rowid_tables(model):
    # Migration 0003: AUTOINCREMENT halves the speed of writing these tables. A migration
    # that rebuilds one of them brings it back: run 0003's rebuild again after it.
    with connection.cursor() as cursor:
        cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = %s",
                       [model._meta.db_table])
        (create,) = cursor.fetchone()
    assert "AUTOINCREMENT" not in create
    assert '"id" integer NOT NULL PRIMARY KEY' in create


def test_their_rows_are_still_numbered_by_the_database(db):
    from .builders import build_registry

    registry = build_registry()
    links = RecommendationTerm.objects.filter(recommendation=registry.roma)
    assert len({link.pk for link in links}) == links.count() > 1
