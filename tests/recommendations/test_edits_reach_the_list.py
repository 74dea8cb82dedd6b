"""An edit through any write path shows on the very next list request, in the results and
in the facet counts, without anyone telling the registry index: the change log is filled
by database triggers (registry_changes.py), and each request patches its process's index.
A rolled-back edit leaves no trace."""

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.urls import reverse

from nmirf.recommendations import registry_changes, registry_index
from nmirf.recommendations.models import (
    Mechanism,
    Recommendation,
    RecommendationTerm,
    RecommendingState,
    RegistryChange,
    Review,
    State,
)

from .builders import build_registry

pytestmark = pytest.mark.django_db

URL = reverse("recommendations:list")


@pytest.fixture
def r():
    return build_registry()


class Listed:
    """What one list request shows: the recommendations of its page and its facets."""

    def __init__(self, client, query=""):
        response = client.get(f"{URL}?{query}")
        assert response.status_code == 200
        self.ids = {rec.pk for rec in response.context["page"].object_list}
        self.facets = response.context["facets"]
        self.total = self.facets.total

    def count(self, facet: str, value) -> int:
        return {v.value: v.count for v in self.facets[facet].values}.get(value, 0)


def read_then_forbid_rebuilds(client, monkeypatch) -> None:
    """The list read once by `client` (the process's index built); from then on a rebuild
    fails the test, saying why the change log could not patch the index. An earlier test's
    index is dropped first: its transaction was rolled back to the clock this test starts
    from, so that index would pass for current here while the log rows it was read at are
    gone — and the first change would then rebuild it."""
    monkeypatch.setattr(registry_index, "_cached", None)
    Listed(client)

    def no_rebuild(clock, *args, **kwargs):
        raise AssertionError("the registry index was rebuilt rather than patched: "
                             + why_not_patched(clock))

    monkeypatch.setattr(registry_index.RegistryIndex, "build", no_rebuild)


def why_not_patched(now) -> str:
    """What the change log says between the index's clock and `now` (for a failure)."""
    index = registry_index._cached
    if index is None:
        return "no index kept"
    applied = index.clock
    at_applied = list(RegistryChange.objects.filter(tick=applied.tick).values_list(
        "token", "recommendation_id", "parts")[:3])
    with connection.cursor() as cursor:
        cursor.execute("SELECT tick, token, horizon FROM recommendations_registryclock")
        clock_rows = cursor.fetchall()
    return (f"index at {applied}, now {now}; clock rows {clock_rows}; log at the index's "
            f"tick {at_applied}; changes_since: "
            f"{registry_changes.changes_since(applied, now)!r}")


@pytest.fixture
def warm(admin_client_, r, monkeypatch):
    """The list read once; from then on every edit must be patched in."""
    read_then_forbid_rebuilds(admin_client_, monkeypatch)
    return admin_client_


def admin_change(client, obj, **changes):
    """Post the admin's change form of `obj` as a person would: its current values, with
    `changes`."""
    url = reverse(f"admin:recommendations_{obj._meta.model_name}_change", args=[obj.pk])
    response = client.get(url)
    assert response.status_code == 200
    form = response.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None or value is False:
            continue
        data[name] = value.pk if hasattr(value, "pk") else value
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for name in ("TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS", "MAX_NUM_FORMS"):
            data[f"{management.prefix}-{name}"] = management.initial.get(name, 0)
        for number, inline_form in enumerate(inline.formset.forms):
            data[f"{inline.formset.prefix}-{number}-id"] = inline_form.instance.pk
            data[f"{inline.formset.prefix}-{number}-{inline.formset.fk.name}"] = obj.pk
    data.update(changes)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors


# -- every write path, and what the next request must show ----------------------------------

def test_an_orm_save(warm, r):
    before = Listed(warm).count("position", "noted")
    r.arabic.position = "noted"
    r.arabic.save()
    after = Listed(warm, "position=noted")
    assert r.arabic.pk in after.ids
    assert Listed(warm).count("position", "noted") == before + 1


def test_the_admin_change_form(warm, r):
    admin_change(warm, r.arabic, position="noted")
    assert Recommendation.objects.get(pk=r.arabic.pk).position == "noted"
    assert r.arabic.pk in Listed(warm, "position=noted").ids
    assert Listed(warm).count("position", "voluntary_pledge") == 0


def test_the_admin_change_form_of_a_review(warm, r):
    admin_change(warm, r.svn20, session="21")
    listed = Listed(warm, "session=21")
    assert listed.ids == {r.roma_earlier.pk, r.arabic.pk}
    assert listed.count("position", "voluntary_pledge") == 1


