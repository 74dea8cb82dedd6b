"""What the tests of indicators, progress and evidence share: an action of the `entity`
fixture (linked to a recommendation of the small registry), an indicator on it, updates in
a given state, and the rows and files a refused request must leave as they were."""

import datetime
from pathlib import Path

from django.conf import settings
from django.test import Client

from nmirf.audit.models import AuditEvent
from nmirf.tracking import action_services
from nmirf.tracking.models import (
    Action,
    Entity,
    Evidence,
    Indicator,
    IndicatorValue,
    ProgressUpdate,
)

PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]"
       b"/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def make_action(entity, recommendations=(), **fields) -> Action:
    values = {"title": "Train the police", "start_date": datetime.date(2026, 1, 15),
              "target_date": datetime.date(2026, 12, 31)}
    values.update(fields)
    return action_services.save_action(Action(responsible_entity=entity, **values),
                                       recommendations=list(recommendations), clusters=[])


def make_indicator(action, **fields) -> Indicator:
    from nmirf.tracking import indicators

    values = {"title": "Police officers trained", "unit": "persons", "frequency": "quarterly",
              "kind": "outcome"}
    values.update(fields)
    return indicators.save_indicator(Indicator(action=action, **values))


def make_update(action, state="draft", values=None, **fields) -> ProgressUpdate:
    data = {"period_start": datetime.date(2026, 1, 1), "period_end": datetime.date(2026, 3, 31),
            "narrative": "Two courses held."}
    data.update(fields)
    update = ProgressUpdate.objects.create(action=action, state=state, **data)
    for indicator, value in (values or {}).items():
        IndicatorValue.objects.create(update=update, indicator=indicator, value=value)
    return update


def share_with_observers(action) -> None:
    """Share what `action` implements with observers (its recommendations, or a cluster
    made for it), so that they may read its published progress (tests/consultation)."""
    from nmirf.consultation.models import Sharing
    from nmirf.tracking.models import Cluster

    recommendations = list(action.recommendations.all())
    for rec in recommendations:
        Sharing.objects.update_or_create(recommendation=rec, defaults={"shared": True})
    if not recommendations:
        cluster = Cluster.objects.create(title=f"Shared: {action.title}")
        action.clusters.add(cluster)
        Sharing.objects.create(cluster=cluster, shared=True)


def other_entity() -> Entity:
    return Entity.objects.get_or_create(name="Ministry of Labour", defaults={"kind": "ministry"})[0]


def signed_in(user, csrf=False) -> Client:
    client = Client(enforce_csrf_checks=csrf)
    client.force_login(user)
    return client


def stored_files() -> list[str]:
    folder = Path(settings.NMIRF_EVIDENCE_DIR)
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


def state() -> list:
    """Every row the features write, and the audit events: a refusal changes none."""
    return [sorted(Indicator.objects.values_list("pk", "title", "baseline_value", "archived",
                                                 "version", "next_due_date")),
            sorted(ProgressUpdate.objects.values_list("pk", "state", "narrative",
                                                      "review_comment", "version")),
            sorted(IndicatorValue.objects.values_list("update", "indicator", "value")),
            sorted(Evidence.objects.values_list("pk", "stored_name", "archived")),
            stored_files(), AuditEvent.objects.changes().count()]


def messages_of(response) -> str:
    return " ".join(str(message) for message in response.context["messages"])
