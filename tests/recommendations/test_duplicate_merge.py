""""Same recommendation" (recommendations/duplicates.py): the richer of two copies stays and
takes what only the other knew — blank fields, labels, recommending states, source records
— the other is archived, and the whole decision is recorded so that it can be undone."""

import pytest
from django.urls import reverse

from nmirf.audit.models import Action, AuditEvent
from nmirf.recommendations import duplicates
from nmirf.recommendations.models import (
    Document,
    Merge,
    Recommendation,
    SourceRecord,
    State,
    Term,
)
from tests.recommendations.builders import make_rec, make_review

pytestmark = pytest.mark.django_db


def term(code):
    return Term.objects.filter(code=code).first() or Term.objects.first()


@pytest.fixture
def matrix_and_upr_info(db):
    """A matrix paragraph (paragraph, document, themes) and the bare UPR Info row of the
    same recommendation, flagged against it by the import, with its own action category
    and a second recommending state."""
    review = make_review("SVN", "UPR", session=34, cycle=3)
    document = Document.objects.create(symbol="A/HRC/43/15", review=review)
    themes = list(Term.objects.filter(taxonomy__code="uhri_themes")[:2])
    matrix = make_rec(review, "Ratify the Optional Protocol.", paragraph="143.1",
                      position="supported", recommending=["FRA"], terms=themes,
                      document=document)
    SourceRecord.objects.create(recommendation=matrix, source="ohchr_matrix",
                                key="svn:34:143.1")
    upr_info = make_rec(review, "Ratify the Optional Protocol", position="supported",
                        action_category=4, recommending=["FRA", "AUT"],
                        possible_duplicate_of=matrix)
    SourceRecord.objects.create(recommendation=upr_info, source="upr_info", key="row-17")
    return matrix, upr_info


def states_of(rec):
    return sorted(rec.recommending_states.values_list("iso3", flat=True))


def test_the_richer_record_stays_whichever_was_flagged(matrix_and_upr_info, coordinator):
    matrix, upr_info = matrix_and_upr_info
    plan = duplicates.plan_merge(upr_info)
    assert (plan.kept, plan.merged) == (matrix, upr_info)
    # Flagged the other way round (the UPR Info file imported first): the matrix still stays.
    Recommendation.objects.filter(pk=upr_info.pk).update(possible_duplicate_of=None)
    Recommendation.objects.filter(pk=matrix.pk).update(possible_duplicate_of=upr_info)
    matrix.refresh_from_db()
    plan = duplicates.plan_merge(matrix)
    assert (plan.kept, plan.merged) == (matrix, upr_info)


def test_the_one_kept_takes_what_only_the_other_knew(matrix_and_upr_info, coordinator):
    matrix, upr_info = matrix_and_upr_info
    themes_before = set(matrix.terms.values_list("pk", flat=True))
    duplicates.merge(upr_info, coordinator)
    matrix.refresh_from_db()
    upr_info.refresh_from_db()
    assert matrix.paragraph == "143.1" and matrix.document.symbol == "A/HRC/43/15"
    assert matrix.action_category == 4  # only UPR Info knew it
    assert states_of(matrix) == ["AUT", "FRA"]
    assert set(matrix.terms.values_list("pk", flat=True)) == themes_before
    assert sorted(matrix.sources.values_list("source", flat=True)) == ["ohchr_matrix",
                                                                     "upr_info"]
    assert upr_info.archived and upr_info.possible_duplicate_of == matrix
    assert not upr_info.sources.exists()
    assert matrix.possible_duplicate_of is None


def test_a_merge_is_recorded_with_who_and_when(matrix_and_upr_info, coordinator):
    matrix, upr_info = matrix_and_upr_info
    merge = duplicates.merge(upr_info, coordinator)
    assert merge.decided_by == coordinator and merge.decided_at is not None
    assert merge.filled == {"action_category": None}
    assert merge.added_states == [State.objects.get(iso3="AUT").pk]
    events = AuditEvent.objects.filter(action=Action.DUPLICATE_CONFIRMED)
    assert {event.target_id for event in events} == {str(matrix.pk), str(upr_info.pk)}


