"""Forms posted with ids changed by hand: an entity, recommendation, cluster, membership,
indicator or evidence id that the person may not use, or that does not exist, is refused
with a message that says so, and nothing is written. Named so that
`pytest -k "permission or access"` selects them.

The focal point belongs to `own`; `other` is another entity (access_matrix.py)."""

import pytest
from django.urls import reverse

from nmirf.tracking.models import Action, IndicatorValue, ProgressUpdate

from .access_matrix import PROGRESS_FORM, action_form, changed_tables, client_for, snapshot

MISSING = 987654
NOT_A_CHOICE = "Select a valid choice"


def posted(client, url, data, *, follow=False):
    """(the response, the tables it changed)."""
    before = snapshot()
    response = client.post(url, data, follow=follow)
    return response, changed_tables(before, snapshot())


def form_errors(response) -> str:
    form = response.context["form"]
    return " ".join(str(error) for errors in form.errors.values() for error in errors)


def messages_of(response) -> str:
    return " ".join(str(message) for message in response.context["messages"])


@pytest.mark.parametrize("entity", ["other", "archived", "missing"])
def test_access_a_focal_point_cannot_plan_an_action_for_an_entity_not_theirs(world, entity):
    entity_id = {"other": world.other.pk, "archived": world.old.pk, "missing": MISSING}[entity]
    response, written = posted(client_for(world, "focal_point"),
                               reverse("tracking:action_create"),
                               {**action_form(world.own), "responsible_entity": entity_id})
    assert response.status_code == 200
    assert NOT_A_CHOICE in form_errors(response)
    assert written == []


def test_access_a_focal_point_cannot_hand_their_action_to_another_entity(world):
    response, written = posted(
        client_for(world, "focal_point"),
        reverse("tracking:action_edit", args=[world.own_action.pk]),
        {**action_form(world.own, world.own_action), "responsible_entity": world.other.pk})
    assert NOT_A_CHOICE in form_errors(response)
    assert written == []
    assert Action.objects.get(pk=world.own_action.pk).responsible_entity == world.own


@pytest.mark.parametrize("field, target", [
    ("recommendations", "archived"), ("recommendations", "missing"),
    ("clusters", "archived"), ("clusters", "missing")])
def test_access_an_action_links_only_recommendations_and_clusters_one_may_use(world, field,
                                                                              target):
    """An archived recommendation (merged or withdrawn) or cluster, or an id of nothing,
    posted by hand: refused, nothing written."""
    ids = {("recommendations", "archived"): world.rec_archived.pk,
           ("clusters", "archived"): world.archived_cluster.pk}
    response, written = posted(client_for(world, "focal_point"),
                               reverse("tracking:action_create"),
                               {**action_form(world.own), field: [ids.get((field, target),
                                                                          MISSING)]})
    assert response.status_code == 200
    assert NOT_A_CHOICE in form_errors(response)
    assert written == []


def test_access_a_recommendation_linked_before_it_was_archived_stays_linked(world):
    """The fix above must not unlink what was linked while the recommendation was active:
    the form still offers it to whoever edits the action."""
    from nmirf.recommendations.models import Recommendation

    Recommendation.objects.filter(pk=world.rec_own.pk).update(archived=True)
    client = client_for(world, "focal_point")
    response = client.post(reverse("tracking:action_edit", args=[world.own_action.pk]),
                           {**action_form(world.own, world.own_action), "title": "Renamed",
                            "recommendations": [world.rec_own.pk]})
    assert response.status_code == 302
    assert list(Action.objects.get(pk=world.own_action.pk).recommendations.all()) == [
        world.rec_own]


@pytest.mark.parametrize("entity", ["archived", "missing"])
def test_access_assigning_to_an_entity_that_cannot_be_chosen_writes_nothing(world, entity):
    entity_id = world.old.pk if entity == "archived" else MISSING
    response, written = posted(
        client_for(world, "coordinator"),
        reverse("tracking:assign_one", args=[world.rec_other.pk]),
        {"entity": entity_id, "role": "lead"}, follow=True)
    assert NOT_A_CHOICE in messages_of(response)
    assert written == []


@pytest.mark.parametrize("url_name", ["tracking:assign_from_list", "tracking:cluster_from_list"])
def test_access_a_bulk_form_with_a_tampered_list_writes_nothing(world, url_name):
    """The bulk forms take the list's filters, never ids: a cluster id that does not exist
    in the filters selects nothing (or is refused as a filter), and nothing is written."""
    data = {"query": f"cluster={MISSING}", "entity": world.other.pk, "role": "lead",
            "cluster": world.cluster.pk}
    response, written = posted(client_for(world, "coordinator"), reverse(url_name), data,
                               follow=True)
    assert response.status_code == 200
    text = form_errors(response) if "form" in response.context else messages_of(response)
    assert "The list is empty" in text or "filters are not valid" in text
    assert written == []


