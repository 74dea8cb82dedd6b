"""What a person changed in one object, field by field: `snapshot()` before, `record_change()`
after, or both at once with `tracking(obj)`.

Called where a person writes — the admin (admin_mixins.AuditedAdmin), forms and views —
never from model signals: imports write in bulk and are recorded by their import run, and
a signal would either miss those writes or log every imported row.

Values are kept as the reader sees them (the related object's name, a choice's label), so
that the history still reads right after the related object is renamed or gone.
"""

from contextlib import contextmanager

from django.db import models

from . import record
from .models import Action


def _readable(value):
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def snapshot(instance) -> dict:
    """{field name: readable value} for the fields a person edits (editable concrete fields
    and many-to-many), plus what the model adds of its own (`audit_extra()`, e.g. who
    belongs to an entity). Empty for an object not yet saved."""
    if instance is None or instance.pk is None:
        return {}
    values = {}
    for field in instance._meta.get_fields():
        if not getattr(field, "editable", False) or field.auto_created or getattr(
                field, "primary_key", False):
            continue
        if field.many_to_many and not field.auto_created:
            values[field.name] = sorted(str(o) for o in getattr(instance, field.name).all())
        elif field.concrete and not field.many_to_many:
            if field.is_relation:
                values[field.name] = _readable(getattr(instance, field.name))
            elif field.choices:
                values[field.name] = _readable(getattr(instance, f"get_{field.name}_display")())
            else:
                values[field.name] = _readable(field.value_from_object(instance))
    extra = getattr(instance, "audit_extra", None)
    if extra is not None:
        values.update(extra())
    return values


def stored(instance):
    """The object as the database holds it now (not as a bound form changed it)."""
    if instance.pk is None:
        return None
    return type(instance)._base_manager.filter(pk=instance.pk).first()


def record_change(instance, before: dict | None, *, action: str | None = None, request=None,
                  actor=None):
    """Record what differs between `before` (a snapshot, None for a new object) and the
    object as stored now; nothing when nothing changed. The action is said by the caller,
    or read from the change: created, archived, restored, or changed."""
    after = snapshot(stored(instance))
    if before is None:
        return record(action or Action.CREATED, target=instance, after=after,
                      request=request, actor=actor)
    changed = sorted(name for name in after.keys() | before.keys()
                     if before.get(name) != after.get(name))
    if not changed:
        return None
    if action is None:
        action = Action.CHANGED
        if changed == ["archived"]:
            action = Action.ARCHIVED if after["archived"] else Action.RESTORED
    return record(action, target=instance, request=request, actor=actor,
                  before={name: before.get(name) for name in changed},
                  after={name: after.get(name) for name in changed})


@contextmanager
def tracking(instance, *, action: str | None = None, request=None, actor=None):
    """`with tracking(obj): ...change and save obj...` records the change on leaving (only
    if the block succeeds: a refused change leaves no event)."""
    created = instance.pk is None
    before = None if created else snapshot(stored(instance))
    yield
    record_change(instance, before, action=action, request=request, actor=actor)


def field_label(model: type[models.Model] | None, name: str) -> str:
    """A field's name as people read it (its verbose name), or the key itself."""
    if model is not None:
        try:
            return str(model._meta.get_field(name).verbose_name)
        except Exception:  # noqa: BLE001 - a field since removed, or a key of audit_extra
            labels = getattr(model, "AUDIT_LABELS", {})
            return str(labels.get(name, name))
    return name
