"""The classifiers behind the suggestions: UPR Info issues (several per recommendation) and
the UPR Info action category (one of 1–5). Each comes twice:

- the plain baseline that the evaluation measures the project's models against: TF-IDF of
  words and a logistic regression (one per issue; one multinomial for the category);
- the project's model: TF-IDF of words and word pairs plus character n-grams (they cope with
  inflections, spelling variants and other languages' words), the first words of the text
  as features of their own (a recommendation's opening verb, "Consider", "Continue",
  "Ratify", mostly decides its action category), and linear SVMs; for the issues, a
  threshold per issue tuned on states held out of the training data (never the test
  data), and the best-ranked issue always kept (every recommendation has one).

Everything runs on one CPU core with fixed seeds: the same files give the same figures.
"""

import warnings
from abc import ABC, abstractmethod

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import FeatureUnion
from sklearn.preprocessing import MultiLabelBinarizer
from sklearn.svm import LinearSVC

from nmirf.core.text import WORD, search_text

SEED = 0
# Share of the training states whose rows tune the per-issue thresholds.
TUNING_FRACTION = 0.2
# An issue needs this many rows among the tuning states for a threshold of its own;
# fewer, and its threshold is the classifier's own (a margin of 0).
TUNING_POSITIVES = 5
LEAD_WORDS = 3


def lead_words(text: str) -> str:
    """The first words of a text as tokens of their own ("lead1_consider lead2_consider_
    ratifying …"): "Consider ratifying" opens a category-3 recommendation wherever in a
    text the same words would not."""
    words = WORD.findall(search_text(text))[:LEAD_WORDS]
    return " ".join(f"lead{n}_" + "_".join(words[:n]) for n in range(1, len(words) + 1))


def _features() -> FeatureUnion:
    return FeatureUnion([
        ("words", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2,
                                  strip_accents="unicode")),
        ("characters", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5),
                                       sublinear_tf=True, min_df=3, max_features=200_000,
                                       strip_accents="unicode")),
        ("lead", TfidfVectorizer(preprocessor=lead_words, token_pattern=r"\S+",
                                 lowercase=False)),
    ])


class IssueClassifier(ABC):
    """fit(texts, label sets); predict(texts) -> (label sets, labels ranked best first).
    A model says how it learns, how it scores each issue, and which scores it keeps."""

    name = ""
    description = ""

    @abstractmethod
    def fit(self, texts: list[str], labels: list[frozenset[str]]) -> "IssueClassifier":
        """Learn from the texts and their sets of issues; returns itself."""

    @abstractmethod
    def scores(self, texts: list[str]) -> np.ndarray:
        """float[texts, issues]: higher is likelier."""

    @abstractmethod
    def chosen(self, scores: np.ndarray) -> np.ndarray:
        """bool[texts, issues]: the issues predicted, from `scores`."""

    def predict(self, texts: list[str]) -> tuple[list[frozenset[str]], list[list[str]]]:
        scores = self.scores(texts)
        chosen = self.chosen(scores)
        labels = self.binarizer.classes_
        order = np.argsort(-scores, axis=1, kind="stable")
        return ([frozenset(labels[row.nonzero()[0]]) for row in chosen],
                [list(labels[row]) for row in order])


class BaselineIssues(IssueClassifier):
    name = "baseline"
    description = "TF-IDF words + one-vs-rest logistic regression (probability >= 0.5)"

    def fit(self, texts, labels):
        self.binarizer = MultiLabelBinarizer()
        targets = self.binarizer.fit_transform(labels)
        self.vectorizer = TfidfVectorizer()
        self.classifier = OneVsRestClassifier(
            LogisticRegression(max_iter=1000, random_state=SEED), n_jobs=1)
        self.classifier.fit(self.vectorizer.fit_transform(texts), targets)
        return self

    def scores(self, texts):
        return self.classifier.predict_proba(self.vectorizer.transform(texts))

    def chosen(self, scores):
        return scores >= 0.5


