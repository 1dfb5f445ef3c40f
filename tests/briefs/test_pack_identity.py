"""A pack says what it is: its filter on the key-figures page, in the running header and in the
download's file name; the note on method explains primary themes; an empty filter warns; the
cover tells a scheduled session from a held one."""

import io

import pytest
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from briefs.models import BriefPack
from briefs.pipeline import generate_pack_pdf
from briefs.selectors import PackFilters
from briefs.tasks import task_build_brief_pack
from core.models import OutboxMessage
from interventions.models import Region, Theme
from sessions_app.enums import SessionStatus
from tests.helpers import pdf_text


def build(session, **filters):
    with translation.override("en"):
        return generate_pack_pdf(session=session, filters=PackFilters.build(**filters))


def pages(pdf: bytes) -> list[str]:
    return [
        " ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(pdf)).pages
    ]


@pytest.fixture
def themed(pack_session, approved):
    """An input on labour pathways that also concerns regularization, and one on family
    reunification, both about Africa."""
    labour = Theme.objects.get(slug="labour-pathways")
    regularization = Theme.objects.get(slug="regularization")
    family = Theme.objects.get(slug="family-reunification")
    africa = Region.objects.get(slug="africa")
    first = approved(primary_theme=labour, regions=[africa], body="Sentinellabour")
    first.themes.set([regularization])
    approved(primary_theme=family, regions=[africa], body="Sentinelfamily")
    return pack_session


def test_the_key_figures_page_names_the_filter(themed):
    filtered = pages(build(themed, themes=["regularization"], regions=["africa"]).pdf)
    figures = next(page for page in filtered if "Key figures" in page and "approved inputs" in page)
    assert (
        "A filtered pack: the figures count only the inputs that match Themes: Regularization; "
        "Regions: Africa."
    ) in figures

    unfiltered = pages(build(themed).pdf)
    figures = next(
        page for page in unfiltered if "Key figures" in page and "approved inputs" in page
    )
    assert "All approved inputs of the session, without a filter." in figures
    assert "A filtered pack" not in figures


def test_the_running_header_names_the_filter(themed):
    filtered = pages(build(themed, themes=["regularization"]).pdf)
    header = "UN Network on Migration · Working Group 3 · Input pack · Themes: Regularization"
    # Every page but the cover carries it.
    assert [header in page for page in filtered] == [False] + [True] * (len(filtered) - 1)

    unfiltered = pages(build(themed).pdf)
    assert all("Input pack · Themes" not in page for page in unfiltered)
    assert "UN Network on Migration · Working Group 3 · Input pack" in unfiltered[1]


def test_the_download_file_name_says_what_the_pack_holds(client, wg3, themed):
    client.force_login(wg3)
    client.post(
        reverse("briefs:session", kwargs={"slug": themed.slug}),
        {"themes": ["regularization"], "regions": ["africa"], "kinds": ["challenge"]},
    )
    pack = BriefPack.objects.get()
    task_build_brief_pack(pack_id=pack.pk)
    pack.refresh_from_db()

    response = client.get(reverse("briefs:download", kwargs={"pk": pack.pk}))

    built = pack.finished_at.strftime("%Y-%m-%d-%H%M")
    assert response["Content-Disposition"] == (
        f'attachment; filename="input-pack-{themed.slug}-regularization-africa-challenge-'
        f'{built}.pdf"'
    )


def test_the_method_note_explains_primary_themes_in_a_theme_filtered_pack(themed):
    text = pdf_text(build(themed, themes=["regularization"]).pdf)

    # The input on labour pathways matches the regularization filter and sits under its own
    # primary theme: the only section is labour pathways.
    assert "1. Labour migration pathways" in text
    assert "Sentinellabour" in text
    assert "Sentinelfamily" not in text
    assert (
        "since each input sits under its primary theme only, a pack filtered by theme can show "
        "sections of other themes, holding inputs whose other themes include the one chosen."
    ) in text
    assert "a pack filtered by theme can show" not in pdf_text(build(themed).pdf)


def test_a_filter_matching_no_input_warns_and_builds_nothing(client, wg3, themed):
    client.force_login(wg3)

    response = client.post(
        reverse("briefs:session", kwargs={"slug": themed.slug}), {"regions": ["arab-states"]}
    )

    assert response.status_code == 400
    assert (
        "No approved input matches these filters, so no pack was built. Choose other filters."
    ) in response.content.decode()
    assert BriefPack.objects.count() == 0
    assert OutboxMessage.objects.count() == 0


def test_a_session_without_approved_inputs_warns_and_builds_nothing(client, wg3, pack_session):
    client.force_login(wg3)

    response = client.post(reverse("briefs:session", kwargs={"slug": pack_session.slug}), {})

    assert response.status_code == 400
    assert (
        "This session has no approved input yet, so there is nothing to put in a pack."
    ) in response.content.decode()
    assert BriefPack.objects.count() == 0


def test_the_cover_says_scheduled_until_the_session_is_held(themed):
    date = themed.starts_at.strftime("%-d %B %Y")

    cover = pages(build(themed).pdf)[0]
    assert f"Listening session scheduled for {date}" in cover
    assert "held on" not in cover

    themed.status = SessionStatus.HELD
    themed.save(update_fields=["status"])
    cover = pages(build(themed).pdf)[0]
    assert f"Listening session held on {date}" in cover
    assert "scheduled for" not in cover
