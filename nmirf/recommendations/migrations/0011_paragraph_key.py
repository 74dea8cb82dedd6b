"""Each recommendation's paragraph as a key that sorts in document order
(recommendations/paragraphs.py), and the listing index on it rather than on the paragraph.

Existing rows get their keys from a small table of the distinct paragraphs and their keys
(a registry has a few thousand distinct paragraph numbers for hundreds of thousands of
rows), in one UPDATE."""

from django.db import migrations, models

from nmirf.recommendations.paragraphs import paragraph_key

# paragraphs.MISSING when this was written: a recommendation without a paragraph.
MISSING = 1 << 62


def fill_keys(apps, schema_editor):
    table = apps.get_model("recommendations", "Recommendation")._meta.db_table
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"SELECT DISTINCT paragraph FROM {table}")
        paragraphs = [row[0] for row in cursor.fetchall()]
        if not paragraphs:
            return
        cursor.execute("CREATE TEMPORARY TABLE paragraph_keys "
                       "(paragraph varchar(40) PRIMARY KEY, sort_key bigint NOT NULL)")
        cursor.executemany("INSERT INTO paragraph_keys (paragraph, sort_key) VALUES (%s, %s)",
                           [(paragraph, paragraph_key(paragraph)) for paragraph in paragraphs])
        cursor.execute(f"UPDATE {table} SET paragraph_key = (SELECT sort_key FROM paragraph_keys "
                       f"WHERE paragraph_keys.paragraph = {table}.paragraph)")
        cursor.execute("DROP TABLE paragraph_keys")


class Migration(migrations.Migration):

    dependencies = [
        ('recommendations', '0010_theme_crosswalk_and_un_names'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='recommendation',
            options={'ordering': ['review__state__name', '-review__session', 'review_id', 'paragraph_key', 'id'], 'verbose_name': 'recommendation', 'verbose_name_plural': 'recommendations'},
        ),
        migrations.RemoveIndex(
            model_name='recommendation',
            name='rec_review_listing',
        ),
        # A plain ALTER TABLE ... ADD COLUMN: on SQLite Django would remake the table, and
        # renaming it back fails while the triggers of 0007 name it (as in 0009).
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(
                "ALTER TABLE recommendations_recommendation "
                f"ADD COLUMN paragraph_key bigint DEFAULT {MISSING} NOT NULL",
                "ALTER TABLE recommendations_recommendation DROP COLUMN paragraph_key")],
            state_operations=[migrations.AddField(
                model_name='recommendation',
                name='paragraph_key',
                field=models.BigIntegerField(db_default=MISSING, editable=False),
            )],
        ),
        migrations.RunPython(fill_keys, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name='recommendation',
            index=models.Index(fields=['review', 'paragraph_key', 'position', 'action_category', 'archived'], name='rec_review_listing'),
        ),
    ]
