"""Every deadline of the follow-up calendar, computed in one place: the calendar page, the
overdue view, the registry's `overdue` filter, the reminders and the iCalendar feed all
read what this module gives.

Kinds (Kind):

- **mid_term**: the UPR mid-term report, `mid_term_years` (default 2.5) after the review;
- **next_review** (UPR) and **periodic_report** (other mechanisms): `periodicity_years`
  after the review;
- **follow_up_reply**: a treaty body's follow-up procedure, `follow_up_reply_years` (1;
  2 for CEDAW and CMW) after the review, for each recommendation flagged for follow-up;
- **indicator**: an indicator's values due (its stored `next_due_date`, the first date
  not met, and the later dates of its schedule up to the horizon asked for);
- **action**: an incomplete action's target date.

Review deadlines are counted for the reviews of the instance's own state
(`NMIRF_HOME_STATE`), from the latest review of each mechanism (an older cycle's mid-term
report is no longer due); the review's date is its own, else its UPR session's last day,
else its latest document's. They belong to the secretariat (no entity) until marked as
met (DeadlineDone). A follow-up reply belongs to the recommendation's lead entities (the
lead rule of tracking.models.leads_among) and is closed by `replied_on`; an action's and
an indicator's deadlines to the action's responsible entity, closed by the action's
status (completed or cancelled), the indicator's validated values or archiving.

Set-based: a fixed number of queries whatever the number of reviews, flags, actions or
indicators (tests/followup/test_deadlines.py counts them). Settings come from
FollowUpSetting, falling back to the mechanism's reference values for a mechanism without
a row.

**Overdue recommendations** (the registry's `overdue` filter): a recommendation is
overdue when today is past the date of one of its own open deadlines — its follow-up
reply — or of an open deadline of an incomplete, active action that implements it
(linked to it, or to an active cluster it sits in): the action's target date, or the
next due date of one of its active indicators. Review deadlines (a report on the whole
review) do not make each of its recommendations overdue. `overdue_condition(today)` is
that rule in SQL; `follow_up_pairs()`, `action_dates_sql()` and `implementing_sql()` give the
(recommendation, earliest open date) pairs the registry index keeps
(registry_index._due_pairs), and compares with today at each request.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
from django.conf import settings
from django.db import connection
from django.db.models import F, Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nmirf.core.id_lists import and_among
from nmirf.recommendations import registry_changes
from nmirf.recommendations.models import (
    Document,
    Mechanism,
    MechanismKind,
    Recommendation,
    Review,
    UprSession,
)
from nmirf.tracking.indicator_schedule import add_months, due_dates_after_each
from nmirf.tracking.models import (
    Action,
    ActionStatus,
    Assignment,
    AssignmentRole,
    ClusterRecommendation,
    Entity,
    Membership,
)
from nmirf.tracking.progress_models import Indicator

from .models import DeadlineDone, FollowUpFlag, FollowUpSetting

UPR_MID_TERM_YEARS = Decimal("2.5")
# An action in one of these states has no deadline any more.
CLOSED_ACTION_STATES = (ActionStatus.COMPLETED, ActionStatus.CANCELLED)
# How far ahead the calendar looks by default.
DEFAULT_HORIZON_DAYS = 366


class Kind:
    MID_TERM = "mid_term"
    NEXT_REVIEW = "next_review"
    PERIODIC_REPORT = "periodic_report"
    FOLLOW_UP_REPLY = "follow_up_reply"
    INDICATOR = "indicator"
    ACTION = "action"

    CHOICES = [
        (MID_TERM, _("UPR mid-term report")),
        (NEXT_REVIEW, _("Next UPR review")),
        (PERIODIC_REPORT, _("Periodic report")),
        (FOLLOW_UP_REPLY, _("Follow-up reply")),
        (INDICATOR, _("Indicator values due")),
        (ACTION, _("Action target date")),
    ]
    VALUES = [value for value, _label in CHOICES]
    # Deadlines of a whole review: the secretariat's, marked as met by hand.
    OF_REVIEWS = (MID_TERM, NEXT_REVIEW, PERIODIC_REPORT)

    @classmethod
    def label(cls, value) -> str:
        return str(dict(cls.CHOICES).get(value, value))


def today() -> datetime.date:
    """The day that "overdue" is counted against (the server's time zone)."""
    return timezone.localdate()


@dataclass(frozen=True)
class Deadline:
    kind: str
    date: datetime.date
    key: str  # stable across runs: what reminders and "met" marks remember
    title: str
    url: str
    entity_ids: tuple = ()  # responsible entities; none: the secretariat
    mechanism: str = ""

    @property
    def kind_label(self) -> str:
        return Kind.label(self.kind)

    def is_overdue(self, on: datetime.date | None = None) -> bool:
        return self.date < (on or today())

    def days_left(self, on: datetime.date | None = None) -> int:
        return (self.date - (on or today())).days


@dataclass
class Settings:
    mid_term_years: Decimal | None = None
    follow_up_reply_years: Decimal | None = None
    periodicity_years: Decimal | None = None


def add_years(day: datetime.date, years: Decimal) -> datetime.date:
    """`day` plus a number of years that may have a fraction (2.5 = 30 months)."""
    return add_months(day, int((Decimal(years) * 12).to_integral_value()))


def default_settings(mechanism: Mechanism) -> dict:
    """The values a mechanism's settings start from: its reference data, and 2.5 years
    for the UPR mid-term report."""
    return {"mid_term_years": UPR_MID_TERM_YEARS if mechanism.kind == MechanismKind.UPR
            else None,
            "follow_up_reply_years": mechanism.follow_up_reply_years,
            "periodicity_years": mechanism.periodicity_years}


def settings_by_mechanism() -> dict[int, Settings]:
    """{mechanism id: Settings}: the coordinator's, else the defaults (two queries)."""
    saved = {row.mechanism_id: row for row in FollowUpSetting.objects.all()}
    result = {}
    for mechanism in Mechanism.objects.all():
        row = saved.get(mechanism.pk)
        values = default_settings(mechanism) if row is None else {
            "mid_term_years": row.mid_term_years,
            "follow_up_reply_years": row.follow_up_reply_years,
            "periodicity_years": row.periodicity_years}
        result[mechanism.pk] = Settings(**values)
    return result


def review_dates(reviews: list[dict]) -> dict[int, datetime.date]:
    """{review id: the date deadlines count from} for `reviews` (dicts with id, date,
    session): the review's date, else its UPR session's last day, else its latest
    document's date. Two queries."""
    sessions = {number: end or start for number, start, end in
                UprSession.objects.values_list("number", "start_date", "end_date")}
    missing = [row["id"] for row in reviews if row["date"] is None]
    documents = dict(Document.objects.filter(review_id__in=missing).values("review_id")
                     .annotate(last=Max("date")).values_list("review_id", "last")) \
        if missing else {}
    dates = {}
    for row in reviews:
        day = row["date"] or sessions.get(row["session"]) or documents.get(row["id"])
        if day is not None:
            dates[row["id"]] = day
    return dates


def _done_keys() -> set[str]:
    return set(DeadlineDone.objects.values_list("key", flat=True))


def review_deadlines(settings_of=None, done=None) -> list[Deadline]:
    """The mid-term reports, next reviews and periodic reports of the home state's latest
    review of each mechanism, unless marked as met."""
    settings_of = settings_by_mechanism() if settings_of is None else settings_of
    done = _done_keys() if done is None else done
    rows = list(Review.objects.filter(state__iso3=settings.NMIRF_HOME_STATE).values(
        "id", "date", "session", "label", "mechanism_id", "mechanism__code",
        "mechanism__kind", "state__name"))
    dates = review_dates(rows)
    latest = {}
    for row in rows:
        day = dates.get(row["id"])
        if day is None:
            continue
        current = latest.get(row["mechanism_id"])
        if current is None or (day, row["id"]) > (dates[current["id"]], current["id"]):
            latest[row["mechanism_id"]] = row
    result = []
    for mechanism_id, row in latest.items():
        setting = settings_of.get(mechanism_id, Settings())
        day = dates[row["id"]]
        code = row["mechanism__code"]
        name = _review_name(row)
        url = reverse("recommendations:list") + f"?review={row['id']}"
        is_upr = row["mechanism__kind"] == MechanismKind.UPR
        if is_upr and setting.mid_term_years:
            result.append(Deadline(Kind.MID_TERM, add_years(day, setting.mid_term_years),
                                   f"{Kind.MID_TERM}:review:{row['id']}", name, url,
                                   mechanism=code))
        if setting.periodicity_years:
            kind = Kind.NEXT_REVIEW if is_upr else Kind.PERIODIC_REPORT
            result.append(Deadline(kind, add_years(day, setting.periodicity_years),
                                   f"{kind}:review:{row['id']}", name, url, mechanism=code))
    return [deadline for deadline in result if deadline.key not in done]


def _review_name(row) -> str:
    if row["session"]:
        return str(_("%(mechanism)s session %(session)s") % {
            "mechanism": row["mechanism__code"], "session": row["session"]})
    return f"{row['mechanism__code']} {row['label']}".strip()


def lead_entities(recommendation_ids) -> dict[int, set[int]]:
    """{recommendation id: its lead entities} by the lead rule (models.leads_among: its own
    lead, else its active clusters' leads), for a set of recommendations given as a list
    or a subquery of ids. Two queries."""
    own, of_clusters = {}, {}
    for rec, entity in Assignment.objects.current().filter(
            recommendation_id__in=recommendation_ids, role=AssignmentRole.LEAD).values_list(
            "recommendation_id", "entity_id"):
        own.setdefault(rec, set()).add(entity)
    for rec, entity in ClusterRecommendation.objects.filter(
            recommendation_id__in=recommendation_ids, cluster__archived=False,
            cluster__assignments__ended=False,
            cluster__assignments__role=AssignmentRole.LEAD).values_list(
            "recommendation_id", "cluster__assignments__entity_id"):
        of_clusters.setdefault(rec, set()).add(entity)
    return {rec: own.get(rec) or of_clusters.get(rec, set()) for rec in own.keys() | of_clusters}


def _open_flags():
    return FollowUpFlag.objects.active().filter(replied_on__isnull=True)


def reply_due_by_review(reviews, settings_of) -> dict[int, datetime.date]:
    """{review id: when a follow-up reply on its recommendations is due} for `reviews` (a
    list or a subquery of ids) whose mechanism has a reply period: the review's date (see
    review_dates) plus the mechanism's `follow_up_reply_years`. Three queries."""
    rows = list(Review.objects.filter(pk__in=reviews).values("id", "date", "session",
                                                               "mechanism_id"))
    dates = review_dates(rows)
    result = {}
    for row in rows:
        years = settings_of.get(row["mechanism_id"], Settings()).follow_up_reply_years
        day = dates.get(row["id"])
        if years and day is not None:
            result[row["id"]] = add_years(day, years)
    return result


def _flags(recommendation_ids=None):
    flags = _open_flags()
    if recommendation_ids is not None:
        flags = flags.filter(recommendation_id__in=list(recommendation_ids))
    return flags


# Every open reply's due date, kept per state of the registry: its clock moves with a
# flag, a reply, a reply period, a review or a recommendation's review
# (recommendations/registry_changes.py), and its random token with each tick, so a state
# rolled back is never taken for a later one. The calendar and the overdue view then do
# not work out thousands of reply dates again on each request (~50 ms at 5,000 flags).
# UPR session and document dates are not on the clock (developer guide).
_follow_ups_cached: tuple = (None, None, None)  # (key, result, every flagged recommendation)


def _still_due_as(then, now, flagged: np.ndarray) -> bool:
    """Whether what changed in the registry between two ticks of its clock leaves every
    reply date as it was: no deadline part, reference data or flagged recommendation
    touched (an edit of another recommendation's text, a status, an assignment). One
    query on the change log; False whenever the log cannot tell."""
    changes = registry_changes.changes_since(then, now)
    if changes is None or changes.reload & (registry_changes.REGISTRY | registry_changes.DUE):
        return False
    if registry_changes.DUE in changes.pairs:
        return False
    touched = np.fromiter(changes.recommendations, dtype=np.int64,
                          count=len(changes.recommendations))
    return not np.isin(touched, flagged).any()


def follow_up_due(settings_of=None, recommendation_ids=None) -> tuple[np.ndarray, np.ndarray]:
    """(recommendation ids, ordinals of their reply's due date) of the recommendations
    flagged for follow-up and not replied to, whose mechanism has a reply period (of
    these `recommendation_ids` only, where given): the flags read as numbers, the date
    worked out once per review. Four queries, however many flags; one (the clock) when
    the registry has not changed since the last time, for all recommendations."""
    global _follow_ups_cached
    settings_of = settings_by_mechanism() if settings_of is None else settings_of
    key = None
    if recommendation_ids is None:
        key = (registry_changes.read_clock(),
               tuple(sorted((mechanism, setting.follow_up_reply_years)
                            for mechanism, setting in settings_of.items())))
        cached_key, cached, flagged = _follow_ups_cached
        if cached_key == key or (cached_key is not None and cached_key[1] == key[1]
                                 and _still_due_as(cached_key[0], key[0], flagged)):
            _follow_ups_cached = (key, cached, flagged)
            return cached
    flags = _flags(recommendation_ids)
    # The recommendations read through `pk IN (the flags)`, not as a join from the flags:
    # without fresh statistics SQLite drives that join from every recommendation (40 ms
    # at 250,000 for 5,000 flags, against a few here). One flag per recommendation.
    found = _arrays(Recommendation.objects.filter(pk__in=flags.values("recommendation_id")),
                    {"rec": "id", "review": "review_id"})
    # The reviews as the few distinct ids already read, not as a subquery over the flags
    # (which SQLite runs as a join of every flag: 130 ms at 5,000 flags).
    due = reply_due_by_review(np.unique(found["review"]).tolist(), settings_of)
    ordinals = np.array([due[review].toordinal() if review in due else 0
                         for review in found["review"].tolist()], dtype=np.int64)
    keep = ordinals > 0
    result = found["rec"][keep], ordinals[keep]
    if key is not None:
        _follow_ups_cached = (key, result, found["rec"])
    return result


def follow_up_dates(settings_of=None, recommendation_ids=None
                    ) -> dict[int, tuple[datetime.date, dict]]:
    """{recommendation id: (reply due date, its row)} for the recommendations flagged for
    follow-up and not replied to, whose mechanism has a reply period (of these
    `recommendation_ids` only, where given): what a page shows of them."""
    settings_of = settings_by_mechanism() if settings_of is None else settings_of
    flags = _flags(recommendation_ids)
    rows = list(flags.values(
        "recommendation_id", "recommendation__paragraph", "recommendation__review_id",
        "recommendation__review__label", "recommendation__review__mechanism__code"))
    due = reply_due_by_review({row["recommendation__review_id"] for row in rows}, settings_of)
    return {row["recommendation_id"]: (due[row["recommendation__review_id"]], row)
            for row in rows if row["recommendation__review_id"] in due}


def _flags_led_by(entity_ids) -> dict[int, set[int]]:
    """{recommendation id: its lead entities} of the open flags whose lead (the lead rule)
    is one of `entity_ids`: the candidates by either path, then the rule on those."""
    flagged = _open_flags().values("recommendation_id")
    own = Assignment.objects.current().filter(
        role=AssignmentRole.LEAD, entity_id__in=entity_ids,
        recommendation_id__in=flagged).values_list("recommendation_id", flat=True)
    through = ClusterRecommendation.objects.filter(
        recommendation_id__in=flagged, cluster__archived=False,
        cluster__assignments__ended=False, cluster__assignments__role=AssignmentRole.LEAD,
        cluster__assignments__entity_id__in=entity_ids).values_list("recommendation_id",
                                                                     flat=True)
    candidates = set(own) | set(through)
    leads = lead_entities(list(candidates)) if candidates else {}
    return {rec: lead for rec, lead in leads.items() if lead & set(entity_ids)}


def open_actions():
    """The actions that still have deadlines: active, neither completed nor cancelled."""
    return Action.objects.filter(archived=False).exclude(status__in=CLOSED_ACTION_STATES)


def _url_of(name: str, anchor: str = ""):
    """A function pk -> the URL of `name` for that pk: reverse() once, not per row."""
    placeholder = 987654321
    url = reverse(name, args=[placeholder])
    head, tail = url.split(str(placeholder))
    return lambda pk: f"{head}{pk}{tail}{anchor.format(pk=pk)}"


@dataclass
class Query:
    """What a list of deadlines asks for: kinds, responsible entities (None: any; a
    secretariat deadline has none), a window of dates."""

    kinds: list = field(default_factory=lambda: list(Kind.VALUES))
    entity_ids: set | None = None
    since: datetime.date | None = None
    until: datetime.date | None = None

    def within(self, ordinals: np.ndarray) -> np.ndarray:
        """bool: which of these days (ordinals) fall in the window."""
        keep = np.ones(ordinals.shape, dtype=bool)
        if self.since is not None:
            keep &= ordinals >= self.since.toordinal()
        if self.until is not None:
            keep &= ordinals <= self.until.toordinal()
        return keep


# -- the deadlines of a query, one source per kind ---------------------------------------
#
# A page of the calendar shows 50 of possibly tens of thousands of deadlines (an action's
# target date, each due date of each indicator in the window). Each source gives the
# dates of all its deadlines cheaply (numbers, read set-based: no Deadline made), and
# makes the Deadlines of the few a page shows (`Found`): counting is a sum, a page one
# partition of the dates and the details of the page's rows.

@dataclass
class _Source:
    dates: np.ndarray  # int64: the ordinal of each deadline's date
    details: Callable[[np.ndarray], list[Deadline]]  # the Deadlines at these positions


def _listed(items: list[Deadline]) -> _Source:
    """A source of deadlines made already (the reviews': a few)."""
    return _Source(np.array([d.date.toordinal() for d in items], dtype=np.int64),
                   lambda positions: [items[i] for i in positions.tolist()])


def _arrays(queryset, fields: dict) -> dict:
    """{name: numpy array} of the columns `fields` ({name: field path, with `:date` for a
    date read as its ordinal (0 for none) or `:text` for a text}) of every row of
    `queryset`, read by one statement that has the database join each column into one
    text (a row per object as Python tuples costs ten times more)."""
    names = list(fields)
    paths = {name: path.split(":")[0] for name, path in fields.items()}
    aliased = queryset.annotate(**{f"nmirf_{name}": F(path) for name, path in paths.items()}
                                ).values_list(*(f"nmirf_{name}" for name in names))
    sql, params = aliased.query.sql_with_params()
    postgres = connection.vendor == "postgresql"
    columns = []
    for name in names:
        column = f"q.nmirf_{name}"
        if fields[name].endswith(":date"):
            column = (f"COALESCE(({column} - DATE '0001-01-01') + 1, 0)" if postgres else
                      f"COALESCE(CAST(julianday({column}) - 1721424.5 AS INTEGER), 0)")
        elif not fields[name].endswith(":text") and postgres:
            column = f"({column})::bigint"
        columns.append(f"string_agg(({column})::text, ',')" if postgres
                       else f"group_concat({column}, ',')")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)} FROM ({sql}) AS q", params)  # noqa: S608 - identifiers from code, values bound
        texts = cursor.fetchone()
    result = {}
    for name, text in zip(names, texts, strict=True):
        if fields[name].endswith(":text"):
            result[name] = text.split(",") if text else []
        else:
            result[name] = (np.fromstring(text, dtype=np.int64, sep=",") if text
                            else np.zeros(0, dtype=np.int64))
    return result


