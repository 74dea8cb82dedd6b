"""The change log's `parts`: which parts of the registry index a change makes stale
(registry_changes.py; followup/0003 installs the triggers that fill it). Added with a plain
ALTER TABLE ... ADD COLUMN: on SQLite Django would remake the table, and renaming it back
fails while the triggers of 0007 name it."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('recommendations', '0008_narrow_search_table'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(
                "ALTER TABLE recommendations_registrychange "
                "ADD COLUMN parts smallint DEFAULT 1 NOT NULL",
                "ALTER TABLE recommendations_registrychange DROP COLUMN parts")],
            state_operations=[migrations.AddField(
                model_name='registrychange',
                name='parts',
                field=models.SmallIntegerField(db_default=1),
            )],
        ),
    ]
