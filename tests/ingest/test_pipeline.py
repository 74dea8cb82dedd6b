"""The shared import pipeline: all-or-nothing, idempotent, with readable runs."""

import pytest
from django.db import connection

from nmirf.ingest import commit as commit_module
from nmirf.ingest.models import ImportRun
from nmirf.ingest.normalise import Normaliser
from nmirf.ingest.pipeline import ImportFailed, InputFile, run_import, start_run
from nmirf.recommendations.models import Position, Recommendation, SourceRecord
from tests.conftest import registry_snapshot

HEADER = "To,To-Rgrp,To-Org,Text,From,From-Rgrp,From-Org,Response,Action,Issue,Session"


def csv_file(tmp_path, *rows, name="export.csv"):
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *rows]), encoding="utf-8")
    return path


def row(text="Ratify the Convention.", state="Slovenia", source="France",
        response="Accepted", action="5", issues="International instruments", session="7"):
    return f'{state},EEG,EU,"{text}",{source},WEOG,EU,{response},{action},"{issues}",{session}'


def import_file(path, dry_run=False):
    files = [InputFile(path=path, name=path.name)]
    return run_import(start_run("upr_info", files, dry_run=dry_run), files)


def test_it_creates_recommendations_with_their_review_and_links(db, tmp_path):
    run = import_file(csv_file(tmp_path, row(), row("Abolish the death penalty.", source="Chile",
                                                    response="Noted", issues="Death penalty")))
    assert (run.status, run.created, run.updated, run.unchanged) == ("succeeded", 2, 0, 0)
    rec = Recommendation.objects.get(text="Ratify the Convention.")
    assert rec.review.key == "UPR:SVN:7" and rec.review.cycle == 1
    assert rec.position == Position.SUPPORTED and rec.action_category == 5
    assert [s.iso3 for s in rec.recommending_states.all()] == ["FRA"]
    assert [t.name for t in rec.terms.all()] == ["International instruments"]
    assert rec.sources.get().location == "export.csv, row 2"
    assert Recommendation.objects.get(position=Position.NOTED).text.startswith("Abolish")


def test_reimporting_the_same_file_changes_nothing(db, tmp_path):
    path = csv_file(tmp_path, row(), row("Protect migrants.", issues="Migrants"))
    import_file(path)
    before = registry_snapshot()
    run = import_file(path)
    assert (run.created, run.updated, run.unchanged) == (0, 0, 2)
    assert registry_snapshot() == before


def test_reimporting_a_corrected_row_updates_it_in_place(db, tmp_path):
    import_file(csv_file(tmp_path, row(response="Noted")))
    rec_id = Recommendation.objects.get().pk
    run = import_file(csv_file(tmp_path, row(response="Accepted")))
    assert (run.created, run.updated) == (0, 1)
    assert Recommendation.objects.get().pk == rec_id
    assert Recommendation.objects.get().position == Position.SUPPORTED


def test_one_bad_row_means_nothing_is_written(db, tmp_path):
    import_file(csv_file(tmp_path, row("Already here.")))
    before = registry_snapshot()
    path = csv_file(tmp_path, row(), row(source="Atlantis"), row(state="Narnia"), name="bad.csv")
    with pytest.raises(ImportFailed) as failure:
        import_file(path)
    assert registry_snapshot() == before
    run = failure.value.run
    assert run.status == ImportRun.Status.FAILED and run.rejected == 2
    assert "Rows rejected: 2; nothing was imported" in str(failure.value)
    messages = [(e.file, e.row, e.message) for e in run.errors.all()]
    assert ("bad.csv", 3, "unknown recommending state 'Atlantis'") in messages
    assert ("bad.csv", 4, "unknown state under review 'Narnia'") in messages


@pytest.mark.parametrize(
    ("bad_row", "message"),
    [
        (row(action="9"), "action category '9' is not a number from 1 to 5"),
        (row(response="Maybe"), "unknown position 'Maybe'"),
        (row(issues="Astrology"), "unknown UPR Info issues term 'Astrology'"),
        (row(session="x"), "session 'x' is not a number"),
        (row(text=" "), "has no recommendation text"),
    ],
)
def test_each_invalid_value_is_named_and_nothing_written(db, tmp_path, bad_row, message):
    before = registry_snapshot()
    with pytest.raises(ImportFailed):
        import_file(csv_file(tmp_path, row(), bad_row))
    assert registry_snapshot() == before
    run = ImportRun.objects.get()
    assert any(message in e.message and e.row == 3 for e in run.errors.all())