def _reviews_source(query: Query, shared: dict) -> _Source | None:
    kinds = set(query.kinds) & set(Kind.OF_REVIEWS)
    if not kinds or query.entity_ids is not None:
        return None
    if "reviews" not in shared:
        shared["reviews"] = review_deadlines(shared["settings"])
    found = [d for d in shared["reviews"] if d.kind in kinds]
    dates = np.array([d.date.toordinal() for d in found], dtype=np.int64)
    return _listed([d for d, keep in zip(found, query.within(dates), strict=True) if keep])


def _follow_ups_source(query: Query, shared: dict) -> _Source | None:
    """The follow-up replies due: dates as numbers (follow_up_due), titles and lead
    entities for the page's; where the query names entities, the flags those entities
    lead (a few queries, not the leads of every flag)."""
    if Kind.FOLLOW_UP_REPLY not in query.kinds:
        return None
    if "follow_ups" not in shared:
        shared["follow_ups"] = follow_up_due(shared["settings"])
    recs, dates = shared["follow_ups"]
    keep = query.within(dates)
    leads = None
    if query.entity_ids is not None:
        leads = _flags_led_by(set(query.entity_ids))
        keep &= np.isin(recs, np.fromiter(leads, dtype=np.int64, count=len(leads)))
    recs, dates = recs[keep], dates[keep]
    url = _url_of("recommendations:detail")

    def details(positions: np.ndarray) -> list[Deadline]:
        chosen = recs[positions].tolist()
        lead = leads if leads is not None else lead_entities(chosen)
        due = follow_up_dates(shared["settings"], recommendation_ids=chosen)
        result = []
        for rec_id in chosen:
            day, row = due[rec_id]
            code = row["recommendation__review__mechanism__code"]
            paragraph = row["recommendation__paragraph"]
            title = f"{code} {row['recommendation__review__label'] or ''} ¶{paragraph}" \
                if paragraph else f"{code} #{rec_id}"
            result.append(Deadline(
                Kind.FOLLOW_UP_REPLY, day, f"{Kind.FOLLOW_UP_REPLY}:recommendation:{rec_id}",
                " ".join(title.split()), url(rec_id),
                tuple(sorted(lead.get(rec_id, ()))), mechanism=code))
        return result

    return _Source(dates, details)


