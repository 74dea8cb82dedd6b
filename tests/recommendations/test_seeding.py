from nmirf.recommendations.models import Mechanism, State, Taxonomy, Term, UprSession
from nmirf.recommendations.seeding import StateResolver, seed_all


def test_it_seeds_the_mechanisms_with_their_follow_up_periods(db):
    assert Mechanism.objects.filter(kind="treaty_body").count() == 10
    assert Mechanism.objects.get(code="CEDAW").follow_up_reply_years == 2
    assert Mechanism.objects.get(code="CERD").follow_up_reply_years == 1
    assert Mechanism.objects.get(code="UPR").name_fr == "Examen périodique universel"


def test_it_seeds_the_sdgs_and_their_169_targets(db):
    sdg = Taxonomy.objects.get(code="sdg")
    assert Term.objects.filter(taxonomy=sdg, parent__isnull=True).count() == 17
    assert Term.objects.filter(taxonomy=sdg, parent__isnull=False).count() == 169
    assert Term.objects.get(taxonomy=sdg, code="5.2").parent.code == "5"


def test_it_seeds_the_54_upr_info_issues(db):
    assert Term.objects.filter(taxonomy__code="upr_info_issues").count() == 54


def test_it_resolves_the_names_real_sources_use(db):
    resolver = StateResolver()
    expected = {
        "Venezuela (Bolivarian Republic of)": "VEN", "Türkiye": "TUR", "Turkey": "TUR",
        "Holy See": "VAT", "DPR Korea": "PRK", "Republic of Korea": "KOR",
        "Bosnia & Herzegovina": "BIH", "Cote d'Ivoire": "CIV", "Macedonia FYR": "MKD",
        "SVN": "SVN", "slovenia": "SVN",
    }
    for name, iso3 in expected.items():
        assert resolver.resolve(name).iso3 == iso3, name
    assert resolver.resolve("Atlantis") is None


def test_it_knows_who_was_reviewed_in_each_upr_session(db):
    session = UprSession.objects.get(number=1)
    assert session.cycle == 1
    assert session.states.count() == 16
    assert State.objects.get(iso3="SVN").regional_group == "eastern_european"


def test_seeding_twice_changes_nothing(db):
    before = (Mechanism.objects.count(), Term.objects.count(), State.objects.count())
    seed_all()
    assert (Mechanism.objects.count(), Term.objects.count(), State.objects.count()) == before


def test_special_procedures_are_one_mechanism_kind_with_mandates(db):
    from nmirf.recommendations.models import Mandate

    assert Mechanism.objects.get(code="SP").kind == "special_procedure"
    assert Mandate.objects.filter(kind="thematic").count() >= 40


def test_the_test_database_got_its_reference_data_from_the_migrations_alone(db):
    # No fixture seeds it: the migrations (recommendations 0006) did.
    assert Mechanism.objects.count() == 28
    assert seed_all() == {"mechanisms": 0, "mandates": 0, "states and aliases": 0,
                          "UPR sessions": 0, "taxonomies and terms": 0,
                          "theme crosswalk rows": 0, "links moved to today's themes": 0}


def test_a_database_that_was_only_migrated_accepts_an_import(db, tmp_path):
    from tests.operations.scratch import scratch_database, upr_info_file

    with scratch_database(tmp_path) as fresh:
        fresh.nmirf("migrate", "--no-input", "-v0")
        result = fresh.nmirf("import", "upr-info", str(upr_info_file(tmp_path / "upr.csv")))
        assert "created: 3," in result.stdout


def test_seed_re_creates_what_is_missing_and_keeps_what_a_person_edited(db):
    import io

    from django.core.management import call_command

    from nmirf.recommendations.models import Mandate, StateAlias

    Mechanism.objects.filter(code="CERD").update(follow_up_reply_years=3, name="CERD (edited)")
    UprSession.objects.get(number=1).states.remove(State.objects.get(iso3="MAR"))
    Mandate.objects.filter(code="wgad").delete()
    StateAlias.objects.filter(alias="Turkey").delete()

    out = io.StringIO()
    call_command("seed", stdout=out)

    assert "re-created: 0 mechanisms, 1 mandates, 1 states and aliases" in out.getvalue()
    cerd = Mechanism.objects.get(code="CERD")
    assert (cerd.follow_up_reply_years, cerd.name) == (3, "CERD (edited)")
    assert not UprSession.objects.get(number=1).states.filter(iso3="MAR").exists()
    assert Mandate.objects.get(code="wgad").title == "Working Group on Arbitrary Detention"
    assert StateResolver().resolve("Turkey").iso3 == "TUR"


