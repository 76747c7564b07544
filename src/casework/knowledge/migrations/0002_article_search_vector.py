"""PostgreSQL only: a stored tsvector of each article (title, Markdown body, tags)
with its own GIN index. The shared index (core_searchdocument) recomputes
to_tsvector for rows the planner reads, which kept KB search above its 30 ms
budget at 10,000 articles; a generated column needs no code to stay current.
SQLite searches the shared FTS5 table (see knowledge/selectors.py)."""

from django.db import migrations

POSTGRES_UP = [
    "ALTER TABLE knowledge_article ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
    "to_tsvector('english'::regconfig, COALESCE(title, '') || ' ' || COALESCE(body, '') || ' ' "
    "|| COALESCE(tags::text, ''))) STORED",
    "CREATE INDEX knowledge_article_tsv ON knowledge_article USING gin (search_vector)",
]
POSTGRES_DOWN = [
    "DROP INDEX IF EXISTS knowledge_article_tsv",
    "ALTER TABLE knowledge_article DROP COLUMN IF EXISTS search_vector",
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in POSTGRES_UP:
            schema_editor.execute(sql)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in POSTGRES_DOWN:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0001_articles_and_feedback")]
    operations = [migrations.RunPython(forwards, backwards)]
