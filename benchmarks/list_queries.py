"""The list benchmark's queries: a few hundred distinct, realistic list-page requests drawn
from the database being measured, none of them ever asked twice in one run.

Runs in a process where Django is set up on that database. The vocabulary is read from a
sample of the recommendations' folded search texts (every n-th row, so the sample spans
the whole table): each word's document frequency in the sample puts it in a band —

- common: in ≥ 1 % of the sample (thousands of matches at 250,000 rows);
- middling: in 0.05–1 %;
- rare: in one or two sampled texts (a handful of matches);

stop words (which the search drops) and words shorter than four letters are left out.
Phrases are adjacent word pairs of sampled texts. Facet values are read from the tables:
every mechanism, review, UPR session, position, action category, recommending state,
state under review, UPR Info issue, UHRI theme, group of affected persons and SDG goal
that has recommendations. Combinations of facets are those of one sampled recommendation
(about 3,000 of them), as a person narrowing the list by the facet values it shows
reaches: they select at least that recommendation, never an empty intersection.

Each kind below makes one query at a time from its own random stream; the Queries object
refuses a query string it has produced before and draws again, so that no request of a
run repeats an earlier one (the per-process result caches of the product answer nothing).
"""

import random
from collections import Counter

KINDS = {
    "rare-word": "one rare word (1–2 in the sample)",
    "middling-word": "one word of middling frequency",
    "common-word": "one common word (≥ 1 % of texts)",
    "two-words": "two words (middling + common)",
    "phrase": "a quoted two-word phrase of a real text",
    "exclusion": "a common word minus a middling one (`-word`)",
    "facets": "2–3 facets of one real recommendation, no search (every facet in turn)",
    "word+facet": "a common word and one facet (every facet in turn)",
    "no-query": "no search: the list's default or another order, pages 1–39",
    "deep-page": "a common word or no search, page 40 or beyond",
    "sort": "a word with each sort in turn (relevance, newest, oldest, state, paragraph)",
    "typo": "a middling or common word misspelt (two letters swapped): the list finds "
            "next to nothing and offers a \"did you mean\"",
    "full-facet": "2 facets of one real recommendation, with one facet shown in full "
                  "(`expand`, every facet in turn)",
}
# The facets a person opens in full ("Show all"), in turn.
EXPANDABLE = ["recommending", "state", "review", "upr_info_issues", "uhri_themes",
              "affected_persons", "sdg", "mechanism", "position", "action_category"]
SORTS = ["relevance", "newest", "oldest", "state", "paragraph"]
NO_QUERY_SORTS = ["", "newest", "oldest", "state", "paragraph"]
SAMPLE = 20_000


def _facet_values() -> dict[str, list[str]]:
    from django.db.models import Count

    from nmirf.recommendations.models import (
        Recommendation,
        RecommendationTerm,
        RecommendingState,
    )

    active = Recommendation.objects.active()
    values: dict[str, list[str]] = {}

    def distinct(queryset, field) -> list[str]:
        return sorted({str(v) for v in queryset.values_list(field, flat=True).distinct()
                       if v not in (None, "")})

    values["mechanism"] = distinct(active, "review__mechanism__code")
    values["state"] = distinct(active, "review__state__iso3")
    values["review"] = distinct(active, "review_id")
    values["session"] = distinct(active.filter(review__session__isnull=False),
                                 "review__session")
    values["position"] = distinct(active, "position")
    values["action_category"] = distinct(active, "action_category")
    values["recommending"] = distinct(RecommendingState.objects.all(), "state__iso3")
    terms = (RecommendationTerm.objects.values("term_id", "term__taxonomy__code",
                                               "term__code")
             .annotate(n=Count("id")).filter(n__gte=1))
    by_taxonomy: dict[str, list[tuple]] = {}
    for row in terms:
        by_taxonomy.setdefault(row["term__taxonomy__code"], []).append(row)
    values["theme"] = sorted(str(r["term_id"]) for code, rows in by_taxonomy.items()
                             if code in ("upr_info_issues", "uhri_themes") for r in rows)
    values["affected"] = sorted(str(r["term_id"]) for code, rows in by_taxonomy.items()
                                if "affected" in code for r in rows)
    values["sdg"] = sorted({str(r["term__code"]).split(".")[0] for code, rows
                            in by_taxonomy.items() if "sdg" in code for r in rows
                            if r["term__code"]})
    values["taxonomies"] = sorted(by_taxonomy)
    return {name: found for name, found in values.items() if found}


