"""Updates to shipped reference data, as migrations that never overwrite a person's edit.

How "edited by a person" is known: each update names the value the project shipped before
(`shipped`) next to the new one (`new`). A row whose field still holds the shipped value was
never edited, and gets the new value; a row whose field holds anything else was changed by an
administrator, and is left as it is (the migration says so in its output). A row that is
gone (deleted, or never loaded) is not re-created by a Change; `Add` creates a new row only
where its key is free. No table of fingerprints is needed, and reverting a migration undoes
exactly what it applied (a value still equal to `new` goes back to `shipped`).

A migration written with this module (see docs/developer-guide.md, "Reference data updates"):

    from django.db import migrations
    from nmirf.recommendations.reference_updates import Add, Change, reference_update

    class Migration(migrations.Migration):
        dependencies = [("recommendations", "0007_...")]
        operations = [reference_update(
            Change("Mechanism", {"code": "CERD"}, "follow_up_reply_years", shipped="1", new="2"),
            Add("Mandate", {"code": "sr-new"}, {"kind": "thematic", "title": "…"}),
        )]

Each change also goes into the CSV under seed/, so that a new database (migration 0006
reads the CSVs) starts with the new value, which the update then finds already in place.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import migrations
from django.db.models import ProtectedError

APP = "recommendations"


def _same(current, expected) -> bool:
    """Compares the stored value with the one written in a migration: decimals and dates
    are written there as strings ("1.5", "2026-03-01"), so compare as text where types
    differ."""
    if current is None or expected is None:
        return current is expected
    if isinstance(current, Decimal):
        return current == Decimal(str(expected))
    if type(current) is not type(expected):
        return str(current) == str(expected)
    return current == expected


@dataclass(frozen=True)
class Change:
    """Set `field` of the row found by `key` from `shipped` to `new`, unless edited."""

    model: str
    key: dict
    field: str
    shipped: object
    new: object

    def apply(self, apps, using: str, *, reverse: bool = False) -> str:
        before, after = (self.new, self.shipped) if reverse else (self.shipped, self.new)
        manager = apps.get_model(APP, self.model)._default_manager.using(using)
        row = manager.filter(**self.key).first()
        if row is None:
            return "missing"
        current = getattr(row, self.field)
        if _same(current, after):
            return "already"
        if not _same(current, before):
            return "kept"  # a person changed it: theirs stays
        manager.filter(pk=row.pk).update(**{self.field: after})
        return "applied"


@dataclass(frozen=True)
class Add:
    """Create a row (`key` plus `values`) where no row has that key yet."""

    model: str
    key: dict
    values: dict = field(default_factory=dict)

    def apply(self, apps, using: str, *, reverse: bool = False) -> str:
        manager = apps.get_model(APP, self.model)._default_manager.using(using)
        if reverse:
            # Only a row still exactly as shipped goes: one a person edited (or that
            # recommendations now point to) stays.
            row = manager.filter(**self.key).first()
            if row is None:
                return "missing"
            if all(_same(getattr(row, name), value) for name, value in self.values.items()):
                try:
                    row.delete()
                except ProtectedError:  # the person's data points to it: keep it
                    return "kept"
                return "applied"
            return "kept"
        if manager.filter(**self.key).exists():
            return "already"
        manager.create(**self.key, **self.values)
        return "applied"


def apply_updates(apps, using: str, updates, *, reverse: bool = False) -> list[tuple]:
    """Apply each update; return (update, outcome) pairs, outcome one of "applied",
    "already", "kept" (a person's edit left alone) and "missing"."""
    return [(update, update.apply(apps, using, reverse=reverse)) for update in updates]


def _report(results) -> None:
    for update, outcome in results:
        if outcome == "kept":
            print(f"\n  Reference data: kept the edited {update.model} {update.key} "
                  f"({getattr(update, 'field', '')}); not updated.", end="")


def reference_update(*updates) -> migrations.RunPython:
    """The migration operation for a list of Change/Add updates (reversible)."""

    def forward(apps, schema_editor):
        _report(apply_updates(apps, schema_editor.connection.alias, updates))

    def backward(apps, schema_editor):
        _report(apply_updates(apps, schema_editor.connection.alias, updates, reverse=True))

    return migrations.RunPython(forward, backward)
