"""One recommendation, several sources (ingest/merging.py): its fields hold the union of
what its sources know, by a stated precedence — official UN document > OHCHR matrix > UPR
Info > template, a person's edit above all — not by the order of the imports; each source
record keeps what its own source gave."""

import pytest

from nmirf.ingest import commit, merging
from nmirf.ingest.normalise import Normaliser
from nmirf.ingest.pipeline import InputFile, run_import, start_run
from nmirf.ingest.records import SourceRow
from nmirf.recommendations.models import Recommendation, SourceRecord

HEADER = "To,To-Rgrp,To-Org,Text,From,From-Rgrp,From-Org,Response,Action,Issue,Session"


def fields(key, **values):
    base = {"paragraph": "", "document_id": None, "text": "t", "search_text": "t",
            "language": "en", "position": "none", "action_category": None}
    return merging.Fields(key=key, **{**base, **values})


# -- the rule -----------------------------------------------------------------------------

def test_a_more_authoritative_source_gives_its_values_and_keeps_the_others():
    upr_info = fields("upr_info:1", text="Ratify it", position="supported", action_category=4)
    matrix = fields("ohchr_matrix:SVN:7:90.1", text="Ratify it.", paragraph="90.1",
                    position="supported_in_part")
    result = merging.merged(upr_info, matrix)
    assert (result.key, result.text, result.paragraph, result.position,
            result.action_category) == (matrix.key, "Ratify it.", "90.1", "supported_in_part", 4)


def test_a_less_authoritative_source_only_fills_blanks():
    matrix = fields("ohchr_matrix:SVN:7:90.1", text="Ratify it.", paragraph="90.1",
                    position="supported_in_part")
    upr_info = fields("upr_info:1", text="Ratify it", position="noted", action_category=4)
    result = merging.merged(matrix, upr_info)
    assert (result.key, result.text, result.position, result.action_category) == (
        matrix.key, "Ratify it.", "supported_in_part", 4)


def test_the_order_does_not_matter():
    upr_info = fields("upr_info:1", text="Ratify it", position="supported", action_category=4)
    matrix = fields("ohchr_matrix:SVN:7:90.1", text="Ratify it.", paragraph="90.1")
    assert merging.merged(upr_info, matrix) == merging.merged(matrix, upr_info)


def test_a_persons_values_beat_every_source():
    edited = fields(merging.PERSON, text="Ratify it, as corrected.", position="noted")
    report = fields("un_document:SVN:34:143.1", text="Ratify it.", paragraph="143.1",
                    position="supported")
    result = merging.merged(edited, report)
    assert (result.key, result.text, result.position, result.paragraph) == (
        merging.PERSON, "Ratify it, as corrected.", "noted", "143.1")


def test_the_values_source_itself_updates_as_before():
    matrix = fields("ohchr_matrix:SVN:7:90.1", paragraph="90.1", position="supported")
    corrected = fields("ohchr_matrix:SVN:7:90.1", paragraph="90.1", position="noted")
    assert merging.merged(matrix, corrected) == corrected


# -- through the pipeline, in both orders -------------------------------------------------

TEXT = "Ratify the Convention on migrant workers"


def import_upr_info(tmp_path, response="Accepted", action="4"):
    path = tmp_path / "export.csv"
    path.write_text(HEADER + f'\nSlovenia,EEG,EU,"{TEXT}",France,WEOG,EU,{response},'
                             f'{action},"International instruments",7', encoding="utf-8")
    files = [InputFile(path=path, name=path.name)]
    run = run_import(start_run("upr_info", files), files)
    assert run.status == "succeeded", run.message


def import_matrix(position="Supported in part"):
    normaliser = Normaliser()
    prepared = normaliser.prepare(SourceRow(
        source="ohchr_matrix", file="matrix.docx", row=4, key="SVN:7:90.1", state="SVN",
        mechanism="UPR", session=7, text=TEXT + ".", paragraph="90.1",
        document_symbol="A/HRC/8/46", recommending_states=["France"], position=position))
    commit.commit("ohchr_matrix", [prepared], normaliser.reviews, run_id=None)


def held():
    rec = Recommendation.objects.get()
    return (rec.text, rec.paragraph, rec.document.symbol if rec.document else None,
            rec.position, rec.action_category)


EXPECTED = (TEXT + ".", "90.1", "A/HRC/8/46", "supported_in_part", 4)


@pytest.mark.django_db
def test_matrix_then_upr_info(tmp_path):
    import_matrix()
    import_upr_info(tmp_path)
    assert held() == EXPECTED  # UPR Info's action category is no longer lost


@pytest.mark.django_db
def test_upr_info_then_matrix(tmp_path):
    import_upr_info(tmp_path)
    import_matrix()
    assert held() == EXPECTED  # the matrix's paragraph and document are no longer lost


