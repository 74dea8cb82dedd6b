"""A trained suggestion model as it is kept in a model file (model_files.py): the issue
classifier and the action-category classifier (either may be absent where the training
data could not teach it), and what each proposes for some texts, with the words that
weighed most as its reason.

The classifiers are the project's own (classifiers.py: TF-IDF of words, word pairs,
character n-grams and lead words, linear SVMs), the ones `nmirf assist evaluate` measures.
"""

from dataclasses import dataclass, field

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from .classifiers import ProjectCategory, ProjectIssues

# The words named in a suggestion's reason.
REASON_WORDS = 3


@dataclass(frozen=True, slots=True)
class Proposal:
    row: int  # the index of the text among those given
    label: str | int  # an issue (its term code) or an action category 1–5
    score: float  # the margin over the label's threshold: 0 at it, higher is surer
    words: tuple[str, ...]  # the text's words that weighed most for this label


@dataclass
class TrainedModel:
    issues: ProjectIssues | None
    category: ProjectCategory | None
    languages: frozenset[str] = field(default_factory=frozenset)

    @property
    def shared_features(self):
        """The fitted features both classifiers read, where they share them (training.py
        fits the category on the issue model's vocabulary): one transform serves both."""
        if self.issues is not None and self.category is not None and (
                self.category.features is self.issues.features):
            return self.issues.features
        return None

    def issue_proposals(self, texts: list[str], matrix=None) -> list[Proposal]:
        """The issues the classifier gives each text (above their thresholds, and the
        best-ranked one always), best first. `matrix`: the texts' features, where the
        caller has them already (`shared_features`)."""
        if self.issues is None or not texts:
            return []
        if matrix is None:
            matrix = self.issues.features.transform(texts)
        scores = self.issues.classifier.decision_function(matrix).reshape(len(texts), -1)
        chosen = self.issues.chosen(scores)
        margins = scores - self.issues.thresholds
        labels = self.issues.binarizer.classes_
        words = _Words(self.issues.features, matrix)
        proposals = []
        for column, label in enumerate(labels):
            rows = chosen[:, column].nonzero()[0]
            if not len(rows):
                continue
            estimator = self.issues.classifier.estimators_[column]
            reasons = words.top(rows, getattr(estimator, "coef_", None))
            proposals += [Proposal(int(row), str(label), float(margins[row, column]), reason)
                          for row, reason in zip(rows, reasons, strict=True)]
        proposals.sort(key=lambda p: (p.row, -p.score))
        return proposals

    def category_proposals(self, texts: list[str], matrix=None) -> list[Proposal]:
        """One action category per text: the classifier's choice, with its margin over the
        runner-up's."""
        if self.category is None or not texts:
            return []
        if matrix is None:
            matrix = self.category.features.transform(texts)
        classifier = self.category.classifier
        decision = classifier.decision_function(matrix)
        classes = classifier.classes_
        words = _Words(self.category.features, matrix)
        if decision.ndim == 1:  # two categories: one margin, positive for the second
            picks = (decision > 0).astype(int)
            margins = np.abs(decision)
            coefs = [-classifier.coef_[0], classifier.coef_[0]]
        else:
            picks = decision.argmax(axis=1)
            ordered = np.sort(decision, axis=1)
            margins = ordered[:, -1] - ordered[:, -2]
            coefs = list(classifier.coef_)
        proposals = []
        for index, category in enumerate(classes):
            rows = (picks == index).nonzero()[0]
            if not len(rows):
                continue
            reasons = words.top(rows, coefs[index])
            proposals += [Proposal(int(row), int(category), float(margins[row]), reason)
                          for row, reason in zip(rows, reasons, strict=True)]
        proposals.sort(key=lambda p: p.row)
        return proposals


class _Words:
    """The readable words of a text's features (the "words" block of the feature union:
    single words and word pairs; character n-grams say nothing to a reader) and which of
    them pushed a label's score up the most."""

    def __init__(self, features, matrix):
        vectorizer = dict(features.transformer_list)["words"]
        self.names = vectorizer.get_feature_names_out()
        self.matrix = matrix[:, :len(self.names)].tocsr()
        # "to", "in the" may weigh for a label, but tell a reader nothing: only features
        # with a word that is not a stop word are named.
        self.telling = np.array([not set(name.split()) <= ENGLISH_STOP_WORDS
                                 for name in self.names])

    def top(self, rows, coef) -> list[tuple[str, ...]]:
        if coef is None:
            return [()] * len(rows)
        coef = np.where(self.telling, np.asarray(coef).ravel()[:len(self.names)], 0.0)
        weighed = self.matrix[rows].multiply(coef).tocsr()
        found = []
        for start, end in zip(weighed.indptr[:-1], weighed.indptr[1:], strict=True):
            values, columns = weighed.data[start:end], weighed.indices[start:end]
            keep = values > 0
            values, columns = values[keep], columns[keep]
            best = columns[np.argsort(-values, kind="stable")[:REASON_WORDS]]
            found.append(tuple(str(self.names[column]) for column in best))
        return found
