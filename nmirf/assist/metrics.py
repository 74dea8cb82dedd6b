"""The figures `nmirf assist evaluate` reports, written out rather than taken from a library
so that what each one means is on the page (and tested against hand-computed values).

Labels are sets: a multi-label truth ({"Women's rights", "Justice"}) and a single label
alike ({4} for an action category), so that one macro-F1 serves both. Macro averages run
over the labels that occur in the truth: a label the test data never has cannot be
recalled, and would count only the model's false alarms for it.
"""

from collections import Counter
from collections.abc import Hashable, Sequence

Labels = set | frozenset


def _f1(true_positives: int, false_positives: int, false_negatives: int) -> float:
    denominator = 2 * true_positives + false_positives + false_negatives
    return 2 * true_positives / denominator if denominator else 0.0


def _counts(truth: Sequence[Labels], predicted: Sequence[Labels]):
    tp, fp, fn = Counter(), Counter(), Counter()
    for true, guess in zip(truth, predicted, strict=True):
        for label in guess & true:
            tp[label] += 1
        for label in guess - true:
            fp[label] += 1
        for label in true - guess:
            fn[label] += 1
    return tp, fp, fn


def micro_f1(truth: Sequence[Labels], predicted: Sequence[Labels]) -> float:
    """F1 of all (row, label) decisions pooled: frequent labels weigh most."""
    tp, fp, fn = _counts(truth, predicted)
    return _f1(sum(tp.values()), sum(fp.values()), sum(fn.values()))


def macro_f1(truth: Sequence[Labels], predicted: Sequence[Labels]) -> float:
    """The mean of each label's F1, over the labels the truth has: rare labels weigh as
    much as frequent ones."""
    tp, fp, fn = _counts(truth, predicted)
    labels = {label for true in truth for label in true}
    if not labels:
        return 0.0
    return sum(_f1(tp[label], fp[label], fn[label]) for label in labels) / len(labels)


def precision_at(k: int, truth: Sequence[Labels], ranked: Sequence[Sequence[Hashable]]
                 ) -> float:
    """The mean share of each row's k best-ranked labels that are right (k in the
    denominator even where a row has fewer true labels: what a person shown k suggestions
    finds)."""
    if not truth:
        return 0.0
    return sum(len(set(order[:k]) & true) / k
               for true, order in zip(truth, ranked, strict=True)) / len(truth)


def recall_at(k: int, truth: Sequence[Labels], ranked: Sequence[Sequence[Hashable]]
              ) -> float:
    """The mean share of each row's true labels among its k best-ranked ones (rows without
    a true label left out)."""
    pairs = [(true, order) for true, order in zip(truth, ranked, strict=True) if true]
    if not pairs:
        return 0.0
    return sum(len(set(order[:k]) & true) / len(true) for true, order in pairs) / len(pairs)


def accuracy(truth: Sequence[Hashable], predicted: Sequence[Hashable]) -> float:
    if not truth:
        return 0.0
    return sum(true == guess for true, guess in zip(truth, predicted, strict=True)) / len(truth)


def single_label_macro_f1(truth: Sequence[Hashable], predicted: Sequence[Hashable]) -> float:
    return macro_f1([{true} for true in truth], [{guess} for guess in predicted])