def _actions_source(query: Query) -> _Source | None:
    """Each open action's target date: dates read set-based, titles for the page."""
    if Kind.ACTION not in query.kinds:
        return None
    actions = open_actions()
    if query.entity_ids is not None:
        actions = actions.filter(responsible_entity_id__in=query.entity_ids)
    if query.since is not None:
        actions = actions.filter(target_date__gte=query.since)
    if query.until is not None:
        actions = actions.filter(target_date__lte=query.until)
    found = _arrays(actions, {"pk": "pk", "day": "target_date:date"})
    url = _url_of("tracking:action_detail")

    def details(positions: np.ndarray) -> list[Deadline]:
        rows = Action.objects.filter(pk__in=found["pk"][positions].tolist()).values_list(
            "pk", "title", "target_date", "responsible_entity_id")
        return [Deadline(Kind.ACTION, target, f"{Kind.ACTION}:action:{pk}", title, url(pk),
                         (entity,)) for pk, title, target, entity in rows]

    return _Source(found["day"], details)


def _indicators_source(query: Query) -> _Source | None:
    """The next due date of each active indicator of an open action (the first not met),
    and the later dates of its schedule from today up to the window's end
    (indicator_schedule.due_dates_after_each, for all of them at once)."""
    if Kind.INDICATOR not in query.kinds:
        return None
    indicators = Indicator.objects.active().filter(
        next_due_date__isnull=False, action__in=open_actions())
    if query.entity_ids is not None:
        indicators = indicators.filter(action__responsible_entity_id__in=query.entity_ids)
    if query.until is not None:
        indicators = indicators.filter(next_due_date__lte=query.until)
    found = _arrays(indicators, {
        "pk": "pk", "next": "next_due_date:date", "first": "first_due_date:date",
        "frequency": "frequency:text", "start": "action__start_date:date",
        "target": "action__target_date:date"})
    owner, dates = np.arange(found["pk"].size), found["next"]
    if query.until is not None and found["pk"].size:
        # Later dates still to come (those passed are summed up by the overdue one).
        after = np.maximum(found["next"], (today() - datetime.timedelta(days=1)).toordinal())
        later = after < query.until.toordinal()
        rows, days = due_dates_after_each(
            first_due=[int(day) or None for day in found["first"][later]],
            frequency=[found["frequency"][i] for i in np.flatnonzero(later)],
            start=found["start"][later], target=found["target"][later],
            after=after[later], until=query.until)
        owner = np.concatenate([owner, np.flatnonzero(later)[rows]])
        dates = np.concatenate([dates, days])
    keep = query.within(dates)
    owner, dates = owner[keep], dates[keep]
    url = _url_of("tracking:action_detail")

    def details(positions: np.ndarray) -> list[Deadline]:
        pks = found["pk"][owner[positions]]
        rows = {row[0]: row for row in Indicator.objects.filter(pk__in=pks.tolist()).values_list(
            "pk", "title", "action_id", "action__title", "action__responsible_entity_id")}
        result = []
        for pk, ordinal in zip(pks.tolist(), dates[positions].tolist(), strict=True):
            _pk, title, action_id, action_title, entity = rows[pk]
            day = datetime.date.fromordinal(ordinal)
            result.append(Deadline(Kind.INDICATOR, day,
                                   f"{Kind.INDICATOR}:indicator:{pk}:{day.isoformat()}",
                                   f"{title} — {action_title}",
                                   f"{url(action_id)}#indicator-{pk}", (entity,)))
        return result

    return _Source(dates, details)


