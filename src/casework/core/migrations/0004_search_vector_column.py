"""PostgreSQL: the documents' tsvector stored in a generated column, GIN-indexed.

A search that walks cases in the requested order tests each candidate's
document; with the vector stored, that test reads it instead of running
to_tsvector over the whole conversation again (about 15 microseconds a
document, 8 ms for a page of a common word). SQLite keeps its FTS5 tables.
"""

from django.db import migrations

UP = [
    "ALTER TABLE core_searchdocument ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS "
    "(to_tsvector('english'::regconfig, COALESCE(title, '') || ' ' || COALESCE(body, ''))) STORED",
    "CREATE INDEX search_doc_tsv_stored ON core_searchdocument USING gin (search_tsv)",
    "DROP INDEX IF EXISTS search_doc_tsv",
]
DOWN = [
    "CREATE INDEX search_doc_tsv ON core_searchdocument USING gin "
    "(to_tsvector('english'::regconfig, COALESCE(title, '') || ' ' || COALESCE(body, '')))",
    "DROP INDEX IF EXISTS search_doc_tsv_stored",
    "ALTER TABLE core_searchdocument DROP COLUMN IF EXISTS search_tsv",
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in UP:
            schema_editor.execute(sql)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in DOWN:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("core", "0003_fulltext_per_kind")]
    operations = [migrations.RunPython(forwards, backwards)]
