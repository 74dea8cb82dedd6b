"""The detail page: everything known about one recommendation."""

import pytest
from django.urls import reverse
from django.utils import translation

from nmirf.recommendations.models import Recommendation

from .builders import build_registry

pytestmark = pytest.mark.django_db


@pytest.fixture
def r():
    return build_registry()


def url(rec):
    return reverse("recommendations:detail", args=[rec.pk])


def page(client, rec):
    response = client.get(url(rec))
    assert response.status_code == 200
    return response.content.decode()


def test_it_sends_anonymous_visitors_to_the_login_page(client, r):
    response = client.get(url(r.torture))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


def test_it_asks_the_permission_module(focal_point_client, r, monkeypatch):
    monkeypatch.setattr("nmirf.recommendations.views.can_view_registry", lambda user: False)
    assert focal_point_client.get(url(r.torture)).status_code == 403


def test_it_answers_404_for_an_unknown_recommendation(focal_point_client, r):
    assert focal_point_client.get(reverse("recommendations:detail", args=[999999])).status_code \
        == 404


def test_it_shows_everything_known(focal_point_client, r):
    html = page(focal_point_client, r.torture)
    for expected in (
        r.torture.text, "Recommendation 121.1", "UPR 34 · Slovenia", "Universal Periodic Review",
        "Slovenia", "(SVN)", "UPR session", "34", "Cycle", "Supported", "5 — Specific action",
        "France", "UPR Info issues", "Torture and other CID treatment", "UHRI themes",
        "Access to justice &amp; remedy", "Sustainable Development Goals", "16.3",
        "UPR Info database export", "upr_info_17-20.csv, row 7", "row-7",
        f'href="{reverse("recommendations:list")}?review={r.svn34.pk}"',
    ):
        assert expected in html, expected


def test_it_shows_the_document(focal_point_client, r):
    from nmirf.recommendations.models import Document

    Recommendation.objects.filter(pk=r.death_penalty.pk).update(
        document=Document.objects.create(symbol="A/HRC/28/16", title="Report of the Working "
                                         "Group", review=r.egy20)
    )
    html = page(focal_point_client, r.death_penalty)
    assert "A/HRC/28/16 — Report of the Working Group" in html


def test_it_shows_the_same_text_in_an_earlier_cycle(focal_point_client, r):
    html = page(focal_point_client, r.roma)
    section = html.split('id="repeats-heading"', 1)[1]
    assert "UPR 20 · Slovenia · 115.3" in section and "same text" in section
    assert "earlier cycle" in section
    assert url(r.roma_earlier) in section
    later = page(focal_point_client, r.roma_earlier).split('id="repeats-heading"', 1)[1]
    assert url(r.roma) in later and "later cycle" in later


def test_it_says_when_no_other_review_repeats_the_text(focal_point_client, r):
    assert "No other review of this state has the same" in page(focal_point_client, r.torture)


def test_it_links_possible_duplicates_both_ways(focal_point_client, r):
    Recommendation.objects.filter(pk=r.french.pk).update(possible_duplicate_of=r.roma)
    assert url(r.roma) in page(focal_point_client, r.french).split('id="duplicates-heading"')[1]
    assert url(r.french) in page(focal_point_client, r.roma).split('id="duplicates-heading"')[1]
    assert 'id="duplicates-heading"' not in page(focal_point_client, r.torture)


def test_it_shows_a_possible_duplicate_beside_the_other_with_the_differences_marked(
        focal_point_client, r):
    from .builders import make_rec

    copy = make_rec(r.svn34, r.roma.text.rstrip(".") + " (Roma and Sinti).",
                    possible_duplicate_of=r.roma)
    section = page(focal_point_client, copy).split('id="duplicates-heading"')[1]
    assert "The words that differ are marked." in section
    assert "(<mark>Roma and Sinti</mark>)" in section
    assert r.roma.text in section  # the other text, whole and unmarked

    same = make_rec(r.svn34, r.roma.text.upper(), possible_duplicate_of=r.roma)
    assert "The two texts have the same words in the same order." in page(focal_point_client, same)


def test_compared_texts_are_escaped():
    from nmirf.recommendations.duplicates import compare

    comparison = compare("<b>Ratify</b> it", "<i>Ratify</i> it now")
    assert str(comparison.first) == "&lt;<mark>b</mark>&gt;Ratify&lt;/<mark>b</mark>&gt; it"
    assert str(comparison.second) == "&lt;<mark>i</mark>&gt;Ratify&lt;/<mark>i</mark>&gt; it " \
        "<mark>now</mark>"


def test_an_archived_recommendation_is_still_shown_and_says_so(focal_point_client, r):
    assert "This recommendation is archived" in page(focal_point_client, r.archived)


def test_it_marks_the_language_of_the_text(focal_point_client, r):
    assert 'lang="ar">ضمان الحق في التعليم' in page(focal_point_client, r.arabic)


