"""A person resolves the possible duplicates that an import flagged."""

import pytest
from django.urls import reverse

from nmirf.recommendations.models import Merge, Recommendation
from tests.recommendations.builders import make_rec, make_review


@pytest.fixture
def pair(db):
    review = make_review("SVN", "UPR", session=7, cycle=1)
    first = make_rec(review, "Ratify the Convention.", recommending=["FRA"])
    second = make_rec(review, "Ratify the Convention.", recommending=["FRA"],
                      possible_duplicate_of=first)
    return first, second


def decide(client, rec, decision):
    return client.post(reverse("recommendations:resolve_duplicate", args=[rec.pk]),
                       {"decision": decision}, follow=True)


def test_the_coordinator_sees_the_choice_on_the_flagged_copy(coordinator_client, pair):
    page = coordinator_client.get(reverse("recommendations:detail", args=[pair[1].pk]))
    assert "Same recommendation…" in page.content.decode()


def test_an_observer_sees_no_choice_and_cannot_decide(observer_client, pair):
    page = observer_client.get(reverse("recommendations:detail", args=[pair[1].pk]))
    assert "Same recommendation…" not in page.content.decode()
    assert decide(observer_client, pair[1], "same").status_code == 403
    assert observer_client.post(merge_url(pair[1])).status_code == 403
    pair[1].refresh_from_db()
    assert not pair[1].archived and pair[1].possible_duplicate_of == pair[0]
    assert not Merge.objects.exists()


def merge_url(rec):
    return reverse("recommendations:merge_duplicate", args=[rec.pk])


def test_same_asks_for_confirmation_first_and_changes_nothing_yet(coordinator_client, pair):
    first, second = pair
    response = decide(coordinator_client, second, "same")
    assert response.request["PATH_INFO"] == merge_url(second)
    html = response.content.decode()
    assert "Make these two one recommendation?" in html
    assert "Yes, they are one recommendation" in html
    second.refresh_from_db()
    assert not second.archived and not Merge.objects.exists()


def test_the_same_recommendation_is_archived_not_deleted(coordinator_client, coordinator, pair):
    first, second = pair
    response = coordinator_client.post(merge_url(second), follow=True)
    assert response.request["PATH_INFO"] == reverse("recommendations:detail", args=[first.pk])
    second.refresh_from_db()
    assert second.archived and second.possible_duplicate_of == first
    assert Recommendation.objects.active().filter(text="Ratify the Convention.").count() == 1
    merge = Merge.objects.get()
    assert (merge.kept, merge.merged, merge.decided_by) == (first, second, coordinator)
    assert "Undo this merge" in response.content.decode()


def test_different_recommendations_are_both_kept(coordinator_client, pair):
    decide(coordinator_client, pair[1], "different")
    pair[1].refresh_from_db()
    assert not pair[1].archived and pair[1].possible_duplicate_of is None


def test_a_bad_decision_changes_nothing(coordinator_client, pair):
    page = decide(coordinator_client, pair[1], "maybe").content.decode()
    assert "Choose whether the two are the same recommendation." in page
    pair[1].refresh_from_db()
    assert not pair[1].archived and pair[1].possible_duplicate_of == pair[0]


def test_deciding_on_a_recommendation_that_is_not_flagged_changes_nothing(coordinator_client,
                                                                          pair):
    page = decide(coordinator_client, pair[0], "same").content.decode()
    assert "no longer flagged as a duplicate" in page
    pair[0].refresh_from_db()
    assert not pair[0].archived


def test_anonymous_visitors_are_sent_to_log_in(client, pair):
    response = client.post(reverse("recommendations:resolve_duplicate", args=[pair[1].pk]),
                           {"decision": "same"})
    assert response.status_code == 302 and "login" in response.url
    pair[1].refresh_from_db()
    assert not pair[1].archived


# -- the difference of two texts (the repeats panel of the detail page) --------------------

def _visible(html) -> str:
    """What a sighted reader sees: the screen readers' labels left out."""
    import re

    return re.sub(r'<span class="visually-hidden">[^<]*</span>', "", str(html))


@pytest.mark.parametrize(("other", "this", "shown"), [
    ("Take further measures.", "Take additional measures.",
     "Take <del>further</del> <ins>additional</ins> measures."),
    ("Ratify it now.", "Ratify it.", "Ratify it <del>now</del>."),
    ("Ratify it.", "Ratify it now.", "Ratify it <ins>now</ins>."),
    ("Please ratify.", "Ratify.", "<del>Please</del> Ratify."),
    ("RATIFY the Convention", "Ratify the Convention", "Ratify the Convention"),
])
def test_difference_marks_the_words_removed_and_added(other, this, shown):
    from nmirf.recommendations.duplicates import difference

    assert _visible(difference(other, this)) == shown


def test_difference_labels_each_change_for_screen_readers():
    from nmirf.recommendations.duplicates import difference

    html = str(difference("Take further measures.", "Take additional measures."))
    assert '<del><span class="visually-hidden">[only in the other text: </span>further' in html
    assert ('<ins><span class="visually-hidden">[only in this recommendation: </span>'
            'additional') in html


def test_difference_escapes_both_texts():
    from nmirf.recommendations.duplicates import difference

    html = str(difference('<img src=x onerror="alert(1)"> Ratify',
                          "<script>alert('x')</script> Ratify & ensure"))
    assert "<script>" not in html and "<img" not in html and "onerror=\"" not in html
    assert "&lt;" in html and "&gt; Ratify &amp;" in html and "&quot;" in html
    assert "(&#x27;x&#x27;)" in html
