"""What the permission matrix (test_permission_matrix.py) stands on: a small world with one
object of each kind on the focal point's own entity and on another entity, the expected
outcomes written per role, a snapshot of every table a request could write, and a walk
over every URL name of the project.

Adding a page: add a `Row` to `ROWS` in test_permission_matrix.py (see
docs/developer-guide.md, "The permission matrix")."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

from django.apps import apps
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver

ROLES = ["administrator", "coordinator", "focal_point", "observer", "anonymous"]

# The outcomes a row expects of a role:
OK = "ok"  # 200, or a redirect elsewhere than the sign-in page; a POST writes something
READ = "read"  # the same, for a POST that writes nothing (a form shown again, a message)
LOGIN = "login"  # a redirect to the sign-in page, nothing written
FORBIDDEN = 403  # nothing written
NOT_FOUND = 404  # nothing written (an object the person may not see is not there for them)
REFUSALS = {LOGIN, FORBIDDEN, NOT_FOUND}


def expect(administrator, coordinator, focal_point, observer, anonymous=LOGIN) -> dict:
    """The outcome for each role, in ROLES' order (the focal point belongs to `own`)."""
    return dict(zip(ROLES, [administrator, coordinator, focal_point, observer, anonymous],
                    strict=True))


# The policies that most pages follow (issue 8, "Who may do what").
EVERYONE_SIGNED_IN = expect(OK, OK, OK, OK)
SECRETARIAT = expect(OK, OK, FORBIDDEN, FORBIDDEN)
# Writing to the focal point's own entity's things: the secretariat and that focal point
# (the observer reads them, `rec_own` being shared, but may not write: 403).
OWN_ENTITY = expect(OK, OK, OK, FORBIDDEN)
# The same thing of another entity: the focal point is refused (403); the observer does not
# even read it (nothing of `other` is shared with observers: 404).
OTHER_ENTITY = expect(OK, OK, FORBIDDEN, NOT_FOUND)
# The follow-up calendar: the secretariat and the focal points; not observers.
CALENDAR = expect(OK, OK, OK, FORBIDDEN)
# What observers say: their comments (the secretariat moderates, nobody else comments).
OBSERVERS = expect(FORBIDDEN, FORBIDDEN, FORBIDDEN, OK)
PUBLIC = expect(OK, OK, OK, OK, OK)


@dataclass
class Row:
    """One operation of one page: the URL name, a case (which object it is done to), the
    method, how to build the URL's kwargs and the posted data from the world, and what
    each role gets. `writes=False` for a POST that succeeds without writing (a preview,
    an invalid form by design)."""

    url_name: str
    case: str
    method: str
    expected: dict
    kwargs: Callable[[SimpleNamespace], dict] = lambda w: {}
    data: Callable[[SimpleNamespace], dict] = lambda w: {}
    query: str = ""
    writes: bool = True

    @property
    def id(self) -> str:
        return f"{self.url_name} {self.method} {self.case}".replace(" ", "-")


@dataclass
class Exempt:
    """A URL name the matrix does not request, and why (where it is tested instead)."""

    url_name: str
    reason: str
    prefix: bool = field(default=False)

    def covers(self, name: str) -> bool:
        return name.startswith(self.url_name) if self.prefix else name == self.url_name


def all_url_names() -> set[str]:
    """Every named URL of the project, with its namespace ("tracking:action_edit")."""

    def walk(patterns, namespace=""):
        for item in patterns:
            if isinstance(item, URLResolver):
                inner = namespace + (f"{item.namespace}:" if item.namespace else "")
                yield from walk(item.url_patterns, inner)
            elif isinstance(item, URLPattern) and item.name:
                yield namespace + item.name

    return set(walk(get_resolver().url_patterns))


def client_for(world, role, **options):
    """A test client signed in as `role` of the world ("anonymous": as nobody)."""
    from django.test import Client

    client = Client(**options)
    if role != "anonymous":
        client.force_login(getattr(world, role))
    return client


# ── The world ──────────────────────────────────────────────────────────────────────────

PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]"
       b"/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def pdf(name="report.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def build_world(users: dict) -> SimpleNamespace:
    """One of each object, on the focal point's own entity (`own`, the Ministry of
    Justice) and on another (`other`, the Ministry of Labour, with its own focal point)."""
    from nmirf.accounts.models import Role, User
    from nmirf.ingest.models import ImportRun
    from nmirf.recommendations import duplicates
    from nmirf.tracking import action_services, assigning, indicators, progress
    from nmirf.tracking.models import (
        Action,
        Assignment,
        Cluster,
        ClusterRecommendation,
        Entity,
        Indicator,
        Membership,
        ProgressUpdate,
    )
    from tests.recommendations.builders import make_rec, make_review

    w = SimpleNamespace(**users)
    w.own = Entity.objects.create(name="Ministry of Justice", kind="ministry")
    w.other = Entity.objects.create(name="Ministry of Labour", kind="ministry")
    w.old = Entity.objects.create(name="Former Office for Equal Opportunities", kind="agency",
                                  archived=True)
    w.own_membership = Membership.objects.create(entity=w.own, user=w.focal_point)
    w.olga = User.objects.create_user("olga-labour", password="a-long-test-password",
                                      role=Role.FOCAL_POINT)
    w.other_membership = Membership.objects.create(entity=w.other, user=w.olga)

    review = make_review("SVN", "UPR", session=34, cycle=3,
                         review_date=datetime.date(2019, 11, 13))
    w.rec_own = make_rec(review, "Train the police in human rights.", paragraph="1")
    w.rec_other = make_rec(review, "Raise the minimum wage.", paragraph="2")
    w.rec_dup = make_rec(review, "Train the police in human rights!", paragraph="3",
                         possible_duplicate_of=w.rec_own)
    w.rec_archived = make_rec(review, "An old one.", paragraph="4", archived=True)
    # Two found to be one (recommendations/duplicates.py): a merge to undo.
    w.rec_positions = make_rec(review, "Protect whistle-blowers.", paragraph="6",
                               positions_differ=True)
    w.rec_kept = make_rec(review, "Protect journalists.", paragraph="5")
    w.merge = duplicates.merge(
        make_rec(review, "Protect journalists.", possible_duplicate_of=w.rec_kept), None)
    assigning.assign_recommendations(w.own, "lead", [w.rec_own.pk])
    assigning.assign_recommendations(w.other, "lead", [w.rec_other.pk])
    w.assignment_other = Assignment.objects.get(entity=w.other, recommendation=w.rec_other)

    w.cluster = Cluster.objects.create(title="Policing")
    ClusterRecommendation.objects.create(cluster=w.cluster, recommendation=w.rec_own)
    w.archived_cluster = Cluster.objects.create(title="Closed", archived=True)

    def action(entity, title, rec):
        return action_services.save_action(
            Action(responsible_entity=entity, title=title, start_date=datetime.date(2026, 1, 15),
                   target_date=datetime.date(2026, 12, 31)),
            recommendations=[rec], clusters=[])

    w.own_action = action(w.own, "Train the police", w.rec_own)
    w.other_action = action(w.other, "Raise the wage", w.rec_other)

    def indicator(act, title):
        return indicators.save_indicator(Indicator(action=act, title=title, unit="persons",
                                                   frequency="quarterly", kind="outcome"))

    w.own_indicator = indicator(w.own_action, "Officers trained")
    w.other_indicator = indicator(w.other_action, "Wage level")

    def update(act, state):
        return ProgressUpdate.objects.create(
            action=act, state=state, period_start=datetime.date(2026, 1, 1),
            period_end=datetime.date(2026, 3, 31), narrative=f"A {state} update.")

    w.own_draft = update(w.own_action, "draft")
    w.own_submitted = update(w.own_action, "submitted")
    w.own_validated = update(w.own_action, "validated")
    w.other_draft = update(w.other_action, "draft")
    w.other_submitted = update(w.other_action, "submitted")
    w.own_evidence = progress.attach(w.own_draft, pdf(), user=w.focal_point)
    w.other_evidence = progress.attach(w.other_draft, pdf(), user=w.olga)

    w.run = ImportRun.objects.create(source="upr_info", files=["x.csv"])
    build_consultation(w)
    build_follow_up(w)
    build_saved_views(w)
    build_suggestions(w)
    return w


def build_consultation(w) -> None:
    """What observers read and say (nmirf/consultation): `rec_own` is shared by itself
    (so `own_action` and its indicator are theirs to read), `shared_cluster` with its
    recommendation `rec_clustered`; `rec_other`, `cluster` and `other_action` are not
    shared. Comments pending, approved and rejected by the observer and by `otto`,
    another observer (of the NHRI)."""
    from nmirf.accounts.models import Role, User
    from nmirf.consultation import services as consultation
    from nmirf.consultation.models import Comment
    from nmirf.tracking.models import Cluster, ClusterRecommendation, Entity, Membership
    from tests.recommendations.builders import make_rec

    consultation.set_shared(w.rec_own, True, user=w.coordinator)
    w.rec_clustered = make_rec(w.rec_own.review, "Protect human rights defenders.",
                               paragraph="5")
    w.shared_cluster = Cluster.objects.create(title="Human rights defenders")
    ClusterRecommendation.objects.create(cluster=w.shared_cluster,
                                         recommendation=w.rec_clustered)
    consultation.set_shared(w.shared_cluster, True, user=w.coordinator)
    w.nhri = Entity.objects.create(name="Human Rights Ombudsman", kind="nhri")
    w.otto = User.objects.create_user("otto-ombudsman", password="a-long-test-password",
                                      role=Role.OBSERVER)
    Membership.objects.create(entity=w.nhri, user=w.otto)

    def comment(author, state, rec=None):
        return Comment.objects.create(
            recommendation=rec or w.rec_own, author=author, state=state,
            text=f"A {state} comment by {author.username}.",
            moderation_reason="Off topic." if state == "rejected" else "")

    w.pending = comment(w.observer, "pending")
    w.approved = comment(w.observer, "approved")
    w.rejected = comment(w.observer, "rejected")
    w.others_pending = comment(w.otto, "pending", w.rec_clustered)
    w.others_approved = comment(w.otto, "approved", w.rec_clustered)
    w.others_rejected = comment(w.otto, "rejected", w.rec_clustered)


