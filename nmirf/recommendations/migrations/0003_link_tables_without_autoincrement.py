"""On SQLite, the tables that imports fill by the ten thousand and whose ids nobody refers
to — recommending states, terms of recommendations, source records — become plain rowid
tables, without AUTOINCREMENT.

Django declares every automatic id AUTOINCREMENT on SQLite, which makes SQLite consult its
sequence table for each row inserted: on these three tables, half the time of writing a
40,000-row import. Without it, a new row takes the largest id + 1, as on any rowid table;
the only difference is that the id of a deleted last row may be given again, which does
not matter for rows that nothing points to. PostgreSQL is not concerned.

A later migration that rebuilds one of these tables (Django does so to alter a column)
would bring AUTOINCREMENT back: tests/recommendations/test_schema.py says so.
"""

from django.db import migrations

TABLES = [
    "recommendations_recommendingstate",
    "recommendations_recommendationterm",
    "recommendations_sourcerecord",
]


def _rebuild(schema_editor, drop: str, add: str) -> None:
    """Rebuild each table from its own definition, `drop` removed from it and `add` put in
    its place, with its rows and its indexes."""
    connection = schema_editor.connection
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = %s",
                           [table])
            (create,) = cursor.fetchone()
            if drop not in create:
                continue
            cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'index' "
                           "AND tbl_name = %s AND sql IS NOT NULL", [table])
            indexes = [sql for (sql,) in cursor.fetchall()]
            rebuilt = f"{table}__rebuilt"
            cursor.execute(create.replace(f'"{table}"', f'"{rebuilt}"', 1).replace(drop, add))
            cursor.execute(f'INSERT INTO "{rebuilt}" SELECT * FROM "{table}"')
            cursor.execute(f'DROP TABLE "{table}"')
            cursor.execute(f'ALTER TABLE "{rebuilt}" RENAME TO "{table}"')
            for sql in indexes:
                cursor.execute(sql)


def without_autoincrement(apps, schema_editor):
    _rebuild(schema_editor, " PRIMARY KEY AUTOINCREMENT", " PRIMARY KEY")


def with_autoincrement(apps, schema_editor):
    _rebuild(schema_editor, '"id" integer NOT NULL PRIMARY KEY,',
             '"id" integer NOT NULL PRIMARY KEY AUTOINCREMENT,')


class Migration(migrations.Migration):
    dependencies = [("recommendations", "0002_search_index")]

    operations = [migrations.RunPython(without_autoincrement, with_autoincrement)]
