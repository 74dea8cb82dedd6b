"""One notion of "similar" for the whole system: the repeats panel of a recommendation, the
import's near-match check between sources (ingest/commit.py) and, later, the suggestions
all compare texts with the helpers here (words, jaccard, nearly_the_same), so that "nearly
the same" means the same thing wherever a person meets it.

The same recommendation in other reviews of the same state: mechanisms repeat what they
asked before ("the same text in earlier cycles"), and the detail page shows it.

Two cheap steps, both limited to the state under review:
- exact repeats: the same folded text (`search_text`: case, accents, Arabic forms);
- near repeats: the full-text index finds the recommendations that contain the text's most
  distinctive words (the longest, stemmed by the index, so "strengthen" meets
  "strengthening"), and those whose set of words is at least 80% the same (Jaccard
  similarity) are kept.

Each repeat comes with what tells it from the others on the detail page: its recommending
states (one query for all of them) and, for a near repeat, the words that changed from it
to this recommendation (duplicates.difference).
"""

from dataclasses import dataclass, field

from django.utils.safestring import SafeString

from nmirf.core import search as fts
from nmirf.core.text import WORD
from nmirf.recommendations.duplicates import difference
from nmirf.recommendations.models import Recommendation, RecommendingState, State

THRESHOLD = 0.8
# Words looked up in the index: a near repeat shares all of them nearly always, and few
# other texts do.
DISTINCTIVE_WORDS = 3
CANDIDATES = 200
# A text inside another (one recommendation of a clustered paragraph) is nearly the same
# when it has at least this many words and nearly all of them are in the other.
CONTAINED_WORDS = 8
CONTAINED_SHARE = 0.9
STOPWORDS = frozenset(
    # English, French and Spanish function words long enough to be picked as distinctive.
    "that this with from their there these those which should would shall into also such "
    "other than have been were they them more most within between through about under "
    "including pour dans avec leurs cette sont être afin ainsi entre notamment compris "
    "para entre como sobre desde contra todas todos sus esta este".split()
)


@dataclass
class Repeat:
    recommendation: Recommendation
    similarity: float  # Jaccard similarity of the two word sets, 1.0 for the same text
    exact: bool
    recommending_states: list[State] = field(default_factory=list)  # by name
    # This recommendation's text with the words changed from the repeat's marked (<del>,
    # <ins>, escaped); None for an exact repeat.
    difference: SafeString | None = None

    @property
    def recommending_names(self) -> list[str]:
        """The recommending states' names in the reader's language (for join_names)."""
        return [state.localized_name for state in self.recommending_states]


def words(text: str) -> set[str]:
    return set(WORD.findall(text or ""))


def jaccard(first: set[str], second: set[str]) -> float:
    if not first and not second:
        return 1.0
    return len(first & second) / len(first | second)


def distinctive_words(text: str | set[str], count: int = DISTINCTIVE_WORDS) -> list[str]:
    """The longest words of a text (or of its set of words) that are not function words."""
    candidates = [word for word in (text if isinstance(text, set) else words(text))
                  if len(word) >= 4 and word not in STOPWORDS and not word.isdigit()]
    return sorted(candidates, key=lambda word: (-len(word), word))[:count]


def nearly_the_same(first: set[str], second: set[str]) -> float:
    """How alike two texts are, 0 where they are not nearly the same: their word sets'
    Jaccard similarity where it reaches THRESHOLD (that of "the same text in other
    reviews"), or the share of the shorter one's words found in the longer one where that
    text has CONTAINED_WORDS or more and nearly all of them are there (one recommendation
    of a paragraph that clusters several)."""
    similarity = jaccard(first, second)
    if similarity >= THRESHOLD:
        return similarity
    shorter = min(len(first), len(second))
    if shorter >= CONTAINED_WORDS:
        contained = len(first & second) / shorter
        if contained >= CONTAINED_SHARE:
            return contained * THRESHOLD  # below any Jaccard match: less alike
    return 0.0


def repeats_of(rec: Recommendation, threshold: float = THRESHOLD, limit: int = 20) -> list[Repeat]:
    """Other recommendations to the same state, in other reviews, whose text is the same or
    nearly the same; newest review first, each review's in document order."""
    others = (
        Recommendation.objects.active()
        .filter(review__state_id=rec.review.state_id)
        .exclude(review_id=rec.review_id)
    )
    text = rec.search_text
    found: dict[int, Repeat] = {}
    for other in others.filter(search_text=text).with_related()[:limit]:
        found[other.pk] = Repeat(other, 1.0, True)

    own_words = words(text)
    query = " ".join(distinctive_words(text))
    if query and len(found) < limit:
        candidates = (
            fts.search(others, query)
            .exclude(pk__in=list(found))
            .values_list("pk", "search_text")[:CANDIDATES]
        )
        near = []
        for pk, other_text in candidates:
            similarity = jaccard(own_words, words(other_text))
            if similarity >= threshold:
                near.append((similarity, pk))
        near.sort(reverse=True)
        near = near[: limit - len(found)]
        if near:
            by_pk = Recommendation.objects.with_related().in_bulk([pk for _s, pk in near])
            for similarity, pk in near:
                found[pk] = Repeat(by_pk[pk], similarity, False)
    repeats = sorted(
        found.values(),
        key=lambda repeat: (
            -(repeat.recommendation.review.session or 0),
            -(repeat.recommendation.review.date.toordinal()
              if repeat.recommendation.review.date else 0),
            # Within a review, in the order of its document.
            repeat.recommendation.review_id,
            repeat.recommendation.paragraph_key,
            repeat.recommendation.pk,
        ),
    )
    _describe(rec, repeats)
    return repeats


def _describe(rec: Recommendation, repeats: list[Repeat]) -> None:
    """Each repeat's recommending states (one query for all) and its difference."""
    by_pk = {repeat.recommendation.pk: repeat for repeat in repeats}
    if not by_pk:
        return
    for link in (RecommendingState.objects.filter(recommendation_id__in=list(by_pk))
                 .select_related("state").order_by("state__name", "state_id")):
        by_pk[link.recommendation_id].recommending_states.append(link.state)
    for repeat in repeats:
        if not repeat.exact:
            repeat.difference = difference(repeat.recommendation.text, rec.text)
