"""Small registries for the list, filter, facet and detail tests, written straight to the
tables (reference data — mechanisms, states, taxonomies and terms — is seeded by
tests/conftest.py)."""

import itertools
from datetime import date
from types import SimpleNamespace

from nmirf.recommendations.models import (
    Mechanism,
    Recommendation,
    RecommendationTerm,
    RecommendingState,
    Review,
    SourceRecord,
    State,
    Term,
)

_numbers = itertools.count(1)


def term(taxonomy: str, code: str) -> Term:
    return Term.objects.get(taxonomy__code=taxonomy, code=code)


def make_review(state="SVN", mechanism="UPR", session=None, cycle=None, label="",
                review_date=None) -> Review:
    key = f"{mechanism}:{state}:{session or label or next(_numbers)}"
    return Review.objects.create(
        key=key, mechanism=Mechanism.objects.get(code=mechanism),
        state=State.objects.get(iso3=state), session=session, cycle=cycle, label=label,
        date=review_date,
    )


def make_rec(review, text, *, paragraph="", position="supported", action_category=None,
             recommending=(), terms=(), language="en", archived=False, **extra):
    rec = Recommendation.objects.create(
        review=review, text=text, paragraph=paragraph, position=position,
        action_category=action_category, language=language, archived=archived,
        external_key=f"test:{next(_numbers)}", **extra,
    )
    RecommendingState.objects.bulk_create(
        RecommendingState(recommendation=rec, state=State.objects.get(iso3=iso3))
        for iso3 in recommending
    )
    RecommendationTerm.objects.bulk_create(
        RecommendationTerm(recommendation=rec, term=item) for item in terms
    )
    return rec


def build_registry() -> SimpleNamespace:
    """Eight recommendations to Slovenia and Egypt, in three UPR reviews and one CRC
    review, classified with UPR Info issues, UHRI themes, affected persons and SDGs; one
    of them archived."""
    r = SimpleNamespace()
    r.svn34 = make_review("SVN", "UPR", session=34, cycle=3, review_date=date(2019, 11, 6))
    r.svn20 = make_review("SVN", "UPR", session=20, cycle=2, review_date=date(2014, 10, 27))
    r.egy20 = make_review("EGY", "UPR", session=20, cycle=2, review_date=date(2014, 10, 27))
    r.crc = make_review("SVN", "CRC", label="2013", review_date=date(2013, 6, 10))

    r.torture_issue = term("upr_info_issues", "Torture and other CID treatment")
    r.education_issue = term("upr_info_issues", "Right to education")
    r.death_issue = term("upr_info_issues", "Death penalty")
    r.child_issue = term("upr_info_issues", "Rights of the Child")
    r.children = term("affected_persons", "Children")
    r.justice_theme = term("uhri_themes", "Access to justice & remedy")
    r.sdg_4_1, r.sdg_4_5, r.sdg_16_3 = term("sdg", "4.1"), term("sdg", "4.5"), term("sdg", "16.3")
    r.sdg_4 = term("sdg", "4")

    r.torture = make_rec(
        r.svn34, "Ratify the Optional Protocol to the Convention against Torture.",
        paragraph="121.1", position="supported", action_category=5, recommending=["FRA"],
        terms=[r.torture_issue, r.justice_theme, r.sdg_16_3],
    )
    r.roma = make_rec(
        r.svn34, "Strengthen measures to ensure access to education for Roma children.",
        paragraph="121.2", position="noted", action_category=4, recommending=["DEU", "FRA"],
        terms=[r.education_issue, r.child_issue, r.children, r.sdg_4_1, r.sdg_4_5],
    )
    r.roma_earlier = make_rec(
        r.svn20, "Strengthen measures to ensure access to education for Roma children.",
        paragraph="115.3", position="supported", action_category=4, recommending=["AUT"],
        terms=[r.education_issue, r.children],
    )
    r.death_penalty = make_rec(
        r.egy20, "Abolish the death penalty and commute all death sentences.",
        paragraph="166.1", position="noted", action_category=5, recommending=["FRA"],
        terms=[r.death_issue],
    )
    r.child_strategy = make_rec(
        r.crc, "Adopt a comprehensive strategy on the rights of the child, including education.",
        paragraph="12", position="none", terms=[r.child_issue, r.children, r.sdg_4],
    )
    r.french = make_rec(
        r.svn34, "Garantir l'éducation des enfants roms dans toutes les régions.",
        paragraph="121.3", position="supported_in_part", action_category=4,
        recommending=["BEL"], language="fr", terms=[r.education_issue],
    )
    r.arabic = make_rec(
        r.svn20, "ضمان الحق في التعليم لجميع الأطفال", paragraph="115.9",
        position="voluntary_pledge", language="ar",
    )
    r.archived = make_rec(
        r.svn34, "An archived recommendation about education.", paragraph="121.9",
        archived=True, terms=[r.education_issue],
    )
    SourceRecord.objects.create(recommendation=r.torture, source="upr_info", key="row-7",
                                location="upr_info_17-20.csv, row 7")
    return r
