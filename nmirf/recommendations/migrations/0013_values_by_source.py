"""Whose values a recommendation's fields hold when several sources tell of it
(Recommendation.values_from, ingest/merging.py), and the values each source gave, kept on
its source record (SourceRecord.given). Existing recommendations hold their creator's
values (empty), and existing source records start without values (the next import of
their source fills them)."""

from django.db import migrations, models

TABLE = "recommendations_sourcerecord"


def add_given(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        column = "given jsonb DEFAULT '{}'::jsonb NOT NULL"
    else:
        column = "given text DEFAULT '{}' NOT NULL CHECK (JSON_VALID(given) OR given IS NULL)"
    schema_editor.execute(f"ALTER TABLE {TABLE} ADD COLUMN {column}")


def remove_given(apps, schema_editor):
    schema_editor.execute(f"ALTER TABLE {TABLE} DROP COLUMN given")


class Migration(migrations.Migration):

    dependencies = [
        ('recommendations', '0012_duplicate_merges'),
    ]

    operations = [
        # A plain ALTER TABLE ... ADD COLUMN: on SQLite Django would remake the table, and
        # renaming it back fails while the triggers of 0007 name it (as in 0009 and 0011).
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(
                "ALTER TABLE recommendations_recommendation "
                "ADD COLUMN values_from varchar(200) DEFAULT '' NOT NULL",
                "ALTER TABLE recommendations_recommendation DROP COLUMN values_from")],
            state_operations=[migrations.AddField(
                model_name='recommendation',
                name='values_from',
                field=models.CharField(blank=True, db_default='', default='', editable=False,
                                       max_length=200),
            )],
        ),
        # Likewise: on SQLite Django would remake the table with AUTOINCREMENT, which 0003
        # took away for speed (tests/recommendations/test_schema.py).
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(add_given, remove_given)],
            state_operations=[migrations.AddField(
                model_name='sourcerecord',
                name='given',
                field=models.JSONField(blank=True, default=dict,
                                       verbose_name='values as the source gave them'),
            )],
        ),
    ]