def test_the_duplicate_decision_form(warm, r):
    Recommendation.objects.filter(pk=r.french.pk).update(possible_duplicate_of=r.roma)
    assert Listed(warm).count("flagged", "duplicate") == 1
    response = warm.post(reverse("recommendations:merge_duplicate", args=[r.french.pk]))
    assert response.status_code == 302
    listed = Listed(warm)
    # The richer one stays (here the one flagged: it has the paragraph and the position).
    assert len({r.french.pk, r.roma.pk} & listed.ids) == 1
    assert listed.count("flagged", "duplicate") == 0
    assert listed.count("position", "supported_in_part") == 0


HEADER = "To,To-Rgrp,To-Org,Text,From,From-Rgrp,From-Org,Response,Action,Issue,Session"


def test_an_import_of_new_and_then_updated_rows(warm, r, tmp_path):
    path = tmp_path / "upr.csv"
    row = 'Slovenia,EEG,EU,"Ratify the Convention on migrant workers.",France,WEOG,EU,{},5,' \
          '"Migrants",7'
    path.write_text(HEADER + "\n" + row.format("Accepted"))
    call_command("import", "upr-info", str(path))
    listed = Listed(warm, "session=7")
    assert listed.total == 1 and listed.count("position", "supported") == 1
    (new_id,) = listed.ids
    path.write_text(HEADER + "\n" + row.format("Noted"))
    call_command("import", "upr-info", str(path))
    listed = Listed(warm, "session=7")
    assert listed.ids == {new_id}
    assert listed.count("position", "noted") == 1 and listed.count("position", "supported") == 0


def test_queryset_update(warm, r):
    Recommendation.objects.filter(pk=r.arabic.pk).update(position="noted", action_category=2)
    listed = Listed(warm, "action_category=2")
    assert listed.ids == {r.arabic.pk} and listed.count("position", "noted") == 1


def test_bulk_create(warm, r):
    before = Listed(warm, "state=SVN").total
    Recommendation.objects.bulk_create([
        Recommendation(review=r.svn34, text="Protect journalists.", external_key="bulk:1",
                       position="noted"),
        Recommendation(review=r.svn34, text="Protect defenders.", external_key="bulk:2",
                       position="noted"),
    ])
    listed = Listed(warm, "state=SVN")
    assert listed.total == before + 2
    assert listed.count("review", r.svn34.pk) == Listed(warm).count("review", r.svn34.pk)
    assert Listed(warm, f"review={r.svn34.pk}&position=noted").total == 3


def test_bulk_update(warm, r):
    r.arabic.position, r.french.position = "noted", "noted"
    Recommendation.objects.bulk_update([r.arabic, r.french], ["position"])
    listed = Listed(warm, "position=noted")
    assert {r.arabic.pk, r.french.pk} <= listed.ids
    assert Listed(warm).count("position", "noted") == 4


def test_adding_a_term(warm, r):
    r.arabic.terms.add(r.death_issue)
    listed = Listed(warm, f"theme={r.death_issue.pk}")
    assert listed.ids == {r.arabic.pk, r.death_penalty.pk}
    assert Listed(warm).count("upr_info_issues", r.death_issue.pk) == 2


def test_removing_a_term(warm, r):
    r.death_penalty.terms.remove(r.death_issue)
    assert Listed(warm, f"theme={r.death_issue.pk}").total == 0
    assert Listed(warm).count("upr_info_issues", r.death_issue.pk) == 0


def test_clearing_the_recommending_states(warm, r):
    r.roma.recommending_states.clear()
    listed = Listed(warm, "recommending=FRA")
    assert listed.ids == {r.torture.pk, r.death_penalty.pk}
    assert Listed(warm).count("recommending", "DEU") == 0


def test_writing_the_link_tables_directly(warm, r):
    RecommendingState.objects.create(recommendation=r.arabic, state=State.objects.get(iso3="AUT"))
    RecommendationTerm.objects.filter(recommendation=r.roma, term=r.sdg_4_1).delete()
    RecommendationTerm.objects.filter(recommendation=r.roma, term=r.sdg_4_5).update(
        term=r.sdg_16_3)
    assert Listed(warm, "recommending=AUT").ids == {r.arabic.pk, r.roma_earlier.pk}
    listed = Listed(warm)
    assert listed.count("recommending", "AUT") == 2
    # The roma recommendation carries no goal-4 target any more, but goal 16.
    assert Listed(warm, "sdg=4").ids == {r.child_strategy.pk}
    assert Listed(warm, "sdg=16").ids == {r.torture.pk, r.roma.pk}