def test_undo_puts_both_back_as_they_were(matrix_and_upr_info, coordinator, administrator):
    matrix, upr_info = matrix_and_upr_info
    before = (states_of(matrix), matrix.action_category,
              sorted(matrix.sources.values_list("key", flat=True)))
    merge = duplicates.merge(upr_info, coordinator)
    duplicates.undo(merge, administrator)
    matrix.refresh_from_db()
    upr_info.refresh_from_db()
    assert (states_of(matrix), matrix.action_category,
            sorted(matrix.sources.values_list("key", flat=True))) == before
    assert not upr_info.archived and upr_info.possible_duplicate_of == matrix
    assert list(upr_info.sources.values_list("key", flat=True)) == ["row-17"]
    assert states_of(upr_info) == ["AUT", "FRA"]  # its own links were never touched
    merge.refresh_from_db()
    assert merge.undone and merge.undone_by == administrator
    assert AuditEvent.objects.filter(action=Action.DUPLICATE_UNDONE).count() == 2
    # Flagged again: the person can decide anew.
    assert duplicates.plan_merge(upr_info).kept == matrix


def test_undo_keeps_what_a_person_changed_since(matrix_and_upr_info, coordinator):
    matrix, upr_info = matrix_and_upr_info
    merge = duplicates.merge(upr_info, coordinator)
    Recommendation.objects.filter(pk=matrix.pk).update(action_category=2)
    duplicates.undo(merge, coordinator)
    matrix.refresh_from_db()
    assert matrix.action_category == 2


def test_a_merge_is_undone_once(matrix_and_upr_info, coordinator):
    merge = duplicates.merge(matrix_and_upr_info[1], coordinator)
    duplicates.undo(merge, coordinator)
    with pytest.raises(duplicates.NotUndoable):
        duplicates.undo(merge, coordinator)


def test_the_confirmation_page_says_what_would_move(coordinator_client, matrix_and_upr_info):
    matrix, upr_info = matrix_and_upr_info
    html = coordinator_client.get(
        reverse("recommendations:merge_duplicate", args=[upr_info.pk])).content.decode()
    assert "Stays" in html and "Is archived" in html
    assert "Action category: 4 — General action" in html
    assert "Austria" in html  # the recommending state it gains
    assert "UPR Info" in html and "row-17" in html  # the source record it takes


def test_undo_through_the_page(coordinator_client, matrix_and_upr_info, coordinator):
    matrix, upr_info = matrix_and_upr_info
    merge = duplicates.merge(upr_info, coordinator)
    archived_page = coordinator_client.get(
        reverse("recommendations:detail", args=[upr_info.pk])).content.decode()
    assert "It was found to be the same as" in archived_page
    response = coordinator_client.post(reverse("recommendations:undo_merge", args=[merge.pk]),
                                       follow=True)
    html = response.content.decode()
    assert "The merge is undone" in html and "Undone by" in html
    upr_info.refresh_from_db()
    assert not upr_info.archived
    # Again: nothing more happens, and the page says why.
    html = coordinator_client.post(reverse("recommendations:undo_merge", args=[merge.pk]),
                                   follow=True).content.decode()
    assert "undone already" in html


def test_a_focal_point_cannot_undo_and_nothing_changes(focal_point_client, matrix_and_upr_info,
                                                       coordinator):
    merge = duplicates.merge(matrix_and_upr_info[1], coordinator)
    response = focal_point_client.post(reverse("recommendations:undo_merge", args=[merge.pk]))
    assert response.status_code == 403
    merge.refresh_from_db()
    assert not merge.undone and Recommendation.objects.get(
        pk=matrix_and_upr_info[1].pk).archived


def test_undo_of_an_unknown_merge_is_not_found(coordinator_client):
    response = coordinator_client.post(reverse("recommendations:undo_merge", args=[999999]))
    assert response.status_code == 404


def test_undo_is_a_post(coordinator_client, matrix_and_upr_info, coordinator):
    merge = duplicates.merge(matrix_and_upr_info[1], coordinator)
    assert coordinator_client.get(
        reverse("recommendations:undo_merge", args=[merge.pk])).status_code == 405
    merge.refresh_from_db()
    assert not merge.undone


def test_merging_a_recommendation_no_longer_flagged_changes_nothing(coordinator_client,
                                                                    matrix_and_upr_info):
    matrix, _upr_info = matrix_and_upr_info
    html = coordinator_client.post(reverse("recommendations:merge_duplicate", args=[matrix.pk]),
                                   follow=True).content.decode()
    assert "no longer flagged as a duplicate" in html
    assert not Merge.objects.exists()
