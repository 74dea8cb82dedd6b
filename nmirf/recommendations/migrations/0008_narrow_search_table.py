"""PostgreSQL: the full-text index moves out of the recommendations table into a narrow
table of its own, recommendation_search (id, search_vector), with the GIN index. Nothing
changes on SQLite (its FTS5 table already plays this part), but the always-empty
search_vector column is dropped there too.

Why: a GIN index has no index-only scans, so fetching the ids of a common word's matches
visits every table page that holds one. In the recommendations table (texts, folded texts,
vectors: ~1.5 KB a row) that is most of the table — about 25,000 pages at 250,000 rows,
more than the default shared_buffers holds. The narrow table is a fifth of that, so its
pages stay in memory (see "Fast list pages" in docs/developer-guide.md).

Kept exact by triggers on the recommendations table, like the FTS5 table on SQLite: every
insert (statement-level, so a COPY of 50,000 rows is one INSERT … SELECT), every change of
search_text, every delete and truncate. core/search.py is the only reader."""

from django.db import migrations

TABLE = "recommendations_recommendation"
SEARCH = "recommendation_search"
VECTOR = "to_tsvector('english'::regconfig, COALESCE({}.search_text, ''))"

PG_FORWARD = [
    f"""CREATE TABLE {SEARCH} (
        id integer PRIMARY KEY,
        search_vector tsvector NOT NULL
    )""",
    f"""INSERT INTO {SEARCH} (id, search_vector)
        SELECT id, COALESCE(search_vector, {VECTOR.format(TABLE)}) FROM {TABLE}""",
    f"CREATE INDEX rec_search_vector_gin ON {SEARCH} USING GIN (search_vector)",
    f"ANALYZE {SEARCH}",
    # The old column, its trigger and its index go.
    "DROP INDEX IF EXISTS rec_search_gin",
    f"DROP TRIGGER IF EXISTS recommendation_search_vector ON {TABLE}",
    "DROP FUNCTION IF EXISTS recommendation_search_vector()",
    f"""CREATE FUNCTION {SEARCH}_insert() RETURNS trigger AS $$
    BEGIN
        INSERT INTO {SEARCH} (id, search_vector)
            SELECT id, {VECTOR.format("new_rows")} FROM new_rows;
        RETURN NULL;
    END $$ LANGUAGE plpgsql""",
    f"""CREATE TRIGGER {SEARCH}_insert AFTER INSERT ON {TABLE}
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION {SEARCH}_insert()""",
    f"""CREATE FUNCTION {SEARCH}_update() RETURNS trigger AS $$
    BEGIN
        UPDATE {SEARCH} SET search_vector = {VECTOR.format("NEW")} WHERE id = NEW.id;
        RETURN NULL;
    END $$ LANGUAGE plpgsql""",
    # Only where the folded text changed: saving a recommendation rewrites every column.
    f"""CREATE TRIGGER {SEARCH}_update AFTER UPDATE OF search_text ON {TABLE}
    FOR EACH ROW WHEN (OLD.search_text IS DISTINCT FROM NEW.search_text)
    EXECUTE FUNCTION {SEARCH}_update()""",
    f"""CREATE FUNCTION {SEARCH}_delete() RETURNS trigger AS $$
    BEGIN
        DELETE FROM {SEARCH} USING old_rows WHERE {SEARCH}.id = old_rows.id;
        RETURN NULL;
    END $$ LANGUAGE plpgsql""",
    f"""CREATE TRIGGER {SEARCH}_delete AFTER DELETE ON {TABLE}
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION {SEARCH}_delete()""",
    f"""CREATE FUNCTION {SEARCH}_truncate() RETURNS trigger AS $$
    BEGIN
        TRUNCATE {SEARCH};
        RETURN NULL;
    END $$ LANGUAGE plpgsql""",
    f"""CREATE TRIGGER {SEARCH}_truncate AFTER TRUNCATE ON {TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION {SEARCH}_truncate()""",
]

# Back to migration 0002's column (re-added by the reversed RemoveField), trigger and index.
PG_BACKWARD = [
    *(f"DROP TRIGGER IF EXISTS {SEARCH}_{event} ON {TABLE}"
      for event in ("insert", "update", "delete", "truncate")),
    *(f"DROP FUNCTION IF EXISTS {SEARCH}_{event}()"
      for event in ("insert", "update", "delete", "truncate")),
    f"DROP TABLE IF EXISTS {SEARCH}",
    """CREATE FUNCTION recommendation_search_vector() RETURNS trigger AS $$
    BEGIN
        NEW.search_vector := to_tsvector('english'::regconfig, COALESCE(NEW.search_text, ''));
        RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    f"""CREATE TRIGGER recommendation_search_vector BEFORE INSERT OR UPDATE OF search_text
    ON {TABLE} FOR EACH ROW EXECUTE FUNCTION recommendation_search_vector()""",
    f"UPDATE {TABLE} SET search_vector = {VECTOR.format(TABLE)}",
    f"CREATE INDEX rec_search_gin ON {TABLE} USING GIN (search_vector)",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in PG_FORWARD:
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in PG_BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("recommendations", "0007_registry_change_log")]
    # Forward: fill the new table from the column, then drop it. Backward (in reverse
    # order): the column comes back (RemoveField reversed), then PG_BACKWARD fills it.
    operations = [
        migrations.RunPython(forward, backward),
        migrations.RemoveField(model_name="recommendation", name="search_vector"),
    ]
