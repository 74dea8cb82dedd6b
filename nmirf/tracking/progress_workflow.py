"""The life of a progress update, in one place: which transitions exist, from which states,
who may make them (a predicate of accounts/permissions.py), and whether a comment is
needed. `transition()` makes one: it checks the state and the version the page was read
at, writes, and records the change (state before → after, the comment, who and when) in
the audit trail. The views ask `allowed()` for the buttons and call `transition()`.

    draft ──submit──▶ submitted ──validate──▶ validated ──publish──▶ published
      ▲                  │
      └─ returned ◀─return (with a comment); the focal point edits and submits again
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from nmirf.accounts import permissions
from nmirf.audit.changes import tracking

from . import indicator_schedule
from .progress_models import ProgressState, ProgressUpdate
from .versioning import locked_current


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: tuple[str, ...]
    target: str
    may: object  # permissions predicate (user, update) -> bool
    needs_comment: bool = False


TRANSITIONS = {t.name: t for t in [
    Transition("submit", gettext_lazy("Submit for review"),
               (ProgressState.DRAFT, ProgressState.RETURNED), ProgressState.SUBMITTED,
               permissions.can_submit_progress),
    Transition("return", gettext_lazy("Return for changes"), (ProgressState.SUBMITTED,),
               ProgressState.RETURNED, permissions.can_review_progress, needs_comment=True),
    Transition("validate", gettext_lazy("Validate"), (ProgressState.SUBMITTED,),
               ProgressState.VALIDATED, permissions.can_review_progress),
    Transition("publish", gettext_lazy("Publish"), (ProgressState.VALIDATED,),
               ProgressState.PUBLISHED, permissions.can_publish_progress),
]}


def allowed(user, update: ProgressUpdate) -> list[Transition]:
    """The transitions `user` may make on `update` now (the buttons of its page)."""
    if update.action.archived:
        return []
    return [t for t in TRANSITIONS.values()
            if update.state in t.sources and t.may(user, update)]


def may(user, update: ProgressUpdate, name: str) -> bool:
    """Whether `user` may ever make this transition on this update (the view's 403);
    whether it fits the update's state is `transition`'s to say."""
    step = TRANSITIONS.get(name)
    if step is None:
        return False
    # A focal point's right to submit depends on the state (an editable update): ask it
    # as if the state fitted, so that a wrong state is a message, not a 403.
    probe = ProgressUpdate(pk=update.pk, action=update.action, state=step.sources[0])
    return bool(step.may(user, probe))


@transaction.atomic
def transition(update: ProgressUpdate, name: str, *, user, read_version: int,
               comment: str = "") -> ProgressUpdate:
    """Make the transition `name`; ValidationError (nothing written) where the update's
    action is archived, the update is not in a state it starts from, a comment is missing,
    or the update changed since `read_version` (VersionConflict)."""
    step = TRANSITIONS[name]
    current = locked_current(update, read_version)
    if current.action.archived:
        raise ValidationError(
            _("This update's action is archived: its progress can no longer be reviewed or "
              "published. Restore the action first."), code="archived_action")
    if current.state not in step.sources:
        raise ValidationError(
            _("This update is “%(state)s”: it cannot be changed by “%(step)s” now.")
            % {"state": current.get_state_display(), "step": step.label}, code="illegal")
    comment = (comment or "").strip()
    if step.needs_comment and not comment:
        raise ValidationError(_("Say what should change: the comment is sent back with the "
                                "update."), code="comment_required")
    if name == "submit" and not current.narrative.strip():
        raise ValidationError(_("Describe what was done before submitting."), code="empty")
    with tracking(current, actor=user):
        current.state = step.target
        if step.needs_comment or name == "validate":
            current.review_comment = comment
        current.version += 1
        current.save(update_fields=["state", "review_comment", "version", "updated_at"])
    if step.target == ProgressState.VALIDATED:
        indicator_schedule.refresh(current.action.indicators.filter(archived=False))
    return current
