"""Synthetic implementation tracking on top of the list benchmark's registry, for the
tracking benchmark (bench_tracking.py): at 250,000 recommendations, 2,000 entities (a
tree), their focal points, clusters, assignments (lead and supporting, per recommendation
and per cluster), statuses with their history, 20,000 actions linked to recommendations
and clusters, their indicators (with the next due date the product computes) and 100,000
progress updates in every workflow state with indicator values. Other sizes scale with
the registry (`sizes`).

Written in bulk: rows are drawn in Python (one seed, so the same database every time) and
inserted with one `executemany` per table on SQLite and `COPY` on PostgreSQL — never a
model save per row. The registry's triggers log what they log (as for any write); the log
is pruned at the end, as the worker's housekeeping would an hour later.

    python benchmarks/tracking_data.py --database-url URL [--rows N]
"""

import argparse
import datetime
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

SEED = 8
FULL = 250_000  # recommendations the sizes below are for (issue 8, "Performance")
SIZES = {"entities": 2_000, "actions": 20_000, "updates": 100_000, "clusters": 1_000}
FOCAL_POINT_PREFIX = "bench-focal-"
STATUS_SHARE = 0.5  # of the assigned recommendations, those with a status set
DIRECT_LEAD_SHARE, SUPPORTING_SHARE = 0.6, 0.25
ROOTS = [("ministry", 20), ("parliament", 1), ("judiciary", 2), ("agency", 5), ("local", 2),
         ("nhri", 1), ("civil_society", 4)]
STATES = [("published", 30), ("validated", 25), ("submitted", 15), ("returned", 5),
          ("draft", 25)]
STATUSES = [("in_progress", 45), ("partially_implemented", 20), ("implemented", 15),
            ("not_implemented", 5), ("not_started", 15)]


def sizes(rows: int) -> dict:
    scale = rows / FULL
    return {name: max(40, round(value * scale)) for name, value in SIZES.items()}


class Writer:
    """Bulk inserts through Django's connection: COPY on PostgreSQL, executemany on SQLite;
    timestamps adapted by the backend."""

    def __init__(self):
        from django.db import connection
        from django.utils import timezone

        self.connection = connection
        self.now = connection.ops.adapt_datetimefield_value(timezone.now())
        self.counts: dict[str, int] = {}

    def insert(self, model, fields: list[str], rows: list[tuple]) -> None:
        meta = model._meta
        columns = ", ".join(meta.get_field(name).column for name in fields)
        table = meta.db_table
        self.counts[table] = self.counts.get(table, 0) + len(rows)
        if self.connection.vendor == "postgresql":
            self.connection.ensure_connection()
            with self.connection.connection.cursor() as cursor, cursor.copy(
                    f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join(["%s"] * len(fields))
        with self.connection.cursor() as cursor:
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)

    def next_id(self, model) -> int:
        with self.connection.cursor() as cursor:
            cursor.execute(f"SELECT MAX(id) FROM {model._meta.db_table}")
            return (cursor.fetchone()[0] or 0) + 1

    def reset_sequences(self, models) -> None:
        from django.core.management.color import no_style

        with self.connection.cursor() as cursor:
            for statement in self.connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(statement)


def _weighted(rng: random.Random, pairs):
    values, weights = zip(*pairs, strict=True)
    return lambda: rng.choices(values, weights)[0]


