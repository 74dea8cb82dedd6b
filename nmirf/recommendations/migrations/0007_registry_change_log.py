"""The registry's change log and clock, filled by triggers (registry_changes.py explains
the ticks and their order on PostgreSQL), in place of RegistryVersion: edits patch each
process's registry index instead of making every process rebuild it."""

from django.db import migrations, models

from nmirf.recommendations import registry_changes


def install(apps, schema_editor):
    for statement in registry_changes.install_sql(schema_editor.connection.vendor):
        schema_editor.execute(statement)


def uninstall(apps, schema_editor):
    for statement in registry_changes.uninstall_sql(schema_editor.connection.vendor):
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
