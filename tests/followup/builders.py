"""What the follow-up tests build: reviews of the home state (SVN), recommendations,
entities with focal points, actions and indicators, dated around today."""

import datetime
import itertools

from nmirf.tracking.models import Action, Assignment, Entity, Membership
from nmirf.tracking.progress_models import Indicator

from ..conftest import _make_user
from ..recommendations.builders import make_rec, make_review

TODAY = datetime.date.today()
_numbers = itertools.count(1)


def days(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


def review(mechanism="UPR", on=datetime.date(2024, 1, 15), state="SVN", **extra):
    return make_review(state, mechanism, review_date=on,
                       label=extra.pop("label", f"r{next(_numbers)}"), **extra)


def rec(review_, text="Adopt a law.", paragraph=""):
    return make_rec(review_, text, paragraph=paragraph or str(next(_numbers)))


def entity_with_people(name="Ministry of Health"):
    """An entity with a focal point and a deputy (both with e-mail addresses)."""
    entity = Entity.objects.create(name=name)
    slug = name.split()[-1].lower()
    focal = _make_user(f"fp-{slug}", "focal_point", email=f"fp-{slug}@example.org")
    deputy = _make_user(f"deputy-{slug}", "focal_point", email=f"deputy-{slug}@example.org")
    Membership.objects.create(entity=entity, user=focal)
    Membership.objects.create(entity=entity, user=deputy, is_deputy=True)
    entity.focal, entity.deputy = focal, deputy
    return entity


def action(entity, target, status="in_progress", recs=(), clusters=(), title=None):
    made = Action.objects.create(
        title=title or f"Action {next(_numbers)}", responsible_entity=entity,
        start_date=min(target, TODAY) - datetime.timedelta(days=365), target_date=target,
        status=status)
    made.recommendations.set(recs)
    made.clusters.set(clusters)
    return made


def indicator(action_, next_due, title=None, frequency="quarterly"):
    return Indicator.objects.create(action=action_, title=title or f"Indicator {next(_numbers)}",
                                    frequency=frequency, next_due_date=next_due)


def lead(recommendation, entity):
    return Assignment.objects.create(recommendation=recommendation, entity=entity, role="lead")
