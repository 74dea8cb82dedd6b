"""The demo's follow-up calendar (`nmirf load_demo`): every mechanism's settings, and a
few recommendations of Slovenia's latest UPR review flagged for follow-up by the demo
coordinator (only on the first run: when nothing is flagged yet). The calendar and the
overdue view then show the mid-term report and next review of that review, the demo
actions' target dates and their indicators' due dates (tracking/demo.py)."""

from django.conf import settings

from nmirf.accounts.models import Role, User
from nmirf.recommendations.models import Recommendation, Review

from . import services
from .models import FollowUpFlag

# Search words of the recommendations the demo flags (the first match of each).
FLAGGED = ["torture", "Roma", "trafficking"]


def load_follow_up() -> int:
    """Settings for every mechanism; an e-mail address (example.org) for each demo account
    that has none, so that `nmirf send-reminders` shows its messages on the console; the
    demo's flags. How many recommendations it flagged."""
    from nmirf.ingest.management.commands.load_demo import DEMO_USER
    from nmirf.tracking.demo import ACCOUNTS

    services.ensure_settings()
    for user in User.objects.filter(username__in=[DEMO_USER, *(a[0] for a in ACCOUNTS)],
                                    email=""):
        user.email = f"{user.username}@example.org"
        user.save(update_fields=["email"])
    if FollowUpFlag.objects.exists():
        return 0
    latest = Review.objects.filter(state__iso3=settings.NMIRF_HOME_STATE,
                                   mechanism__code="UPR").order_by("-session").first()
    if latest is None:
        return 0
    coordinator = User.objects.filter(role=Role.COORDINATOR).order_by("pk").first()
    flagged = 0
    for words in FLAGGED:
        recommendation = Recommendation.objects.active().filter(
            review=latest, text__icontains=words).order_by("pk").first()
        if recommendation is not None:
            flagged += services.set_flag(recommendation, True, user=coordinator)
    return flagged
