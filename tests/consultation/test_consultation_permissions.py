"""Who may do what in consultation, for every role (administrator, coordinator, focal point,
observer, anonymous) × operation, by direct URL and with tampered ids: a refusal is a 403
(or a 404 for what the person may not read, a redirect to sign in for anonymous) with
nothing written. Selected by `pytest -k "permission or access"`."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from nmirf.accounts import permissions
from nmirf.consultation.models import Comment
from nmirf.recommendations.models import Recommendation
from nmirf.tracking.models import OBSERVER_KINDS, Cluster
from tests.tracking.roles import ROLES, client_for

from .helpers import comment, messages_of, signed_in, state

pytestmark = pytest.mark.django_db

MANAGERS = {"administrator", "coordinator"}


@pytest.fixture
def world(r, observer):
    return {"r": r, "cluster": Cluster.objects.create(title="Roma inclusion"),
            "pending": comment(r.torture, observer)}


def operations(world):
    r = world["r"]
    return {
        "share recommendation": ("post", reverse("consultation:share_recommendation",
                                                 args=[r.roma.pk]), {"shared": "1"}),
        "share cluster": ("post", reverse("consultation:share_cluster",
                                          args=[world["cluster"].pk]), {"shared": "1"}),
        "comment form": ("get", reverse("consultation:comment_create", args=[r.torture.pk]),
                         None),
        "comment": ("post", reverse("consultation:comment_create", args=[r.torture.pk]),
                    {"text": "Information from the field."}),
        "comments page": ("get", reverse("consultation:comment_list"), None),
        "share list preview": ("get", reverse("consultation:share_from_list") + "?q=education",
                               None),
        "share list": ("post", reverse("consultation:share_from_list"),
                       {"query": "q=education", "shared": "1"}),
        "moderate": ("post", reverse("consultation:comment_moderate",
                                     args=[world["pending"].pk]), {"decision": "approved"}),
    }


# What each role may do (the others: 403).
ALLOWED = {
    "administrator": {"share recommendation", "share cluster", "comments page", "moderate",
                      "share list preview", "share list"},
    "coordinator": {"share recommendation", "share cluster", "comments page", "moderate",
                    "share list preview", "share list"},
    "focal_point": set(),
    "observer": {"comment form", "comment", "comments page"},
}
OPERATIONS = ["share recommendation", "share cluster", "comment form", "comment",
              "comments page", "moderate", "share list preview", "share list"]


@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix_for_consultation(request, world, role, operation):
    client = client_for(request, role)
    method, url, data = operations(world)[operation]
    before = state()
    response = client.post(url, data) if method == "post" else client.get(url)
    if role == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        assert state() == before
    elif operation in ALLOWED[role]:
        assert response.status_code in (200, 302), response.content[:500]
        if method == "post":
            assert state() != before, f"{role} {operation} wrote nothing"
    else:
        assert response.status_code == 403
        assert state() == before


@pytest.mark.parametrize("role, reads", [
    ("administrator", {"pending", "approved", "rejected", "others"}),
    ("coordinator", {"pending", "approved", "rejected", "others"}),
    ("focal_point", {"approved"}),
    ("observer", {"pending", "approved", "rejected"}),  # their own, and the approved
    ("other_observer", {"approved", "others"}),  # the approved, and their own
    ("anonymous", set()),
])
def test_permission_who_reads_which_comment(request, r, observer, role, reads):
    from tests.conftest import _make_user

    other = _make_user("olga-observer", "observer")
    made = {"pending": comment(r.torture, observer, "P"),
            "approved": comment(r.torture, observer, "A", state="approved"),
            "rejected": comment(r.torture, observer, "R", state="rejected",
                                moderation_reason="Off topic."),
            "others": comment(r.torture, other, "O")}
    user = {"other_observer": other, "anonymous": AnonymousUser()}.get(role) or \
        request.getfixturevalue(role)
    visible = set(Comment.objects.visible_to(user))
    assert visible == {made[name] for name in reads}


def test_permission_comments_on_what_is_no_longer_shared_are_hidden_from_observers(
        r, observer, coordinator):
    from nmirf.consultation import services

    approved = comment(r.torture, observer, state="approved")
    services.set_shared(r.torture, False, user=coordinator)
    assert not Comment.objects.visible_to(observer).exists()
    assert approved in Comment.objects.visible_to(coordinator)


def test_access_tampered_ids_answer_404_and_write_nothing(r, observer, coordinator):
    before = state()
    # A recommendation not shared, an unknown one: an observer cannot comment on either.
    for pk in (r.roma.pk, 999999):
        assert signed_in(observer).post(reverse("consultation:comment_create", args=[pk]),
                                        {"text": "Tampered."}).status_code == 404
    for name in ("consultation:comment_moderate", "consultation:share_recommendation",
                 "consultation:share_cluster"):
        assert signed_in(coordinator).post(reverse(name, args=[999999]),
                                           {"decision": "approved", "shared": "1"}
                                           ).status_code == 404
    assert state() == before


def test_access_an_observer_cannot_moderate_even_their_own_comment(r, observer):
    own = comment(r.torture, observer)
    before = state()
    response = signed_in(observer).post(
        reverse("consultation:comment_moderate", args=[own.pk]), {"decision": "approved"})
    assert response.status_code == 403
    assert state() == before


def test_access_the_menu_shows_comments_to_moderators_and_observers(r, observer, focal_point,
                                                                    coordinator):
    url = reverse("consultation:comment_list")
    page = reverse("recommendations:detail", args=[r.torture.pk])
    assert url in signed_in(coordinator).get(page).content.decode()
    assert url in signed_in(observer).get(page).content.decode()
    assert url not in signed_in(focal_point).get(page).content.decode()


def test_permission_the_share_button_shows_to_the_secretariat_only(r, coordinator, observer,
                                                                  focal_point):
    page = reverse("recommendations:detail", args=[r.roma.pk])
    assert "Share with observers" in signed_in(coordinator).get(page).content.decode()
    assert "Share with observers" not in signed_in(focal_point).get(page).content.decode()


def test_permission_predicates_of_consultation(r, administrator, coordinator, focal_point,
                                               observer, nhri_focal_point):
    for user in (administrator, coordinator):
        assert permissions.can_share_with_observers(user)
        assert permissions.can_moderate_comments(user)
        assert not permissions.can_comment(user)
    for user in (focal_point, observer, nhri_focal_point, AnonymousUser()):
        assert not permissions.can_share_with_observers(user)
        assert not permissions.can_moderate_comments(user)
    assert not permissions.can_comment(focal_point)
    assert not permissions.can_comment(AnonymousUser())
    assert permissions.can_comment(observer, r.torture)
    assert not permissions.can_comment(observer, r.roma)  # not shared: not theirs to read
    assert permissions.can_comment(nhri_focal_point, r.roma)  # reads it; the service refuses
    observer.is_active = False
    assert not permissions.can_comment(observer, r.torture)


def test_permission_observer_entity_kinds_are_trackings():
    assert set(permissions.OBSERVER_ENTITY_KINDS) == {str(kind) for kind in OBSERVER_KINDS}


def test_permission_querysets_of_observers_follow_what_is_shared(r, observer):
    assert list(Recommendation.objects.visible_to(observer)) == [r.torture]


def test_permission_an_observer_belongs_to_the_nhri_but_not_to_a_ministry(
        r, nhri, entity, observer, coordinator_client):
    from nmirf.tracking.models import Membership

    for target in (nhri, entity):
        coordinator_client.post(reverse("tracking:member_add", args=[target.pk]),
                                {"user": observer.pk})
    assert [m.entity for m in Membership.objects.filter(user=observer)] == [nhri]
    assert permissions.can_belong_to(observer, nhri)
    assert not permissions.can_belong_to(observer, entity)
    # What the observer sends is then sent for the NHRI; their reading does not change.
    signed_in(observer).post(reverse("consultation:comment_create", args=[r.torture.pk]),
                             {"text": "From the Ombudsman."})
    assert Comment.objects.get().entity == nhri
    assert list(Recommendation.objects.visible_to(observer)) == [r.torture]


def test_permission_an_observer_added_to_the_nhri_is_named_a_member_not_a_focal_point(
        nhri, observer, coordinator_client):
    from nmirf.tracking.models import Membership

    url = reverse("tracking:member_add", args=[nhri.pk])
    response = coordinator_client.post(url, {"user": observer.pk}, follow=True)
    shown = messages_of(response)
    assert "oscar-observer is now a member of Human Rights Ombudsman, as an observer." in shown
    assert "focal point" not in shown
    before = list(Membership.objects.values_list("pk", "entity", "user", "ended"))
    again = messages_of(coordinator_client.post(url, {"user": observer.pk}, follow=True))
    assert "oscar-observer is already a member of Human Rights Ombudsman." in again
    assert list(Membership.objects.values_list("pk", "entity", "user", "ended")) == before
