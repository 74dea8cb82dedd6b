"""Sharing with observers: the coordinator shares a recommendation, or a cluster (and so
its active recommendations); observers then read those only — in the list, its facets
and counts, the recommendation's page with its status and published progress — and
nothing else. Every change of sharing is in the audit trail; nothing is deleted."""

import pytest
from django.urls import reverse

from nmirf.audit.models import AuditEvent
from nmirf.consultation import services
from nmirf.consultation.models import Sharing
from nmirf.recommendations.models import Recommendation
from nmirf.tracking import statuses
from nmirf.tracking.models import Cluster, ClusterRecommendation
from tests.tracking.progress_fixtures import make_action, make_update

from .helpers import messages_of, signed_in, state

pytestmark = pytest.mark.django_db

LIST = reverse("recommendations:list")


def detail(rec) -> str:
    return reverse("recommendations:detail", args=[rec.pk])


def test_observers_read_only_what_is_shared_in_the_list_its_facets_and_pages(r, observer):
    client = signed_in(observer)
    page = client.get(LIST)
    html = page.content.decode()
    assert "1 recommendation" in html
    assert r.torture.text in html and r.roma.text not in html
    assert page.context["facets"].total == 1
    position = next(f for f in page.context["facets"].facets if f.key == "position")
    assert {(v.value, v.count) for v in position.values} == {("supported", 1)}
    # A filter cannot widen it; the detail pages agree with the list.
    assert r.roma.text not in client.get(LIST, {"position": "noted"}).content.decode()
    assert client.get(detail(r.torture)).status_code == 200
    assert client.get(detail(r.roma)).status_code == 404


def test_the_coordinator_shares_and_stops_sharing_and_each_change_is_recorded(
        r, coordinator, coordinator_client, observer):
    url = reverse("consultation:share_recommendation", args=[r.roma.pk])
    response = coordinator_client.post(url, {"shared": "1"}, follow=True)
    assert "Shared with observers." in messages_of(response)
    assert signed_in(observer).get(detail(r.roma)).status_code == 200

    response = coordinator_client.post(url, {"shared": "0"}, follow=True)
    assert "No longer shared with observers." in messages_of(response)
    assert signed_in(observer).get(detail(r.roma)).status_code == 404
    sharing = Sharing.objects.get(recommendation=r.roma)  # kept, turned off
    assert sharing.shared is False
    events = list(AuditEvent.objects.for_target(sharing).order_by("pk"))
    assert [(e.actor, e.before, e.after) for e in events] == [
        (coordinator, {"shared": False}, {"shared": True}),
        (coordinator, {"shared": True}, {"shared": False})]
    # The coordinator reads that history on the recommendation's page.
    html = coordinator_client.get(detail(r.roma)).content.decode()
    assert "History of sharing" in html and "Share with observers" in html


def test_sharing_what_is_already_shared_records_nothing(r, coordinator):
    before = state()
    services.set_shared(r.torture, True, user=coordinator)
    services.set_shared(r.roma, False, user=coordinator)  # never shared: nothing to stop
    assert state() == before


def test_a_shared_cluster_shares_its_active_recommendations(r, coordinator, coordinator_client,
                                                            observer):
    cluster = Cluster.objects.create(title="Roma inclusion")
    for rec in (r.roma, r.roma_earlier):
        ClusterRecommendation.objects.create(cluster=cluster, recommendation=rec)
    response = coordinator_client.post(
        reverse("consultation:share_cluster", args=[cluster.pk]), {"shared": "1"}, follow=True)
    assert "The cluster and its recommendations are shared" in messages_of(response)
    readable = set(Recommendation.objects.visible_to(observer))
    assert readable == {r.torture, r.roma, r.roma_earlier}
    assert signed_in(observer).get(cluster.get_absolute_url()).status_code == 200
    # Through the cluster: the recommendation's page says so to the coordinator.
    assert "through a shared cluster" in coordinator_client.get(detail(r.roma)).content.decode()
    # An archived cluster shares nothing.
    Cluster.objects.filter(pk=cluster.pk).update(archived=True)
    assert set(Recommendation.objects.visible_to(observer)) == {r.torture}
    assert signed_in(observer).get(cluster.get_absolute_url()).status_code == 404


def test_an_archived_recommendation_or_cluster_cannot_be_shared(r, coordinator_client):
    cluster = Cluster.objects.create(title="Old", archived=True)
    before = state()
    response = coordinator_client.post(
        reverse("consultation:share_recommendation", args=[r.archived.pk]), {"shared": "1"},
        follow=True)
    assert "An archived item cannot be shared: restore it first." in messages_of(response)
    response = coordinator_client.post(
        reverse("consultation:share_cluster", args=[cluster.pk]), {"shared": "1"}, follow=True)
    assert "An archived item cannot be shared" in messages_of(response)
    assert state() == before