def test_a_dry_run_reports_what_would_change_and_writes_nothing(db, tmp_path):
    before = registry_snapshot()
    run = import_file(csv_file(tmp_path, row(), row("Second.")), dry_run=True)
    assert run.status == "succeeded" and run.created == 2
    assert "would be created: 2" in run.message and "nothing was written" in run.message
    assert registry_snapshot() == before


def test_exact_repeats_are_kept_and_flagged_for_a_person(db, tmp_path):
    run = import_file(csv_file(tmp_path, row(), row()))
    assert run.created == 2 and run.possible_duplicates == 1
    first, second = Recommendation.objects.order_by("pk")
    assert first.possible_duplicate_of is None
    assert second.possible_duplicate_of == first


def test_the_same_recommendation_from_another_source_is_linked_not_copied(db, tmp_path):
    import_file(csv_file(tmp_path, row("Ratify the  Convention .")))
    rec = Recommendation.objects.get()
    # A second source (another export) brings the same words with other punctuation.
    from nmirf.ingest import commit
    from nmirf.ingest.normalise import Normaliser
    from nmirf.ingest.records import SourceRow

    normaliser = Normaliser()
    prepared = normaliser.prepare(SourceRow(
        source="ohchr_matrix", file="matrix.docx", row=4, key="SVN:7:90.1", state="SVN",
        mechanism="UPR", session=7, text="Ratify the Convention", paragraph="90.1",
        recommending_states=["France"], position="Supported",
        terms={"uhri_themes": ["A12"]},
    ))
    counts = commit.commit("ohchr_matrix", [prepared], normaliser.reviews, run_id=None)
    assert (counts.created, counts.linked) == (0, 1)
    assert Recommendation.objects.get() == rec
    assert set(SourceRecord.objects.values_list("source", flat=True)) == {"upr_info",
                                                                           "ohchr_matrix"}
    assert rec.terms.filter(taxonomy__code="uhri_themes").exists()


def import_matrix_paragraph(text: str, paragraph: str = "90.1"):
    """What the OHCHR matrix adapter yields for one paragraph of session 7's matrix."""
    from nmirf.ingest import commit
    from nmirf.ingest.records import SourceRow

    normaliser = Normaliser()
    prepared = normaliser.prepare(SourceRow(
        source="ohchr_matrix", file="matrix.docx", row=4, key=f"SVN:7:{paragraph}",
        state="SVN", mechanism="UPR", session=7, text=text, paragraph=paragraph,
        recommending_states=["France"], position="Supported"))
    return commit.commit("ohchr_matrix", [prepared], normaliser.reviews, run_id=None)


UPR_INFO_TEXT = ("Ratify the International Convention on the Rights of All Migrant Workers "
                 "and Members of Their Families")


def test_words_split_or_joined_by_a_documents_layout_still_match(db, tmp_path):
    """Text taken from a DOCX sometimes splits a word or joins two: same letters, same
    recommendation."""
    import_file(csv_file(tmp_path, row("Combat ill-treatment of human rights defenders")))
    counts = import_matrix_paragraph("Combat illtreatment of huma n rights defenders")
    assert (counts.created, counts.linked, counts.possible_duplicates) == (0, 1, 0)
    assert Recommendation.objects.count() == 1


@pytest.mark.parametrize("matrix_text", [
    UPR_INFO_TEXT + " (ICRMW)",  # an acronym added
    # one recommendation among those a clustered paragraph gathers, named after a state
    # that is not the row's
    "Consider ratifying ILO Convention 189 (Chile); " + UPR_INFO_TEXT + " (Egypt); "
    "Protect domestic workers",
])
def test_a_nearly_identical_text_from_another_source_is_flagged_for_a_person(
        db, tmp_path, matrix_text):
    import_file(csv_file(tmp_path, row(UPR_INFO_TEXT)))
    first = Recommendation.objects.get()
    counts = import_matrix_paragraph(matrix_text)
    assert (counts.created, counts.linked, counts.possible_duplicates) == (1, 0, 1)
    paragraph = Recommendation.objects.exclude(pk=first.pk).get()
    # The less authoritative copy carries the flag, whichever came first (as when the
    # matrix came first); a person decides (recommendations/duplicates.py).
    first.refresh_from_db()
    assert first.possible_duplicate_of == paragraph and paragraph.possible_duplicate_of is None


def test_a_different_recommendation_of_the_review_is_not_flagged(db, tmp_path):
    import_file(csv_file(tmp_path, row(UPR_INFO_TEXT)))
    counts = import_matrix_paragraph(
        "Ratify the Convention on the Rights of Persons with Disabilities and its protocol")
    assert (counts.created, counts.possible_duplicates) == (1, 0)
    assert not Recommendation.objects.filter(possible_duplicate_of__isnull=False).exists()


