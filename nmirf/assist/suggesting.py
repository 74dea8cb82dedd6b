"""`nmirf assist suggest`: the current model's labels for some recommendations, stored as
pending suggestions (models.Suggestion) for a person to accept or reject. Nothing is
applied: the recommendations' own labels are not touched.

What is proposed, per recommendation:
- UPR Info issues, where it has none (with `also_labelled`, the issues it lacks);
- an action category, where it has none;
never a label it already has, nor one a person has already accepted or rejected for it
(whatever model proposed it then). Its pending suggestions are replaced by the new run's:
they are the machine's, not a person's.

Recommendations without text, or in a language the model was not trained on, get none
(and are counted, so the command can say so). The work goes in chunks: the model predicts
outside any transaction, and each chunk's suggestions are written in a short one, so the
registry stays writable while suggestions are computed.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction

from nmirf.recommendations.models import Recommendation, RecommendationTerm, Term

from .model_files import LoadedModel
from .models import Kind, State, Suggestion
from .training import ISSUES_TAXONOMY

CHUNK = 2000


@dataclass
class Outcome:
    recommendations: int = 0
    issues: int = 0
    categories: int = 0
    without_text: int = 0
    other_language: dict = field(default_factory=lambda: defaultdict(int))
    unknown_issues: set = field(default_factory=set)  # issues the model knows, the DB not


def suggest(selection, loaded: LoadedModel, *, also_labelled: bool = False,
            progress: Callable[[int, int], None] | None = None) -> Outcome:
    """Suggestions for the recommendations of `selection` (a queryset); what was done."""
    ids = sorted(selection.values_list("pk", flat=True))
    outcome = Outcome()
    terms = dict(Term.objects.filter(taxonomy__code=ISSUES_TAXONOMY).values_list("code", "pk"))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        new = _chunk_suggestions(chunk, loaded, terms, also_labelled, outcome)
        with transaction.atomic():
            Suggestion.objects.filter(recommendation_id__in=chunk,
                                      state=State.PENDING).delete()
            Suggestion.objects.bulk_create(new, batch_size=1000)
        outcome.recommendations += len(chunk)
        if progress:
            progress(min(start + CHUNK, len(ids)), len(ids))
    return outcome


def _chunk_suggestions(chunk, loaded, terms, also_labelled, outcome) -> list[Suggestion]:
    model = loaded.model
    has_terms, decided = _known(chunk)
    usable = _usable(chunk, model, outcome)
    made = dict(model_name=loaded.name, model_version=loaded.version)
    issue_rows = [i for i, row in enumerate(usable) if also_labelled or not has_terms[row[0]]]
    category_rows = [i for i, row in enumerate(usable) if row[2] is None]
    issue_matrix = category_matrix = None
    shared = model.shared_features
    if shared is not None and issue_rows and category_rows:
        # One transform of the texts for both classifiers (the costly step).
        matrix = shared.transform([text for _pk, text, _c in usable])
        issue_matrix, category_matrix = matrix[issue_rows], matrix[category_rows]
    new = []
    for proposal in model.issue_proposals([usable[i][1] for i in issue_rows], issue_matrix):
        pk = usable[issue_rows[proposal.row]][0]
        term_id = terms.get(proposal.label)
        if term_id is None:
            outcome.unknown_issues.add(proposal.label)
        elif term_id not in has_terms[pk] and (pk, term_id, None) not in decided:
            new.append(Suggestion(recommendation_id=pk, kind=Kind.TERM, term_id=term_id,
                                  score=round(proposal.score, 4),
                                  reason=", ".join(proposal.words)[:300], **made))
    for proposal in model.category_proposals([usable[i][1] for i in category_rows],
                                             category_matrix):
        pk = usable[category_rows[proposal.row]][0]
        if (pk, None, proposal.label) not in decided:
            new.append(Suggestion(recommendation_id=pk, kind=Kind.ACTION_CATEGORY,
                                  action_category=proposal.label,
                                  score=round(proposal.score, 4),
                                  reason=", ".join(proposal.words)[:300], **made))
    outcome.issues += sum(1 for s in new if s.kind == Kind.TERM)
    outcome.categories += sum(1 for s in new if s.kind == Kind.ACTION_CATEGORY)
    return new


def _known(chunk) -> tuple[dict, set]:
    """What a chunk's recommendations have (their issue terms) and what was decided for
    them ((recommendation, term, category) of every decided suggestion)."""
    has_terms = defaultdict(set)
    for rec_id, term_id in RecommendationTerm.objects.filter(
            recommendation_id__in=chunk, term__taxonomy__code=ISSUES_TAXONOMY).values_list(
            "recommendation_id", "term_id"):
        has_terms[rec_id].add(term_id)
    decided = set(Suggestion.objects.filter(recommendation_id__in=chunk).exclude(
        state=State.PENDING).values_list("recommendation_id", "term_id", "action_category"))
    return has_terms, decided


def _usable(chunk, model, outcome) -> list[tuple[int, str, int | None]]:
    """(pk, text, action category) of the chunk's recommendations the model can read: not
    those without text, nor those in a language it was not trained on (counted)."""
    usable = []
    for pk, text, language, category in Recommendation.objects.filter(
            pk__in=chunk).order_by("pk").values_list("pk", "text", "language",
                                                      "action_category"):
        if not text.strip():
            outcome.without_text += 1
        elif model.languages and language not in model.languages:
            outcome.other_language[language] += 1
        else:
            usable.append((pk, text, category))
    return usable