def test_archiving(warm, r):
    r.arabic.archived = True
    r.arabic.save()
    listed = Listed(warm)
    assert r.arabic.pk not in listed.ids and listed.total == 6
    assert listed.count("position", "voluntary_pledge") == 0


def test_deleting(warm, r):
    Recommendation.objects.filter(pk=r.death_penalty.pk).delete()
    listed = Listed(warm)
    assert listed.total == 6 and r.death_penalty.pk not in listed.ids
    assert listed.count("upr_info_issues", r.death_issue.pk) == 0
    assert Listed(warm, "state=EGY").total == 0


def test_a_review_moved_to_another_session_and_state(warm, r):
    Review.objects.filter(pk=r.egy20.pk).update(session=35, state=State.objects.get(iso3="SVN"))
    assert Listed(warm, "session=35&state=SVN").ids == {r.death_penalty.pk}
    assert Listed(warm, "state=EGY").total == 0
    newest = Listed(warm)  # newest review first: session 35 now heads the list
    assert newest.count("review", r.egy20.pk) == 1


def test_a_review_given_to_another_mechanism(warm, r):
    Review.objects.filter(pk=r.crc.pk).update(mechanism=Mechanism.objects.get(code="UPR"))
    listed = Listed(warm)
    assert listed.count("mechanism", "UPR") == 7 and listed.count("mechanism", "CRC") == 0


def test_raw_sql(warm, r):
    table = Recommendation._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET position = %s WHERE id = %s", ["noted", r.arabic.pk])
    assert r.arabic.pk in Listed(warm, "position=noted").ids
    assert Listed(warm).count("position", "voluntary_pledge") == 0


# -- what must not change ---------------------------------------------------------------------

def test_a_rolled_back_edit_changes_nothing(admin_client_, r):
    before = Listed(admin_client_)
    logged = RegistryChange.objects.count()
    clock = registry_changes.read_clock()
    with pytest.raises(RuntimeError), transaction.atomic():
        Recommendation.objects.filter(pk=r.arabic.pk).update(archived=True)
        r.roma.terms.clear()
        # Seen inside the transaction by this process, which must then notice the rollback.
        assert Listed(admin_client_).total == before.total - 1
        raise RuntimeError("changed my mind")
    after = Listed(admin_client_)
    assert after.ids == before.ids and after.total == before.total
    assert after.count("position", "voluntary_pledge") == 1
    assert after.count("uhri_themes", r.justice_theme.pk) == 1
    assert after.count("affected_persons", r.children.pk) == \
        before.count("affected_persons", r.children.pk)
    assert RegistryChange.objects.count() == logged
    assert registry_changes.read_clock() == clock


def test_a_process_behind_the_pruned_horizon_rebuilds(admin_client_, r):
    Listed(admin_client_)
    Recommendation.objects.filter(pk=r.arabic.pk).update(position="noted")
    assert registry_changes.prune(keep_seconds=-10) > 0
    assert RegistryChange.objects.count() == 1  # the latest tick's, kept
    assert r.arabic.pk in Listed(admin_client_, "position=noted").ids


def test_a_process_at_the_latest_tick_patches_after_a_pruning(warm, r):
    """Housekeeping prunes the log of an idle hour: the processes up to date patch the
    next edit rather than all rebuilding at once."""
    Recommendation.objects.filter(pk=r.arabic.pk).update(position="noted")
    assert r.arabic.pk in Listed(warm, "position=noted").ids
    assert registry_changes.prune(keep_seconds=-10) > 0
    Recommendation.objects.filter(pk=r.roma.pk).update(position="noted")
    assert {r.arabic.pk, r.roma.pk} <= Listed(warm, "position=noted").ids


def test_nothing_is_logged_for_a_statement_that_changes_no_row(r):
    logged = RegistryChange.objects.count()
    Recommendation.objects.filter(pk=-1).update(position="noted")
    assert RegistryChange.objects.count() == logged


def test_a_request_when_nothing_changed_asks_the_clock_only(warm, r,
                                                            django_assert_max_num_queries):
    index = registry_index.current_index()
    with django_assert_max_num_queries(1):
        assert registry_index.current_index() is index


def test_an_import_that_creates_nothing_does_not_move_the_clock(db):
    """A tick with no log rows would leave a process that read it unable to prove its
    history (its token is found nowhere) and rebuild at the next change."""
    before = registry_changes.read_clock()
    with transaction.atomic(), registry_changes.bulk_insert(first_id=10**9):
        pass
    assert registry_changes.read_clock() == before
