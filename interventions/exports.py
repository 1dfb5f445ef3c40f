"""CSV and JSON exports of approved interventions, for Working Group 3."""

import json
from collections.abc import Iterable, Iterator

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone

from core.spreadsheets import chunked, csv_download, csv_stream

from .models import Intervention, Quote

COLUMNS = [
    "id",
    "reference",
    "session",
    "channel",
    "kind",
    "title",
    "language",
    "text",
    "english_title",
    "english_text",
    "primary_theme",
    "other_themes",
    "regions",
    "countries",
    "credit",
    "stakeholder_type",
    "deliver_orally",
    "delivered_at",
    "submitted_at",
    "decided_at",
]


def intervention_row(intervention: Intervention) -> dict:
    """One intervention as plain values, credited exactly as its author consented."""
    return {
        "id": intervention.pk,
        "reference": intervention.reference,
        "session": intervention.session.slug,
        "channel": intervention.channel,
        "kind": intervention.kind,
        "title": intervention.title,
        "language": intervention.language,
        "text": intervention.body,
        "english_title": intervention.english_title,
        "english_text": intervention.english_text,
        "primary_theme": intervention.primary_theme.slug,
        "other_themes": [t.slug for t in intervention.themes.all()],
        "regions": [r.slug for r in intervention.regions.all()],
        "countries": [c.code for c in intervention.countries],
        "credit": intervention.public_credit,
        "stakeholder_type": intervention.stakeholder_type,
        "deliver_orally": intervention.deliver_orally,
        "delivered_at": intervention.delivered_at.isoformat()
        if intervention.delivered_at
        else None,
        "submitted_at": intervention.submitted_at.isoformat()
        if intervention.submitted_at
        else None,
        "decided_at": intervention.decided_at.isoformat() if intervention.decided_at else None,
    }


def _filename(extension: str) -> str:
    return f"approved-interventions-{timezone.now():%Y%m%d-%H%M}.{extension}"


def approved_interventions_csv(*, interventions: Iterable[Intervention]) -> StreamingHttpResponse:
    """UTF-8 CSV with a byte order mark (so spreadsheets read the accents), one row each,
    streamed as the interventions are read (pass an iterator to keep memory flat)."""
    rows = (
        ["; ".join(v) if isinstance(v, list) else v for v in (row[c] for c in COLUMNS)]
        for row in map(intervention_row, interventions)
    )
    return csv_stream(filename=_filename("csv"), header=COLUMNS, rows=rows)


def _json_pieces(interventions: Iterable[Intervention]) -> Iterator[str]:
    """The text of `json.dumps({"interventions": [...]}, indent=2, ensure_ascii=False)`, one
    intervention at a time (JSON strings hold no raw line break, so indenting each object's
    lines nests it exactly as the one-piece dump does)."""
    separator = '{\n  "interventions": [\n    '
    for intervention in interventions:
        text = json.dumps(intervention_row(intervention), ensure_ascii=False, indent=2)
        yield separator + text.replace("\n", "\n    ")
        separator = ",\n    "
    yield '{\n  "interventions": []\n}' if separator.startswith("{") else "\n  ]\n}"


def approved_interventions_json(*, interventions: Iterable[Intervention]) -> StreamingHttpResponse:
    """The same selection as a JSON list of objects, streamed like the CSV."""
    response = StreamingHttpResponse(
        chunked(_json_pieces(interventions)), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename("json")}"'
    response["Cache-Control"] = "private, no-store"
    return response


QUOTE_COLUMNS = [
    "quote_id",
    "reference",
    "session",
    "intervention_title",
    "quoted_from",
    "passage",
    "codes",
    "note",
    "source_changed",
    "quoted_by",
    "quoted_at",
]


def quote_row(quote: Quote) -> list:
    """One quote as plain values: its source ID, the passage as quoted, its codes."""
    intervention = quote.intervention
    return [
        quote.pk,
        intervention.reference,
        intervention.session.slug,
        intervention.english_title or intervention.title,
        quote.source,
        quote.text,
        "; ".join(code.slug for code in quote.codes.all()),
        quote.note,
        "yes" if quote.source_changed else "no",
        quote.created_by.email if quote.created_by else "",
        quote.created_at.isoformat(),
    ]


def quotes_csv(*, quotes) -> HttpResponse:
    """The quote bank (or a filtered part of it) as a spreadsheet-safe CSV."""
    return csv_download(
        filename=f"quotes-{timezone.now():%Y%m%d-%H%M}.csv",
        header=QUOTE_COLUMNS,
        rows=(quote_row(quote) for quote in quotes),
    )