def _order(deadline: Deadline) -> tuple:
    return (deadline.date, Kind.VALUES.index(deadline.kind), deadline.title, deadline.key)


class Found:
    """The open deadlines a query asks for, by date (then kind, title and key), as a
    sequence that makes only the Deadlines read from it: len() is a sum of counts, and a
    slice [start:stop] finds the day of the stop-th deadline (one partition of every
    deadline's date) and makes those up to that day — a page of 50 costs the details of
    50 rows, not of every deadline of the year. (Django's Paginator asks len() and one
    slice.)"""

    def __init__(self, sources: list):
        self.sources = [source for source in sources if source is not None]
        self.total = sum(int(source.dates.size) for source in self.sources)

    def __len__(self) -> int:
        return self.total

    def __iter__(self):
        return iter(self[:])

    def __getitem__(self, item):
        if not isinstance(item, slice):
            return self[item:item + 1][0] if item >= 0 else self[len(self) + item]
        start, stop, step = item.indices(len(self))
        if stop <= start:
            return []
        return self._first(stop)[start:stop:step]

    def _first(self, stop: int) -> list[Deadline]:
        dates = np.concatenate([source.dates for source in self.sources])
        last = (int(dates.max()) if stop >= dates.size
                else int(np.partition(dates, stop - 1)[stop - 1]))
        made = []
        for source in self.sources:
            made += source.details(np.flatnonzero(source.dates <= last))
        made.sort(key=_order)
        return made[:stop]