def test_long_keys_are_shortened_without_colliding(db, tmp_path):
    long_name = "United Kingdom of Great Britain and Northern Ireland"
    rows = [row(f"Text {n} " + "x" * 50, source=long_name) for n in range(2)]
    path = csv_file(tmp_path, *rows)
    assert import_file(path).created == 2
    assert import_file(path).unchanged == 2
    assert all(len(key) <= 200 for key in
               Recommendation.objects.values_list("external_key", flat=True))


def test_fit_key_keeps_long_keys_distinct_and_within_the_column():
    from nmirf.ingest.normalise import fit_key

    first, second = fit_key("k" * 300 + "1"), fit_key("k" * 300 + "2")
    assert len(first) == len(second) == 200 and first != second
    assert fit_key("short") == "short"


def test_the_search_index_follows_bulk_imports_and_later_edits(db, tmp_path):
    from nmirf.core.search import search

    import_file(csv_file(tmp_path, row("Abolish statelessness.")))
    assert search(Recommendation.objects.all(), "statelessness").count() == 1
    rec = Recommendation.objects.get()
    # After the bulk import the per-row triggers are back: an edit is searchable at once.
    Recommendation.objects.create(review=rec.review, text="Protect albinism advocates.",
                                  external_key="manual:1")
    assert search(Recommendation.objects.all(), "albinism").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_bulk_import_still_refuses_a_reference_to_a_row_that_is_gone(reference_data, tmp_path,
                                                                       monkeypatch, caplog):
    # Large imports on SQLite are written with foreign-key enforcement off and check the
    # ids they refer to instead: a term deleted while the file was being read is caught.
    monkeypatch.setattr(commit_module, "BULK_ROWS", 1)
    prepare = Normaliser.prepare

    def prepare_with_a_vanished_term(self, source_row):
        result = prepare(self, source_row)
        if not isinstance(result, list):
            result.term_ids.append(999_999)
        return result

    monkeypatch.setattr(Normaliser, "prepare", prepare_with_a_vanished_term)
    before = registry_snapshot()
    with pytest.raises(ImportFailed, match="unexpected error"):
        import_file(csv_file(tmp_path, row(), row("Protect migrants.", issues="Migrants")))
    assert "999999" in caplog.text  # the details go to the log, not to the reader
    assert registry_snapshot() == before
    if connection.vendor == "sqlite":  # enforcement is back on for everything else
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA foreign_keys")
            assert cursor.fetchone()[0] == 1


def test_the_id_of_a_deleted_recommendation_is_never_given_again(db, tmp_path):
    import_file(csv_file(tmp_path, row()))
    deleted = Recommendation.objects.get()
    deleted_id = deleted.pk
    deleted.delete()
    import_file(csv_file(tmp_path, row("Protect migrants.", issues="Migrants"), name="b.csv"))
    assert Recommendation.objects.get().pk > deleted_id


def test_a_record_hashed_by_an_older_version_is_still_recognised_as_unchanged(
        db, tmp_path, monkeypatch):
    from nmirf.ingest.normalise import Prepared

    path = csv_file(tmp_path, row())
    new_way = Prepared.compute_hash

    def old_way(self):
        self.content_hash = self.legacy_hash()

    monkeypatch.setattr(Prepared, "compute_hash", old_way)
    import_file(path)
    legacy = SourceRecord.objects.get().content_hash
    monkeypatch.setattr(Prepared, "compute_hash", new_way)
    before = registry_snapshot()
    run = import_file(path)
    assert (run.created, run.updated, run.unchanged) == (0, 0, 1)
    assert registry_snapshot() == before
    assert SourceRecord.objects.get().content_hash not in ("", legacy)  # upgraded


def test_an_import_stores_each_paragraphs_sort_key_and_updates_it(db):
    """The raw write path derives the key that sorts paragraphs in document order
    (recommendations/paragraphs.py), as save() does, on insert and on update."""
    from nmirf.recommendations.paragraphs import MISSING, paragraph_key

    import_matrix_paragraph("Ratify the Convention against Torture.", paragraph="90.10")
    rec = Recommendation.objects.get()
    assert rec.paragraph_key == paragraph_key("90.10") != MISSING
    from nmirf.ingest import commit
    from nmirf.ingest.records import SourceRow

    normaliser = Normaliser()  # the same record, its paragraph corrected by the source
    prepared = normaliser.prepare(SourceRow(
        source="ohchr_matrix", file="matrix.docx", row=4, key="SVN:7:90.10", state="SVN",
        mechanism="UPR", session=7, text="Ratify the Convention against Torture.",
        paragraph="90.2bis", recommending_states=["France"], position="Supported"))
    assert commit.commit("ohchr_matrix", [prepared], normaliser.reviews, run_id=None).updated
    assert Recommendation.objects.get().paragraph_key == paragraph_key("90.2bis")