class ProjectIssues(IssueClassifier):
    name = "model"
    description = ("TF-IDF words, word pairs, character 2-5-grams and lead words + "
                   "one-vs-rest linear SVM; per-issue thresholds tuned on held-out "
                   "training states; the best-ranked issue always kept")

    def __init__(self, states: list[str] | None = None, C: float = 0.5):
        # The state under review of each training text, for the tuning split.
        self.states = states
        self.C = C

    def _classifier(self, matrix, targets):
        with warnings.catch_warnings():
            # An issue that none of the tuning fit's rows has gets a constant score (as
            # it should); scikit-learn would say so once per issue.
            warnings.filterwarnings("ignore", "Label not .* is present in all training")
            return OneVsRestClassifier(LinearSVC(C=self.C, random_state=SEED),
                                       n_jobs=1).fit(matrix, targets)

    def fit(self, texts, labels):
        self.binarizer = MultiLabelBinarizer()
        targets = self.binarizer.fit_transform(labels)
        # The vocabulary and its weights are learnt once, from every training text (no
        # label is read): the tuning classifier and the final one share them.
        self.features = _features()
        matrix = self.features.fit_transform(texts)
        self.thresholds = np.zeros(targets.shape[1])
        tuning = _held_out_states(self.states, TUNING_FRACTION) if self.states else None
        if tuning is not None and tuning.any() and (~tuning).any():
            classifier = self._classifier(matrix[~tuning], targets[~tuning])
            self.thresholds = _tuned_thresholds(
                classifier.decision_function(matrix[tuning]), targets[tuning])
        self.classifier = self._classifier(matrix, targets)
        return self

    def scores(self, texts):
        scores = self.classifier.decision_function(self.features.transform(texts))
        return scores.reshape(len(texts), -1)

    def chosen(self, scores):
        chosen = scores >= self.thresholds
        chosen[np.arange(len(scores)), scores.argmax(axis=1)] = True
        return chosen


def _held_out_states(states: list[str], fraction: float) -> np.ndarray:
    """A mask of the rows whose state is among `fraction` of the states (seeded)."""
    distinct = sorted(set(states))
    rng = np.random.default_rng(SEED)
    held = set(rng.permutation(distinct)[:max(1, round(fraction * len(distinct)))])
    if len(held) == len(distinct):
        return np.zeros(len(states), dtype=bool)
    return np.array([state in held for state in states])


def _tuned_thresholds(scores: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Per issue, the score threshold that gives the best F1 on the tuning rows (0, the
    classifier's own, where the issue has too few of them)."""
    thresholds = np.zeros(scores.shape[1])
    for column in range(scores.shape[1]):
        truth = targets[:, column].astype(bool)
        positives = truth.sum()
        if positives < TUNING_POSITIVES:
            continue
        # Candidates: every score, sorted high to low; F1 at each cut.
        order = np.argsort(-scores[:, column], kind="stable")
        sorted_scores, sorted_truth = scores[order, column], truth[order]
        true_positives = np.cumsum(sorted_truth)
        predicted = np.arange(1, len(order) + 1)
        f1 = 2 * true_positives / (predicted + positives)
        best = int(f1.argmax())
        # Halfway to the next score down: a cut that keeps the best row, not on it.
        below = sorted_scores[best + 1] if best + 1 < len(order) else sorted_scores[best] - 1
        thresholds[column] = (sorted_scores[best] + below) / 2
    return thresholds


class CategoryClassifier(ABC):
    """fit(texts, categories); predict(texts) -> one action category each."""

    name = ""
    description = ""

    @abstractmethod
    def fit(self, texts: list[str], categories: list[int]) -> "CategoryClassifier":
        """Learn from the texts and their categories (sets `features` and `classifier`)."""

    def predict(self, texts: list[str]) -> list[int]:
        return [int(category) for category in self.classifier.predict(
            self.features.transform(texts))]


class BaselineCategory(CategoryClassifier):
    name = "baseline"
    description = "TF-IDF words + multinomial logistic regression"

    def fit(self, texts, categories):
        self.features = TfidfVectorizer()
        self.classifier = LogisticRegression(max_iter=1000, random_state=SEED)
        self.classifier.fit(self.features.fit_transform(texts), categories)
        return self


class ProjectCategory(CategoryClassifier):
    name = "model"
    description = ("TF-IDF words, word pairs, character 2-5-grams and lead words + "
                   "linear SVM (one-vs-rest)")

    def __init__(self, C: float = 0.5, features: FeatureUnion | None = None):
        self.C = C
        # Features already fitted on these same texts (the issue model's), not fitted again.
        self.fitted_features = features

    def fit(self, texts, categories):
        if self.fitted_features is not None:
            self.features = self.fitted_features
            matrix = self.features.transform(texts)
        else:
            self.features = _features()
            matrix = self.features.fit_transform(texts)
        self.classifier = LinearSVC(C=self.C, random_state=SEED).fit(matrix, categories)
        return self