def found(query: Query | None = None, shared: dict | None = None) -> Found:
    """The open deadlines that `query` asks for, as a lazy sequence (Found). A fixed
    number of queries: settings (2), done marks (1), reviews (3), flags (4), actions (1),
    indicators (1); a page's details a few more. `shared`: a dict kept between the calls
    of one request (the calendar asks the overdue count and the coming months), so that
    what does not depend on the window (settings, the reviews' deadlines, the flags'
    dates) is read once."""
    query = query or Query()
    shared = {} if shared is None else shared
    if "settings" not in shared and set(query.kinds) & {Kind.FOLLOW_UP_REPLY,
                                                         *Kind.OF_REVIEWS}:
        shared["settings"] = settings_by_mechanism()
    return Found([_reviews_source(query, shared), _follow_ups_source(query, shared),
                  _actions_source(query), _indicators_source(query)])


def deadlines(query: Query | None = None) -> list[Deadline]:
    """Every open deadline that `query` asks for, by date (then kind and title)."""
    return list(found(query))


def overdue_query(query: Query | None = None, on: datetime.date | None = None) -> Query:
    """`query` narrowed to the deadlines whose date has passed."""
    query = query or Query()
    query.until = (on or today()) - datetime.timedelta(days=1)
    query.since = None
    return query


