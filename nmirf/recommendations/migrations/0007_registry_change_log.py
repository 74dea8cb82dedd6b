"""The registry's change log and clock, filled by triggers (registry_changes.py explains
the ticks and their order on PostgreSQL), in place of RegistryVersion: edits patch each
process's registry index instead of making every process rebuild it."""

from django.db import migrations, models

from nmirf.recommendations import registry_changes

# The tables logged as of this migration (a later one installs the triggers of its own).
TABLES = {
    "recommendations_recommendation": "id",
    "recommendations_recommendationterm": "recommendation_id",
    "recommendations_recommendingstate": "recommendation_id",
}
REFERENCE = ("recommendations_review", "recommendations_term", "recommendations_state",
             "recommendations_mechanism", "recommendations_taxonomy")


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in registry_changes.install_sql(vendor, TABLES, REFERENCE):
        schema_editor.execute(statement)


def uninstall(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = registry_changes.uninstall_sql(vendor, TABLES, REFERENCE)
    if vendor == "postgresql":
        statements += ["DROP FUNCTION IF EXISTS nmirf_log_reference();",
                       "DROP FUNCTION IF EXISTS nmirf_registry_tick();"]
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ('recommendations', '0006_reference_data'),
    ]

    operations = [
        migrations.CreateModel(
            name='RegistryChange',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('tick', models.BigIntegerField(db_index=True)),
                ('token', models.BigIntegerField()),
                ('recommendation_id', models.BigIntegerField(null=True)),
                ('at', models.BigIntegerField()),
            ],
            options={
                'verbose_name': 'registry change',
            },
        ),
        migrations.CreateModel(
            name='RegistryClock',
            fields=[
                ('id', models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False)),
                ('tick', models.BigIntegerField(default=0)),
                ('token', models.BigIntegerField(default=0)),
                ('horizon', models.BigIntegerField(default=0)),
            ],
            options={
                'verbose_name': 'registry clock',
            },
        ),
        migrations.DeleteModel(
            name='RegistryVersion',
        ),
        migrations.RunPython(install, uninstall),
    ]
