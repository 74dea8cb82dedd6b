"""`nmirf load_demo`, the last step of `make run`: the shipped demo (real UPR
recommendations to Slovenia from two sources) and its coordinator account, safe to run
again."""

from django.contrib.auth import authenticate
from django.core.management import call_command

from nmirf.accounts.models import User
from nmirf.audit.models import Action as AuditAction
from nmirf.audit.models import AuditEvent
from nmirf.consultation.models import Comment, Sharing
from nmirf.recommendations.models import Recommendation, SourceRecord
from nmirf.tracking.models import (
    Action,
    Assignment,
    Cluster,
    ClusterRecommendation,
    Entity,
    Membership,
    RecommendationStatus,
    StatusChange,
)


def test_it_loads_the_demo_once_however_often_it_runs(db, capsys):
    call_command("load_demo")
    out = capsys.readouterr().out
    assert "created: 289," in out  # UPR Info, sessions 7 and 20
    # The matrices of sessions 20, 34 and 48: session 20 is the same review UPR Info brought.
    # Its paragraphs join UPR Info's copies (one per recommending state), the 17 extra
    # copies joined into them (archived): the same 742 recommendations as matrices first.
    assert ("created: 470, updated: 162 (matched to a recommendation from another source: "
            "162), unchanged: 0, rejected: 0; flagged as possible duplicates: 1; copies of "
            "one recommendation joined into it: 17.") in out
    assert Recommendation.objects.count() == 289 + 470
    assert Recommendation.objects.active().count() == 742
    assert SourceRecord.objects.filter(source="ohchr_matrix",
                                       recommendation__sources__source="upr_info"
                                       ).distinct().count() == 162
    assert authenticate(username="coordinator", password="demo-coordinator-2026")
    # Real Slovenian institutions, and an account per role with its password printed.
    justice = Entity.objects.get(name="Ministry of Justice")
    assert justice.children.get().name == "Directorate for Criminal Law"
    assert Entity.objects.get(kind="nhri").name == (
        "Human Rights Ombudsman of the Republic of Slovenia")
    for username, password in [("admin", "demo-admin-2026"),
                               ("focal-justice", "demo-focal-2026"),
                               ("focal-labour", "demo-focal-2026"),
                               ("observer", "demo-observer-2026"),
                               ("observer-nhri", "demo-observer-2026")]:
        assert f"user name '{username}', password '{password}'" in out
        assert authenticate(username=username, password=password)
    assert Membership.objects.get(entity=justice, is_deputy=True).user.username == (
        "focal-justice")
    entities, memberships = Entity.objects.count(), Membership.objects.count()
    roma = Cluster.objects.get(title="Roma inclusion")
    assert roma.recommendations.count() > 10
    assert all("roma" in text.lower() for text in roma.recommendations.values_list(
        "text", flat=True))
    assert f"Cluster 'Roma inclusion': {roma.recommendations.count()} recommendations." in out
    links = ClusterRecommendation.objects.count()
    # Who does what: the clusters' leads, whole lists assigned in bulk (one event each),
    # and statuses with reasons in several states.
    labour = Entity.objects.get(short_name="MDDSZ")
    assert Assignment.objects.current().get(cluster=roma, role="lead").entity == labour
    assert Assignment.objects.current().filter(entity=justice, role="lead").count() >= 4
    assert AuditEvent.objects.filter(action=AuditAction.ASSIGNED).count() == 10
    assert set(RecommendationStatus.objects.values_list("status", flat=True)) == {
        "implemented", "partially_implemented", "in_progress", "not_implemented"}
    assert all(RecommendationStatus.objects.values_list("reason", flat=True))
    assert set(Action.objects.values_list("status", flat=True)) == {
        "in_progress", "completed", "delayed", "planned"}
    assert Action.objects.get(title__startswith="Amend the Criminal Code").recommendations.exists()
    tracked = (Assignment.objects.count(), StatusChange.objects.count(), Action.objects.count())
    # Consultation: an observer of the NHRI; shared recommendations and comments in each
    # state, each moderation in the audit trail.
    nhri_observer = User.objects.get(username="observer-nhri")
    assert Membership.objects.get(user=nhri_observer).entity.kind == "nhri"
    assert set(Comment.objects.values_list("state", flat=True)) == {
        "pending", "approved", "rejected"}
    assert Comment.objects.filter(entity__kind="nhri").exists()
    shared = Recommendation.objects.visible_to(nhri_observer).count()
    assert 0 < shared < Recommendation.objects.count()
    assert f"Consultation: {shared} recommendations shared with observers" in out
    consulted = (Comment.objects.count(), Sharing.objects.count(),
                 AuditEvent.objects.changes().count())

    call_command("load_demo")
    again = capsys.readouterr().out
    assert "created: 0, updated: 0" in again and "unchanged: 289" in again
    assert "account already existed; password unchanged" in again
    assert Recommendation.objects.count() == 289 + 470
    assert (Entity.objects.count(), Membership.objects.count()) == (entities, memberships)
    assert "Entities: 0 created" in again
    assert ClusterRecommendation.objects.count() == links
    assert (Assignment.objects.count(), StatusChange.objects.count(),
            Action.objects.count()) == tracked
    assert (Comment.objects.count(), Sharing.objects.count(),
            AuditEvent.objects.changes().count()) == consulted
