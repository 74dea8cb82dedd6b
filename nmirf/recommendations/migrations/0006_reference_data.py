"""Load the shipped reference data (seeding.py), so that `nmirf migrate` alone leaves a
database ready for an import. Creates only what is missing: on a database that was seeded
before (by `nmirf seed`), nothing changes. Later changes to shipped rows are migrations of
their own, built with reference_updates.py (docs/developer-guide.md)."""

from django.db import migrations


def load_reference_data(apps, schema_editor):
    from nmirf.recommendations.seeding import seed_all

    seed_all(apps, using=schema_editor.connection.alias)


class Migration(migrations.Migration):

    dependencies = [
        ("recommendations", "0005_possible_duplicate_index"),
    ]

    # Unapplying leaves the rows: they may be referenced by a person's data by then.
    operations = [
        migrations.RunPython(load_reference_data, migrations.RunPython.noop),
    ]
