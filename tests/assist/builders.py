"""A small labelled registry for the suggestion tests: six states' UPR reviews whose
recommendations carry UPR Info issues and action categories (what `nmirf assist train`
learns from), and a later review of Slovenia whose recommendations have none yet (what
`nmirf assist suggest` proposes labels for)."""

from types import SimpleNamespace

from nmirf.assist import model_files, suggesting, training
from nmirf.assist.models import Kind, Suggestion
from nmirf.recommendations.models import Recommendation
from tests.recommendations.builders import make_rec, make_review, term

# (text, issues, category): each state gets all of them, in its own words.
TEMPLATES = [
    ("Ratify the Convention against Torture and its Optional Protocol {n}",
     ["International instruments", "Torture and other CID treatment"], 5),
    ("Consider ratifying the Convention on the Rights of Persons with Disabilities {n}",
     ["International instruments", "Disabilities"], 3),
    ("Continue its efforts to improve access to education for girls {n}",
     ["Right to education", "Women's rights"], 2),
    ("Take measures to combat violence against women and girls {n}",
     ["Women's rights"], 4),
    ("Strengthen the protection of children against child labour {n}",
     ["Rights of the Child", "Labour"], 4),
    ("Share its experience in poverty reduction with other countries {n}",
     ["Poverty"], 1),
]
STATES = ["HRV", "AUT", "FRA", "CHL", "GHA", "NPL"]
TORTURE = "Torture and other CID treatment"


def issue(code: str):
    return term("upr_info_issues", code)


def labelled_registry() -> SimpleNamespace:
    r = SimpleNamespace()
    for number, iso3 in enumerate(STATES):
        review = make_review(iso3, "UPR", session=7 + number)
        for text, issues, category in TEMPLATES:
            make_rec(review, text.format(n=f"in {iso3} ({number})"), action_category=category,
                     terms=[issue(code) for code in issues])
    r.review = make_review("SVN", "UPR", session=34, cycle=3)
    r.torture = make_rec(r.review, "Ratify the Convention against Torture and its Optional "
                                   "Protocol without delay.", paragraph="1")
    r.education = make_rec(r.review, "Continue its efforts to improve access to education "
                                     "for girls in rural areas.", paragraph="2")
    # Labelled already: an issue and a category of its own.
    r.labelled = make_rec(r.review, "Take measures to combat violence against women and "
                                    "girls in the home.", paragraph="3", action_category=4,
                          terms=[issue("Women's rights")])
    r.french = make_rec(r.review, "Ratifier la Convention contre la torture sans délai.",
                        paragraph="4", language="fr")
    return r


def trained_and_suggested(**options) -> model_files.LoadedModel:
    """Train on the database and suggest for every active recommendation."""
    training.train(training.examples_from_database(), source="database")
    loaded = model_files.load()
    suggesting.suggest(Recommendation.objects.active(), loaded, **options)
    return loaded


def term_suggestion(rec, code: str) -> Suggestion:
    return Suggestion.objects.get(recommendation=rec, kind=Kind.TERM, term=issue(code))


def labels_of(rec) -> tuple[set[str], int | None]:
    """A recommendation's UPR Info issues and action category, as stored."""
    rec = Recommendation.objects.get(pk=rec.pk)
    return ({t.code for t in rec.terms.filter(taxonomy__code="upr_info_issues")},
            rec.action_category)