def _sampled_facets(ids: list[int]) -> list[dict[str, list[str]]]:
    """The facet values of sampled recommendations: {facet: [values]} per recommendation,
    so that a combination of facets is one a person could click on its way to them (the
    list offers only the values present in the current selection)."""
    from nmirf.recommendations.models import (
        Recommendation,
        RecommendationTerm,
        RecommendingState,
    )

    found: dict[int, dict[str, list[str]]] = {}
    for row in Recommendation.objects.filter(id__in=ids).values(
            "id", "review__mechanism__code", "review__state__iso3", "review_id",
            "review__session", "position", "action_category"):
        found[row["id"]] = {name: [str(row[field])] for name, field in (
            ("mechanism", "review__mechanism__code"), ("state", "review__state__iso3"),
            ("review", "review_id"), ("session", "review__session"),
            ("position", "position"), ("action_category", "action_category"))
            if row[field] not in (None, "")}
    for rec, iso3 in RecommendingState.objects.filter(recommendation_id__in=ids).values_list(
            "recommendation_id", "state__iso3"):
        found[rec].setdefault("recommending", []).append(iso3)
    for rec, term_id, taxonomy, code in RecommendationTerm.objects.filter(
            recommendation_id__in=ids).values_list(
            "recommendation_id", "term_id", "term__taxonomy__code", "term__code"):
        if taxonomy in ("upr_info_issues", "uhri_themes"):
            found[rec].setdefault("theme", []).append(str(term_id))
        elif "affected" in taxonomy:
            found[rec].setdefault("affected", []).append(str(term_id))
        elif "sdg" in taxonomy and code:
            found[rec].setdefault("sdg", []).append(str(code).split(".")[0])
    return [facets for facets in found.values() if len(facets) >= 2]


