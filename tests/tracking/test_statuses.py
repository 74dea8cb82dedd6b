"""Implementation status: set with a reason by the coordinator or a focal point of the lead
entity, its history kept and shown, shown in the list rows and on the page; a save based
on an older version is refused with what changed, and nothing of the first is lost."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from nmirf.audit.models import Action, AuditEvent
from nmirf.tracking import assigning, statuses
from nmirf.tracking.models import RecommendationStatus, StatusChange
from tests.recommendations.builders import build_registry


def state() -> list:
    return [sorted(RecommendationStatus.objects.values_list("recommendation", "status",
                                                            "reason", "version")),
            sorted(StatusChange.objects.values_list("recommendation", "status", "version")),
            AuditEvent.objects.changes().count()]


@pytest.fixture
def r(db):
    return build_registry()


def url(rec) -> str:
    return reverse("tracking:status_edit", args=[rec.pk])


def test_the_coordinator_sets_a_status_with_a_reason_and_its_history_is_kept(
        coordinator_client, r):
    page = coordinator_client.get(url(r.roma))
    assert page.status_code == 200 and page.context["form"].initial["version"] == 0
    coordinator_client.post(url(r.roma), {"status": "in_progress", "version": 0,
                                          "reason": "A working group has been set up."})
    response = coordinator_client.post(url(r.roma), {
        "status": "partially_implemented", "version": 1,
        "reason": "The law was amended; the regulations are pending."}, follow=True)
    assert "The implementation status is saved." in [str(m) for m in
                                                     response.context["messages"]]
    row = RecommendationStatus.objects.get(recommendation=r.roma)
    assert (row.status, row.version) == ("partially_implemented", 2)
    assert list(StatusChange.objects.filter(recommendation=r.roma).values_list(
        "previous_status", "status")) == [("in_progress", "partially_implemented"),
                                          ("not_started", "in_progress")]
    html = response.content.decode()  # the recommendation's page
    assert "Partially implemented" in html and "the regulations are pending" in html
    event = AuditEvent.objects.for_target(r.roma).filter(action=Action.STATUS_SET).first()
    assert event.before == {"implementation_status": "In progress",
                            "status_reason": "A working group has been set up."}
    assert event.after["implementation_status"] == "Partially implemented"
    assert "Implementation status" in html  # the history section names the field
    history = coordinator_client.get(url(r.roma)).content.decode()
    assert "In progress → Partially implemented" in history
    assert "Not started → In progress" in history


def test_a_second_save_based_on_an_older_version_is_refused_and_nothing_is_lost(
        coordinator, focal_point_of_entity, entity, r):
    assigning.assign_recommendations(entity, "lead", [r.roma.pk])
    first, second = Client(), Client()
    first.force_login(coordinator)
    second.force_login(focal_point_of_entity)
    # Both open the form at version 0.
    assert first.get(url(r.roma)).context["form"].initial["version"] == 0
    assert second.get(url(r.roma)).context["form"].initial["version"] == 0
    first.post(url(r.roma), {"status": "implemented", "version": 0,
                             "reason": "The Act entered into force."})
    before = state()
    response = second.post(url(r.roma), {"status": "in_progress", "version": 0,
                                          "reason": "Our ministry drafts the bylaws."})
    assert response.status_code == 200
    html = response.content.decode()
    assert "changed the status to “Implemented”" in html
    assert "Your change was not saved." in html and "The Act entered into force." in html
    assert "Our ministry drafts the bylaws." in html  # their own input is kept in the form
    assert response.context["form"]["version"].value() == "1"
    assert state() == before
    assert RecommendationStatus.objects.get(recommendation=r.roma).reason == \
        "The Act entered into force."
    # Saving again, now knowingly over version 1, is accepted.
    second.post(url(r.roma), {"status": "in_progress", "version": 1,
                              "reason": "Our ministry drafts the bylaws."})
    assert RecommendationStatus.objects.get(recommendation=r.roma).version == 2


@pytest.mark.parametrize("data, message", [
    ({"status": "finished", "version": 0, "reason": "x"},
     "Select a valid choice. finished is not one of the available choices."),
    ({"status": "implemented", "version": 0, "reason": "   "},
     "Say why: the reason is kept with the status."),
    ({"status": "implemented", "version": "abc", "reason": "x"},
     "This form was altered or is incomplete: open the page again and retry."),
    ({"status": "not_started", "version": 0, "reason": ""},
     "Say why: the reason is kept with the status."),
    ({"status": "implemented", "version": 7, "reason": "x"},
     "This form was altered or is incomplete: open the page again and retry."),
])
def test_bad_status_input_is_refused_with_a_message_and_nothing_written(
        coordinator_client, r, data, message):
    before = state()
    response = coordinator_client.post(url(r.roma), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert state() == before


def test_the_same_status_and_reason_again_is_nothing_to_save(coordinator, r):
    statuses.set_status(r.roma, "in_progress", "Started.", read_version=0, user=coordinator)
    before = state()
    with pytest.raises(ValidationError) as refused:
        statuses.set_status(r.roma, "in_progress", "Started.", read_version=1,
                            user=coordinator)
    assert refused.value.messages == ["Nothing changed: the status and the reason are the same."]
    assert state() == before


def test_the_list_rows_show_the_status_with_one_query_per_page(coordinator_client, r,
                                                              coordinator):
    statuses.set_status(r.roma, "implemented", "Done.", read_version=0, user=coordinator)
    list_url = reverse("recommendations:list")
    coordinator_client.get(list_url)
    with CaptureQueriesContext(connection) as one:
        html = coordinator_client.get(list_url).content.decode()
    assert html.count(">Implemented</span>") == 1
    assert html.count(">Not started</span>") >= 5
    statuses.set_status(r.torture, "in_progress", "Begun.", read_version=0, user=coordinator)
    statuses.set_status(r.french, "not_implemented", "Refused.", read_version=0,
                        user=coordinator)
    # The status filter's index patches the changed rows in once, on the next request (a
    # cost per change, not per row shown): counted apart.
    coordinator_client.get(list_url)
    with CaptureQueriesContext(connection) as three:
        coordinator_client.get(list_url)
    assert len(three) == len(one)
