"""SQLite: one FTS5 table per kind of document, keyed by the object's own id.

With one table keyed by the document's id, a search had to map every match
back to its object (11,000 lookups for a common word over 100,000 cases,
about 10 ms) before the case list could use it. Keyed by the object id, the
matches are the case ids themselves. The tables are contentless (the text
lives in core_searchdocument); triggers keep them in step in the same
transaction as every write. PostgreSQL keeps its GIN index.
"""

from importlib import import_module

from django.db import migrations

KINDS = ("case", "article")  # core.search.SEARCH_KINDS at the time of this migration
OLD = [
    "DROP TRIGGER IF EXISTS core_search_au",
    "DROP TRIGGER IF EXISTS core_search_ad",
    "DROP TRIGGER IF EXISTS core_search_ai",
    "DROP TABLE IF EXISTS core_search_fts",
]


def _up(kind: str) -> list[str]:
    table = f"core_search_fts_{kind}"
    insert = f"INSERT INTO {table}(rowid, title, body) VALUES (new.object_id, new.title, new.body)"
    delete = f"INSERT INTO {table}({table}, rowid, title, body) VALUES ('delete', old.object_id, old.title, old.body)"
    return [
        f"CREATE VIRTUAL TABLE {table} USING fts5(title, body, content='', "
        "tokenize='porter unicode61 remove_diacritics 2')",
        f"CREATE TRIGGER {table}_ai AFTER INSERT ON core_searchdocument WHEN new.kind = '{kind}' "
        f"BEGIN {insert}; END",
        f"CREATE TRIGGER {table}_ad AFTER DELETE ON core_searchdocument WHEN old.kind = '{kind}' "
        f"BEGIN {delete}; END",
        f"CREATE TRIGGER {table}_au AFTER UPDATE ON core_searchdocument WHEN old.kind = '{kind}' "
        f"BEGIN {delete}; {insert}; END",
        f"INSERT INTO {table}(rowid, title, body) "
        f"SELECT object_id, title, body FROM core_searchdocument WHERE kind = '{kind}'",
    ]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for sql in OLD:
        schema_editor.execute(sql)
    for kind in KINDS:
        for sql in _up(kind):
            schema_editor.execute(sql)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for kind in KINDS:
        table = f"core_search_fts_{kind}"
        for suffix in ("au", "ad", "ai"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_{suffix}")
        schema_editor.execute(f"DROP TABLE IF EXISTS {table}")
    previous = import_module("casework.core.migrations.0002_fulltext_indexes")
    for sql in previous.SQLITE_UP:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("core", "0002_fulltext_indexes")]
    operations = [migrations.RunPython(forwards, backwards)]