def _vocabulary(rng: random.Random):
    from nmirf.core.search import STOP_WORDS
    from nmirf.core.text import WORD
    from nmirf.recommendations.models import Recommendation

    total = Recommendation.objects.count()
    step = max(1, total // SAMPLE)
    ids = list(Recommendation.objects.order_by("id").values_list("id", flat=True)[::step])
    texts = Recommendation.objects.filter(id__in=ids[:SAMPLE]).values_list(
        "search_text", flat=True)
    df: Counter = Counter()
    pairs: list[str] = []
    for text in texts.iterator(chunk_size=2000):
        words = [w for w in WORD.findall(text or "") if w.isalpha()]
        df.update({w for w in words if len(w) >= 4 and w not in STOP_WORDS})
        for a, b in zip(words, words[1:], strict=False):
            if len(a) >= 4 and len(b) >= 4 and a not in STOP_WORDS and b not in STOP_WORDS:
                pairs.append(f"{a} {b}")
    sampled = len(ids[:SAMPLE]) or 1
    picked = ids[:SAMPLE][::max(1, sampled // 3000)]
    common = sorted(w for w, n in df.items() if n >= sampled / 100)
    middling = sorted(w for w, n in df.items() if sampled / 2000 <= n < sampled / 100)
    rare = sorted(w for w, n in df.items() if n <= 2)
    rng.shuffle(pairs)
    return {"common": common, "middling": middling, "rare": rare,
            "phrases": sorted(set(pairs[:20_000])), "sampled": sampled, "distinct_words":
            len(df), "records": _sampled_facets(picked), "known": set(df)}


class Queries:
    """Distinct list-page query strings of every kind, drawn on demand."""

    def __init__(self, seed: int = 7):
        self.rng = random.Random(seed)
        self.vocab = _vocabulary(self.rng)
        self.facets = _facet_values()
        self.facet_names = [n for n in ("mechanism", "state", "review", "session", "position",
                                        "action_category", "recommending", "theme",
                                        "affected", "sdg") if n in self.facets]
        self.seen: set[str] = set()
        self.turn = 0  # rotates facets and sorts so that each is used in turn

    def describe(self) -> dict:
        v = self.vocab
        return {"sampled_texts": v["sampled"], "distinct_words": v["distinct_words"],
                "common": len(v["common"]), "middling": len(v["middling"]),
                "rare": len(v["rare"]), "phrases": len(v["phrases"]),
                "facets": {n: len(self.facets[n]) for n in self.facet_names},
                "taxonomies": self.facets.get("taxonomies", [])}

    def _word(self, band: str) -> str:
        return self.rng.choice(self.vocab[band])

    def _typo(self) -> str:
        """A word of the vocabulary with two inner letters swapped, itself no word of it."""
        for _ in range(100):
            word = self._word(self.rng.choice(["common", "middling"]))
            at = self.rng.randint(1, len(word) - 3)
            typo = word[:at] + word[at + 1] + word[at] + word[at + 2:]
            if typo not in self.vocab["known"]:
                return typo
        raise RuntimeError("no misspelling found")

    def _facet(self, name: str) -> str:
        return f"{name}={self.rng.choice(self.facets[name])}"

    def _next_facet(self) -> str:
        name = self.facet_names[self.turn % len(self.facet_names)]
        self.turn += 1
        return self._facet(name)

    def _facets_of_one(self, count: int) -> list[str]:
        """count facets of one sampled recommendation, the first one in rotation: a
        combination that selects at least that recommendation."""
        for _ in range(100):
            record = self.rng.choice(self.vocab["records"])
            first = self.facet_names[self.turn % len(self.facet_names)]
            if first in record:
                break
        else:
            first = self.rng.choice(sorted(record))
        self.turn += 1
        others = [name for name in sorted(record) if name != first]
        names = [first, *self.rng.sample(others, min(count - 1, len(others)))]
        return [f"{name}={self.rng.choice(record[name])}" for name in names]

    def _make(self, kind: str) -> str:
        r = self.rng
        if kind == "rare-word":
            return f"q={self._word('rare')}"
        if kind == "middling-word":
            return f"q={self._word('middling')}"
        if kind == "common-word":
            return f"q={self._word('common')}"
        if kind == "two-words":
            return f"q={self._word('middling')}+{self._word('common')}"
        if kind == "phrase":
            return "q=%22" + r.choice(self.vocab["phrases"]).replace(" ", "+") + "%22"
        if kind == "exclusion":
            return f"q={self._word('common')}+-{self._word('middling')}"
        if kind == "facets":
            return "&".join(sorted(self._facets_of_one(r.randint(2, 3))))
        if kind == "word+facet":
            return f"q={self._word('common')}&{self._next_facet()}"
        if kind == "no-query":
            sort = NO_QUERY_SORTS[self.turn % len(NO_QUERY_SORTS)]
            self.turn += 1
            page = r.randint(1, 39)
            parts = ([f"sort={sort}"] if sort else []) + ([f"page={page}"] if page > 1 else [])
            return "&".join(parts)
        if kind == "deep-page":
            page = r.randint(40, 120)
            if r.random() < 0.5:
                return f"page={page}&sort={r.choice(NO_QUERY_SORTS[1:])}"
            return f"q={self._word('common')}&page={r.randint(40, 80)}"
        if kind == "sort":
            sort = SORTS[self.turn % len(SORTS)]
            self.turn += 1
            return f"q={self._word(r.choice(['common', 'middling']))}&sort={sort}"
        if kind == "typo":
            return f"q={self._typo()}"
        if kind == "full-facet":
            expand = EXPANDABLE[self.turn % len(EXPANDABLE)]
            return "&".join(sorted(self._facets_of_one(2))) + f"&expand={expand}"
        raise ValueError(kind)

    def draw(self, kind: str) -> str:
        for _ in range(1000):
            query = self._make(kind)
            if query not in self.seen:
                self.seen.add(query)
                return query
        raise RuntimeError(f"no new query of kind {kind} after 1000 draws")

    def batch(self, per_kind: int) -> list[tuple[str, str]]:
        """[(kind, query)] with per_kind queries of every kind, shuffled."""
        items = [(kind, self.draw(kind)) for kind in KINDS for _ in range(per_kind)]
        self.rng.shuffle(items)
        return items
