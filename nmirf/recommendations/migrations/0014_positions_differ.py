"""Whether a recommendation's sources give different positions (ingest/merging.py), for a
person to check: the "To decide" facet's "Positions differ"."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('recommendations', '0013_values_by_source'),
    ]

    operations = [
        # A plain ALTER TABLE ... ADD COLUMN, as in 0011 and 0013: on SQLite Django would
        # remake the table, and renaming it back fails while the triggers of 0007 name it.
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(
                "ALTER TABLE recommendations_recommendation "
                "ADD COLUMN positions_differ boolean DEFAULT FALSE NOT NULL",
                "ALTER TABLE recommendations_recommendation DROP COLUMN positions_differ")],
            state_operations=[migrations.AddField(
                model_name='recommendation',
                name='positions_differ',
                field=models.BooleanField(db_default=False, default=False,
                                          verbose_name='positions differ'),
            )],
        ),
    ]
