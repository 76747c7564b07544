"""Full-text indexes over core_searchdocument, one per database engine.

SQLite: an FTS5 table with the documents as external content, kept in step by
triggers, so every insert/update/delete of a document (bulk ones included)
updates the index in the same transaction. PostgreSQL: a GIN index over the
same tsvector expression search.py queries with (config included, or the
index would not be used).
"""

from django.db import migrations

SQLITE_UP = [
    "CREATE VIRTUAL TABLE core_search_fts USING fts5(title, body, content='core_searchdocument', "
    "content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER core_search_ai AFTER INSERT ON core_searchdocument BEGIN "
    "INSERT INTO core_search_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
    "CREATE TRIGGER core_search_ad AFTER DELETE ON core_searchdocument BEGIN "
    "INSERT INTO core_search_fts(core_search_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body); END",
    "CREATE TRIGGER core_search_au AFTER UPDATE ON core_searchdocument BEGIN "
    "INSERT INTO core_search_fts(core_search_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body); "
    "INSERT INTO core_search_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS core_search_au",
    "DROP TRIGGER IF EXISTS core_search_ad",
    "DROP TRIGGER IF EXISTS core_search_ai",
    "DROP TABLE IF EXISTS core_search_fts",
]
POSTGRES_UP = [
    "CREATE INDEX search_doc_tsv ON core_searchdocument USING gin "
    "(to_tsvector('english'::regconfig, COALESCE(title, '') || ' ' || COALESCE(body, '')))",
]
POSTGRES_DOWN = ["DROP INDEX IF EXISTS search_doc_tsv"]


def forwards(apps, schema_editor):
    statements = SQLITE_UP if schema_editor.connection.vendor == "sqlite" else POSTGRES_UP
    for sql in statements:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    statements = SQLITE_DOWN if schema_editor.connection.vendor == "sqlite" else POSTGRES_DOWN
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
