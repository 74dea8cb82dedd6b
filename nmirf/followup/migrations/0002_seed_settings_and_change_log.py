"""Seeds each mechanism's follow-up settings from its reference data (2.5 years for the
UPR mid-term report), and logs the tables the registry's `overdue` filter reads as
reference tables of the registry's change log (recommendations/registry_changes.py): a
flag, a setting or an indicator's next due date changes which recommendations are
overdue, so the index reads its pairs again on the next request."""

from decimal import Decimal

from django.db import migrations

from nmirf.recommendations import registry_changes

REFERENCE = ("followup_followupflag", "followup_followupsetting", "tracking_indicator")


def seed(apps, schema_editor):
    Mechanism = apps.get_model("recommendations", "Mechanism")
    FollowUpSetting = apps.get_model("followup", "FollowUpSetting")
    FollowUpSetting.objects.bulk_create([
        FollowUpSetting(mechanism=mechanism,
                        mid_term_years=Decimal("2.5") if mechanism.kind == "upr" else None,
                        follow_up_reply_years=mechanism.follow_up_reply_years,
                        periodicity_years=mechanism.periodicity_years)
        for mechanism in Mechanism.objects.exclude(follow_up_setting__isnull=False)])


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in registry_changes.install_sql(vendor, {}, REFERENCE):
        schema_editor.execute(statement)


def uninstall(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in registry_changes.uninstall_sql(vendor, {}, REFERENCE):
        schema_editor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ("followup", "0001_initial"),
        ("tracking", "0006_indicators_progress"),
        ("recommendations", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
        migrations.RunPython(install, uninstall),
    ]