@pytest.mark.parametrize("cluster", ["archived", "missing"])
def test_access_adding_to_a_cluster_that_cannot_be_chosen_writes_nothing(world, cluster):
    cluster_id = world.archived_cluster.pk if cluster == "archived" else MISSING
    response, written = posted(
        client_for(world, "coordinator"),
        reverse("tracking:cluster_add_one", args=[world.rec_other.pk]),
        {"cluster": cluster_id}, follow=True)
    assert NOT_A_CHOICE in messages_of(response)
    assert written == []


def test_access_a_membership_of_another_entity_is_not_found_under_this_one(world):
    """The membership id in the address belongs to the other entity: 404, nothing ended."""
    for name in ("tracking:member_end", "tracking:member_deputy"):
        response, written = posted(client_for(world, "coordinator"),
                                   reverse(name, args=[world.own.pk, world.other_membership.pk]),
                                   {})
        assert response.status_code == 404
        assert written == []


def test_access_naming_a_person_who_does_not_exist_writes_nothing(world):
    response, written = posted(client_for(world, "coordinator"),
                               reverse("tracking:member_add", args=[world.own.pk]),
                               {"user": MISSING}, follow=True)
    assert "Choose a person to name as focal point." in messages_of(response)
    assert written == []


def test_access_a_parent_entity_that_does_not_exist_is_refused(world):
    response, written = posted(client_for(world, "coordinator"),
                               reverse("tracking:entity_edit", args=[world.own.pk]),
                               {"name": "Ministry of Justice", "kind": "ministry",
                                "parent": MISSING})
    assert NOT_A_CHOICE in form_errors(response)
    assert written == []


def test_access_removing_a_recommendation_that_is_not_in_the_cluster_is_not_found(world):
    response, written = posted(
        client_for(world, "coordinator"),
        reverse("tracking:cluster_remove", args=[world.cluster.pk, world.rec_other.pk]), {})
    assert response.status_code == 404
    assert written == []


@pytest.mark.parametrize("indicator", ["another action's", "archived", "missing"])
def test_access_a_progress_value_for_an_indicator_not_of_this_action_is_ignored(world,
                                                                               indicator):
    """The form has one field per active indicator of *this* action: a value posted for
    another action's indicator, an archived one or one that does not exist writes no
    value (the update itself, a draft, is saved)."""
    from nmirf.tracking import indicators

    if indicator == "archived":
        indicators.set_archived(world.own_indicator, True)
    indicator_id = {"another action's": world.other_indicator.pk,
                    "archived": world.own_indicator.pk}.get(indicator, MISSING)
    values = IndicatorValue.objects.count()
    response = client_for(world, "focal_point").post(
        reverse("tracking:progress_create", args=[world.own_action.pk]),
        {**PROGRESS_FORM, f"value_{indicator_id}": "99"})
    assert response.status_code == 302
    assert IndicatorValue.objects.count() == values
    assert not ProgressUpdate.objects.latest("pk").values.exists()


@pytest.mark.parametrize("url_name, method", [
    ("tracking:evidence_download", "get"), ("tracking:evidence_archive", "post"),
    ("tracking:progress_edit", "post"), ("tracking:progress_transition", "post"),
    ("tracking:indicator_edit", "post"), ("tracking:action_edit", "post"),
    ("consultation:comment_moderate", "post"), ("consultation:share_recommendation", "post"),
    ("consultation:share_cluster", "post"), ("followup:setting_edit", "post"),
    ("followup:flag", "post"), ("followup:replied", "post")])
def test_access_an_id_of_nothing_is_not_found(world, url_name, method):
    kwargs = {"pk": MISSING, **({"name": "submit"} if "transition" in url_name else {})}
    client = client_for(world, "coordinator")
    before = snapshot()
    response = getattr(client, method)(reverse(url_name, kwargs=kwargs))
    assert response.status_code == 404
    assert changed_tables(before, snapshot()) == []


def test_access_a_next_address_off_the_site_is_not_followed(world):
    """The assignment forms go back to `next`: only to an address of this site."""
    response = client_for(world, "coordinator").post(
        reverse("tracking:assign_one", args=[world.rec_other.pk]),
        {"entity": world.own.pk, "role": "supporting", "next": "https://evil.example/"})
    assert response.status_code == 302
    assert response["Location"] == reverse("recommendations:detail", args=[world.rec_other.pk])
