"""Saved views: a person names the list they are reading (its filters, search and sort)
and finds it again in the menu. Each view is its owner's alone; what is saved is checked
as the list reads it and written the same way every time; refusals say why and write
nothing."""

import pytest
from django.urls import reverse

from nmirf.audit.models import Action, AuditEvent
from nmirf.saved_views import services
from nmirf.saved_views.models import MAX_VIEWS_PER_PERSON, SavedView
from tests.conftest import registry_snapshot
from tests.recommendations.builders import make_rec, make_review

LIST = reverse("recommendations:list")
SAVE = reverse("saved_views:create")
MINE = reverse("saved_views:list")


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def save(client, name, query):
    return client.post(SAVE, {"name": name, "query": query}, follow=True)


@pytest.fixture
def registry(db):
    review = make_review("SVN", "UPR", session=34, cycle=3)
    make_rec(review, "Ratify the convention.", paragraph="1", position="noted")
    make_rec(review, "Train the police.", paragraph="2", position="supported")


# -- saving ---------------------------------------------------------------------------------

def test_it_saves_the_list_without_its_page_and_keeps_the_sort(coordinator_client, coordinator,
                                                               registry):
    response = save(coordinator_client, "Noted by Slovenia",
                    "state=SVN&position=noted&sort=paragraph&page=3")
    view = SavedView.objects.get(owner=coordinator)
    assert view.name == "Noted by Slovenia"
    assert view.query == "state=SVN&position=noted&sort=paragraph"
    # Back on the list it was saved from, with a word on where to find it.
    assert response.redirect_chain[-1][0] == f"{LIST}?state=SVN&position=noted&sort=paragraph"
    assert any("Noted by Slovenia" in m and "Saved views" in m for m in messages_of(response))
    event = AuditEvent.objects.get(action=Action.CREATED, target_id=str(view.pk))
    assert event.actor == coordinator and event.after["query"] == view.query


def test_it_writes_the_same_list_the_same_way(coordinator, registry):
    one = services.normalise_query("sort=paragraph&position=noted&state=SVN&state=SVN&q=",
                                   coordinator)
    other = services.normalise_query("?state=SVN&position=noted&sort=paragraph", coordinator)
    assert one == other == "state=SVN&position=noted&sort=paragraph"
    assert services.normalise_query("", coordinator) == ""


def test_the_list_page_offers_to_save_it_next_to_the_downloads(coordinator_client, registry):
    html = coordinator_client.get(LIST + "?position=noted&page=1").content.decode()
    assert f'action="{SAVE}"' in html
    assert 'name="query" value="position=noted"' in html
    assert "Save this view" in html


def test_the_menu_lists_ones_own_views_and_nobody_elses(coordinator_client, coordinator,
                                                        observer, registry):
    SavedView.objects.create(owner=coordinator, name="Mine", query="position=noted")
    SavedView.objects.create(owner=observer, name="The observer's", query="state=SVN")
    html = coordinator_client.get(MINE).content.decode()
    assert f'href="{LIST}?position=noted"' in html
    assert "Mine" in html
    assert "The observer&#x27;s" not in html and "The observer's" not in html


def test_an_observer_saves_views_too(observer_client, observer, registry):
    save(observer_client, "Noted", "position=noted")
    assert SavedView.objects.filter(owner=observer, name="Noted").exists()


def test_opening_a_saved_view_is_following_its_link(coordinator_client, coordinator, registry):
    view = services.save_view(coordinator, "Noted", "position=noted&sort=paragraph")
    response = coordinator_client.get(f"{LIST}?{view.query}")
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 1


# -- renaming and deleting ------------------------------------------------------------------

def test_it_renames_and_deletes_ones_own_view(coordinator_client, coordinator, registry):
    view = services.save_view(coordinator, "Noted", "position=noted")
    response = coordinator_client.post(reverse("saved_views:rename", args=[view.pk]),
                                       {"name": "  Noted   by all "}, follow=True)
    view.refresh_from_db()
    assert view.name == "Noted by all"
    assert "Renamed to “Noted by all”." in messages_of(response)
    assert AuditEvent.objects.filter(action=Action.CHANGED, target_id=str(view.pk)).exists()

    coordinator_client.post(reverse("saved_views:delete", args=[view.pk]))
    assert not SavedView.objects.filter(pk=view.pk).exists()
    deleted = AuditEvent.objects.get(action=Action.DELETED, target_id=str(view.pk))
    assert deleted.before == {"name": "Noted by all", "query": "position=noted"}


@pytest.mark.parametrize("action", ["rename", "delete"])
def test_another_persons_view_is_not_there(coordinator_client, observer, action, registry):
    view = services.save_view(observer, "Private", "position=noted")
    before = registry_snapshot()
    response = coordinator_client.post(reverse(f"saved_views:{action}", args=[view.pk]),
                                       {"name": "Taken"})
    assert response.status_code == 404
    assert registry_snapshot() == before


