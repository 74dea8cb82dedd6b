"""An object's history as people read it: each event with who, when, what, and for each
field its label and the values before and after."""

from dataclasses import dataclass

from .changes import field_label
from .models import AuditEvent

HISTORY_LIMIT = 100


@dataclass
class FieldChange:
    label: str
    before: object
    after: object


@dataclass
class HistoryEntry:
    event: AuditEvent
    changes: list[FieldChange]


def entries(events, model=None) -> list[HistoryEntry]:
    """Events as history entries; `model` names the fields (else each event's own type)."""
    result = []
    for event in events:
        target_model = model
        if target_model is None and event.target_type_id:
            target_model = event.target_type.model_class()
        before, after = event.before or {}, event.after or {}
        if not isinstance(before, dict) or not isinstance(after, dict):
            before, after = {}, {}
        names = [name for name in (list(before) + [n for n in after if n not in before])]
        result.append(HistoryEntry(event, [
            FieldChange(field_label(target_model, name), before.get(name), after.get(name))
            for name in names
        ]))
    return result


def history_of(obj, limit: int = HISTORY_LIMIT) -> list[HistoryEntry]:
    """The newest `limit` changes people made to `obj` (sign-ins and the like excluded)."""
    events = AuditEvent.objects.for_target(obj).changes()[:limit]
    return entries(events, type(obj))
