"""Clusters: the coordinator groups recommendations — by hand, or a whole filtered list of
the registry in one step — a recommendation may sit in several clusters, every change is
in the cluster's history, and bad input is refused with nothing written."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.urls import reverse

from nmirf.audit.models import AuditEvent
from nmirf.recommendations.filters import RecommendationFilter
from nmirf.tracking.models import Cluster, ClusterRecommendation
from tests.recommendations.builders import build_registry
from tests.tracking.roles import MANAGERS, ROLES

FROM_LIST = reverse("tracking:cluster_from_list")


def state() -> list:
    return [sorted(Cluster.objects.values_list("pk", "title", "description", "archived")),
            sorted(ClusterRecommendation.objects.values_list("cluster", "recommendation")),
            AuditEvent.objects.changes().count()]


@pytest.fixture
def r(db):
    return build_registry()


@pytest.fixture
def cluster(db):
    return Cluster.objects.create(title="Roma inclusion")


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_a_whole_filtered_list_goes_into_a_cluster_in_one_step(coordinator_client, r,
                                                               cluster):
    expected = set(RecommendationFilter({"position": ["noted"]}).qs.values_list("pk",
                                                                                flat=True))
    assert expected
    preview = coordinator_client.get(FROM_LIST, {"position": "noted", "page": "2"})
    assert preview.context["count"] == len(expected)
    assert preview.context["query"] == "position=noted"
    response = coordinator_client.post(FROM_LIST, {"query": "position=noted",
                                                   "cluster": cluster.pk}, follow=True)
    assert set(cluster.recommendations.values_list("pk", flat=True)) == expected
    assert (f"{len(expected)} recommendations added to the cluster “Roma inclusion”."
            in messages_of(response)) or len(expected) == 1
    event = AuditEvent.objects.for_target(cluster).get()
    assert event.before == {"recommendation_count": 0}
    assert event.after["recommendation_count"] == len(expected)
    assert event.after["source"] == "position=noted"
    again = coordinator_client.post(FROM_LIST, {"query": "position=noted",
                                                "cluster": cluster.pk}, follow=True)
    assert "0 recommendations added to the cluster “Roma inclusion”." in messages_of(again)
    assert AuditEvent.objects.for_target(cluster).count() == 1


def test_the_list_links_to_clustering_its_results(coordinator_client, observer_client, r):
    html = coordinator_client.get(reverse("recommendations:list"), {"q": "Roma"}).content
    assert f'href="{FROM_LIST}?q=Roma"'.encode() in html
    assert b"Put these in a cluster" not in observer_client.get(
        reverse("recommendations:list")).content


def test_a_new_cluster_is_made_from_a_search(coordinator_client, coordinator, r):
    coordinator_client.post(FROM_LIST, {"query": "q=Roma", "new_title": "  Roma  "})
    made = Cluster.objects.get(title="Roma")
    assert made.created_by == coordinator
    expected = set(RecommendationFilter({"q": "Roma"}).qs.values_list("pk", flat=True))
    assert set(made.recommendations.values_list("pk", flat=True)) == expected
    assert [e.action for e in AuditEvent.objects.for_target(made)] == ["changed", "created"]


def test_archived_recommendations_are_never_added_from_a_list(coordinator_client, r, cluster):
    coordinator_client.post(FROM_LIST, {"query": "", "cluster": cluster.pk})
    assert not cluster.recommendations.filter(archived=True).exists()
    assert cluster.recommendations.count() == RecommendationFilter({}).qs.count()


def test_a_recommendation_sits_in_several_clusters(coordinator_client, r, cluster):
    other = Cluster.objects.create(title="Children")
    for target in (cluster, other):
        coordinator_client.post(reverse("tracking:cluster_add_one", args=[r.roma.pk]),
                                {"cluster": target.pk})
    page = coordinator_client.get(reverse("recommendations:detail", args=[r.roma.pk]))
    html = page.content.decode()
    assert "Roma inclusion" in html and "Children" in html
    event = AuditEvent.objects.for_target(other).get()
    assert event.after["recommendations"] == [f"#{r.roma.pk} {r.roma}"]


def test_removing_a_recommendation_is_recorded(coordinator_client, r, cluster):
    ClusterRecommendation.objects.create(cluster=cluster, recommendation=r.roma)
    coordinator_client.post(reverse("tracking:cluster_remove", args=[cluster.pk, r.roma.pk]))
    assert not cluster.recommendations.exists()
    event = AuditEvent.objects.for_target(cluster).get()
    assert event.before["recommendations"] == [f"#{r.roma.pk} {r.roma}"]
    html = coordinator_client.get(cluster.get_absolute_url()).content.decode()
    assert 'id="history-heading"' in html and "Number of recommendations" in html


# ── Bad input ───────────────────────────────────────────────────────────────────────────

def test_a_duplicate_title_is_refused(coordinator_client, r, cluster):
    before = state()
    page = coordinator_client.post(reverse("tracking:cluster_create"),
                                   {"title": "roma INCLUSION", "description": "x"})
    assert "A cluster titled “roma INCLUSION” already exists." in page.content.decode()
    page = coordinator_client.post(FROM_LIST, {"query": "", "new_title": "Roma inclusion"})
    assert "A cluster titled “Roma inclusion” already exists." in page.content.decode()
    assert state() == before


def test_an_empty_title_or_no_cluster_is_refused(coordinator_client, r):
    before = state()
    page = coordinator_client.post(reverse("tracking:cluster_create"), {"title": "   "})
    assert "This field is required." in page.content.decode() or (
        "Give the cluster a title." in page.content.decode())
    page = coordinator_client.post(FROM_LIST, {"query": "position=noted"})
    assert "Choose a cluster, or give the title of a new one." in page.content.decode()
    assert state() == before


def test_an_archived_cluster_receives_nothing(coordinator_client, r, cluster):
    cluster.archived = True
    cluster.save()
    before = state()
    # Not offered, so a tampered id is not a valid choice …
    page = coordinator_client.post(FROM_LIST, {"query": "", "cluster": cluster.pk})
    assert "Select a valid choice." in page.content.decode()
    response = coordinator_client.post(reverse("tracking:cluster_add_one", args=[r.roma.pk]),
                                       {"cluster": cluster.pk}, follow=True)
    assert any("Select a valid choice." in m for m in messages_of(response))
    # … and removing from it is refused with the reason.
    ClusterRecommendation.objects.create(cluster=cluster, recommendation=r.roma)
    before = state()
    response = coordinator_client.post(reverse("tracking:cluster_remove",
                                               args=[cluster.pk, r.roma.pk]), follow=True)
    assert ("The cluster “Roma inclusion” is archived: restore it before changing its "
            "recommendations." in messages_of(response))
    assert state() == before


def test_an_invalid_filter_is_sent_back_to_the_list(coordinator_client, r, cluster):
    before = state()
    response = coordinator_client.post(FROM_LIST, {"query": "session=abc",
                                                   "cluster": cluster.pk}, follow=True)
    assert ("The list's filters are not valid: correct them on the list first."
            in messages_of(response))
    assert state() == before


def test_access_tampered_ids_answer_404_and_change_nothing(coordinator_client, r, cluster):
    other = Cluster.objects.create(title="Children")
    ClusterRecommendation.objects.create(cluster=other, recommendation=r.roma)
    before = state()
    # The recommendation is in another cluster, not this one.
    assert coordinator_client.post(reverse("tracking:cluster_remove",
                                           args=[cluster.pk, r.roma.pk])).status_code == 404
    assert coordinator_client.post(reverse("tracking:cluster_add_one", args=[999999]),
                                   {"cluster": cluster.pk}).status_code == 404
    assert state() == before


def test_a_post_without_csrf_token_is_refused(coordinator, r, cluster):
    client = Client(enforce_csrf_checks=True)
    client.force_login(coordinator)
    before = state()
    assert client.post(FROM_LIST, {"query": "", "cluster": cluster.pk}).status_code == 403
    assert client.post(reverse("tracking:cluster_add_one", args=[r.roma.pk]),
                       {"cluster": cluster.pk}).status_code == 403
    assert state() == before


# ── Who may do what ─────────────────────────────────────────────────────────────────────

OPERATIONS = ["list", "detail", "create", "edit", "archive", "add one", "from list preview",
              "from list", "remove"]
READS = {"list", "detail"}


def operation(name, r, cluster):
    detail = reverse("tracking:cluster_detail", args=[cluster.pk])
    return {
        "list": ("get", reverse("tracking:cluster_list"), None),
        "detail": ("get", detail, None),
        "create": ("post", reverse("tracking:cluster_create"), {"title": "Torture"}),
        "edit": ("post", reverse("tracking:cluster_edit", args=[cluster.pk]),
                 {"title": "Roma", "description": "Housing and schools"}),
        "archive": ("post", reverse("tracking:cluster_archive", args=[cluster.pk]),
                    {"archived": "1"}),
        "add one": ("post", reverse("tracking:cluster_add_one", args=[r.torture.pk]),
                    {"cluster": cluster.pk}),
        "from list preview": ("get", FROM_LIST + "?position=noted", None),
        "from list": ("post", FROM_LIST, {"query": "position=noted", "cluster": cluster.pk}),
        "remove": ("post", reverse("tracking:cluster_remove", args=[cluster.pk, r.roma.pk]),
                   {}),
    }[name]


@pytest.mark.parametrize("name", OPERATIONS)
@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix_for_clusters(request, r, cluster, role, name):
    ClusterRecommendation.objects.create(cluster=cluster, recommendation=r.roma)
    client = Client()
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    method, url, data = operation(name, r, cluster)
    before = state()
    response = client.post(url, data) if method == "post" else client.get(url)
    if role == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        assert state() == before
    elif role == "observer" and name == "detail":
        # Observers read only the clusters shared with them (tests/consultation).
        assert response.status_code == 404
    elif name in READS or role in MANAGERS:
        assert response.status_code in (200, 302)
        if method == "post":
            assert state() != before, f"{role} {name} wrote nothing"
    else:
        assert response.status_code == 403
        assert state() == before


@pytest.mark.parametrize("role, sees_archived", [
    ("administrator", True), ("coordinator", True), ("focal_point", False),
    ("observer", False), ("anonymous", None)])
def test_permission_archived_clusters_are_the_secretariats_to_see(request, db, role,
                                                                  sees_archived):
    from nmirf.consultation.models import Sharing

    old = Cluster.objects.create(title="Old", archived=True)
    current = Cluster.objects.create(title="Current")
    # Shared with observers, so that they may read them at all (tests/consultation).
    Sharing.objects.bulk_create([Sharing(cluster=old, shared=True),
                                 Sharing(cluster=current, shared=True)])
    user = AnonymousUser() if role == "anonymous" else request.getfixturevalue(role)
    visible = set(Cluster.objects.visible_to(user))
    if sees_archived is None:
        assert visible == set()
    else:
        assert current in visible and (old in visible) is sees_archived


def test_the_cluster_page_takes_a_bounded_number_of_queries(coordinator_client, r, cluster,
                                                            django_assert_max_num_queries):
    coordinator_client.post(FROM_LIST, {"query": "", "cluster": cluster.pk})
    coordinator_client.get(cluster.get_absolute_url())
    with django_assert_max_num_queries(12):
        coordinator_client.get(cluster.get_absolute_url())


def test_the_cluster_page_lists_each_review_in_document_order(coordinator_client, r, cluster):
    from tests.recommendations.builders import make_rec

    later = make_rec(r.svn34, "Later paragraph.", paragraph="121.10")
    undated = make_rec(r.svn34, "No paragraph number.")
    ClusterRecommendation.objects.bulk_create(
        ClusterRecommendation(cluster=cluster, recommendation=rec)
        for rec in (undated, later, r.torture, r.roma, r.roma_earlier))
    html = coordinator_client.get(cluster.get_absolute_url()).content.decode()
    shown = [html.index(reverse("recommendations:detail", args=[rec.pk]) + '"')
             for rec in (r.torture, r.roma, later, undated, r.roma_earlier)]
    assert shown == sorted(shown)  # 121.1, 121.2, 121.10, none; then the older review
