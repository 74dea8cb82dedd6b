"""No tracking page asks the database once per row it shows (issue 8, "Performance"): each
page is counted with N rows of what it lists, then with 3N, and takes the same number of
queries both times. Every page is requested once before it is counted, so that what a
process does once (the registry index, templates, the permission caches) stays out of the
count; after the rows are added it is requested once more for the same reason (the index
patches the change in on the next request: a cost per change, not per row shown)."""

import datetime
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from nmirf.accounts.models import Role, User
from nmirf.audit import record
from nmirf.audit.models import Action as AuditAction
from nmirf.tracking.models import (
    Action,
    Assignment,
    Cluster,
    ClusterRecommendation,
    Entity,
    Evidence,
    Indicator,
    IndicatorValue,
    Membership,
    ProgressUpdate,
    RecommendationStatus,
    StatusChange,
)
from tests.recommendations.builders import make_rec, make_review
from tests.tracking.progress_fixtures import signed_in

N = 3
_numbers = itertools.count(1)


class World:
    """A ministry whose focal point has recommendations assigned (directly and through a
    cluster), with statuses, an action linked to them with indicators and progress updates
    in every state, evidence, departments under the ministry — and one recommendation
    (`focus`) that has N of everything its page shows. `grow(n)` adds n more of each."""

    def __init__(self):
        self.review = make_review("SVN", "UPR", session=34, cycle=3)
        self.ministry = Entity.objects.create(name="Ministry of Justice", kind="ministry")
        self.focal_point = User.objects.create_user("fatima-focal", password="x" * 20,
                                                    role=Role.FOCAL_POINT)
        Membership.objects.create(entity=self.ministry, user=self.focal_point)
        self.coordinator = User.objects.create_user("carla-coordinator", password="x" * 20,
                                                    role=Role.COORDINATOR)
        self.cluster = Cluster.objects.create(title="Prisons")
        Assignment.objects.create(cluster=self.cluster, entity=self.ministry, role="lead")
        self.action = self._action(self.ministry)
        self.focus = self._rec()
        self.update = ProgressUpdate.objects.create(
            action=self.action, state="submitted", narrative="Done.",
            period_start=datetime.date(2026, 1, 1), period_end=datetime.date(2026, 3, 31))

    def _rec(self):
        return make_rec(self.review, f"Recommendation {next(_numbers)} on prisons.",
                        paragraph=str(next(_numbers)))

    def _action(self, entity):
        return Action.objects.create(
            title=f"Action {next(_numbers)}", responsible_entity=entity,
            start_date=datetime.date(2026, 1, 1), target_date=datetime.date(2026, 12, 31))

    def grow(self, n: int) -> None:
        for _ in range(n):
            number = next(_numbers)
            # A department of the ministry, with a focal point of its own: the tree.
            department = Entity.objects.create(name=f"Department {number}", kind="department",
                                               parent=self.ministry)
            person = User.objects.create_user(f"person-{number}", password="x" * 20,
                                              role=Role.FOCAL_POINT)
            Membership.objects.create(entity=department, user=person)
            # Recommendations of the ministry: led directly, and through the cluster.
            direct, clustered = self._rec(), self._rec()
            Assignment.objects.create(recommendation=direct, entity=self.ministry, role="lead")
            Assignment.objects.create(recommendation=direct, entity=department,
                                      role="supporting")
            ClusterRecommendation.objects.create(cluster=self.cluster, recommendation=clustered)
            for rec in (direct, clustered):
                RecommendationStatus.objects.create(recommendation=rec, status="in_progress",
                                                    reason="Begun.", version=1)
            # The action page: linked recommendations, clusters, indicators, updates.
            self.action.recommendations.add(direct)
            cluster = Cluster.objects.create(title=f"Cluster {number}")
            ClusterRecommendation.objects.create(cluster=cluster, recommendation=self.focus)
            Assignment.objects.create(cluster=cluster, entity=department, role="lead")
            self.action.clusters.add(cluster)
            indicator = Indicator.objects.create(action=self.action, title=f"Indicator {number}",
                                                 unit="persons")
            for state in ("draft", "submitted", "returned", "validated", "published"):
                update = ProgressUpdate.objects.create(
                    action=self.action, state=state, narrative="Progress.",
                    created_by=self.focal_point, period_start=datetime.date(2026, 1, 1),
                    period_end=datetime.date(2026, 3, 31))
                IndicatorValue.objects.create(update=update, indicator=indicator, value=number)
            # The progress detail: a value per indicator, evidence files.
            IndicatorValue.objects.create(update=self.update, indicator=indicator, value=number)
            Evidence.objects.create(update=self.update, original_name=f"report-{number}.pdf",
                                    stored_name=f"stored-{number}", kind="pdf",
                                    content_type="application/pdf", size=10, sha256="0" * 64,
                                    uploaded_by=self.focal_point)
            # The recommendation page: actions of other entities implementing it, their
            # updates, supporting entities, its status history.
            other = self._action(department)
            other.recommendations.add(self.focus)
            ProgressUpdate.objects.create(action=other, state="validated", narrative="Done.",
                                          period_start=datetime.date(2026, 1, 1),
                                          period_end=datetime.date(2026, 3, 31))
            Assignment.objects.create(recommendation=self.focus, entity=department,
                                      role="supporting")
            StatusChange.objects.create(recommendation=self.focus, status="in_progress",
                                        previous_status="not_started", reason="Begun.",
                                        version=number)
            # Every page's history: one more change of each object shown.
            for target in (self.ministry, self.cluster, self.action, self.update, self.focus):
                record(AuditAction.CHANGED, actor=self.coordinator, target=target,
                       before={"title": "before"}, after={"title": f"after {number}"})