def upcoming_query(query: Query | None = None, on: datetime.date | None = None,
                   days: int = DEFAULT_HORIZON_DAYS) -> Query:
    query = query or Query()
    start = on or today()
    query.since, query.until = start, start + datetime.timedelta(days=days)
    return query


def overdue(query: Query | None = None, on: datetime.date | None = None) -> list[Deadline]:
    """The open deadlines whose date has passed."""
    return deadlines(overdue_query(query, on))


def upcoming(query: Query | None = None, on: datetime.date | None = None,
             days: int = DEFAULT_HORIZON_DAYS) -> list[Deadline]:
    return deadlines(upcoming_query(query, on, days))


def entity_names(deadlines_shown) -> dict[int, str]:
    """{entity id: name} for the entities of the deadlines shown (one query)."""
    ids = {pk for deadline in deadlines_shown for pk in deadline.entity_ids}
    return {pk: str(entity) for pk, entity in
            ((e.pk, e) for e in Entity.objects.filter(pk__in=ids))}


def focal_points_of(entity_ids) -> dict[int, list]:
    """{entity id: its current focal points and deputy (users)} (one query)."""
    result: dict[int, list] = {}
    for membership in Membership.objects.current().filter(
            entity_id__in=list(entity_ids), entity__archived=False,
            user__is_active=True).select_related("user"):
        result.setdefault(membership.entity_id, []).append(membership.user)
    return result


