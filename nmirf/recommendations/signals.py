"""Any change to what the registry holds bumps RegistryVersion (see registry_index.py).
Imports write in bulk with raw SQL and bump it themselves (ingest/commit.py); these
handlers cover edits through the ORM (the admin, later the web forms and the API)."""

from django.db.models.signals import m2m_changed, post_delete, post_save

from .models import (
    Recommendation,
    RecommendationTerm,
    RecommendingState,
    RegistryVersion,
    Review,
    Term,
)

WATCHED = (Recommendation, RecommendationTerm, RecommendingState, Review, Term)


def registry_changed(sender, **kwargs):
    if not kwargs.get("raw"):  # loaddata replays stored rows; it is not an edit
        RegistryVersion.bump()


def links_changed(sender, action, **kwargs):
    if action.startswith("post_"):
        RegistryVersion.bump()


for model in WATCHED:
    post_save.connect(registry_changed, sender=model, dispatch_uid=f"registry-save-{model}")
    post_delete.connect(registry_changed, sender=model, dispatch_uid=f"registry-del-{model}")
for through in (Recommendation.terms.through, Recommendation.recommending_states.through):
    m2m_changed.connect(links_changed, sender=through, dispatch_uid=f"registry-m2m-{through}")
