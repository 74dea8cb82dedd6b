"""The reference data the project ships: mechanisms, mandates, states and their aliases, UPR
sessions, taxonomies and their terms, read from the CSV files of seed/.

Migration 0006_reference_data loads it, so that `nmirf migrate` alone leaves a database ready
for an import; `nmirf seed` runs the same code again as a repair tool. Both only *create*
what is missing: a row that exists is never changed, so nothing an administrator edited is
overwritten. Changes to rows already shipped go through migrations built with
reference_updates.py (docs/developer-guide.md, "Reference data updates").

Every function takes the model registry it works with (`apps`): a migration passes its
historical models, which have fields but no custom methods or managers, so the code here
uses only plain queryset calls, and writes only the fields the model it is given has (a
historical model may predate a field that a later CSV column fills)."""

import csv
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pycountry
from django.apps import apps as global_apps
from django.db import DEFAULT_DB_ALIAS, transaction

from nmirf.core.text import name_key

from . import state_names
from .term_names import written_label

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

# The reference file calls the special procedures "special_procedure_system" (the system of
# mandates); in the registry it is one kind among four.
KIND_ALIASES = {"special_procedure_system": "special_procedure"}
# Mandate.Kind's values, written out: a historical model has no TextChoices class.
MANDATE_KINDS = {"thematic", "country", "other"}


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


class _Seeder:
    """Creates the missing reference rows in one database, through one model registry."""

    def __init__(self, apps, using: str):
        self.apps = apps
        self.using = using

    def model(self, name: str):
        return self.apps.get_model("recommendations", name)

    def objects(self, name: str):
        return self.model(name)._default_manager.using(self.using)

    def build(self, model_name: str, **values):
        """An unsaved row, with only the fields this (possibly historical) model has."""
        model = self.model(model_name)
        known = {field.attname for field in model._meta.concrete_fields}
        known |= {field.name for field in model._meta.concrete_fields}
        return model(**{key: value for key, value in values.items() if key in known})

    def create_missing(self, name: str, key: str, rows: list[dict], **scope) -> int:
        """Insert the rows whose `key` value is not in the table yet (among the rows of
        `scope`, whose values each new row gets too); return how many."""
        existing = set(self.objects(name).filter(**scope).values_list(key, flat=True))
        missing = [self.build(name, **scope, **row) for row in rows if row[key] not in existing]
        self.objects(name).bulk_create(missing)
        return len(missing)

    def mechanisms(self) -> int:
        rows = []
        for row in _rows("mechanisms.csv"):
            rows.append({
                "code": row["code"], "kind": KIND_ALIASES.get(row["kind"], row["kind"]),
                "name": row["name_en"], "name_fr": row["name_fr"], "name_es": row["name_es"],
                "name_ar": row["name_ar"], "treaty": row["treaty"], "system": row["system"],
                "follow_up_reply_years": _decimal(row["follow_up_reply_years"]),
                "periodicity_years": _decimal(row["periodicity_years"]),
                "notes": row["notes"],
            })
        return self.create_missing("Mechanism", "code", rows)

    def mandates(self) -> int:
        rows = []
        for row in _rows("special_procedures_mandates.csv"):
            established = row["established"].strip()
            rows.append({
                "code": row["code"],
                "kind": row["kind"] if row["kind"] in MANDATE_KINDS else "other",
                "title": row["title_en"],
                "established": int(established) if established.isdigit() else None,
                "notes": row["notes"],
            })
        return self.create_missing("Mandate", "code", rows)

    def states(self) -> int:
        groups = {row["iso3"]: row["regional_group"] for row in _rows("state_groups.csv")}
        rows = [
            {"iso3": country.alpha_3, "iso2": country.alpha_2,
             "name": (state_names.un_name(country.alpha_3, "en")
                      or getattr(country, "common_name", None) or country.name),
             "regional_group": groups.get(country.alpha_3, "")}
            for country in pycountry.countries
        ]
        created = self.create_missing("State", "iso3", rows)
        ids = dict(self.objects("State").values_list("iso3", "pk"))
        aliases = [
            {"key": key, "alias": alias, "state_id": ids[iso3]}
            for key, (alias, iso3) in state_names.aliases().items()
            if iso3 in ids
        ]
        return created + self.create_missing("StateAlias", "key", aliases)

    def upr_sessions(self) -> int:
        resolver = StateResolver(self.objects("State"), self.objects("StateAlias"))
        rows = _rows("upr_sessions.csv")
        existing = set(self.objects("UprSession").values_list("number", flat=True))
        created = 0
        for row in rows:
            number = int(row["session"])
            if number in existing:
                continue  # its dates and states are a person's to correct from now on
            session = self.objects("UprSession").create(
                number=number, cycle=int(row["cycle"]),
                start_date=row["start_date"] or None, end_date=row["end_date"] or None,
            )
            reviewed = [resolver.resolve(name) for name in row["states_reviewed"].split(";")]
            session.states.set([state for state in reviewed if state is not None])
            created += 1
        return created

    def taxonomies(self) -> int:
        created = self.create_missing("Taxonomy", "code", [
            {"code": code, "name": name, "is_open": is_open, "description": description,
             "sort": sort}
            for sort, (code, name, is_open, description) in enumerate(TAXONOMIES)
        ])
        taxonomies = dict(self.objects("Taxonomy").values_list("code", "pk"))

        def terms(taxonomy_code: str, rows: list[dict]) -> int:
            return self.create_missing("Term", "code", rows,
                                       taxonomy_id=taxonomies[taxonomy_code])

        created += terms("upr_info_issues", [
            {"code": row["name"], "name": row["name"], "sort": sort}
            for sort, row in enumerate(_rows("upr_info_issues.csv"))
        ])
        created += terms("sdg", [
            {"code": row["goal"], "name": f"{row['goal']}. {row['short']}",
             "sort": int(row["goal"]) * 1000}
            for row in _rows("sdg_goals.csv")
        ])
        goals = dict(self.objects("Term").filter(taxonomy_id=taxonomies["sdg"], parent=None)
                     .values_list("code", "pk"))
        created += terms("sdg", [
            {"code": row["target"], "name": f"{row['target']} {row['title']}",
             "sort": int(row["goal"]) * 1000 + sort + 1, "parent_id": goals.get(row["goal"])}
            for sort, row in enumerate(_rows("sdg_targets.csv"))
        ])
        for taxonomy_code, file_name in (("uhri_themes", "uhri_themes.csv"),
                                         ("affected_persons", "affected_persons.csv")):
            created += terms(taxonomy_code, [
                {"code": row["code"], "name": row["name"], "sort": sort}
                for sort, row in enumerate(_rows(file_name))
            ])
        return created

    def crosswalk(self) -> int:
        """The rows of seed/uhri_theme_crosswalk.csv whose old term has none yet (a row an
        administrator changed or deleted in the admin is theirs)."""
        try:
            model = self.model("ThemeCrosswalk")
        except LookupError:  # migration 0006's models predate the crosswalk
            return 0
        themes = dict(self.objects("Term").filter(taxonomy__code="uhri_themes")
                      .values_list("code", "pk"))
        mapped = set(model._default_manager.using(self.using)
                     .values_list("old_term_id", flat=True))
        rows = [model(old_term_id=themes[row["old_code"]], term_id=themes[row["theme"]],
                      note=row["note"][:300])
                for row in _rows(CROSSWALK_FILE)
                if row["old_code"] in themes and row["theme"] in themes
                and themes[row["old_code"]] not in mapped
                and themes[row["old_code"]] != themes[row["theme"]]]
        model._default_manager.using(self.using).bulk_create(rows)
        return len(rows)