def test_the_change_log_shows_a_view_only_to_its_owner_and_the_administrator(
        coordinator, observer, administrator, registry):
    view = services.save_view(observer, "Private", "position=noted")
    events = AuditEvent.objects.filter(target_id=str(view.pk), action=Action.CREATED)
    assert not events.visible_to(coordinator).exists()
    assert events.visible_to(administrator).exists()


# -- hostile input: a clear message, nothing written -----------------------------------------

HOSTILE = [
    ("x" * 101, "position=noted", "at most 100 characters"),
    ("   ", "position=noted", "Give the view a name."),
    ("<script>alert(1)</script>", "position=noted", "cannot contain &lt; or &gt;"),
    ("Nice", "colour=red&position=noted", "no filter named “colour”"),
    ("Nice", "position=" + "n" * 10_000, "too long to save"),
    ("Nice", "position=maybe", "a filter is not valid"),
    ("Nice", "review=abc", "“abc” is not a valid value."),
    ("Nice", "q=the", "cannot be saved"),
]


@pytest.mark.parametrize(("name", "query", "message"), HOSTILE,
                         ids=["long-name", "blank-name", "html-name", "unknown-param",
                              "10000-chars", "bad-choice", "bad-id", "stop-words"])
def test_hostile_input_is_refused_with_a_message(coordinator_client, coordinator, name, query,
                                                 message, registry):
    before = registry_snapshot()
    events = AuditEvent.objects.count()
    response = save(coordinator_client, name, query)
    assert response.redirect_chain[-1][0] == MINE
    html = response.content.decode()
    assert message in html, html[-3000:]
    assert "<script>alert" not in html
    assert registry_snapshot() == before
    assert AuditEvent.objects.count() == events


def test_a_filter_one_may_not_use_is_refused(observer_client, registry):
    before = registry_snapshot()
    response = save(observer_client, "Late ones", "overdue=yes")
    assert "a filter is not valid" in response.content.decode()
    assert registry_snapshot() == before


def test_a_name_is_once_per_person(coordinator_client, coordinator, observer, registry):
    services.save_view(coordinator, "Noted", "position=noted")
    services.save_view(observer, "Noted", "position=noted")  # someone else's: fine
    before = registry_snapshot()
    response = save(coordinator_client, "Noted", "state=SVN")
    assert "You already have a view named “Noted”" in response.content.decode()
    assert registry_snapshot() == before


def test_a_rename_to_a_name_taken_or_hostile_changes_nothing(coordinator_client, coordinator,
                                                             registry):
    services.save_view(coordinator, "Noted", "position=noted")
    view = services.save_view(coordinator, "Supported", "position=supported")
    before = registry_snapshot()
    url = reverse("saved_views:rename", args=[view.pk])
    for name, message in [("Noted", "already have a view"), ("y" * 500, "at most 100"),
                          ("<b>bold</b>", "cannot contain")]:
        response = coordinator_client.post(url, {"name": name}, follow=True)
        assert message in response.content.decode()
    assert registry_snapshot() == before


def test_a_person_keeps_a_bounded_number_of_views(coordinator_client, coordinator, registry):
    SavedView.objects.bulk_create(SavedView(owner=coordinator, name=f"View {n}", query="")
                                  for n in range(MAX_VIEWS_PER_PERSON))
    before = registry_snapshot()
    response = save(coordinator_client, "One more", "position=noted")
    assert "delete one first" in response.content.decode()
    assert registry_snapshot() == before


def test_saving_needs_a_post(coordinator_client, registry):
    assert coordinator_client.get(SAVE + "?name=x&query=position=noted").status_code == 405


# -- the menu -------------------------------------------------------------------------------

def menu(html: str) -> str:
    return html.split('id="saved-views-menu"', 1)[1].split("</ul>", 1)[0]


def test_the_menu_follows_every_change_at_once(coordinator_client, coordinator, registry):
    assert "No saved views yet" in menu(coordinator_client.get(MINE).content.decode())
    save(coordinator_client, "Noted", "position=noted")
    assert f'href="{LIST}?position=noted"' in menu(coordinator_client.get(MINE).content.decode())
    view = SavedView.objects.get(owner=coordinator)
    coordinator_client.post(reverse("saved_views:rename", args=[view.pk]), {"name": "Renamed"})
    assert "Renamed" in menu(coordinator_client.get(MINE).content.decode())
    coordinator_client.post(reverse("saved_views:delete", args=[view.pk]))
    assert "No saved views yet" in menu(coordinator_client.get(MINE).content.decode())


def test_the_menu_costs_no_query_once_read(coordinator_client, coordinator, registry,
                                           django_assert_num_queries):
    from nmirf.saved_views.models import menu_of

    services.save_view(coordinator, "Noted", "position=noted")
    assert menu_of(coordinator) == [("Noted", "position=noted")]
    with django_assert_num_queries(0):
        assert menu_of(coordinator) == [("Noted", "position=noted")]


def test_the_menu_of_a_signed_out_visitor_has_no_saved_views(client, db):
    html = client.get(reverse("accounts:login")).content.decode()
    assert "saved-views-menu" not in html
