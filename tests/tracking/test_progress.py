"""Progress updates: a focal point of the action's entity writes one (narrative, period,
typed indicator values) as a draft, edits it and submits it; the secretariat returns it
with a comment (the focal point edits and submits again) or validates it, then publishes
it. Every transition is in the update's history with who and the comment; illegal ones are
refused with a message and nothing written. Updates show on the action page, on each
linked recommendation's page and in the review queue; the registry's `progress` filter
finds the recommendations with validated progress."""

import pytest
from django.urls import reverse

from nmirf.audit.models import AuditEvent
from nmirf.tracking import progress_workflow
from nmirf.tracking.models import Cluster, ProgressUpdate
from nmirf.tracking.versioning import VersionConflict
from tests.recommendations.builders import build_registry

from .progress_fixtures import (
    make_action,
    make_indicator,
    make_update,
    messages_of,
    share_with_observers,
    signed_in,
    state,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def r(db):
    return build_registry()


@pytest.fixture
def action(r, entity):
    return make_action(entity, [r.torture])


@pytest.fixture
def indicator(action):
    return make_indicator(action)


def data(indicator=None, **changes) -> dict:
    values = {"period_start": "2026-01-01", "period_end": "2026-03-31",
              "narrative": "Two courses held for 40 officers.", "version": "0"}
    if indicator is not None:
        values[f"value_{indicator.pk}"] = "40"
    values.update(changes)
    return values


def step(client, update, name, version=None, comment=""):
    return client.post(reverse("tracking:progress_transition", args=[update.pk, name]),
                       {"version": update.version if version is None else version,
                        "comment": comment}, follow=True)


def test_the_whole_workflow_through_the_web_ui(r, action, indicator, focal_point_of_entity,
                                               coordinator, observer):
    writer, reviewer = signed_in(focal_point_of_entity), signed_in(coordinator)
    share_with_observers(action)  # observers read published progress on shared items
    response = writer.post(reverse("tracking:progress_create", args=[action.pk]),
                           data(indicator), follow=True)
    update = ProgressUpdate.objects.get()
    assert (update.state, update.created_by) == ("draft", focal_point_of_entity)
    assert update.values.get().value == 40
    assert "Saved your progress update as a draft" in messages_of(response)
    # Not the secretariat's to read yet.
    assert reviewer.get(update.get_absolute_url()).status_code == 404

    assert "Submitted" in messages_of(step(writer, update, "submit"))
    update.refresh_from_db()
    queue = reviewer.get(reverse("tracking:progress_list")).content.decode()
    assert update.get_absolute_url() in queue

    step(reviewer, update, "return", comment="Give the number of women trained.")
    update.refresh_from_db()
    assert (update.state, update.review_comment) == ("returned",
                                                    "Give the number of women trained.")
    page = writer.get(reverse("tracking:progress_edit", args=[update.pk])).content.decode()
    assert "Give the number of women trained." in page
    writer.post(reverse("tracking:progress_edit", args=[update.pk]),
                data(indicator, narrative="Two courses; 12 of the 40 were women.",
                     version=update.version))
    update.refresh_from_db()
    step(writer, update, "submit")
    update.refresh_from_db()
    assert observer_cannot_read(observer, update)
    step(reviewer, update, "validate")
    update.refresh_from_db()
    assert observer_cannot_read(observer, update)
    step(reviewer, update, "publish")
    update.refresh_from_db()
    assert update.state == "published"
    assert signed_in(observer).get(update.get_absolute_url()).status_code == 200

    history = AuditEvent.objects.for_target(update).order_by("pk")
    moves = [(event.before["state"], event.after["state"]) for event in history
             if event.before and "state" in event.before]
    assert moves == [("Draft", "Submitted"), ("Submitted", "Returned"),
                     ("Returned", "Submitted"), ("Submitted", "Validated"),
                     ("Validated", "Published")]
    returned = [e for e in history if (e.after or {}).get("state") == "Returned"][0]
    assert returned.actor == coordinator
    assert returned.after["review_comment"] == "Give the number of women trained."
    # On the recommendation's page, for everyone who may read it.
    html = signed_in(observer).get(reverse("recommendations:detail", args=[r.torture.pk]))
    assert "12 of the 40 were women" in html.content.decode()


def observer_cannot_read(observer, update) -> bool:
    return signed_in(observer).get(update.get_absolute_url()).status_code == 404


def test_an_update_on_a_cluster_shows_on_its_recommendations_pages(r, entity, coordinator):
    cluster = Cluster.objects.create(title="Roma inclusion")
    cluster.recommendations.add(r.roma)
    action = make_action(entity, title="Teaching assistants")
    action.clusters.set([cluster])
    make_update(action, "validated", narrative="Thirty assistants hired.")
    html = signed_in(coordinator).get(reverse("recommendations:detail", args=[r.roma.pk]))
    assert "Thirty assistants hired." in html.content.decode()


@pytest.mark.parametrize("start, name, message", [
    ("draft", "validate", "This update is “Draft”: it cannot be changed by “Validate” now."),
    ("draft", "publish", "cannot be changed by “Publish”"),
    ("submitted", "publish", "cannot be changed by “Publish”"),
    ("published", "return", "cannot be changed by “Return for changes”"),
    ("submitted", "return", "Say what should change"),
])
def test_illegal_transitions_are_refused_with_a_message(action, coordinator, start, name,
                                                         message):
    update = make_update(action, start)
    before = state()
    with pytest.raises(Exception) as refused:
        progress_workflow.transition(update, name, user=coordinator, read_version=0)
    assert message in " ".join(refused.value.messages)
    assert state() == before
    if start != "draft":  # the secretariat does not see drafts: 404, tested apart
        response = step(signed_in(coordinator), update, name)
        assert message in messages_of(response)
        assert state() == before


def test_a_transition_based_on_an_older_version_is_refused(action, coordinator):
    update = make_update(action, "submitted")
    ProgressUpdate.objects.filter(pk=update.pk).update(version=3)
    before = state()
    response = step(signed_in(coordinator), update, "validate", version=2)
    assert "Someone else saved this" in messages_of(response)
    assert state() == before
    with pytest.raises(VersionConflict):
        progress_workflow.transition(update, "validate", user=coordinator, read_version=2)


def test_an_edit_based_on_an_older_version_is_refused(action, indicator, focal_point_of_entity):
    update = make_update(action, "draft")
    ProgressUpdate.objects.filter(pk=update.pk).update(version=2)
    before = state()
    response = signed_in(focal_point_of_entity).post(
        reverse("tracking:progress_edit", args=[update.pk]), data(indicator, version=1))
    assert "Someone else saved this" in response.content.decode()
    assert state() == before


@pytest.mark.parametrize("changes, message", [
    ({"value": "forty"}, "“Police officers trained” must be a number"),
    ({"value": "1.23456"}, "more than 4 decimal places"),
    ({"period_end": "2025-12-31"}, "The period cannot end before it starts."),
    ({"period_start": "yesterday"}, "Enter a valid date."),
    ({"narrative": "   "}, "Describe what was done in this period."),
    ({"version": "-1"}, "This form was altered"),
])
def test_bad_input_is_refused_with_a_message_and_nothing_written(
        action, indicator, focal_point_of_entity, changes, message):
    values = data(indicator)
    if "value" in changes:
        values[f"value_{indicator.pk}"] = changes.pop("value")
    values.update(changes)
    before = state()
    response = signed_in(focal_point_of_entity).post(
        reverse("tracking:progress_create", args=[action.pk]), values)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert state() == before


def test_a_submitted_update_cannot_be_edited(action, indicator, focal_point_of_entity):
    update = make_update(action, "submitted")
    before = state()
    response = signed_in(focal_point_of_entity).post(
        reverse("tracking:progress_edit", args=[update.pk]), data(indicator))
    assert response.status_code == 403
    assert state() == before


def test_submitting_an_empty_narrative_is_refused(action, focal_point_of_entity):
    update = make_update(action, "draft", narrative="")
    before = state()
    response = step(signed_in(focal_point_of_entity), update, "submit")
    assert "Describe what was done before submitting." in messages_of(response)
    assert state() == before


def test_the_registry_filter_finds_recommendations_with_validated_progress(
        r, action, coordinator):
    client = signed_in(coordinator)
    url = reverse("recommendations:list")
    update = make_update(action, "submitted")
    assert r.torture.pk not in listed(client.get(url, {"progress": "validated"}))
    progress_workflow.transition(update, "validate", user=coordinator, read_version=0)
    # The next request sees the validation (the change log reloads the index).
    response = client.get(url, {"progress": "validated"})
    assert listed(response) == {r.torture.pk}
    assert "Validated progress reported" in response.content.decode()


def listed(response) -> set[int]:
    return {rec.pk for rec in response.context["page"].object_list}


def test_pages_take_a_bounded_number_of_queries(r, action, indicator, coordinator,
                                                django_assert_max_num_queries):
    client = signed_in(coordinator)
    for n in range(2):
        make_update(action, "validated", {indicator: n})
    pages = [reverse("tracking:progress_list") + "?state=all",
             reverse("recommendations:detail", args=[r.torture.pk])]
    counts = {}
    for url in pages:
        client.get(url)
        with django_assert_max_num_queries(40) as captured:
            client.get(url)
        counts[url] = len(captured)
    for n in range(5):
        make_update(action, "published", {indicator: n})
    for url in pages:
        with django_assert_max_num_queries(counts[url]):
            client.get(url)


def test_the_focal_point_finds_their_drafts_and_returned_updates(action, focal_point_of_entity):
    draft = make_update(action, "draft")
    returned = make_update(action, "returned", review_comment="More detail, please.")
    page = signed_in(focal_point_of_entity).get(reverse("tracking:progress_list"),
                                                {"mine": "1"}).content.decode()
    assert draft.get_absolute_url() in page and returned.get_absolute_url() in page


def test_returned_update_and_its_comment_show_on_the_my_page(action, focal_point_of_entity):
    returned = make_update(action, "returned", review_comment="More detail, please.")
    page = signed_in(focal_point_of_entity).get(reverse("tracking:my_recommendations"))
    assert returned.get_absolute_url() in page.content.decode()
    assert "More detail, please." in page.content.decode()


def test_values_read_as_they_were_typed(action, indicator, focal_point_of_entity):
    update = make_update(action, "draft", {indicator: 20})
    client = signed_in(focal_point_of_entity)
    page = client.get(update.get_absolute_url()).content.decode()
    assert ">20 persons<" in page and "2E+1" not in page and "20.0000" not in page
    form = client.get(reverse("tracking:progress_edit", args=[update.pk])).content.decode()
    assert f'name="value_{indicator.pk}" value="20"' in form


@pytest.mark.parametrize("start, name", [("submitted", "validate"), ("submitted", "return"),
                                         ("validated", "publish")])
def test_progress_on_an_archived_action_cannot_be_reviewed_or_published(
        action, coordinator, start, name):
    from nmirf.tracking import action_services

    update = make_update(action, start)
    action_services.set_archived(action, True)
    before = state()
    response = step(signed_in(coordinator), update, name, comment="Please add figures.")
    assert ("This update's action is archived: its progress can no longer be reviewed or "
            "published. Restore the action first.") in messages_of(response)
    assert state() == before
    stored = ProgressUpdate.objects.get(pk=update.pk)
    assert stored.state == start
    assert progress_workflow.allowed(coordinator, stored) == []  # no buttons either
