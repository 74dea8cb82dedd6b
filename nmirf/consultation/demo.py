"""The demo's consultation (`nmirf load_demo`): what the coordinator shares with observers
— the recommendations of the action on torture (which has published progress) and the
"Roma inclusion" cluster — and observers' comments in each state, so that the observers'
pages and the coordinator's moderation queue show something real. Safe to run again:
sharing what is shared changes nothing, and comments are written on the first run only."""

from django.db import transaction

from nmirf.accounts.models import Role, User
from nmirf.recommendations.models import Recommendation
from nmirf.tracking.models import Action, Cluster, Entity

from . import services
from .models import Comment, CommentState

SHARED_ACTION = "Amend the Criminal Code to define torture in line with the Convention"
SHARED_CLUSTERS = ["Roma inclusion"]

# (author's user name, state, text, the coordinator's reason to reject)
COMMENTS = [
    ("observer-nhri", CommentState.APPROVED,
     "The Ombudsman, as the national preventive mechanism, visited four police stations in "
     "2025 and recommends that the new definition also covers acts by private security "
     "staff acting with official consent.", ""),
    ("observer", CommentState.APPROVED,
     "Amnesty International Slovenia welcomes the public consultation on the draft article "
     "and asks that the bill keep the absolute prohibition without exceptions.", ""),
    ("observer-nhri", CommentState.PENDING,
     "Our 2025 annual report (chapter 3) lists the cases of alleged ill-treatment we received; "
     "we offer to present them to the drafting working group.", ""),
    ("observer", CommentState.REJECTED,
     "See our website.",
     "Please say which document or page you refer to, so that the ministries can find it."),
]


@transaction.atomic
def load_consultation() -> tuple[int, int]:
    """Share the demo's items and write its comments; (recommendations shared in all,
    comments written now)."""
    coordinator = User.objects.filter(role=Role.COORDINATOR).order_by("pk").first()
    action = Action.objects.filter(title=SHARED_ACTION).first()
    if action is not None:
        for rec in action.recommendations.filter(archived=False):
            services.set_shared(rec, True, user=coordinator)
    for cluster in Cluster.objects.filter(title__in=SHARED_CLUSTERS, archived=False):
        services.set_shared(cluster, True, user=coordinator)
    written = 0
    targets = list(action.recommendations.filter(archived=False).order_by("pk")) \
        if action is not None else []
    if targets and not Comment.objects.exists():
        nhri = Entity.objects.filter(kind="nhri", archived=False).order_by("pk").first()
        for index, (username, state, text, reason) in enumerate(COMMENTS):
            author = User.objects.filter(username=username).first()
            if author is None:
                continue
            comment = services.submit_comment(
                targets[index % len(targets)], text, user=author,
                entity=nhri if username == "observer-nhri" else None)
            if state != CommentState.PENDING:
                services.moderate(comment, state, reason, user=coordinator)
            written += 1
    observer = User.objects.filter(role=Role.OBSERVER, is_active=True).order_by("pk").first()
    shared = Recommendation.objects.visible_to(observer).count() if observer else 0
    return shared, written
