"""The writes of consultation, each all-or-nothing and recorded in the audit trail
(audit.changes.tracking: who, when, before → after). Views check who may call them
(accounts.permissions); these check that the change makes sense and refuse it with a
message in the reader's language (ValidationError)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from nmirf.audit import record
from nmirf.audit.changes import tracking
from nmirf.audit.models import Action
from nmirf.recommendations.models import Recommendation
from nmirf.tracking.models import Cluster

from .models import MAX_COMMENT_CHARS, Comment, CommentState, Sharing


def sharing_of(obj) -> Sharing | None:
    """The stored sharing of a recommendation or a cluster, or None (never shared)."""
    field = "recommendation" if isinstance(obj, Recommendation) else "cluster"
    return Sharing.objects.filter(**{field: obj}).first()


def is_shared(recommendation) -> bool:
    """Whether observers read this recommendation: shared itself, or in an active shared
    cluster (the rule of accounts.permissions.recommendations_visible_to)."""
    return Sharing.objects.shared().filter(
        Q(recommendation=recommendation)
        | Q(cluster__archived=False, cluster__links__recommendation=recommendation)).exists()


@transaction.atomic
def set_shared(obj: Recommendation | Cluster, shared: bool, *, user=None) -> Sharing:
    """Share a recommendation or a cluster with observers, or stop sharing it. The row is
    kept either way; a change is one audit event on it (nothing when nothing changes)."""
    if shared and obj.archived:
        raise ValidationError(
            _("An archived item cannot be shared: restore it first."), code="archived")
    field = "recommendation" if isinstance(obj, Recommendation) else "cluster"
    sharing = Sharing.objects.select_for_update().filter(**{field: obj}).first()
    if sharing is None:
        if not shared:
            return Sharing(**{field: obj})
        sharing = Sharing.objects.create(**{field: obj}, shared=False, changed_by=user)
    if sharing.shared == shared:
        return sharing
    with tracking(sharing, actor=user):
        sharing.shared = shared
        sharing.changed_by = user
        sharing.save()
    return sharing


@transaction.atomic
def share_recommendations(selection, shared: bool, *, user=None, source: str = "") -> int:
    """Share (or stop sharing) every recommendation of a filtered list in one step:
    set-based (one UPDATE of the rows there, one bulk INSERT of the missing ones when
    sharing), and **one** audit event with the count and the list's filters, whatever the
    size. Returns how many changed."""
    ids = selection.order_by().values("pk")
    now = timezone.now()
    changed = Sharing.objects.filter(recommendation__in=ids, shared=not shared).update(
        shared=shared, changed_by=user, changed_at=now)
    if shared:
        missing = list(selection.order_by().exclude(sharing__isnull=False)
                       .values_list("pk", flat=True))
        Sharing.objects.bulk_create(
            [Sharing(recommendation_id=pk, shared=True, changed_by=user) for pk in missing],
            batch_size=1000)
        changed += len(missing)
    if changed:
        record(Action.CHANGED, actor=user, target_repr=str(Sharing._meta.verbose_name),
               before={"shared": not shared},
               after={"shared": shared, "recommendations": changed, "source": source})
    return changed


def check_text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError(_("Write your comment: it is empty."), code="empty")
    if len(text) > MAX_COMMENT_CHARS:
        raise ValidationError(
            _("A comment has at most %(limit)d characters; this one has %(count)d.")
            % {"limit": MAX_COMMENT_CHARS, "count": len(text)}, code="too_long")
    return text


@transaction.atomic
def submit_comment(recommendation: Recommendation, text: str, *, user, entity=None) -> Comment:
    """An observer's comment on a recommendation, pending moderation. Refused on an
    archived recommendation and on one not (or no longer) shared with observers."""
    text = check_text(text)
    if recommendation.archived:
        raise ValidationError(
            _("This recommendation is archived: it no longer takes comments."),
            code="archived")
    if not is_shared(recommendation):
        raise ValidationError(
            _("This recommendation is not shared with observers: it takes no comments."),
            code="not_shared")
    comment = Comment(recommendation=recommendation, author=user, entity=entity, text=text)
    with tracking(comment, actor=user):
        comment.save()
    return comment


class AlreadyModerated(ValidationError):
    pass


@transaction.atomic
def moderate(comment: Comment, decision: str, reason: str = "", *, user) -> Comment:
    """Approve a pending comment (observers and everyone who reads the recommendation then
    read it) or reject it with a reason (its author reads why). One audit event: state,
    reason and moderator before → after. A comment already decided is refused."""
    if decision not in (CommentState.APPROVED, CommentState.REJECTED):
        raise ValidationError(_("Choose whether to approve or reject the comment."),
                              code="decision")
    reason = (reason or "").strip()
    if decision == CommentState.REJECTED and not reason:
        raise ValidationError(_("Say why the comment is rejected: its author will read it."),
                              code="reason_required")
    current = Comment.objects.select_for_update().get(pk=comment.pk)
    if current.state != CommentState.PENDING:
        raise AlreadyModerated(
            _("This comment was already moderated (%(state)s): nothing was changed.")
            % {"state": current.get_state_display()}, code="already_moderated")
    with tracking(current, actor=user):
        current.state = decision
        current.moderation_reason = reason
        current.moderated_by = user
        current.moderated_at = timezone.now()
        current.save()
    return current