def test_observers_read_the_status_and_published_progress_of_shared_items_only(
        r, coordinator, observer, entity):
    statuses.set_status(r.torture, "in_progress", "Drafting the law.", read_version=0,
                        user=coordinator)
    statuses.set_status(r.roma, "implemented", "Done.", read_version=0, user=coordinator)
    shared_action = make_action(entity, [r.torture], title="Draft the law")
    other_action = make_action(entity, [r.roma], title="Teaching assistants")
    published = make_update(shared_action, "published", narrative="The draft is public.")
    validated = make_update(shared_action, "validated", narrative="Not yet published.")
    elsewhere = make_update(other_action, "published", narrative="Forty assistants hired.")
    html = signed_in(observer).get(detail(r.torture)).content.decode()
    assert "Drafting the law." in html or "In progress" in html
    assert "The draft is public." in html and "Not yet published." not in html
    client = signed_in(observer)
    assert client.get(published.get_absolute_url()).status_code == 200
    for hidden in (validated, elsewhere):
        assert client.get(hidden.get_absolute_url()).status_code == 404
    assert client.get(other_action.get_absolute_url()).status_code == 404
    assert client.get(shared_action.get_absolute_url()).status_code == 200
    progress = client.get(reverse("tracking:progress_list"), {"state": "all"}).content.decode()
    assert "Draft the law" in progress and "Teaching assistants" not in progress


def test_other_recommendations_are_not_quoted_to_observers(r, observer, focal_point):
    """The same text in an earlier review is named on the page only to those who read it."""
    html = signed_in(observer).get(detail(r.torture)).content.decode()
    assert r.roma_earlier.text not in html
    Sharing.objects.create(recommendation=r.roma, shared=True)
    page = signed_in(observer).get(detail(r.roma)).content.decode()
    assert reverse("recommendations:detail", args=[r.roma_earlier.pk]) not in page
    inside = signed_in(focal_point).get(detail(r.roma)).content.decode()
    assert reverse("recommendations:detail", args=[r.roma_earlier.pk]) in inside


FROM_LIST = reverse("consultation:share_from_list")


def test_the_coordinator_shares_a_whole_filtered_list_in_one_step(r, coordinator,
                                                                  coordinator_client, observer):
    assert "Share these with observers" in coordinator_client.get(
        LIST, {"q": "education"}).content.decode()
    preview = coordinator_client.get(FROM_LIST, {"q": "education"})
    assert preview.status_code == 200 and preview.context["count"] == 4
    events = AuditEvent.objects.count()
    response = coordinator_client.post(FROM_LIST, {"query": "q=education", "shared": "1"},
                                       follow=True)
    assert "4 recommendations are now shared with observers." in messages_of(response)
    assert set(Recommendation.objects.visible_to(observer)) == {
        r.torture, r.roma, r.roma_earlier, r.child_strategy, r.french}
    assert r.archived not in set(Recommendation.objects.visible_to(observer))  # not listed
    # One event for the whole list, with its count and filters.
    event = AuditEvent.objects.order_by("-pk").first()
    assert AuditEvent.objects.count() == events + 1
    assert event.actor == coordinator and event.after["recommendations"] == 4
    assert event.after["source"] == "q=education"
    # Again: nothing left to change. Then stopping takes them all back.
    coordinator_client.post(FROM_LIST, {"query": "q=education", "shared": "1"})
    assert AuditEvent.objects.count() == events + 1
    response = coordinator_client.post(FROM_LIST, {"query": "q=education", "shared": "0"},
                                       follow=True)
    assert "4 recommendations are no longer shared with observers." in messages_of(response)
    assert set(Recommendation.objects.visible_to(observer)) == {r.torture}


def test_sharing_an_empty_list_is_refused_with_a_message(r, coordinator_client):
    before = state()
    response = coordinator_client.post(FROM_LIST, {"query": "q=nothingmatchesthis",
                                                   "shared": "1"})
    assert "The list is empty: there is nothing to share." in response.content.decode()
    assert state() == before


def test_observers_facets_name_only_the_clusters_shared_with_them(r, observer, coordinator):
    hidden = Cluster.objects.create(title="Internal working group")
    shown = Cluster.objects.create(title="Shared cluster")
    for cluster in (hidden, shown):
        ClusterRecommendation.objects.create(cluster=cluster, recommendation=r.torture)
    services.set_shared(shown, True, user=coordinator)
    html = signed_in(observer).get(LIST).content.decode()
    assert "Shared cluster" in html and "Internal working group" not in html
    assert "Internal working group" in signed_in(coordinator).get(LIST).content.decode()


def test_the_observers_list_queries_do_not_grow_with_the_rows_shown(
        r, observer, coordinator, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = signed_in(observer)
    client.get(LIST)
    with CaptureQueriesContext(connection) as one:
        client.get(LIST)
    for rec in (r.roma, r.roma_earlier, r.child_strategy, r.french, r.arabic):
        services.set_shared(rec, True, user=coordinator)
    with django_assert_max_num_queries(len(one)):
        page = client.get(LIST)
    assert page.context["facets"].total == 6