def test_it_names_the_language_of_the_text_in_the_readers_language(focal_point_client, r):
    assert "<dd class=\"col-sm-8\">Arabic</dd>" in page(focal_point_client, r.arabic)
    with translation.override("fr"):
        assert "<dd class=\"col-sm-8\">Arabe</dd>" in page(focal_point_client, r.arabic)


def test_an_unknown_language_code_is_shown_as_it_is():
    from nmirf.recommendations.templatetags.recommendation_tags import language_name

    assert language_name("fr-ca") == "French"  # Django falls back to the language
    assert language_name("pt-xx") == "Portuguese"
    assert language_name("qaa") == "qaa" and language_name("") == ""


def test_it_takes_a_bounded_number_of_queries(focal_point_client, r, django_assert_max_num_queries):
    page(focal_point_client, r.roma)
    # 10 for the recommendation, its labels, sources, duplicates and repeats; 1 for its
    # history (however many changes it has), 1 for its clusters (however many); 3 for its
    # implementation: the status, the assignments (its own and its clusters'), and the
    # events that made them; 3 for the progress reported on its actions (the updates, their
    # values and files: tests/tracking/test_progress.py counts them with updates); 2 for
    # consultation: whether it is shared, and its comments (tests/consultation counts them
    # with comments); 1 for the review's UPR session (its dates, where the review has none
    # of its own: test_review_dates.py).
    with django_assert_max_num_queries(21):
        page(focal_point_client, r.roma)


# --- in the reader's language -----------------------------------------------------------


def page_in(client, rec, language):
    with translation.override(language):  # the language's own address: /fr/…
        address = url(rec)
    response = client.get(address)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{language}"' in html
    return html


def test_it_names_states_as_the_un_does_in_english(focal_point_client, r):
    from nmirf.recommendations.models import RecommendingState, State

    RecommendingState.objects.bulk_create(
        RecommendingState(recommendation=r.torture, state=State.objects.get(iso3=iso3))
        for iso3 in ("PRK", "VNM", "COD"))
    html = page_in(focal_point_client, r.torture, "en")
    for name in ("Democratic People&#x27;s Republic of Korea", "Viet Nam",
                 "Democratic Republic of the Congo"):
        assert name in html, name
    assert "North Korea" not in html and "Vietnam" not in html


@pytest.mark.parametrize(("language", "expected"), [
    ("fr", ["Fédération de Russie", "Algérie", "(DZA)</span>, Argentine", "16.3 Promouvoir l"]),
    ("es", ["Argelia", "Federación de Rusia", "16.3 Promover el estado de derecho"]),
    ("ar", ["الجزائر", "الاتحاد الروسي", "، ", "16.3 تعزيز سيادة القانون"]),
])
def test_it_shows_un_names_and_sdgs_in_the_readers_language(focal_point_client, r, language,
                                                           expected):
    from nmirf.recommendations.models import RecommendingState, State

    RecommendingState.objects.bulk_create(
        RecommendingState(recommendation=r.torture, state=State.objects.get(iso3=iso3))
        for iso3 in ("RUS", "DZA", "ARG"))
    html = page_in(focal_point_client, r.torture, language)
    for text in expected:
        assert text in html, text
    assert "Russie, Fédération de" not in html
    if language == "ar":  # joined with the Arabic comma, not a Latin one
        assert "</span>، " in html and "</span>, " not in html


@pytest.mark.parametrize("language", ["fr", "es", "ar"])
def test_it_translates_the_headings_and_names_the_source_format_in_words(
        focal_point_client, r, language):
    html = page_in(focal_point_client, r.torture, language)
    with translation.override(language):
        headings = [translation.gettext(name) for name in
                    ("UHRI themes", "UPR Info issues", "Sustainable Development Goals")]
        source = translation.gettext("UPR Info database export")
    for heading in headings:
        assert f'<h3 class="h6 mt-2">{heading}</h3>' in html, heading
    assert source in html and ">upr_info<" not in html


@pytest.mark.parametrize(("language", "heading"), [
    ("fr", "Personnes concernées"), ("ar", "الأشخاص المعنيون"),
])
def test_a_taxonomys_heading_comes_from_the_catalogs(focal_point_client, r, language, heading):
    html = page_in(focal_point_client, r.roma, language)
    assert f'<h3 class="h6 mt-2">{heading}</h3>' in html


def test_it_shows_the_label_that_the_source_gave_before_the_crosswalk(focal_point_client, r):
    from nmirf.recommendations.models import SourceRecord

    SourceRecord.objects.create(recommendation=r.roma, source="ohchr_matrix",
                                key="SVN:34:121.2", location="m.docx, row 3",
                                original_terms="B31 Equality & non-discrimination")
    html = page_in(focal_point_client, r.roma, "en")
    assert "OHCHR recommendations matrix" in html
    assert "B31 Equality &amp; non-discrimination" in html
