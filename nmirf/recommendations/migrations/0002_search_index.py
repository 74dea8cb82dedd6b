"""Full-text index of recommendations: FTS5 on SQLite (kept in step by triggers); on
PostgreSQL a tsvector column kept by a trigger, with a GIN index. See nmirf/core/search.py."""

from django.db import migrations

TABLE = "recommendations_recommendation"

SQLITE_FORWARD = [
    f"""CREATE VIRTUAL TABLE recommendation_fts USING fts5(
        search_text, content='{TABLE}', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2')""",
    f"""CREATE TRIGGER recommendation_fts_ai AFTER INSERT ON {TABLE} BEGIN
        INSERT INTO recommendation_fts(rowid, search_text) VALUES (new.id, new.search_text);
    END""",
    f"""CREATE TRIGGER recommendation_fts_ad AFTER DELETE ON {TABLE} BEGIN
        INSERT INTO recommendation_fts(recommendation_fts, rowid, search_text)
        VALUES ('delete', old.id, old.search_text);
    END""",
    f"""CREATE TRIGGER recommendation_fts_au AFTER UPDATE OF search_text ON {TABLE} BEGIN
        INSERT INTO recommendation_fts(recommendation_fts, rowid, search_text)
        VALUES ('delete', old.id, old.search_text);
        INSERT INTO recommendation_fts(rowid, search_text) VALUES (new.id, new.search_text);
    END""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS recommendation_fts_ai",
    "DROP TRIGGER IF EXISTS recommendation_fts_ad",
    "DROP TRIGGER IF EXISTS recommendation_fts_au",
    "DROP TABLE IF EXISTS recommendation_fts",
]
PG_FORWARD = [
    """CREATE FUNCTION recommendation_search_vector() RETURNS trigger AS $$
    BEGIN
        NEW.search_vector := to_tsvector('english'::regconfig, COALESCE(NEW.search_text, ''));
        RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    f"""CREATE TRIGGER recommendation_search_vector BEFORE INSERT OR UPDATE OF search_text
    ON {TABLE} FOR EACH ROW EXECUTE FUNCTION recommendation_search_vector()""",
    f"CREATE INDEX rec_search_gin ON {TABLE} USING GIN (search_vector)",
]
PG_BACKWARD = [
    "DROP INDEX IF EXISTS rec_search_gin",
    f"DROP TRIGGER IF EXISTS recommendation_search_vector ON {TABLE}",
    "DROP FUNCTION IF EXISTS recommendation_search_vector()",
]


def forward(apps, schema_editor):
    statements = SQLITE_FORWARD if schema_editor.connection.vendor == "sqlite" else PG_FORWARD
    for statement in statements:
        schema_editor.execute(statement)


def backward(apps, schema_editor):
    statements = SQLITE_BACKWARD if schema_editor.connection.vendor == "sqlite" else PG_BACKWARD
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("recommendations", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
