"""Tracking's tables join the registry's change log (recommendations/registry_changes.py),
so that the registry index behind the list (its status, lead, cluster and "assigned to me"
filters and facets) sees a status, an assignment or a cluster change on the next request.

The status has one row per recommendation: its triggers log that recommendation, and the
index patches it. Assignments and clusters are logged as reference tables ("reload"):
one write there — a cluster's lead, a cluster archived, rows added to a cluster — changes
the lead of every member, so the index reads again who leads and who has a part."""

from django.db import migrations

from nmirf.recommendations import registry_changes

# The tables this migration logs (a later one installs the triggers of its own).
TABLES = {"tracking_recommendationstatus": "recommendation_id"}
REFERENCE = ("tracking_assignment", "tracking_cluster", "tracking_clusterrecommendation")


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in registry_changes.install_sql(vendor, TABLES, REFERENCE):
        schema_editor.execute(statement)


def uninstall(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in registry_changes.uninstall_sql(vendor, TABLES, REFERENCE):
        schema_editor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ("recommendations", "0007_registry_change_log"),
        ("tracking", "0004_actions"),
    ]

    operations = [migrations.RunPython(install, uninstall)]
