"""The raw write path of imports: INSERT statements whose column lists come from the
models' _meta, written as one statement for many rows.

An import writes tens of thousands of rows, so it bypasses the ORM (bulk_create costs
several times more) — but not the model: a `Table` lists every concrete column of its
model. The columns the import gives are named by the caller, in the order of its row
tuples; every other column gets its field's default (the same value for every row, added
once per row tuple) or, where the field is nullable, is left for the database (NULL, or
what a trigger puts there). A column that is neither given nor has a default nor may be
NULL stops the import at once with a line that names it, so a new NOT NULL column can
never make imports fail in a confusing way, or write rows that lack it.

On PostgreSQL rows go through COPY (psycopg 3): one stream instead of one statement per
row, several times faster than executemany there.
"""

from django.core.exceptions import ImproperlyConfigured
from django.db import connection

# Rows sent per executemany call (SQLite): bounded memory for the statement's parameters.
BATCH = 20_000


class Table:
    def __init__(self, model, given: tuple[str, ...]):
        """`given`: the attnames (review_id, not review) of the columns each row tuple
        holds, in that order."""
        meta = model._meta
        self.model = model
        self.name = meta.db_table
        fields = {field.attname: field for field in meta.concrete_fields}
        unknown = [name for name in given if name not in fields]
        if unknown:
            raise ImproperlyConfigured(f"{meta.label} has no column {', '.join(unknown)}")
        self._defaulted = []
        missing = []
        for attname, field in fields.items():
            if attname in given or (field.primary_key and field.auto_created):
                continue
            if field.has_default():
                self._defaulted.append(field)
            elif not field.null:
                missing.append(attname)
        if missing:
            raise ImproperlyConfigured(
                f"imports write {meta.label} without a value for {', '.join(missing)}: "
                "give the field a default, or let ingest/commit.py fill it")
        self.columns = [fields[name].column for name in given] + [
            field.column for field in self._defaulted]

    def constants(self) -> tuple:
        """The defaulted columns' values, prepared for the database (read for each
        import: a callable default, such as a time, is called once per import)."""
        return tuple(field.get_db_prep_save(field.get_default(), connection)
                     for field in self._defaulted)

    def insert(self, rows: list[tuple]) -> None:
        if not rows:
            return
        constants = self.constants()
        if constants:
            rows = [row + constants for row in rows]
        columns = ", ".join(connection.ops.quote_name(column) for column in self.columns)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # The psycopg cursor under Django's wrapper: COPY is not a statement that
                # Django's cursor runs.
                with cursor.cursor.copy(f"COPY {self.name} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                return
            placeholders = ", ".join(["%s"] * len(self.columns))
            sql = f"INSERT INTO {self.name} ({columns}) VALUES ({placeholders})"  # noqa: S608 - identifiers from code, values bound
            for start in range(0, len(rows), BATCH):
                cursor.executemany(sql, rows[start:start + BATCH])


def execute_many(sql: str, rows: list) -> None:
    """An UPDATE (or another statement) for many rows, in bounded batches."""
    if not rows:
        return
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            cursor.executemany(sql, rows[start:start + BATCH])
