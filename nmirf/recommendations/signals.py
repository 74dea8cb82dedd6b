"""Any change to what the registry holds bumps RegistryVersion (see registry_index.py).
Imports write in bulk with raw SQL and bump it themselves (ingest/commit.py); these
handlers cover edits through the ORM (the admin, later the web forms and the API)."""

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from .models import (
    Recommendation,
    RecommendationTerm,
    RecommendingState,
    RegistryVersion,
    Review,
    Term,
)

WATCHED = (Recommendation, RecommendationTerm, RecommendingState, Review, Term)


@receiver(post_save)
@receiver(post_delete)
def registry_changed(sender, **kwargs):
    if sender in WATCHED and not kwargs.get("raw"):
        RegistryVersion.bump()


@receiver(m2m_changed, sender=Recommendation.terms.through)
@receiver(m2m_changed, sender=Recommendation.recommending_states.through)
def links_changed(sender, action, **kwargs):
    if action.startswith("post_"):
        RegistryVersion.bump()