# -- a clustered paragraph: one recommendation with several recommending states ------------

CLUSTERED = ("Consider ratifying ILO Convention 189 on domestic workers (Chile); " + UPR_INFO_TEXT
             + " and bring its laws into line with it")


def import_clustered_paragraph():
    """A matrix paragraph that gathers two states' recommendations, each followed by its
    state in brackets (the last one's bracket cut off by the adapter, as it cuts it)."""
    from nmirf.ingest import commit
    from nmirf.ingest.records import SourceRow

    normaliser = Normaliser()
    prepared = normaliser.prepare(SourceRow(
        source="ohchr_matrix", file="matrix.docx", row=4, key="SVN:7:90.1",
        state="SVN", mechanism="UPR", session=7, text=CLUSTERED, paragraph="90.1",
        recommending_states=["Chile", "Egypt"], position="Supported"))
    commit.commit("ohchr_matrix", [prepared], normaliser.reviews, run_id=None)
    return Recommendation.objects.get()


def test_each_states_copy_of_a_clustered_paragraph_joins_it(db, tmp_path):
    paragraph = import_clustered_paragraph()
    run = import_file(csv_file(
        tmp_path,
        row("Consider ratifying ILO Convention 189 on domestic workers", source="Chile"),
        # nearly the same words as its part ("its laws" written "national laws")
        row(UPR_INFO_TEXT + " and bring national laws into line with it", source="Egypt")))
    assert (run.created, run.updated, run.possible_duplicates) == (0, 2, 0)
    assert Recommendation.objects.get() == paragraph
    assert sorted(paragraph.sources.values_list("source", flat=True)) == [
        "ohchr_matrix", "upr_info", "upr_info"]
    assert sorted(paragraph.recommending_states.values_list("iso3", flat=True)) == [
        "CHL", "EGY"]


def test_a_part_is_joined_only_by_the_state_named_after_it(db, tmp_path):
    paragraph = import_clustered_paragraph()
    run = import_file(csv_file(
        tmp_path,
        row("Consider ratifying ILO Convention 189 on domestic workers", source="France")))
    assert run.created == 1
    assert sorted(paragraph.recommending_states.values_list("iso3", flat=True)) == [
        "CHL", "EGY"]


def test_a_clustered_paragraph_coming_second_gathers_each_states_copy(db, tmp_path):
    """UPR Info first (one copy per recommending state), then the matrix's paragraph: the
    copies become one recommendation, the paragraph's, as when the matrix came first; the
    extra copy is archived with a Merge a person can undo."""
    from nmirf.recommendations import duplicates
    from nmirf.recommendations.models import Merge

    import_file(csv_file(
        tmp_path,
        row("Consider ratifying ILO Convention 189 on domestic workers", source="Chile"),
        row(UPR_INFO_TEXT + " and bring its laws into line with it", source="Egypt")))
    chile, egypt = Recommendation.objects.order_by("pk")
    paragraph = import_clustered_paragraph_second()
    assert paragraph == chile  # the first copy stays, with the paragraph's values
    assert (paragraph.paragraph, paragraph.text) == ("90.1", CLUSTERED)
    assert sorted(paragraph.sources.values_list("source", flat=True)) == [
        "ohchr_matrix", "upr_info", "upr_info"]
    egypt.refresh_from_db()
    assert egypt.archived and egypt.possible_duplicate_of == paragraph
    merge = Merge.objects.get()
    assert (merge.kept, merge.merged, merge.decided_by) == (paragraph, egypt, None)
    duplicates.undo(merge, None)
    egypt.refresh_from_db()
    assert not egypt.archived and list(egypt.sources.values_list("source", flat=True)) == [
        "upr_info"]


def import_clustered_paragraph_second():
    from nmirf.ingest import commit
    from nmirf.ingest.records import SourceRow

    normaliser = Normaliser()
    prepared = normaliser.prepare(SourceRow(
        source="ohchr_matrix", file="matrix.docx", row=4, key="SVN:7:90.1",
        state="SVN", mechanism="UPR", session=7, text=CLUSTERED, paragraph="90.1",
        recommending_states=["Chile", "Egypt"], position="Supported"))
    counts = commit.commit("ohchr_matrix", [prepared], normaliser.reviews, run_id=None)
    assert (counts.created, counts.linked, counts.gathered) == (0, 1, 1)
    return Recommendation.objects.active().get()
