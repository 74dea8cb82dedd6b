"""A person's decision on a possible duplicate that an import flagged.

- "Same recommendation": the later copy is archived (never deleted: nothing a person or a
  source wrote is lost) and keeps its link to the one that stays; its source records and
  links stay with it, so the history of where it was seen is kept.
- "Different recommendations": the flag is cleared; both stay in the registry.
"""

from django.db import transaction

from .models import Recommendation


class NotADuplicate(Exception):
    pass


@transaction.atomic
def resolve(rec: Recommendation, *, same: bool) -> Recommendation:
    rec = Recommendation.objects.select_for_update().get(pk=rec.pk)
    if rec.possible_duplicate_of_id is None:
        raise NotADuplicate(rec.pk)
    if same:
        rec.archived = True
        rec.save(update_fields=["archived", "updated_at"])
    else:
        rec.possible_duplicate_of = None
        rec.save(update_fields=["possible_duplicate_of", "updated_at"])
    return rec
