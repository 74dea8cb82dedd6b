"""`nmirf assist evaluate`: train the baseline and the project's models on some UPR Info
rows, and measure both on others, in one run, so that the figures side by side come from
the same rows, the same split and the same machine.

The result is a plain dict (printed as JSON by the command): the rows used, the states on
each side, and per model, for the issues micro-F1, macro-F1, precision@3 and recall@3,
for the action category accuracy and macro-F1, overall and per language of the test rows.
"""

import time
from collections import Counter
from dataclasses import dataclass

from django.utils.translation import gettext as _

from . import classifiers, metrics
from .examples import BadExamples, Example, states_of

TOP = 3


@dataclass
class Models:
    name: str
    issues: classifiers.IssueClassifier
    category: classifiers.CategoryClassifier


def check(train: list[Example], test: list[Example]) -> None:
    """Refuse, before any training, data that cannot give a figure."""
    if not any(example.issues for example in train) and not any(
            example.category for example in train):
        raise BadExamples(_("The training data has no labels: no row has a UPR Info issue "
                            "or an action category."))
    if not any(example.issues for example in train):
        raise BadExamples(_("The training data has no UPR Info issues to learn from."))
    if len({example.category for example in train if example.category}) < 2:
        raise BadExamples(_("The training data needs rows of at least two action categories."))
    if not test:
        raise BadExamples(_("The test set is empty: no row to evaluate on."))
    if not any(example.issues for example in test) or not any(
            example.category for example in test):
        raise BadExamples(_("The test set has no labels to compare with: no row has a UPR "
                            "Info issue or no row an action category."))


def evaluate(train: list[Example], test: list[Example], skipped: int = 0) -> dict:
    check(train, test)
    issue_train = [example for example in train if example.issues]
    category_train = [example for example in train if example.category]
    issue_test = [example for example in test if example.issues]
    category_test = [example for example in test if example.category]
    result = {
        "train_rows": len(train),
        "test_rows": len(test),
        "skipped_rows": skipped,
        "train_states": len(states_of(train)),
        "test_states": len(states_of(test)),
        "states_in_both": len(states_of(train) & states_of(test)),
        "issues_test_rows": len(issue_test),
        "category_test_rows": len(category_test),
        "test_languages": dict(sorted(Counter(example.language for example in test).items())),
        "models": {},
    }
    for models in _models(issue_train):
        started = time.perf_counter()
        models.issues.fit([e.text for e in issue_train], [e.issues for e in issue_train])
        if isinstance(models.category, classifiers.ProjectCategory) and (
                category_train == issue_train):
            # The same texts: the issue model's fitted features serve as they are.
            models.category.fitted_features = models.issues.features
        models.category.fit([e.text for e in category_train],
                            [e.category for e in category_train])
        trained = time.perf_counter()
        chosen, ranked = models.issues.predict([e.text for e in issue_test])
        categories = models.category.predict([e.text for e in category_test])
        figures = {
            "description": {"issues": models.issues.description,
                            "category": models.category.description},
            **_figures(issue_test, chosen, ranked, category_test, categories),
            "by_language": {},
            "train_seconds": round(trained - started, 1),
            "predict_seconds": round(time.perf_counter() - trained, 1),
        }
        languages = sorted({example.language for example in test})
        if len(languages) > 1:
            for language in languages:
                figures["by_language"][language] = _figures(
                    *_of_language(language, issue_test, chosen, ranked),
                    *_of_language(language, category_test, categories))
        result["models"][models.name] = figures
    return result


def _models(issue_train: list[Example]) -> list[Models]:
    return [
        Models("baseline", classifiers.BaselineIssues(), classifiers.BaselineCategory()),
        Models("model", classifiers.ProjectIssues(states=[e.state for e in issue_train]),
               classifiers.ProjectCategory()),
    ]


def _of_language(language, examples, *predictions):
    keep = [index for index, example in enumerate(examples) if example.language == language]
    return ([examples[index] for index in keep],
            *[[prediction[index] for index in keep] for prediction in predictions])


def _figures(issue_test, chosen, ranked, category_test, categories) -> dict:
    truth = [example.issues for example in issue_test]
    true_categories = [example.category for example in category_test]
    return {
        "issues": {
            "rows": len(truth),
            "micro_f1": round(metrics.micro_f1(truth, chosen), 4),
            "macro_f1": round(metrics.macro_f1(truth, chosen), 4),
            f"precision_at_{TOP}": round(metrics.precision_at(TOP, truth, ranked), 4),
            f"recall_at_{TOP}": round(metrics.recall_at(TOP, truth, ranked), 4),
        },
        "category": {
            "rows": len(true_categories),
            "accuracy": round(metrics.accuracy(true_categories, categories), 4),
            "macro_f1": round(metrics.single_label_macro_f1(true_categories, categories), 4),
        },
    }