def build_follow_up(w) -> None:
    """The follow-up calendar (nmirf/followup): a treaty body's recommendation flagged for
    follow-up (`rec_flagged`, led by `own`), CAT's follow-up setting, the key of a review
    deadline (the UPR mid-term report), and calendar feeds: the focal point's
    (`feed_token`), olga's regenerated (`old_token` no longer works) and one an observer
    holds from when they could see the calendar (`observer_token`: refused)."""
    from nmirf.followup import deadlines
    from nmirf.followup import services as followup
    from nmirf.followup.models import CalendarFeed, new_token
    from nmirf.recommendations.models import Mechanism
    from nmirf.tracking import assigning
    from tests.recommendations.builders import make_rec, make_review

    cat = make_review("SVN", "CAT", label="CAT/C/SVN/CO/4", review_date=datetime.date(2023, 5, 12))
    w.rec_flagged = make_rec(cat, "Investigate every allegation of ill-treatment.",
                             paragraph="12")
    assigning.assign_recommendations(w.own, "lead", [w.rec_flagged.pk])
    followup.set_flag(w.rec_flagged, True, user=w.coordinator)
    w.mechanism = Mechanism.objects.get(code="CAT")
    w.setting = followup.setting_of(w.mechanism)
    if w.setting.pk is None:
        w.setting.save()
    w.deadline_key = next(d.key for d in deadlines.review_deadlines()
                          if d.key.startswith(f"{deadlines.Kind.MID_TERM}:"))
    w.feed_token = followup.regenerate_feed(w.focal_point).token
    w.old_token = followup.regenerate_feed(w.olga).token
    followup.regenerate_feed(w.olga)
    w.observer_token = CalendarFeed.objects.create(user=w.observer, token=new_token()).token


def build_saved_views(w) -> None:
    """Saved views (nmirf/saved_views): one of the focal point's, one of another person's
    (olga's). Each is its owner's alone: everyone else gets 404."""
    from nmirf.saved_views.models import SavedView

    w.own_view = SavedView.objects.create(owner=w.focal_point, name="Noted by Slovenia",
                                          query="state=SVN&position=noted")
    w.other_view = SavedView.objects.create(owner=w.olga, name="Labour",
                                            query="q=wage")


def build_suggestions(w) -> None:
    """Suggested labels (nmirf/assist) waiting for a decision: an issue for `rec_own`
    (shared with observers, so they read its page but may not decide)."""
    from nmirf.assist.models import Kind, Suggestion
    from nmirf.recommendations.models import Term

    w.suggestion = Suggestion.objects.create(
        recommendation=w.rec_own, kind=Kind.TERM, score=0.5, reason="police, train",
        term=Term.objects.get(taxonomy__code="upr_info_issues", code="Justice"),
        model_name="upr-info", model_version="0123456789ab")


# ── Valid forms (a row changes one field to make bad input) ─────────────────────────

ACTION_FORM = {"title": "Plan", "description": "", "start_date": "2026-02-01",
               "target_date": "2026-06-30", "budget": "", "currency": "", "status": "planned"}
INDICATOR_FORM = {"kind": "process", "title": "Courses held", "unit": "courses",
                  "frequency": "yearly", "baseline_value": "", "baseline_year": "",
                  "target_value": "", "data_source": "", "disaggregation": "",
                  "first_due_date": ""}
PROGRESS_FORM = {"period_start": "2026-04-01", "period_end": "2026-06-30",
                 "narrative": "Three more courses.", "version": 0}


def action_form(entity, action=None):
    return {**ACTION_FORM, "responsible_entity": entity.pk,
            "version": action.version if action else ""}



# ── What a request may write ───────────────────────────────────────────────────────────

PROJECT_APPS = {"accounts", "recommendations", "ingest", "tracking", "audit", "core",
                "followup", "consultation", "saved_views", "assist", "django_tasks_database",
                "auth"}


def snapshot() -> dict:
    """Every row of every table of the project's apps (and the stored evidence files): two
    equal snapshots prove that nothing was written in between."""
    tables = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.app_label not in PROJECT_APPS:
            continue
        names = [f.attname for f in model._meta.concrete_fields]
        tables[model._meta.label] = list(model._default_manager.order_by("pk").values_list(
            *names))
    folder = Path(settings.NMIRF_EVIDENCE_DIR)
    tables["evidence files"] = sorted(p.name for p in folder.iterdir()) if folder.exists() \
        else []
    return tables


def changed_tables(before: dict, after: dict) -> list[str]:
    return sorted(name for name in before if before[name] != after.get(name))
