"""`nmirf assist train`: the project's model (UPR Info issues and action category) from
labelled examples — the recommendations in the database (their UPR Info issue terms and
action category) or UPR Info exports (examples.py) — written as a versioned model file
(model_files.py).

Training data that cannot teach anything is refused before any fitting, with the reason:
no labelled row, or a single label where a classifier needs two. A part that cannot be
trained (issues, or action category) while the other can is left out of the model, and
the summary says so.
"""

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import sklearn
from django.db.models import Prefetch, Q
from django.utils.translation import gettext as _

from nmirf.core.text import name_key
from nmirf.recommendations.models import Recommendation, RecommendationTerm, Term

from . import model_files
from .classifiers import ProjectCategory, ProjectIssues
from .examples import BadExamples, Example
from .trained import TrainedModel

ISSUES_TAXONOMY = "upr_info_issues"
Progress = Callable[[str], None]


def examples_from_database() -> list[Example]:
    """The active recommendations with a UPR Info issue or an action category, as
    examples (the state under review is the unit of the tuning split)."""
    issue_terms = Prefetch("terms", queryset=Term.objects.filter(
        taxonomy__code=ISSUES_TAXONOMY).only("pk", "code"), to_attr="issue_terms")
    with_issues = RecommendationTerm.objects.filter(
        term__taxonomy__code=ISSUES_TAXONOMY).values("recommendation_id")
    rows = (Recommendation.objects.active()
            .filter(Q(action_category__isnull=False) | Q(pk__in=with_issues))
            .select_related("review__state")
            .only("pk", "text", "language", "action_category", "review__state__name")
            .prefetch_related(issue_terms).order_by("pk"))
    examples = []
    for rec in rows.iterator(chunk_size=2000):
        if not rec.text.strip():
            continue
        examples.append(Example(
            state=name_key(rec.review.state.name), text=rec.text,
            issues=frozenset(term.code for term in rec.issue_terms),
            category=rec.action_category, language=rec.language or ""))
    return examples


@dataclass
class Trained:
    header: dict
    seconds: float
    notes: list[str] = field(default_factory=list)


def check(examples: list[Example]) -> list[str]:
    """Refuse data that teaches nothing; the notes on a part left out."""
    issue_rows = [example for example in examples if example.issues]
    categories = {example.category for example in examples if example.category}
    issues = set().union(*(example.issues for example in issue_rows)) if issue_rows else set()
    if not issue_rows and not categories:
        raise BadExamples(_("There is nothing to learn from: no recommendation has a UPR Info "
                            "issue or an action category. Import labelled recommendations "
                            "(e.g. a UPR Info export) or give --from-files."))
    notes = []
    if len(issues) < 2:
        notes.append(_("Issues are not learnt: the data has %(count)s distinct UPR Info issue(s); "
                       "at least two are needed.") % {"count": len(issues)})
    if len(categories) < 2:
        notes.append(_("Action categories are not learnt: the data has %(count)s distinct "
                       "action category(ies); at least two are needed.")
                     % {"count": len(categories)})
    if len(issues) < 2 and len(categories) < 2:
        raise BadExamples(_("Only one class to learn: %(notes)s") % {"notes": " ".join(notes)})
    return notes


def data_version(examples: list[Example]) -> str:
    """A hash of what the model learns from: the same rows give the same version."""
    digest = hashlib.sha256(f"{model_files.FORMAT_VERSION}|{sklearn.__version__}".encode())
    for example in sorted(examples, key=lambda e: (e.text, sorted(e.issues), e.category or 0)):
        digest.update(b"\x1e" + example.text.encode())
        digest.update(b"\x1f" + "|".join(sorted(example.issues)).encode())
        digest.update(b"\x1f" + str(example.category or "").encode())
    return digest.hexdigest()[:12]


def fit(examples: list[Example], progress: Progress | None = None) -> TrainedModel:
    progress = progress or (lambda step: None)
    issue_rows = [example for example in examples if example.issues]
    category_rows = [example for example in examples if example.category]
    issues = category = None
    try:
        if len(set().union(*(e.issues for e in issue_rows)) if issue_rows else ()) >= 2:
            progress("issues")
            issues = ProjectIssues(states=[e.state for e in issue_rows]).fit(
                [e.text for e in issue_rows], [e.issues for e in issue_rows])
            # The tuning split is done with; the file need not carry every row's state.
            issues.states = None
        if len({e.category for e in category_rows}) >= 2:
            progress("category")
            # The issue model's vocabulary, where there is one: one transform serves both
            # when suggesting (trained.py).
            category = ProjectCategory(features=issues.features if issues else None).fit(
                [e.text for e in category_rows], [e.category for e in category_rows])
    except ValueError as error:
        # TF-IDF keeps words seen in two texts or more: a handful of short texts may leave
        # none ("empty vocabulary; perhaps the documents only contain stop words").
        raise BadExamples(_("These %(count)s rows are too few or too short to learn from "
                            "(%(error)s).") % {"count": len(examples), "error": error}) from None
    return TrainedModel(issues=issues, category=category,
                        languages=frozenset(e.language for e in examples if e.language))


def train(examples: list[Example], *, source: str, progress: Progress | None = None) -> Trained:
    """Check, fit and save; the header of the model file written."""
    notes = check(examples)
    started = time.perf_counter()
    model = fit(examples, progress)
    (progress or (lambda step: None))("saving")
    issue_rows = [example for example in examples if example.issues]
    details = {
        "description": "UPR Info issues and action category: TF-IDF (words, word pairs, "
                       "character 2-5-grams, lead words) + linear SVMs",
        "source": source,
        "training_rows": len(examples),
        "issue_rows": len(issue_rows),
        "category_rows": sum(1 for example in examples if example.category),
        "issues": sorted(model.issues.binarizer.classes_.tolist()) if model.issues else [],
        "categories": (sorted(int(c) for c in model.category.classifier.classes_)
                       if model.category else []),
        "languages": sorted(model.languages),
    }
    header = model_files.save(model, version=data_version(examples), details=details)
    return Trained(header, time.perf_counter() - started, notes)
