"""The registry's change log says which parts of the registry index a write makes stale,
and for which recommendations (recommendations/registry_changes.py, LOGGED): the triggers
that logged "reload everything tracking adds" (tracking/0005, tracking/0006, followup/0002)
and "reload the reference data" (recommendations/0007) are replaced by triggers that log
the recommendations an assignment, a cluster, a progress update, an action, an indicator
or a follow-up flag bears on, with the parts to read again for them — so that a status,
an assignment, a validated update or an action's new date is patched into each process's
index rather than reloading every lead, cluster, progress and deadline pair."""

from django.db import migrations

from nmirf.recommendations import registry_changes

# The tables as logged before this migration, and by which triggers.
OLD_REFERENCE = (
    "recommendations_review", "recommendations_term", "recommendations_state",
    "recommendations_mechanism", "recommendations_taxonomy",
    "tracking_assignment", "tracking_cluster", "tracking_clusterrecommendation",
    "tracking_progressupdate", "tracking_action", "tracking_action_recommendations",
    "tracking_action_clusters",
    "followup_followupflag", "followup_followupsetting", "tracking_indicator",
)
LOG = registry_changes.LOG


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in registry_changes.uninstall_sql(vendor, {}, OLD_REFERENCE):
        schema_editor.execute(statement)
    for statement in registry_changes.install_parts_sql(vendor, registry_changes.LOGGED):
        schema_editor.execute(statement)
    # Rows logged before: "reload everything".
    schema_editor.execute(f"UPDATE {LOG} SET parts = {registry_changes.EVERY_PART} "
                          "WHERE recommendation_id IS NULL")


def uninstall(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in registry_changes.uninstall_parts_sql(vendor, registry_changes.LOGGED):
        schema_editor.execute(statement)
    for statement in registry_changes.install_sql(vendor, {}, OLD_REFERENCE):
        schema_editor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ("followup", "0002_seed_settings_and_change_log"),
        ("recommendations", "0009_registry_change_parts"),
        ("tracking", "0006_indicators_progress"),
    ]

    operations = [migrations.RunPython(install, uninstall)]
