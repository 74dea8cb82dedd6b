"""The follow-up calendar's writes, each recorded in the audit trail: a mechanism's
settings (audit.changes.tracking, field by field), a recommendation flagged for follow-up
or lifted (an event on the recommendation), a review deadline marked as met, and a
person's calendar feed made, regenerated or revoked. Views stay thin."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from nmirf import audit
from nmirf.audit.changes import tracking
from nmirf.audit.models import Action
from nmirf.recommendations.models import Mechanism

from .deadlines import default_settings
from .models import CalendarFeed, DeadlineDone, FollowUpFlag, FollowUpSetting, new_token

# At most this many recommendations are flagged from one list at once: the follow-up
# procedure selects a handful per review.
MAX_BULK_FLAGS = 500


def setting_of(mechanism: Mechanism) -> FollowUpSetting:
    """The mechanism's settings row, made from its defaults where missing (not saved)."""
    try:
        return mechanism.follow_up_setting
    except FollowUpSetting.DoesNotExist:
        return FollowUpSetting(mechanism=mechanism, **default_settings(mechanism))


def ensure_settings() -> int:
    """A settings row for every mechanism that has none, from the reference data (the
    migration seeds the mechanisms of the day; this catches later ones). How many made."""
    have = set(FollowUpSetting.objects.values_list("mechanism_id", flat=True))
    missing = [FollowUpSetting(mechanism=m, **default_settings(m))
               for m in Mechanism.objects.exclude(pk__in=have)]
    FollowUpSetting.objects.bulk_create(missing)
    return len(missing)


@transaction.atomic
def save_setting(setting: FollowUpSetting, *, user=None) -> FollowUpSetting:
    """Save a (validated) settings row; the change is one audit event."""
    setting.full_clean()
    with tracking(setting, actor=user):
        setting.save()
    return setting


def is_flagged(recommendation) -> bool:
    return FollowUpFlag.objects.active().filter(recommendation=recommendation).exists()


@transaction.atomic
def set_flag(recommendation, flagged: bool, *, user=None) -> bool:
    """Flag a recommendation for follow-up (or lift the flag); False when it already was
    so. Recorded on the recommendation's history. An archived recommendation is not
    flagged (ValidationError, nothing written); its flag may be lifted."""
    if flagged and recommendation.archived:
        raise ValidationError(
            _("This recommendation is archived: it cannot be flagged for follow-up."),
            code="archived")
    current = FollowUpFlag.objects.active().select_for_update().filter(
        recommendation=recommendation).first()
    if flagged == (current is not None):
        return False
    if flagged:
        FollowUpFlag.objects.create(recommendation=recommendation, flagged_by=user)
    else:
        current.active = False
        current.save(update_fields=["active"])
    audit.record(Action.CHANGED, target=recommendation, actor=user,
                 before={"follow_up": not flagged}, after={"follow_up": flagged})
    return True


@transaction.atomic
def flag_many(recommendation_ids, *, user=None) -> int:
    """Flag every one of these recommendations not flagged yet (one event each, on its
    history); how many were flagged. Set-based: one read, one bulk INSERT of the flags and
    one of their events, whatever the number."""
    from nmirf.recommendations.models import Recommendation

    already = FollowUpFlag.objects.active().filter(
        recommendation_id__in=recommendation_ids).values("recommendation_id")
    recommendations = list(Recommendation.objects.filter(pk__in=recommendation_ids)
                           .exclude(pk__in=already).only("pk", "paragraph", "text")
                           .order_by("pk"))
    FollowUpFlag.objects.bulk_create(
        [FollowUpFlag(recommendation=recommendation, flagged_by=user)
         for recommendation in recommendations], batch_size=1000)
    return audit.record_many(Action.CHANGED, recommendations, actor=user,
                             before={"follow_up": False}, after={"follow_up": True})


@transaction.atomic
def mark_replied(recommendation, day, *, user=None) -> None:
    """The follow-up reply on a flagged recommendation was sent: its deadline closes."""
    flag = FollowUpFlag.objects.active().select_for_update().get(recommendation=recommendation)
    flag.replied_on = day
    flag.save(update_fields=["replied_on"])
    audit.record(Action.CHANGED, target=recommendation, actor=user,
                 before={"follow_up_replied": None}, after={"follow_up_replied": day.isoformat()})


@transaction.atomic
def mark_done(key: str, *, user=None, note: str = "") -> DeadlineDone:
    """A review deadline (a report) was met: it leaves the calendar."""
    done, created = DeadlineDone.objects.get_or_create(
        key=key, defaults={"done_on": timezone.localdate(), "done_by": user, "note": note})
    if created:
        audit.record(Action.CREATED, target=done, actor=user,
                     after={"deadline": key, "note": note})
    return done


def feed_of(user) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(user=user).first()


@transaction.atomic
def regenerate_feed(user) -> CalendarFeed:
    """A new secret for the person's feed (the old URL stops working)."""
    feed, _created = CalendarFeed.objects.get_or_create(user=user)
    feed.token = new_token()
    feed.save()
    audit.record(Action.CHANGED, target=user, actor=user, before={"calendar_feed": "…"},
                 after={"calendar_feed": "new address"})
    return feed


@transaction.atomic
def revoke_feed(user) -> None:
    feed = feed_of(user)
    if feed is None or feed.token is None:
        return
    feed.token = None
    feed.save()
    audit.record(Action.CHANGED, target=user, actor=user, before={"calendar_feed": "on"},
                 after={"calendar_feed": "revoked"})
