"""One way to hand a list of ids to SQL (core/id_lists.py): one literal subquery, whatever
the number of ids, on SQLite and PostgreSQL alike."""

import pytest
from django.db import connection

from nmirf.core.id_lists import among, and_among, ids_subquery
from nmirf.recommendations.models import Mechanism


def _selected(sql: str) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM ({sql}) AS ids ORDER BY 1")
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.django_db
def test_the_subquery_selects_each_id():
    assert _selected(ids_subquery([3, 1, 2])) == [1, 2, 3]


@pytest.mark.django_db
def test_no_ids_select_nothing():
    assert _selected(ids_subquery([])) == []


@pytest.mark.django_db
def test_fifty_thousand_ids_are_one_statement():
    """More ids than SQLite's bound-parameter limit (32,766): one statement still."""
    assert len(_selected(ids_subquery(range(50_000)))) == 50_000


def test_only_integers_reach_the_sql():
    with pytest.raises(ValueError):
        ids_subquery(["1); DROP TABLE recommendations_recommendation; --"])


def test_none_narrows_nothing_and_a_list_narrows_to_it():
    assert and_among("id", None) == ""
    assert and_among("id", [7]).startswith(" AND id IN (")


@pytest.mark.django_db
def test_the_orm_form_works_in_a_lookup(reference_data):
    ids = list(Mechanism.objects.values_list("pk", flat=True)[:3])
    assert sorted(Mechanism.objects.filter(pk__in=among(ids)).values_list("pk", flat=True)) \
        == sorted(ids)
