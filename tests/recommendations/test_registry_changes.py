"""The change log itself: what the triggers write, what an import's bulk insertion writes,
and that a failed insertion leaves the triggers as they were."""

import time

import pytest
from django.db import transaction

from nmirf.recommendations import registry_changes
from nmirf.recommendations.models import Recommendation, RegistryChange

from .builders import build_registry, make_rec

pytestmark = pytest.mark.django_db


@pytest.fixture
def r():
    return build_registry()


def logged_since(tick: int) -> set:
    return set(RegistryChange.objects.filter(tick__gt=tick)
               .values_list("recommendation_id", flat=True))


def test_an_edit_is_logged_with_a_new_tick_and_a_reference_change_as_none(r):
    before = registry_changes.read_clock()
    Recommendation.objects.filter(pk=r.arabic.pk).update(position="noted")
    r.svn20.label = "renamed"
    r.svn20.save()
    after = registry_changes.read_clock()
    assert after.tick > before.tick and after.token != before.token
    assert logged_since(before.tick) == {r.arabic.pk, None}
    for at in RegistryChange.objects.filter(tick__gt=before.tick).values_list("at", flat=True):
        assert abs(at - time.time()) < 120  # when, in seconds since 1970: what prune reads
    changes = registry_changes.changes_since(before, after)
    assert changes.recommendations == {r.arabic.pk} and changes.reference


def test_a_bulk_insertion_is_logged_once_set_based(r):
    before = registry_changes.read_clock()
    first = Recommendation.objects.order_by("-pk").values_list("pk", flat=True)[0] + 1
    with transaction.atomic(), registry_changes.bulk_insert(first_id=first):
        one = make_rec(r.svn34, "Bulk one.", recommending=["FRA"], terms=[r.children])
        two = make_rec(r.svn34, "Bulk two.")
        assert logged_since(before.tick) == set()  # the triggers are set aside
    ticks = set(RegistryChange.objects.filter(tick__gt=before.tick).values_list("tick",
                                                                                flat=True))
    assert logged_since(before.tick) == {one.pk, two.pk} and len(ticks) == 1


def test_a_failed_bulk_insertion_puts_the_triggers_back(r):
    first = Recommendation.objects.order_by("-pk").values_list("pk", flat=True)[0] + 1
    with transaction.atomic():
        with pytest.raises(RuntimeError), transaction.atomic(), \
                registry_changes.bulk_insert(first_id=first):
            make_rec(r.svn34, "Rolled back.")
            raise RuntimeError("the import failed")
        before = registry_changes.read_clock()
        Recommendation.objects.filter(pk=r.arabic.pk).update(position="noted")
        assert logged_since(before.tick) == {r.arabic.pk}


def test_pruning_keeps_what_is_recent_and_the_latest_tick_and_raises_the_horizon(r):
    behind = registry_changes.read_clock()
    Recommendation.objects.filter(pk=r.arabic.pk).update(position="noted")
    assert registry_changes.prune() == 0  # younger than an hour: kept
    clock = registry_changes.read_clock()
    assert registry_changes.prune(keep_seconds=-10) > 0
    assert set(RegistryChange.objects.values_list("tick", flat=True)) == {clock.tick}
    # A process at the latest tick patches the next change; one behind the horizon
    # cannot know what changed, and rebuilds.
    assert registry_changes.changes_since(clock, clock) is not None
    assert registry_changes.changes_since(behind, clock) is None


def test_every_logged_table_has_its_triggers(db):
    """Migration 0007 installs them; on SQLite a migration that remakes a table (Django
    does to alter a column) drops its triggers with it: install them again after it."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT c.relname, count(*) FROM pg_trigger t JOIN pg_class c "
                           "ON c.oid = t.tgrelid WHERE t.tgname LIKE 'nmirf_log_%%' "
                           "GROUP BY c.relname")
        else:
            cursor.execute("SELECT tbl_name, count(*) FROM sqlite_master WHERE type = "
                           "'trigger' AND name LIKE 'nmirf_log_%' GROUP BY tbl_name")
        triggers = dict(cursor.fetchall())
    for table in registry_changes.RECOMMENDATION_TABLES:
        assert triggers.get(table) == 3, table  # insert, update, delete
    for table in registry_changes.REFERENCE_TABLES:
        assert triggers.get(table, 0) >= 1, table