@pytest.mark.django_db
def test_each_source_record_keeps_what_its_source_gave(tmp_path):
    import_upr_info(tmp_path)
    import_matrix()
    given = dict(SourceRecord.objects.values_list("source", "given"))
    assert given["upr_info"] == {"position": "supported", "action_category": 4}
    assert given["ohchr_matrix"] == {"paragraph": "90.1", "document": "A/HRC/8/46",
                                     "position": "supported_in_part"}


@pytest.mark.django_db
def test_a_correction_by_a_less_authoritative_source_fills_blanks_only(tmp_path):
    import_matrix()
    import_upr_info(tmp_path)
    import_upr_info(tmp_path, response="Noted", action="5")  # UPR Info corrects its row
    rec = Recommendation.objects.get()
    assert (rec.position, rec.action_category) == ("supported_in_part", 4)
    assert SourceRecord.objects.get(source="upr_info").given == {
        "position": "noted", "action_category": 5}


@pytest.mark.django_db
def test_an_edit_in_the_admin_beats_the_next_import(tmp_path, administrator, rf):
    from django.contrib.admin.sites import site

    from nmirf.recommendations.admin import RecommendationAdmin

    import_upr_info(tmp_path)
    rec = Recommendation.objects.get()
    rec.position = "noted"
    request = rf.post("/admin/")
    request.user = administrator

    class Form:
        changed_data = ["position"]

    RecommendationAdmin(Recommendation, site).save_model(request, rec, Form(), change=True)
    rec.refresh_from_db()
    assert rec.values_from == merging.PERSON
    import_matrix()
    rec.refresh_from_db()
    assert (rec.position, rec.paragraph) == ("noted", "90.1")  # kept; a blank filled
    assert rec.document.symbol == "A/HRC/8/46"


@pytest.mark.django_db
def test_the_page_says_what_each_source_gave_and_whose_values_it_shows(tmp_path,
                                                                       focal_point_client):
    from django.urls import reverse

    import_upr_info(tmp_path)
    import_matrix()
    rec = Recommendation.objects.get()
    html = focal_point_client.get(
        reverse("recommendations:detail", args=[rec.pk])).content.decode()
    rows = html.split('id="sources-heading"')[1].split("</table>")[0].split("<tr>")[2:]
    matrix_row = next(row for row in rows if "matrix" in row)
    upr_info_row = next(row for row in rows if "UPR Info" in row)
    assert "values shown" in matrix_row and "values shown" not in upr_info_row
    assert "Gave: position Supported, action category 4 — General action" in upr_info_row
    assert "paragraph 90.1" in matrix_row and "Supported in part" in matrix_row


# -- positions that differ: for a person to check -------------------------------------------

def test_another_sources_position_marks_a_difference_but_a_correction_does_not():
    matrix = fields("ohchr_matrix:SVN:7:90.1", position="supported_in_part")
    assert merging.positions_differ(matrix, fields("upr_info:1", position="noted"))
    assert not merging.positions_differ(matrix, fields("upr_info:1", position="none"))
    assert not merging.positions_differ(
        matrix, fields("ohchr_matrix:SVN:7:90.1", position="noted"))  # its own, corrected


@pytest.mark.django_db
@pytest.mark.parametrize("order", ["matrix first", "upr info first"])
def test_different_positions_are_marked_in_either_order(tmp_path, order,
                                                        coordinator_client):
    from django.urls import reverse

    if order == "matrix first":
        import_matrix()
        import_upr_info(tmp_path, response="Noted")
    else:
        import_upr_info(tmp_path, response="Noted")
        import_matrix()
    rec = Recommendation.objects.get()
    assert rec.positions_differ and rec.position == "supported_in_part"
    listed = coordinator_client.get(reverse("recommendations:list"),
                                    {"flagged": "positions", "state": "all"})
    assert [r.pk for r in listed.context["page"].object_list] == [rec.pk]
    page = coordinator_client.get(reverse("recommendations:detail", args=[rec.pk]))
    assert 'id="positions-differ"' in page.content.decode()


@pytest.mark.django_db
def test_the_same_position_from_both_marks_nothing(tmp_path):
    import_matrix(position="Supported")
    import_upr_info(tmp_path)
    assert not Recommendation.objects.get().positions_differ


@pytest.mark.django_db
def test_a_person_settles_the_difference(tmp_path, coordinator_client, observer_client):
    from django.urls import reverse

    import_matrix()
    import_upr_info(tmp_path, response="Noted")
    rec = Recommendation.objects.get()
    url = reverse("recommendations:settle_positions", args=[rec.pk])
    assert observer_client.post(url).status_code == 403
    rec.refresh_from_db()
    assert rec.positions_differ
    response = coordinator_client.post(url, follow=True)
    assert "The position shown stands" in response.content.decode()
    rec.refresh_from_db()
    assert not rec.positions_differ
    # Imports never mark it again for what was already there.
    import_upr_info(tmp_path, response="Noted")
    rec.refresh_from_db()
    assert not rec.positions_differ
    again = coordinator_client.post(url, follow=True).content.decode()
    assert "already checked" in again
