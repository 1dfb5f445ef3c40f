"""The exports stream, and give the same bytes as the exports built in memory did.

`data/approved-export.csv` and `data/approved-export.json` were written by the in-memory
exports (before they streamed) from the data set `golden_selection` makes; the streamed
exports of the same data set must match them byte for byte.
"""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from interventions import exports
from interventions.enums import InterventionStatus as S
from interventions.models import Region, Theme
from interventions.selectors import filter_public_approved_interventions as approved_selection
from tests.factories import InterventionFactory, ListeningSessionFactory
from tests.helpers import response_bytes

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"
EXPORTS = {
    "csv": "/en/interventions/approved/export.csv",
    "json": "/en/interventions/approved/export.json",
}


@pytest.fixture
def golden_selection(db):
    """Five approved interventions with fixed ids and dates, texts with accents, quotes,
    line breaks, commas and cells a spreadsheet would run as formulas; one hidden draft."""
    session = ListeningSessionFactory(slug="golden-session", title="Golden session")
    africa = Region.objects.get(slug="africa")
    asia = Region.objects.get(slug="asia-pacific")
    regularization = Theme.objects.get(slug="regularization")
    labour = Theme.objects.get(slug="labour-pathways")
    decided = datetime(2026, 3, 4, 10, 30, tzinfo=UTC)
    rows = [
        {"title": "Permits renewed online", "body": "Renewals moved online, fees waived."},
        {
            "title": '=HYPERLINK("http://evil")',
            "body": 'Régularisation — accès aux soins;\n« délais » prolongés, "automatique".',
            "language": "fr",
            "english_title": "Regularization",
            "english_text": "+Access to care, extended deadlines.",
            "primary_theme": labour,
            "themes": [regularization],
            "regions": [africa, asia],
            "kind": "recommendation",
            "countries": ["FR", "SN"],
        },
        {
            "title": "-Trabajo temporal",
            "body": "@Empleadores, sindicatos y\tmigrantes.\r\nOtra línea.",
            "language": "es",
            "credit": "organization",
            "credit_organization": "Red, Migrante",
            "deliver_orally": True,
        },
        {"title": "Anonymous", "body": "", "credit": "anonymous", "stakeholder_type": "academia"},
        {
            "title": "Oral record",
            "body": "Said on the call.",
            "channel": "oral",
            "delivered_at": datetime(2026, 3, 1, 9, 0, tzinfo=UTC),
        },
    ]
    for offset, values in enumerate(rows):
        themes = values.pop("themes", [])
        regions = values.pop("regions", [africa])
        values.setdefault("primary_theme", regularization)
        intervention = InterventionFactory(
            pk=880001 + offset,
            session=session,
            status=S.APPROVED,
            credit_name="Ana Ruiz",
            submitted_at=datetime(2026, 3, 2, 8, offset, tzinfo=UTC),
            decided_at=decided,
            regions=regions,
            **values,
        )
        intervention.themes.set(themes)
    InterventionFactory(session=session, status=S.DRAFT, title="Hidden draft")
    return session


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_export_matches_the_in_memory_export_byte_for_byte(client, wg3, golden_selection, fmt):
    client.force_login(wg3)
    response = client.get(EXPORTS[fmt])
    assert response.status_code == 200
    assert response.streaming
    assert response_bytes(response) == (DATA / f"approved-export.{fmt}").read_bytes()


def test_empty_selection_gives_the_same_files_as_before(client, wg3, golden_selection):
    client.force_login(wg3)
    csv_file = response_bytes(client.get(EXPORTS["csv"], {"kind": "collaboration"}))
    json_file = response_bytes(client.get(EXPORTS["json"], {"kind": "collaboration"}))
    header = (DATA / "approved-export.csv").read_bytes().split(b"\r\n")[0] + b"\r\n"
    assert (csv_file, json_file) == (header, b'{\n  "interventions": []\n}')


def test_a_large_export_streams_in_several_chunks_with_the_one_piece_dump(
    client, wg3, session, django_assert_max_num_queries
):
    for number in range(80):
        intervention = InterventionFactory(
            session=session, status=S.APPROVED, body=f"Texte n° {number}: " + "é«»" * 900
        )
        intervention.themes.set([Theme.objects.get(slug="labour-pathways")])
    client.force_login(wg3)
    response = client.get(EXPORTS["json"])
    with django_assert_max_num_queries(12):
        chunks = list(response.streaming_content)
    rows = [exports.intervention_row(i) for i in approved_selection()]
    expected = json.dumps({"interventions": rows}, ensure_ascii=False, indent=2).encode()
    assert (len(chunks) > 2, b"".join(chunks)) == (True, expected)
