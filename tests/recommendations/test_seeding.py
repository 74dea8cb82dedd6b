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