@pytest.fixture
def world(db):
    return World()


def _pages(world) -> dict:
    """(who, URL) of every page counted."""
    return {
        "my recommendations": (world.focal_point, reverse("tracking:my_recommendations")),
        "list by status and lead entity": (
            world.coordinator, reverse("recommendations:list")
            + f"?status=in_progress&lead={world.ministry.pk}"),
        "list of my recommendations by status": (
            world.focal_point, reverse("recommendations:list")
            + "?status=in_progress&assigned=me"),
        "entity tree": (world.coordinator, reverse("tracking:entity_list")),
        "entity page": (world.coordinator, reverse("tracking:entity_detail",
                                                   args=[world.ministry.pk])),
        "cluster page": (world.coordinator, world.cluster.get_absolute_url()),
        "action page": (world.focal_point, world.action.get_absolute_url()),
        "action list": (world.coordinator, reverse("tracking:action_list")),
        "progress queue": (world.coordinator, reverse("tracking:progress_list")),
        "progress of my entities": (world.focal_point,
                                    reverse("tracking:progress_list") + "?state=&mine=1"),
        "progress detail": (world.coordinator, world.update.get_absolute_url()),
        "recommendation page": (world.coordinator,
                                reverse("recommendations:detail", args=[world.focus.pk])),
    }


def _count(client, url) -> int:
    client.get(url)  # what a process does once, and the index's patch after a change
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


PAGES = ["my recommendations", "list by status and lead entity",
         "list of my recommendations by status", "entity tree", "entity page", "cluster page",
         "action page", "action list", "progress queue", "progress of my entities",
         "progress detail", "recommendation page"]


@pytest.mark.parametrize("page", PAGES)
def test_a_page_takes_as_many_queries_for_3n_rows_as_for_n(world, page):
    world.grow(N)
    user, url = _pages(world)[page]
    client = signed_in(user)
    with_n = _count(client, url)
    world.grow(2 * N)
    with_3n = _count(client, url)
    assert with_3n == with_n, f"{page}: {with_n} queries for {N} rows, {with_3n} for {3 * N}"


def test_the_pages_show_the_rows_they_are_counted_with(world):
    """The counts above are of pages that list what was added (not of empty pages)."""
    world.grow(N)
    pages = _pages(world)
    html = {name: signed_in(user).get(url).content.decode()
            for name, (user, url) in pages.items()}
    assert html["my recommendations"].count("on prisons.") >= 2 * N
    assert html["entity tree"].count("Department ") >= N
    assert html["action page"].count("Indicator ") >= N
    assert html["progress detail"].count("report-") >= N
    assert html["recommendation page"].count("Department ") >= N
