"""Seed the reference data: mechanisms, mandates, states and their aliases, UPR sessions,
taxonomies and their terms. Idempotent: running it again updates, never duplicates, and
never overwrites a value an administrator changed in a field we only *default*
(follow-up reply period and periodicity are seeded once, then left alone)."""

import csv
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pycountry
from django.db import transaction

from nmirf.core.text import name_key

from . import state_names
from .models import Mandate, Mechanism, State, StateAlias, Taxonomy, Term, UprSession

SEED_DIR = Path(__file__).resolve().parent / "seed"

TAXONOMIES = [
    # code, name, open to new terms, description
    ("upr_info_issues", "UPR Info issues", False, "UPR Info's 54 issues."),
    ("uhri_themes", "UHRI themes", True,
     "Themes of the Universal Human Rights Index, as used in OHCHR's matrices."),
    ("affected_persons", "Affected persons", True,
     "Groups of persons concerned, as used in the Universal Human Rights Index."),
    ("sdg", "Sustainable Development Goals", False, "The 17 SDGs and their 169 targets."),
    ("national_plan", "National plan objectives", True,
     "Objectives of the national human rights action plan (filled in by the NMIRF)."),
]


def _rows(name: str):
    path = SEED_DIR / name
    if not path.exists():
        return []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _decimal(value: str) -> Decimal | None:
    try:
        return Decimal(value) if value.strip() else None
    except InvalidOperation:
        return None


# The reference file calls the special procedures "special_procedure_system" (the system of
# mandates); in the registry it is one kind among four.
KIND_ALIASES = {"special_procedure_system": "special_procedure"}


def seed_mechanisms() -> int:
    count = 0
    for row in _rows("mechanisms.csv"):
        row["kind"] = KIND_ALIASES.get(row["kind"], row["kind"])
        mechanism, created = Mechanism.objects.get_or_create(
            code=row["code"],
            defaults={
                "follow_up_reply_years": _decimal(row["follow_up_reply_years"]),
                "periodicity_years": _decimal(row["periodicity_years"]),
                "kind": row["kind"],
                "name": row["name_en"],
            },
        )
        mechanism.kind = row["kind"]
        mechanism.name = row["name_en"]
        mechanism.name_fr = row["name_fr"]
        mechanism.name_es = row["name_es"]
        mechanism.name_ar = row["name_ar"]
        mechanism.treaty = row["treaty"]
        mechanism.system = row["system"]
        if created or not mechanism.notes:
            mechanism.notes = row["notes"]
        mechanism.save()
        count += 1
    return count


def seed_mandates() -> int:
    count = 0
    for row in _rows("special_procedures_mandates.csv"):
        kind = row["kind"] if row["kind"] in Mandate.Kind.values else Mandate.Kind.OTHER
        established = row["established"].strip()
        Mandate.objects.update_or_create(
            code=row["code"],
            defaults={
                "kind": kind,
                "title": row["title_en"],
                "established": int(established) if established.isdigit() else None,
                "notes": row["notes"],
            },
        )
        count += 1
    return count


def seed_states() -> int:
    groups = {row["iso3"]: row["regional_group"] for row in _rows("state_groups.csv")}
    existing = {state.iso3: state for state in State.objects.all()}
    for country in pycountry.countries:
        name = getattr(country, "common_name", None) or country.name
        state = existing.get(country.alpha_3)
        if state is None:
            existing[country.alpha_3] = State.objects.create(
                iso3=country.alpha_3, iso2=country.alpha_2, name=name,
                regional_group=groups.get(country.alpha_3, ""),
            )
        elif not state.regional_group and groups.get(country.alpha_3):
            state.regional_group = groups[country.alpha_3]
            state.save(update_fields=["regional_group"])

    aliases = state_names.aliases()
    known = set(StateAlias.objects.values_list("key", flat=True))
    StateAlias.objects.bulk_create(
        [
            StateAlias(state=existing[iso3], alias=alias, key=key)
            for key, (alias, iso3) in aliases.items()
            if key not in known and iso3 in existing
        ]
    )
    return len(existing)


def seed_upr_sessions() -> int:
    states = StateResolver()
    count = 0
    for row in _rows("upr_sessions.csv"):
        session, _ = UprSession.objects.update_or_create(
            number=int(row["session"]),
            defaults={
                "cycle": int(row["cycle"]),
                "start_date": row["start_date"] or None,
                "end_date": row["end_date"] or None,
            },
        )
        reviewed = [states.resolve(name) for name in row["states_reviewed"].split(";")]
        session.states.set([state for state in reviewed if state is not None])
        count += 1
    return count


def seed_taxonomies() -> int:
    for sort, (code, name, is_open, description) in enumerate(TAXONOMIES):
        Taxonomy.objects.update_or_create(
            code=code,
            defaults={"name": name, "is_open": is_open, "description": description, "sort": sort},
        )
    taxonomies = {taxonomy.code: taxonomy for taxonomy in Taxonomy.objects.all()}

    def upsert(taxonomy_code, code, name, sort, parent=None):
        term, _ = Term.objects.update_or_create(
            taxonomy=taxonomies[taxonomy_code], code=code,
            defaults={"name": name, "sort": sort, "parent": parent},
        )
        return term

    count = 0
    for sort, row in enumerate(_rows("upr_info_issues.csv")):
        upsert("upr_info_issues", row["name"], row["name"], sort)
        count += 1
    goals = {}
    for row in _rows("sdg_goals.csv"):
        goals[row["goal"]] = upsert(
            "sdg", row["goal"], f"{row['goal']}. {row['short']}", int(row["goal"]) * 1000
        )
        count += 1
    for sort, row in enumerate(_rows("sdg_targets.csv")):
        upsert("sdg", row["target"], f"{row['target']} {row['title']}",
               int(row["goal"]) * 1000 + sort + 1, parent=goals.get(row["goal"]))
        count += 1
    for taxonomy_code, file_name in (("uhri_themes", "uhri_themes.csv"),
                                     ("affected_persons", "affected_persons.csv")):
        for sort, row in enumerate(_rows(file_name)):
            upsert(taxonomy_code, row["code"], row["name"], sort)
            count += 1
    return count


class StateResolver:
    """Finds a State from any name, alias or ISO code that sources use (cached)."""

    def __init__(self):
        self._by_key = {
            key: state
            for key, state in StateAlias.objects.values_list("key", "state_id")
        }
        self._states = {state.pk: state for state in State.objects.all()}
        self._cache: dict[str, State | None] = {}

    def resolve(self, name: str) -> State | None:
        if name in self._cache:
            return self._cache[name]
        state_id = self._by_key.get(name_key(name))
        state = self._states.get(state_id) if state_id else None
        self._cache[name] = state
        return state


@transaction.atomic
def seed_all() -> dict[str, int]:
    return {
        "mechanisms": seed_mechanisms(),
        "mandates": seed_mandates(),
        "states": seed_states(),
        "upr_sessions": seed_upr_sessions(),
        "terms": seed_taxonomies(),
    }
