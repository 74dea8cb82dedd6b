"""Facet counts of a broad selection are taken as the whole registry's less what the
selection leaves out (RegistryIndex.selected_counts): the same numbers as counting the
selection itself, for every selection, before and after the registry changes."""

import numpy as np
import pytest

from nmirf.recommendations.models import Recommendation
from nmirf.recommendations.registry_index import RegistryIndex, current_index

from .builders import build_registry

pytestmark = pytest.mark.django_db


def direct(index, mask):
    return {
        "terms": RegistryIndex.count(index.term_id, mask[index.term_rec]),
        "states": RegistryIndex.count(index.state_id, mask[index.state_rec]),
        "goals": RegistryIndex.count(index.goal_id, mask[index.goal_rec]),
        "review": RegistryIndex.count(index.review, mask),
    }


def through_selected_counts(index, mask):
    return {
        "terms": index.term_counts(mask), "states": index.state_counts(mask),
        "goals": index.sdg_goal_counts(mask),
        "review": index.as_dict(index.selected_counts("review", index.review, mask)),
    }


def masks(index):
    active = np.flatnonzero(index.active)
    yield index.active.copy()  # everything: the no-query page
    for leave_out in range(1, active.size):  # broad, then narrow selections
        mask = index.active.copy()
        mask[active[:leave_out]] = False
        yield mask
    yield np.zeros(index.size, dtype=bool)


def test_broad_and_narrow_selections_count_the_same_either_way():
    build_registry()
    index = current_index()
    for mask in masks(index):
        assert through_selected_counts(index, mask) == direct(index, mask)


def test_the_whole_registrys_counts_follow_a_change():
    r = build_registry()
    before = current_index()
    through_selected_counts(before, before.active.copy())  # the whole counts kept
    Recommendation.objects.filter(pk=r.roma.pk).update(archived=True)  # logged by trigger
    after = current_index()
    assert through_selected_counts(after, after.active.copy()) == direct(after,
                                                                         after.active)
    assert through_selected_counts(after, after.active.copy()) != direct(before,
                                                                          before.active)
