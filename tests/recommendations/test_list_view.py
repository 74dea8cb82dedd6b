"""The registry list page: who may see it, facets and their links, search, sort, pages,
htmx partial responses, languages, and a bounded number of queries."""

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from .builders import build_registry, make_rec

pytestmark = pytest.mark.django_db


URL = reverse("recommendations:list")


@pytest.fixture
def r():
    return build_registry()


def page(client, query="", **headers):
    """The page's HTML, without the marks a search puts on the words it matched (see
    test_the_results_mark_the_words_searched_for), so that texts can be looked for whole."""
    return marked_page(client, query, **headers).replace("<mark>", "").replace("</mark>", "")


def marked_page(client, query="", **headers):
    response = client.get(f"{URL}?{query}" if query else URL, **headers)
    assert response.status_code == 200
    return response.content.decode()


def links(html: str) -> list[str]:
    return [unescape(href) for href in re.findall(r'<a [^>]*href="([^"]*)"', html)]


def facet_links(html: str) -> list[str]:
    section = html.split('id="filters-heading"', 1)[1].split('id="results-heading"', 1)[0]
    return links(section)


def results(html: str) -> str:
    return html.split('id="results-heading"', 1)[1]


def test_it_sends_anonymous_visitors_to_the_login_page(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


# Observers read only what the coordinator shares with them: tests/consultation.
@pytest.mark.parametrize("persona", ["focal_point_client", "coordinator_client",
                                     "admin_client_"])
def test_every_role_inside_reads_the_whole_registry(request, persona, r):
    html = page(request.getfixturevalue(persona))
    assert "7 recommendations" in html
    assert r.torture.text in html


def test_it_asks_the_permission_module(focal_point_client, monkeypatch):
    monkeypatch.setattr("nmirf.recommendations.views.can_view_registry", lambda user: False)
    assert focal_point_client.get(URL).status_code == 403


def test_it_shows_the_facets_with_their_counts(focal_point_client, r):
    html = page(focal_point_client)
    for title in ("Mechanism", "Review", "Position", "Theme (UHRI)", "Issue (UPR Info)",
                  "Affected persons", "Sustainable Development Goal", "Action category",
                  "Recommending state"):
        assert f">{title}</h3>" in html, title
    assert re.search(r"UPR 34 · Slovenia</bdi></span> <span class=\"facet-count\">3<", html)


def test_every_facet_link_puts_its_filter_in_the_url(focal_point_client, r):
    html = page(focal_point_client, "q=education&sort=oldest")
    params = {}
    for href in facet_links(html):
        query = parse_qs(urlsplit(href).query)
        assert query.get("q") == ["education"] and query.get("sort") == ["oldest"], href
        for name, values in query.items():
            params.setdefault(name, set()).update(values)
    for name in ("mechanism", "review", "position", "action_category", "recommending",
                 "theme", "affected", "sdg"):
        assert name in params, name
    assert str(r.education_issue.pk) in params["theme"] and "4" in params["sdg"]


def test_following_facet_links_adds_and_removes_filters(focal_point_client, r):
    html = page(focal_point_client)
    noted = next(h for h in facet_links(html) if "position=noted" in h)
    narrowed = page(focal_point_client, urlsplit(noted).query)
    assert "2 recommendations" in narrowed
    # The chosen value now links to the list without it.
    back = next(h for h in facet_links(narrowed) if "position" not in h and "?" in h)
    assert "7 recommendations" in page(focal_point_client, urlsplit(back).query)
    # The form carries the filters in use, so a new search keeps them.
    assert '<input type="hidden" form="filter-form" name="position" value="noted">' in narrowed
    assert "Remove all filters" in narrowed


def test_a_bookmarked_url_shows_the_same_view(focal_point_client, r):
    query = (f"q=education&mechanism=UPR&state=SVN&review={r.svn34.pk}&session=34&cycle=3"
             f"&position=noted&action_category=4&recommending=DEU&theme={r.education_issue.pk}"
             f"&affected={r.children.pk}&sdg=4&term={r.sdg_4_5.pk}&sort=state")
    html = page(focal_point_client, query)
    assert "1 recommendation<" in html
    assert r.roma.text in html
    assert 'value="state" selected' in html


def test_it_searches_and_sorts(focal_point_client, r):
    html = page(focal_point_client, "q=%C3%A9ducation")
    assert "4 recommendations" in html and r.french.text.replace("'", "&#x27;") in html
    assert 'value="education"' not in html and 'value="éducation"' in html
    newest = results(page(focal_point_client, "sort=newest"))
    oldest = results(page(focal_point_client, "sort=oldest"))
    assert newest.index("UPR 34 · Slovenia") < newest.index("UPR 20 · Slovenia")
    assert oldest.index("UPR 20 · Slovenia") < oldest.index("UPR 34 · Slovenia")


def test_sorting_by_state_follows_the_names_the_reader_sees(focal_point_client, r):
    from .builders import make_review

    make_rec(make_review("DEU", "UPR", session=30, cycle=3), "Ratify the Convention.",
             paragraph="1")
    english = results(page(focal_point_client, "sort=state"))
    assert english.index("UPR 20 · Egypt") < english.index("UPR 30 · Germany")
    french = results(focal_point_client.get(f"/fr{URL}?sort=state").content.decode())
    # Allemagne before Égypte (accents folded), before Slovénie.
    assert french.index("UPR 30 · Allemagne") < french.index("UPR 20 · Égypte") \
        < french.index("UPR 34 · Slovénie")


@pytest.mark.parametrize("query", ['"', "NEAR(", "*", "AND", "-", "%00", "(("])
def test_hostile_searches_answer_a_page(focal_point_client, r, query):
    focal_point_client.get(f"{URL}?q={query}")
    assert focal_point_client.get(f"{URL}?q={query}").status_code == 200


def test_it_warns_about_filters_it_cannot_read(focal_point_client, r):
    html = page(focal_point_client, "theme=abc&position=noted")
    assert "were not understood" in html and "2 recommendations" in html


def test_it_pages_by_25(focal_point_client, r):
    for n in range(30):
        make_rec(r.egy20, f"Paged recommendation {n}.")
    first = page(focal_point_client)
    assert "37 recommendations" in first and "page 1 of 2" in first
    assert first.count('class="result-item') == 25
    assert re.search(r'<a class="page-link" href="\?page=1" aria-current="page">1</a>', first)
    # 30 new ones and two others are supported: 25 on page 1, 7 on page 2.
    second = page(focal_point_client, "position=supported&page=2")
    assert second.count('class="result-item') == 7
    assert re.search(r'href="\?position=supported&amp;page=2" aria-current="page">2<', second)
    assert 'href="?position=supported&amp;page=1"' in second
    # Past the end: the last page.
    assert page(focal_point_client, "page=99").count('class="result-item') == 12


def test_an_htmx_request_gets_only_the_results(focal_point_client, r):
    html = page(focal_point_client, "q=education", HTTP_HX_REQUEST="true",
                HTTP_HX_TARGET="results")
    assert "<html" not in html and 'id="results-heading"' in html
    assert 'id="sort-field" hx-swap-oob="true"' in html
    assert 'id="results-status" hx-swap-oob="innerHTML">4 recommendations<' in html
    # A history restore after a cache miss needs the whole page.
    full = page(focal_point_client, "q=education", HTTP_HX_REQUEST="true",
                HTTP_HX_TARGET="results", HTTP_HX_HISTORY_RESTORE_REQUEST="true")
    assert "<html" in full


def test_the_page_works_with_and_without_javascript(focal_point_client, r):
    html = page(focal_point_client)
    form = re.search(r'<form id="filter-form"[^>]*>', html).group(0)
    assert 'method="get"' in form and f'action="{URL}"' in form
    assert f'hx-get="{URL}"' in form and 'hx-push-url="true"' in form
    assert 'hx-target="#results"' in form
    assert re.search(r'<a href="\?position=noted" hx-get="\?position=noted"', html)
    assert "django_htmx/htmx-2.min.js" in html


def test_every_control_has_a_label(focal_point_client, r):
    html = page(focal_point_client)
    for control_id in re.findall(r'<(?:input|select)[^>]*\bid="([^"]+)"', html):
        assert f'for="{control_id}"' in html, control_id
    headings = [int(level) for level in re.findall(r"<h([1-6])", html)]
    assert headings[0] == 1
    assert all(b - a <= 1 for a, b in zip(headings, headings[1:], strict=False)), headings


def test_the_arabic_page_runs_right_to_left(focal_point_client, r):
    response = focal_point_client.get("/ar" + URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="ar" dir="rtl">' in html
    assert "vendor/bootstrap/bootstrap.rtl.min.css" in html
    assert "vendor/bootstrap/bootstrap.min.css" not in html
    english = page(focal_point_client)
    assert '<html lang="en" dir="ltr">' in english
    assert "vendor/bootstrap/bootstrap.min.css" in english


@pytest.mark.parametrize("language, slovenia, france", [
    ("fr", "Slovénie", "France"), ("es", "Eslovenia", "Francia"), ("ar", "سلوفينيا", "فرنسا")])
def test_state_names_are_in_the_readers_language(focal_point_client, r, language, slovenia,
                                                  france):
    html = focal_point_client.get(f"/{language}{URL}").content.decode()
    assert f"UPR 34 · {slovenia}" in html  # the review facet
    assert france in html  # the recommending-state facet and the rows
    assert "Slovenia" not in html


def test_the_stylesheets_and_scripts_ship_with_the_app():
    for path in ("vendor/bootstrap/bootstrap.min.css", "vendor/bootstrap/bootstrap.rtl.min.css",
                 "vendor/bootstrap/bootstrap.bundle.min.js", "vendor/bootstrap/LICENSE",
                 "nmirf/app.css", "nmirf/app.js", "django_htmx/htmx-2.min.js"):
        assert finders.find(path), path


def test_the_list_page_takes_a_bounded_number_of_queries(focal_point_client, r,
                                                          django_assert_max_num_queries):
    for n in range(40):
        make_rec(r.egy20, f"Another recommendation on education {n}.",
                 recommending=["USA", "CAN"], terms=[r.education_issue, r.sdg_4_1],
                 action_category=3)
    # Warm the session, and the names a search resolves (states, terms: two queries once
    # per registry version and language, registry_search.names).
    page(focal_point_client, "q=warm")
    # Session and user; the registry's version; the search; labels for the facets
    # (mechanisms, reviews, terms, states: no COUNT, the facets give the total); the page's
    # rows, and their recommending states and terms; the rows' implementation statuses.
    with django_assert_max_num_queries(12):
        html = page(focal_point_client, "q=education&position=supported&sort=newest")
    assert "41 recommendations" in html


def test_the_queries_of_a_page_do_not_grow_with_the_rows_shown(focal_point_client, r):
    for n in range(40):
        make_rec(r.egy20, f"Another recommendation on education {n}.",
                 recommending=["USA", "CAN"], terms=[r.education_issue, r.sdg_4_1],
                 action_category=3)
    page(focal_point_client, "q=warm")  # warm the session and the names (as above)

    def queries_for(query):
        with CaptureQueriesContext(connection) as captured:
            html = page(focal_point_client, query)
        return len(captured), html.count('class="result-item')

    # The second page shows the 22 left (47 in all), the first 25; a (fresh) search
    # sorted by relevance ranks, the default order does not; the count is the same.
    few = queries_for("page=2")
    many = queries_for("page=1")
    assert few[1] < many[1] == 25
    assert few[0] == many[0]
    assert queries_for("q=education&sort=relevance")[0] == queries_for("q=another")[0]


def test_the_filters_in_use_are_named_even_without_results(focal_point_client, r):
    html = page(focal_point_client, f"position=supported&theme={r.death_issue.pk}&state=EGY"
                                 f"&review={r.svn34.pk}&recommending=AUT")
    assert "0 recommendations" in html
    for title, label in (("Position", "Supported"), ("Theme", "Death penalty"),
                         ("State under review", "Egypt"), ("Review", "UPR 34 · Slovenia"),
                         ("Recommending state", "Austria")):
        assert f"{title}: <bdi>{label}</bdi>" in html, label


def test_it_lists_the_possible_duplicates_that_wait_for_a_decision(focal_point_client, r):
    from nmirf.recommendations.models import Recommendation

    Recommendation.objects.filter(pk=r.french.pk).update(possible_duplicate_of=r.roma)
    html = page(focal_point_client, "flagged=duplicate")
    shown = unescape(results(html))
    assert "1 recommendation" in html and r.french.text in shown
    assert r.roma.text not in shown
    assert "To decide: <bdi>Possible duplicate</bdi>" in html  # the filter, removable
    assert "flagged=" not in links(html.split("Remove all filters")[0].rsplit("<a", 1)[1])


def test_the_results_mark_the_words_searched_for(focal_point_client, r):
    html = results(marked_page(focal_point_client, "q=roma+education"))
    assert "for <mark>Roma</mark> children" in html
    assert "access to <mark>education</mark> for" in html
    assert "<mark>" not in results(marked_page(focal_point_client, "position=noted"))


# -- the state under review, and the home state the list opens on -------------------------

def test_it_offers_the_states_under_review_as_a_facet(focal_point_client, r):
    html = page(focal_point_client)
    assert 'data-facet="state"' in html and "State under review" in html
    assert "?state=EGY" in facet_links(html)
    assert "1 recommendation" in page(focal_point_client, "state=EGY")


@pytest.fixture
def home_scope(settings):
    settings.NMIRF_HOME_STATE = "SVN"
    settings.NMIRF_LIST_HOME_SCOPE = True


def test_without_a_state_it_opens_on_the_home_state_and_says_so(focal_point_client, r,
                                                                 home_scope):
    response = focal_point_client.get(f"{URL}?q=education")
    assert response.status_code == 302
    assert response["Location"] == f"{URL}?q=education&state=SVN"
    html = page(focal_point_client, "state=SVN")
    assert "6 recommendations" in html
    assert "Showing the recommendations to <bdi>Slovenia</bdi>" in html
    all_states = re.search(r'href="([^"]*)" hx-get="[^"]*" id="all-states-link"', html)
    assert all_states and unescape(all_states.group(1)) == "?state=all"
    every = page(focal_point_client, "state=all")
    assert "7 recommendations" in every and "Show only Slovenia" in every
    # The search form keeps "every state" (a hidden field), so a new search does too.
    assert '<input type="hidden" form="filter-form" name="state" value="all">' in every


def test_a_link_that_names_something_else_reads_every_state(focal_point_client, r, home_scope):
    """A review, a cluster, "assigned to me" … is a question of its own: scoping it to the
    home state would show another state's review as empty."""
    response = focal_point_client.get(f"{URL}?position=noted")
    assert response.status_code == 200
    assert 'id="scope-notice"' not in response.content.decode()


def test_with_the_home_scope_links_never_drop_the_state(focal_point_client, r, home_scope):
    html = page(focal_point_client, "state=SVN")
    # Removing the home state (its chip or its facet value) asks for every state.
    assert "?state=all" in links(html)
    # Choosing a state from "every state" replaces it.
    every = page(focal_point_client, "state=all")
    assert "?state=EGY" in facet_links(every)
    assert "?state=all" in links(page(focal_point_client, "state=all&position=noted"))


def test_without_the_home_scope_the_list_reads_every_state(focal_point_client, r, settings):
    settings.NMIRF_LIST_HOME_SCOPE = False
    html = page(focal_point_client)
    assert "7 recommendations" in html and 'id="scope-notice"' not in html


def test_an_unknown_value_of_any_filter_is_reported_as_a_malformed_one(focal_point_client, r):
    for query in ("sdg=xyz", "review=999999", "state=QQQ", "mechanism=XYZ"):
        html = page(focal_point_client, query)
        assert "were not understood" in html and "7 recommendations" in html, query
        assert "is not a valid value" in html


# -- every value of a facet -------------------------------------------------------------

def test_a_truncated_facet_offers_all_its_values(focal_point_client, r, monkeypatch):
    from nmirf.recommendations.facets import compute_facets

    # Facets of one value (DEFAULT_LIMIT is 15): a few recommendations show every case.
    monkeypatch.setattr(compute_facets, "__defaults__", (1,))
    html = page(focal_point_client, "position=noted")
    assert "Show all (2)" in html  # two reviews have a noted recommendation
    more = re.search(r'<a class="facet-more" href="([^"]*)" hx-get="([^"]*)"', html)
    href, fragment_url = unescape(more.group(1)), unescape(more.group(2))
    assert href.startswith("?position=noted&expand=")
    # Without a script: the page, with that facet in full and a box to narrow it.
    key = href.split("expand=")[1].split("#")[0]
    full = page(focal_point_client, href[1:].split("#")[0])
    assert f'id="facet-filter-{key}"' in full and f'for="facet-filter-{key}"' in full
    # With htmx: only that facet, in full.
    response = focal_point_client.get(fragment_url, HTTP_HX_REQUEST="true")
    fragment = response.content.decode()
    assert response.status_code == 200 and fragment.count("<section") == 1
    assert f'data-facet-filter="facet-list-{key}"' in fragment and "Show all" not in fragment
    assert fragment.count("<li>") == 2
    # Its links keep the list's filters.
    assert all("position=noted" in link for link in links(fragment))


def test_the_fragment_of_an_unknown_facet_is_not_found(focal_point_client, r):
    url = reverse("recommendations:facet", args=["nothing"])
    assert focal_point_client.get(url, HTTP_HX_REQUEST="true").status_code == 404


def test_the_list_page_does_not_count_facets_in_full(focal_point_client, r):
    html = page(focal_point_client)
    assert "facet-filter-" not in html


def test_the_filters_open_as_a_panel_on_small_screens(focal_point_client, r):
    html = page(focal_point_client)
    assert 'id="filters-panel"' in html and 'class="offcanvas-lg offcanvas-start"' in html
    assert 'data-bs-target="#filters-panel"' in html and 'id="filters-button"' in html


def test_the_recommending_states_are_joined_as_the_readers_language_joins_a_list(
        focal_point_client, r):
    from django.utils import translation

    with translation.override("ar"):
        address = reverse("recommendations:list")
    response = focal_point_client.get(f"{address}?review={r.svn34.pk}")
    html = response.content.decode()
    # r.roma is recommended by Germany and France: in Arabic, with the Arabic comma.
    assert re.search(r"(ألمانيا، فرنسا|فرنسا، ألمانيا)", html)
    assert "ألمانيا, " not in html and "فرنسا, " not in html