def generate(rows_hint: int | None = None) -> dict:
    """Write the tracking data into the database Django is set up for; what was written."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from nmirf.accounts.models import Role, User
    from nmirf.recommendations import registry_changes
    from nmirf.recommendations.models import Recommendation
    from nmirf.tracking import indicator_schedule
    from nmirf.tracking.models import (
        Action,
        Assignment,
        Cluster,
        ClusterRecommendation,
        Entity,
        Indicator,
        IndicatorValue,
        Membership,
        ProgressUpdate,
        RecommendationStatus,
        StatusChange,
    )

    start = time.perf_counter()
    rng = random.Random(SEED)
    rec_ids = list(Recommendation.objects.filter(archived=False).order_by("pk")
                   .values_list("pk", flat=True))
    size = sizes(rows_hint or len(rec_ids))
    w = Writer()
    now = w.now
    with transaction.atomic():
        # -- entities: a tree of roots, their departments, and units under those --------
        first = w.next_id(Entity)
        entities = []  # (id, kind, parent, depth)
        for kind, count in ROOTS:
            for _ in range(count):
                entities.append((first + len(entities), kind, None, 0))
        parents = [e for e in entities if e[1] not in ("nhri", "civil_society")]
        while len(entities) < size["entities"]:
            parent = rng.choice(parents)
            child = (first + len(entities), "department" if parent[1] == "ministry"
                     else "agency" if parent[3] == 0 else "other", parent[0], parent[3] + 1)
            entities.append(child)
            if child[3] < 2:
                parents.append(child)
        w.insert(Entity, ["id", "name", "short_name", "kind", "parent_id", "archived",
                          "created_at", "updated_at"],
                 [(pk, f"{kind.replace('_', ' ').title()} {pk}", "", kind, parent, False, now,
                   now) for pk, kind, parent, _depth in entities])
        implementing = [e[0] for e in entities if e[1] not in ("nhri", "civil_society")]
        # Some institutions carry much of the work: Zipf-like weights.
        weights = [1 / (rank + 1) ** 0.8 for rank in range(len(implementing))]
        rng.shuffle(weights)
        pick_entity = lambda: rng.choices(implementing, weights)[0]  # noqa: E731

        # -- focal points: one per implementing entity, a deputy for every fourth ------
        password = make_password(common_password())
        user_first = w.next_id(User)
        users, memberships = [], []
        for number, entity_id in enumerate(implementing):
            for deputy in ((False, True) if number % 4 == 0 else (False,)):
                pk = user_first + len(users)
                users.append((pk, password, False, f"{FOCAL_POINT_PREFIX}{pk}", "Focal",
                              f"Point {pk}", f"focal{pk}@example.org", False, True, now,
                              Role.FOCAL_POINT, ""))
                memberships.append((entity_id, pk, deputy, False, now))
        w.insert(User, ["id", "password", "is_superuser", "username", "first_name",
                        "last_name", "email", "is_staff", "is_active", "date_joined", "role",
                        "preferred_language"], users)
        w.insert(Membership, ["entity_id", "user_id", "is_deputy", "ended", "created_at"],
                 memberships)
        focal_of = {}
        for entity_id, user_id, _deputy, _ended, _at in memberships:
            focal_of.setdefault(entity_id, user_id)

        # -- clusters, their recommendations, their assignments --------------------------
        cluster_first = w.next_id(Cluster)
        clusters = list(range(cluster_first, cluster_first + size["clusters"]))
        w.insert(Cluster, ["id", "title", "description", "archived", "created_at",
                           "updated_at"],
                 [(pk, f"Cluster {pk}", "Recommendations handled together.", False, now, now)
                  for pk in clusters])
        links = [(pk, rec, now) for pk in clusters
                 for rec in rng.sample(rec_ids, min(len(rec_ids), rng.randint(5, 60)))]
        w.insert(ClusterRecommendation, ["cluster_id", "recommendation_id", "added_at"], links)
        assignments = []
        for pk in clusters:
            lead = pick_entity()
            support = pick_entity()
            assignments.append((None, pk, lead, "lead", False, now))
            if support != lead:
                assignments.append((None, pk, support, "supporting", False, now))

        # -- direct assignments: a lead for most, a supporting entity for some ---------
        assigned_to: dict[int, list[int]] = {}
        for rec in rec_ids:
            if rng.random() < DIRECT_LEAD_SHARE:
                lead = pick_entity()
                assignments.append((rec, None, lead, "lead", False, now))
                assigned_to.setdefault(lead, []).append(rec)
                if rng.random() < SUPPORTING_SHARE:
                    support = pick_entity()
                    if support != lead:
                        assignments.append((rec, None, support, "supporting", False, now))
        w.insert(Assignment, ["recommendation_id", "cluster_id", "entity_id", "role", "ended",
                              "created_at"], assignments)

        # -- implementation statuses, each with its history ------------------------------
        status_of = _weighted(rng, STATUSES)
        statuses, changes = [], []
        for rec in (a[0] for a in assignments if a[0] is not None and a[3] == "lead"):
            if rng.random() < STATUS_SHARE:
                value = status_of()
                statuses.append((rec, value, "Reported by the focal point.", 1, now))
                changes.append((rec, value, "not_started", "Reported by the focal point.", 1,
                                now))
        w.insert(RecommendationStatus, ["recommendation_id", "status", "reason", "version",
                                        "changed_at"], statuses)
        w.insert(StatusChange, ["recommendation_id", "status", "previous_status", "reason",
                                "version", "changed_at"], changes)

        # -- actions, linked to recommendations their entity is assigned, and clusters ---
        action_first = w.next_id(Action)
        actions, action_recs, action_clusters = [], [], []
        action_status = _weighted(rng, [("planned", 30), ("in_progress", 40),
                                        ("completed", 15), ("delayed", 10), ("cancelled", 5)])
        for number in range(size["actions"]):
            pk = action_first + number
            entity = pick_entity()
            start_date = datetime.date(2023, 1, 1) + datetime.timedelta(days=rng.randint(0, 1400))
            target = start_date + datetime.timedelta(days=rng.randint(90, 900))
            budget = Decimal(rng.randint(1, 500) * 1000) if rng.random() < 0.3 else None
            actions.append((pk, f"Action {pk}: carry out the plan", "What is to be done.",
                            entity, start_date, target, budget, "EUR" if budget else "",
                            action_status(), False, 0, focal_of.get(entity), now, now))
            own = assigned_to.get(entity) or rec_ids
            for rec in set(rng.choices(own, k=rng.randint(1, 5))):
                action_recs.append((pk, rec))
            if rng.random() < 0.1:
                action_clusters.append((pk, rng.choice(clusters)))
        w.insert(Action, ["id", "title", "description", "responsible_entity_id", "start_date",
                          "target_date", "budget", "currency", "status", "archived", "version",
                          "created_by_id", "created_at", "updated_at"], actions)
        w.insert(Action.recommendations.through, ["action_id", "recommendation_id"], action_recs)
        w.insert(Action.clusters.through, ["action_id", "cluster_id"], action_clusters)

        # -- indicators (one or two per action) and progress updates with values -------
        indicator_first = w.next_id(Indicator)
        indicators, of_action = [], {}
        frequency = _weighted(rng, [("quarterly", 50), ("half_yearly", 20), ("yearly", 20),
                                    ("monthly", 5), ("once", 5)])
        kind = _weighted(rng, [("structural", 20), ("process", 50), ("outcome", 30)])
        for action in actions:
            for _ in range(1 if rng.random() < 0.5 else 2):
                pk = indicator_first + len(indicators)
                indicators.append([pk, action[0], kind(), f"Indicator {pk}", "persons",
                                   Decimal(rng.randint(0, 100)), 2022,
                                   Decimal(rng.randint(100, 1000)), "Ministry statistics",
                                   "By sex and age", frequency(), None, None, False, 0,
                                   action[11], now, now])
                of_action.setdefault(action[0], []).append(indicators[-1])
        update_first = w.next_id(ProgressUpdate)
        updates, values = [], []
        state_of = _weighted(rng, STATES)
        reported: dict[int, datetime.date] = {}  # indicator: latest validated period end
        by_action = {action[0]: action for action in actions}
        action_ids = list(by_action)
        for number in range(size["updates"]):
            pk = update_first + number
            action = by_action[rng.choice(action_ids)]
            period_start = action[4] + datetime.timedelta(days=91 * rng.randint(0, 8))
            period_end = period_start + datetime.timedelta(days=90)
            state = state_of()
            updates.append((pk, action[0], period_start, period_end,
                            "Two courses held; the draft law went to the government.", state,
                            "Please add the figures by region." if state == "returned" else "",
                            1, action[11], now, now))
            for indicator in of_action[action[0]]:
                values.append((pk, indicator[0], Decimal(rng.randint(0, 1000))))
                if state in ("validated", "published"):
                    reported[indicator[0]] = max(reported.get(indicator[0], period_end),
                                                 period_end)
        # The next due date, as indicator_schedule computes it (its own functions).
        for row in indicators:
            action = by_action[row[1]]
            item = Indicator(frequency=row[10], first_due_date=None)
            item.action = Action(start_date=action[4], target_date=action[5])
            last = reported.get(row[0])
            row[12] = next((day for day in indicator_schedule.due_dates(item)
                            if last is None or day > last), None)
        w.insert(Indicator, ["id", "action_id", "kind", "title", "unit", "baseline_value",
                             "baseline_year", "target_value", "data_source", "disaggregation",
                             "frequency", "first_due_date", "next_due_date", "archived",
                             "version", "created_by_id", "created_at", "updated_at"],
                 [tuple(row) for row in indicators])
        w.insert(ProgressUpdate, ["id", "action_id", "period_start", "period_end", "narrative",
                                  "state", "review_comment", "version", "created_by_id",
                                  "created_at", "updated_at"], updates)
        w.insert(IndicatorValue, ["update_id", "indicator_id", "value"], values)
        followup_hook(w, rng, rec_ids)
        w.reset_sequences([Entity, User, Membership, Cluster, ClusterRecommendation,
                           Assignment, StatusChange, Action, Action.recommendations.through,
                           Action.clusters.through, Indicator, ProgressUpdate,
                           IndicatorValue])
    registry_changes.prune(keep_seconds=-60)  # the log of this load: housekeeping's job
    return {"seconds": round(time.perf_counter() - start, 1), "sizes": size,
            "rows": w.counts}


def followup_hook(writer: Writer, rng: random.Random, rec_ids: list[int]) -> None:
    """HOOK (follow-up calendar, app nmirf/followup, built in parallel): flag a share of
    the treaty-body recommendations for the follow-up procedure, so that
    `nmirf send-reminders` has follow-up replies among its deadlines. Skipped, with a note,
    until that app and its FollowUpFlag model exist; its other deadlines (reviews, action
    target dates, indicator due dates) come from the data above."""
    from django.apps import apps

    try:
        flag = apps.get_model("followup", "FollowUpFlag")
    except LookupError:
        common.log("tracking data: no follow-up app (nmirf/followup) yet: no recommendation "
                   "flagged for follow-up.")
        return
    from nmirf.recommendations.models import Recommendation

    # Intersected in Python: 250,000 ids are too many variables for one SQLite statement.
    wanted = set(rec_ids)
    treaty = sorted(pk for pk in Recommendation.objects.exclude(
        review__mechanism__code="UPR").values_list("pk", flat=True) if pk in wanted)
    chosen = rng.sample(treaty, len(treaty) // 20)
    flag.objects.bulk_create((flag(recommendation_id=pk) for pk in chosen), batch_size=5000)
    common.log(f"tracking data: {len(chosen):,} recommendations flagged for follow-up.")


def common_password() -> str:
    """Every generated focal point's password (the benchmark signs in with it)."""
    import bench_list

    return bench_list.PASSWORD


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--rows", type=int, help="the size the sizes scale with")
    args = parser.parse_args()
    import json

    import bench_list

    bench_list.setup_for_serving(args.database_url)
    print(json.dumps(generate(args.rows)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