# -- the registry's `overdue` filter -----------------------------------------------------------

def overdue_actions(on: datetime.date):
    """Ids of the open actions with a deadline before `on`: the target date, or an active
    indicator's next due date (a subquery)."""
    return open_actions().filter(
        Q(target_date__lt=on)
        | Q(indicators__archived=False, indicators__next_due_date__lt=on)).values("pk")


def overdue_condition(on: datetime.date) -> Q:
    """The recommendations with an open deadline before `on` (see the module's
    docstring), as one condition on the recommendation queryset."""
    recs, dates = follow_up_due()
    own = recs[dates < on.toordinal()].tolist()
    actions = overdue_actions(on)
    direct = Action.recommendations.through.objects.filter(action_id__in=actions).values(
        "recommendation_id")
    through_clusters = ClusterRecommendation.objects.filter(
        cluster__archived=False, cluster__actions__in=actions).values("recommendation_id")
    return Q(pk__in=own) | Q(pk__in=direct) | Q(pk__in=through_clusters)


def follow_up_pairs(recommendation_ids=None) -> list[tuple[int, int]]:
    """[(recommendation id, the ordinal of its follow-up reply's date)] for the open
    flags (of these recommendations, where given)."""
    recs, dates = follow_up_due(recommendation_ids=recommendation_ids)
    return list(zip(recs.tolist(), dates.tolist(), strict=True))


