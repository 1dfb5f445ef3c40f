"""Full-text search of interventions.

Every database gets `search_text`, the texts folded for the embedded SQLite search (filled
here for existing rows, then by Intervention.save()). PostgreSQL also gets:

- the `unaccent` extension and three text search configurations, `listening_english`,
  `listening_french` and `listening_spanish`: the built-in ones with accents removed before
  stemming, so that "regularisation" finds "régularisation";
- `search_document`, a stored generated tsvector column (so every write keeps it current,
  also bulk inserts and QuerySet.update()): the original title and text in the
  configuration of their language, the English title and translation in English, titles
  weighted above texts;
- a GIN index on it.

PostgreSQL then refuses to change the type of a column the generated one reads (title, body,
english_title, english_text, language): such a migration drops `search_document` first and
adds it back.

The model does not declare `search_document`: Django never reads or writes it, and the
selectors refer to it only in PostgreSQL-only SQL.
"""

from django.db import migrations, models

from interventions.search import normalize_search_text

CONFIG = (
    "CASE language WHEN 'fr' THEN 'listening_french'::regconfig "
    "WHEN 'es' THEN 'listening_spanish'::regconfig ELSE 'listening_english'::regconfig END"
)
DOCUMENT = (
    f"setweight(to_tsvector({CONFIG}, coalesce(title, '')), 'A') || "
    f"setweight(to_tsvector({CONFIG}, coalesce(body, '')), 'B') || "
    "setweight(to_tsvector('listening_english'::regconfig, coalesce(english_title, '')), 'A') || "
    "setweight(to_tsvector('listening_english'::regconfig, coalesce(english_text, '')), 'B')"
)
LANGUAGES = ("english", "french", "spanish")

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    *(
        sql
        for language in LANGUAGES
        for sql in (
            f"DROP TEXT SEARCH CONFIGURATION IF EXISTS listening_{language}",
            f"CREATE TEXT SEARCH CONFIGURATION listening_{language} (COPY = pg_catalog.{language})",
            f"ALTER TEXT SEARCH CONFIGURATION listening_{language} "
            f"ALTER MAPPING FOR hword, hword_part, word WITH unaccent, {language}_stem",
        )
    ),
    # Kept in the row (compressed) rather than TOASTed: a search reads it for every candidate
    # row (to match and to rank), and fetching it from the TOAST table costs several times
    # more than the search itself.
    f"ALTER TABLE interventions_intervention ADD COLUMN search_document tsvector "
    f"GENERATED ALWAYS AS ({DOCUMENT}) STORED, "
    "ALTER COLUMN search_document SET STORAGE MAIN",
    "CREATE INDEX interventions_search_document_gin ON interventions_intervention "
    "USING gin (search_document)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS interventions_search_document_gin",
    "ALTER TABLE interventions_intervention DROP COLUMN IF EXISTS search_document",
    *(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS listening_{language}" for language in LANGUAGES),
]


def _on_postgresql(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return run


def fill_search_text(apps, schema_editor):
    Intervention = apps.get_model("interventions", "Intervention")
    for intervention in Intervention.objects.only(
        "id", "title", "english_title", "body", "english_text"
    ).iterator(chunk_size=500):
        intervention.search_text = normalize_search_text(
            intervention.title, intervention.english_title, intervention.body, intervention.english_text
        )
        intervention.save(update_fields=["search_text"])


class Migration(migrations.Migration):
    dependencies = [
        ("interventions", "0005_intervention_reference"),
    ]

    operations = [
        migrations.AddField(
            model_name="intervention",
            name="search_text",
            field=models.TextField(blank=True, editable=False, verbose_name="search text"),
        ),
        migrations.RunPython(fill_search_text, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="intervention",
            index=models.Index(
                fields=["status", "decided_at", "id"], name="interventio_status_7b22d9_idx"
            ),
        ),
        migrations.RunPython(_on_postgresql(FORWARD), _on_postgresql(BACKWARD)),
    ]