CROSSWALK_FILE = "uhri_theme_crosswalk.csv"
# The sources whose records carry UHRI themes, where apply_crosswalk writes the old label.
THEMED_SOURCES = ("ohchr_matrix", "template")


def apply_crosswalk(apps=global_apps, using: str = DEFAULT_DB_ALIAS) -> int:
    """Move the recommendations labelled with an old term to today's (ThemeCrosswalk), as
    an import now does: one link to today's term (none added where there is one), the old
    link removed, and the old label written on the recommendation's source records that
    carry themes. Returns how many links moved. Idempotent: the old terms end up with no
    links, so a second run finds nothing to move."""
    try:
        crosswalk = apps.get_model("recommendations", "ThemeCrosswalk")
    except LookupError:
        return 0
    links = apps.get_model("recommendations", "RecommendationTerm")._default_manager.using(using)
    sources = apps.get_model("recommendations", "SourceRecord")._default_manager.using(using)
    moved = 0
    rows = crosswalk._default_manager.using(using).values_list(
        "old_term_id", "term_id", "old_term__code", "old_term__name")
    with transaction.atomic(using=using):
        for old_id, new_id, code, name in rows:
            rec_ids = list(links.filter(term_id=old_id).values_list("recommendation_id",
                                                                    flat=True))
            if not rec_ids:
                continue
            label = written_label(code, name)
            having = set(links.filter(term_id=new_id, recommendation_id__in=rec_ids)
                         .values_list("recommendation_id", flat=True))
            model = links.model
            links.bulk_create([model(recommendation_id=rec_id, term_id=new_id)
                               for rec_id in rec_ids if rec_id not in having])
            links.filter(term_id=old_id, recommendation_id__in=rec_ids).delete()
            for record in sources.filter(recommendation_id__in=rec_ids,
                                         source__in=THEMED_SOURCES):
                kept = record.original_terms.splitlines()
                if label not in kept:
                    sources.filter(pk=record.pk).update(
                        original_terms="\n".join([*kept, label]))
            moved += len(rec_ids)
    return moved


class StateResolver:
    """Finds a State from any name, alias or ISO code that sources use (cached). By default
    it reads the current models; seeding passes the managers of the models it works with."""

    def __init__(self, states=None, aliases=None):
        if states is None:
            from .models import State, StateAlias

            states, aliases = State.objects.all(), StateAlias.objects.all()
        self._by_key = dict(aliases.values_list("key", "state_id"))
        self._states = {state.pk: state for state in states.all()}
        self._cache: dict = {}

    def resolve(self, name: str):
        if name in self._cache:
            return self._cache[name]
        state_id = self._by_key.get(name_key(name))
        state = self._states.get(state_id) if state_id else None
        self._cache[name] = state
        return state


def seed_all(apps=global_apps, using: str = DEFAULT_DB_ALIAS) -> dict[str, int]:
    """Create whatever shipped reference row is missing; return how many of each were
    created. Rows that exist are left exactly as they are."""
    seeder = _Seeder(apps, using)
    with transaction.atomic(using=using):
        return {
            "mechanisms": seeder.mechanisms(),
            "mandates": seeder.mandates(),
            "states and aliases": seeder.states(),
            "UPR sessions": seeder.upr_sessions(),
            "taxonomies and terms": seeder.taxonomies(),
            "theme crosswalk rows": seeder.crosswalk(),
            "links moved to today's themes": apply_crosswalk(apps, using),
        }