def action_dates_sql(vendor: str, action_ids=None) -> str:
    """SQL of (act, value) rows: each open action (of `action_ids`, where given) and the
    ordinal of its earliest open deadline (its target date, or an active indicator's next
    due date if earlier)."""
    closed = ", ".join(f"'{state}'" for state in CLOSED_ACTION_STATES)
    ordinal = ("(MIN(due.day) - DATE '0001-01-01') + 1" if vendor == "postgresql"
               else "CAST(julianday(MIN(due.day)) - 1721424.5 AS INTEGER)")
    return f"""
        SELECT due.act AS act, {ordinal} AS value FROM (
            SELECT id AS act, target_date AS day FROM tracking_action
            WHERE NOT archived AND status NOT IN ({closed}){and_among("id", action_ids)}
            UNION ALL
            SELECT indicator.action_id AS act, indicator.next_due_date AS day
            FROM tracking_indicator indicator
            JOIN tracking_action act ON act.id = indicator.action_id AND NOT act.archived
                AND act.status NOT IN ({closed})
            WHERE NOT indicator.archived AND indicator.next_due_date IS NOT NULL
                {and_among("indicator.action_id", action_ids)}
        ) due GROUP BY due.act"""  # noqa: S608 - fixed states, ids through id_lists


def implementing_sql(recommendation_ids=None) -> str:
    """SQL of (rec, act): the actions that implement each recommendation (of
    `recommendation_ids`, where given), linked to it or to an active cluster it sits in
    (tracking.queries.implementing)."""
    return f"""
    SELECT recommendation_id AS rec, action_id AS act FROM tracking_action_recommendations
    WHERE TRUE{and_among("recommendation_id", recommendation_ids)}
    UNION ALL
    SELECT member.recommendation_id AS rec, action_cluster.action_id AS act
    FROM tracking_action_clusters action_cluster
    JOIN tracking_cluster cluster ON cluster.id = action_cluster.cluster_id
        AND NOT cluster.archived
    JOIN tracking_clusterrecommendation member ON member.cluster_id = cluster.id
        {and_among("member.recommendation_id", recommendation_ids)}"""  # noqa: S608 - ids through id_lists

