"""A tracking change costs the readers little: a status set, an assignment, a progress
update validated and an action's new target date each show in the coordinator's list and
facet counts on the very next request, patched into the registry index for the
recommendations they bear on — the index is neither rebuilt nor made to read again every
lead, cluster, progress or deadline pair, nor the reference data. And writes that change
no filter (a draft saved, an action's title) move no tick at all."""

import datetime

import pytest
from django.urls import reverse

from nmirf.recommendations import registry_changes, registry_index
from nmirf.tracking import action_services, assigning, progress_workflow
from nmirf.tracking.models import Action
from tests.recommendations.builders import build_registry
from tests.recommendations.test_edits_reach_the_list import Listed, read_then_forbid_rebuilds

from .progress_fixtures import make_action, make_update, signed_in

YESTERDAY = datetime.date.today() - datetime.timedelta(days=1)


@pytest.fixture
def r(db):
    return build_registry()


@pytest.fixture
def patched_only(coordinator_client, r, monkeypatch):
    """The coordinator's list read once; from then on a rebuild, a whole part of the
    pairs read again or the reference data reloaded fails the test."""
    read_then_forbid_rebuilds(coordinator_client, monkeypatch)
    reads = []

    def no_reference():
        raise AssertionError("the reference data was reloaded for a tracking change")

    pairs_of = registry_index._pairs_of

    def only_some(part, ids=None):
        if ids is None:
            raise AssertionError(f"every pair of part {part} was read again")
        reads.append((part, set(ids.tolist())))
        return pairs_of(part, ids)

    monkeypatch.setattr(registry_index, "_registry_reference", no_reference)
    monkeypatch.setattr(registry_index, "_pairs_of", only_some)
    coordinator_client.reads = reads
    return coordinator_client


def test_a_status_set_through_the_form_is_patched(patched_only, r, entity,
                                                  focal_point_of_entity):
    assigning.assign_recommendations(entity, "lead", [r.roma.pk])
    before = Listed(patched_only)
    patched_only.reads.clear()
    response = signed_in(focal_point_of_entity).post(
        reverse("tracking:status_edit", args=[r.roma.pk]),
        {"status": "in_progress", "version": 0, "reason": "A working group was set up."})
    assert response.status_code == 302
    after = Listed(patched_only)
    assert after.count("status", "in_progress") == before.count("status", "in_progress") + 1
    assert Listed(patched_only, "status=in_progress").ids == {r.roma.pk}
    assert patched_only.reads == []  # a status is the recommendation's own row


def test_an_assignment_is_patched_for_its_recommendation_only(patched_only, r, entity):
    assert Listed(patched_only).count("lead", entity.pk) == 0
    response = patched_only.post(reverse("tracking:assign_one", args=[r.roma.pk]),
                                 {"entity": entity.pk, "role": "lead"})
    assert response.status_code == 302
    listed = Listed(patched_only)
    assert listed.count("lead", entity.pk) == 1
    assert Listed(patched_only, f"lead={entity.pk}").ids == {r.roma.pk}
    assert patched_only.reads == [(registry_changes.ASSIGNED, {r.roma.pk})]


def test_a_validated_update_is_patched_for_the_actions_recommendations(
        patched_only, r, entity, coordinator):
    action = make_action(entity, [r.torture])
    update = make_update(action, "submitted")
    assert Listed(patched_only, "progress=validated").total == 0
    patched_only.reads.clear()
    progress_workflow.transition(update, "validate", user=coordinator, read_version=0)
    assert Listed(patched_only, "progress=validated").ids == {r.torture.pk}
    assert Listed(patched_only).count("progress", "validated") == 1
    assert patched_only.reads == [(registry_changes.PROGRESS, {r.torture.pk})]


def test_an_actions_new_target_date_is_patched_for_its_recommendations(
        patched_only, r, entity):
    action = make_action(entity, [r.roma, r.torture],
                         start_date=YESTERDAY - datetime.timedelta(days=90),
                         target_date=datetime.date.today() + datetime.timedelta(days=30))
    assert Listed(patched_only, "overdue=yes").total == 0
    patched_only.reads.clear()
    action = Action.objects.get(pk=action.pk)
    action.target_date = YESTERDAY
    action_services.save_action(action, recommendations=[r.roma, r.torture], clusters=[],
                                read_version=action.version)
    assert Listed(patched_only, "overdue=yes").ids == {r.roma.pk, r.torture.pk}
    assert Listed(patched_only).count("overdue", "yes") == 2
    parts = {part for part, _ids in patched_only.reads}
    assert parts <= {registry_changes.PROGRESS, registry_changes.DUE}
    assert all(ids == {r.roma.pk, r.torture.pk} for _part, ids in patched_only.reads)


def test_writes_that_change_no_filter_move_no_tick(r, entity):
    action = make_action(entity, [r.roma])
    clock = registry_changes.read_clock()
    update = make_update(action, "draft")
    update.narrative = "Three courses held."
    update.save()
    Action.objects.filter(pk=action.pk).update(title="Train the police and the judges")
    assert registry_changes.read_clock() == clock


def logged_since(clock) -> dict:
    """{recommendation id (None: every one): the parts logged for it} after `clock`."""
    from nmirf.recommendations.models import RegistryChange

    parts: dict = {}
    for rec, bits in RegistryChange.objects.filter(tick__gt=clock.tick).values_list(
            "recommendation_id", "parts"):
        parts[rec] = parts.get(rec, 0) | bits
    return parts


def test_the_log_names_the_recommendations_a_tracking_write_bears_on_and_the_parts(r, entity):
    from nmirf.tracking.models import Cluster, ClusterRecommendation

    cluster = Cluster.objects.create(title="Roma inclusion")
    for rec in (r.roma, r.roma_earlier):
        ClusterRecommendation.objects.create(cluster=cluster, recommendation=rec)
    clock = registry_changes.read_clock()
    assigning.assign_cluster(entity, "lead", cluster)
    assert logged_since(clock) == {r.roma.pk: registry_changes.ASSIGNED,
                                   r.roma_earlier.pk: registry_changes.ASSIGNED}
    clock = registry_changes.read_clock()
    Cluster.objects.filter(pk=cluster.pk).update(archived=True)
    stale = registry_changes.ASSIGNED | registry_changes.PROGRESS | registry_changes.DUE
    assert logged_since(clock) == {r.roma.pk: stale, r.roma_earlier.pk: stale}
    clock = registry_changes.read_clock()
    r.svn20.label = "renamed"
    r.svn20.save()  # a review: the reference data, whole
    assert logged_since(clock) == {None: registry_changes.REGISTRY}