def test_seed_says_in_its_help_that_it_only_repairs():
    from nmirf.recommendations.management.commands.seed import Command

    assert "never changes or overwrites a row that exists" in str(Command.help)


# Reference updates (reference_updates.py): the pattern later migrations follow.

def _apply(*updates, reverse=False):
    from django.apps import apps

    from nmirf.recommendations.reference_updates import apply_updates

    return [outcome for _update, outcome in
            apply_updates(apps, "default", updates, reverse=reverse)]


def test_a_reference_update_changes_a_value_nobody_edited_and_can_be_reverted(db):
    from nmirf.recommendations.reference_updates import Change

    change = Change("Mechanism", {"code": "CERD"}, "follow_up_reply_years", shipped="1", new="2")
    assert _apply(change) == ["applied"]
    assert Mechanism.objects.get(code="CERD").follow_up_reply_years == 2
    assert _apply(change) == ["already"]
    assert _apply(change, reverse=True) == ["applied"]
    assert Mechanism.objects.get(code="CERD").follow_up_reply_years == 1


def test_a_reference_update_keeps_a_value_a_person_edited(db):
    from nmirf.recommendations.reference_updates import Change

    Mechanism.objects.filter(code="CERD").update(follow_up_reply_years="1.5")
    change = Change("Mechanism", {"code": "CERD"}, "follow_up_reply_years", shipped="1", new="2")
    assert _apply(change) == ["kept"]
    assert _apply(change, reverse=True) == ["kept"]
    assert str(Mechanism.objects.get(code="CERD").follow_up_reply_years) == "1.5"


def test_a_reference_update_leaves_a_deleted_row_deleted(db):
    from nmirf.recommendations.reference_updates import Change

    Term.objects.filter(taxonomy__code="sdg", code="5.2").delete()
    change = Change("Term", {"taxonomy__code": "sdg", "code": "5.2"}, "name",
                    shipped="5.2 old", new="5.2 new")
    assert _apply(change) == ["missing"]
    assert not Term.objects.filter(taxonomy__code="sdg", code="5.2").exists()


def test_a_reference_addition_creates_a_row_once_and_removes_it_only_if_untouched(db):
    from nmirf.recommendations.models import Mandate
    from nmirf.recommendations.reference_updates import Add

    add = Add("Mandate", {"code": "sr-new"}, {"kind": "thematic", "title": "A new mandate"})
    assert _apply(add) == ["applied"]
    assert _apply(add) == ["already"]
    Mandate.objects.filter(code="sr-new").update(title="Renamed by a person")
    assert _apply(add, reverse=True) == ["kept"]
    assert Mandate.objects.filter(code="sr-new").exists()


def test_a_reference_update_migration_runs_on_the_historical_models(db, capsys):
    from types import SimpleNamespace

    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    from nmirf.recommendations.reference_updates import Change, reference_update

    historical = MigrationLoader(connection).project_state().apps
    operation = reference_update(
        Change("Mechanism", {"code": "CERD"}, "follow_up_reply_years", shipped="1", new="2"),
        Change("UprSession", {"number": 1}, "start_date", shipped="2008-04-07",
               new="2008-04-08"),
    )
    Mechanism.objects.filter(code="CERD").update(follow_up_reply_years=4)

    operation.code(historical, SimpleNamespace(connection=connection))

    assert Mechanism.objects.get(code="CERD").follow_up_reply_years == 4
    assert str(UprSession.objects.get(number=1).start_date) == "2008-04-08"
    assert "kept the edited Mechanism {'code': 'CERD'} (follow_up_reply_years)" in \
        capsys.readouterr().out
