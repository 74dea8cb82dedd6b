"""The detail page: everything known about one recommendation."""

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

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


def repeats_section(html: str) -> str:
    return html.split('id="repeats-heading"', 1)[1].split("</section>", 1)[0]


def test_each_repeat_says_what_tells_it_from_the_others(focal_point_client, r):
    """Five recommendations of one earlier review with this text (one per recommending
    state) are five items that each name their review, paragraph, recommending states and
    position, in document order, each linked."""
    from .builders import make_rec

    copies = [make_rec(r.svn20, r.roma.text, paragraph=paragraph, recommending=[iso3],
                       position=position)
              for paragraph, iso3, position in [("115.10", "ITA", "supported"),
                                                ("115.4", "ESP", "noted"),
                                                ("", "SWE", "supported_in_part")]]
    section = repeats_section(page(focal_point_client, r.roma))
    assert section.count('class="mb-3 repeat"') == 4
    for rec in [r.roma_earlier, *copies]:
        assert url(rec) in section
    # In the order of the document: 115.3, 115.4, 115.10, then the one without a number.
    positions = [section.index(url(rec)) for rec in (r.roma_earlier, copies[1], copies[0],
                                                      copies[2])]
    assert positions == sorted(positions)
    item = section.split(url(copies[1]), 1)[1].split("</li>", 1)[0]
    for expected in ("UPR 20 · Slovenia · 115.4", "UPR — Universal Periodic Review",
                     "UPR session 20", "cycle 2", "Oct. 27, 2014", "Paragraph", "115.4",
                     "Recommended by", "Spain", "Noted", "same text", "earlier cycle"):
        assert expected in item, expected
    assert "Italy" not in item and "Austria" not in item
    assert "Austria" in section.split(url(r.roma_earlier), 1)[1].split("</li>", 1)[0]


def test_a_nearly_equal_repeat_shows_what_changed_marked_and_labelled(focal_point_client, r):
    from .builders import make_rec

    near = make_rec(r.svn20, r.roma.text.replace("ensure", "guarantee"), paragraph="115.7")
    section = repeats_section(page(focal_point_client, r.roma))
    item = section.split(url(near), 1)[1].split("</li>", 1)[0]
    assert "nearly the same" in item
    assert '<del><span class="visually-hidden">[only in the other text: </span>guarantee' \
        in item
    assert ('<ins><span class="visually-hidden">[only in this recommendation: </span>'
            'ensure') in item
    assert "words only in the other text are struck through" in section


def test_hostile_texts_in_the_repeats_panel_are_escaped(focal_point_client, r):
    from .builders import make_rec

    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    this = make_rec(r.svn34, f"Protect human rights defenders {hostile} and journalists in "
                    "every region of the country.", paragraph='121.7"><b>')
    make_rec(r.svn20, f"Protect human rights defenders {hostile} and journalists in every "
             "region of the country now.", paragraph='<i>115.8</i>', recommending=["FRA"])
    html = page(focal_point_client, this)
    section = repeats_section(html)
    assert "nearly the same" in section
    assert "<script>" not in html.split('id="repeats-heading"', 1)[1].split("</section>")[0]
    assert "<img" not in section and "<i>115.8" not in section and '"><b>' not in html
    assert "&lt;script&gt;" in section and "&lt;i&gt;115.8&lt;/i&gt;" in section


def test_the_repeats_panel_costs_the_same_queries_for_one_repeat_or_many(
        focal_point_client, r, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from .builders import make_rec

    page(focal_point_client, r.roma)
    with CaptureQueriesContext(connection) as one:
        page(focal_point_client, r.roma)
    for number in range(15):
        make_rec(r.svn20, r.roma.text if number % 2 else r.roma.text.replace(
            "ensure", f"ensure {number}"), paragraph=f"115.{20 + number}",
            recommending=["ITA", "ESP"][:1 + number % 2])
    with django_assert_max_num_queries(len(one) + 1):  # (+1: the near ones read)
        section = repeats_section(page(focal_point_client, r.roma))
    assert section.count('class="mb-3 repeat"') == 16


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
    # 11 for the recommendation, its labels, sources, duplicates and repeats (and their
    # recommending states, however many repeats: test_the_repeats_panel_costs…); 1 for its
    # history (however many changes it has), 1 for its clusters (however many); 3 for its
    # implementation: the status, the assignments (its own and its clusters'), and the
    # events that made them; 3 for the progress reported on its actions (the updates, their
    # values and files: tests/tracking/test_progress.py counts them with updates); 2 for
    # consultation: whether it is shared, and its comments (tests/consultation counts them
    # with comments); 1 for the review's UPR session (its dates, where the review has none
    # of its own: test_review_dates.py); 1 for the merges it took part in (however many).
    with django_assert_max_num_queries(23):
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
    for heading in headings:  # as the page writes it: "l'homme" is "l&#x27;homme"
        assert f'<h3 class="h6 mt-2">{escape(heading)}</h3>' in html, heading
    assert escape(source) in html and ">upr_info<" not in html


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
