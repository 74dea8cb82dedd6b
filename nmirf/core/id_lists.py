"""One way to hand a list of ids to SQL, for every statement that reads "these rows".

The ids become one literal subquery (`SELECT value FROM json_each('[1,2,3]')` on SQLite,
`SELECT unnest('{1,2,3}'::bigint[])` on PostgreSQL) instead of `IN (%s, %s, …)`:
- a statement stays one statement whatever the number of ids (SQLite caps bound
  parameters; Django checks and binds each one, a third of an export's time);
- raw SQL kept as format strings (the registry index's link readers) can take it where a
  parameter's place in the list would depend on which placeholders a template fills.
It is written into the statement rather than bound because every id passes `int()` first:
nothing but digits and commas reaches the SQL.
"""

from django.db import connection
from django.db.models.expressions import RawSQL


def ids_subquery(ids) -> str:
    """SQL selecting each of `ids` (integers) once per row, in one column."""
    numbers = ",".join(str(int(pk)) for pk in ids)
    if connection.vendor == "postgresql":
        return f"SELECT unnest('{{{numbers}}}'::bigint[])"
    return f"SELECT value FROM json_each('[{numbers}]')"  # noqa: S608 - integers, formatted here


def and_among(column: str, ids) -> str:
    """` AND column IN (…ids)`, or "" where `ids` is None (no narrowing: every row)."""
    if ids is None:
        return ""
    return f" AND {column} IN ({ids_subquery(ids)})"


def among(ids) -> RawSQL:
    """The ids for an ORM look-up: `Model.objects.filter(pk__in=among(ids))`."""
    return RawSQL(ids_subquery(ids), ())
