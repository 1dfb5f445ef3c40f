"""What the PDF shows, read back from real WeasyPrint output with pypdf."""

import io

from django.conf import settings
from django.utils import translation
from pypdf import PdfReader

from briefs.pipeline import generate_pack_pdf
from briefs.selectors import PackFilters
from interventions.models import Region, Theme
from tests.factories import InterventionFactory, RegistrationFactory, UserFactory
from tests.helpers import pdf_text


def build(session, **filters):
    with translation.override("en"):
        return generate_pack_pdf(session=session, filters=PackFilters.build(**filters))


def test_pack_shows_approved_inputs_and_nothing_else(pack_session, approved):
    approved(title="Approved one", body="Sentinelapprovedalpha on the ground.")
    approved(title="Approved two", body="Sentinelapprovedbeta in the camps.")
    for status in ("draft", "submitted", "changes_requested", "rejected", "withdrawn"):
        InterventionFactory(
            session=pack_session,
            status=status,
            title=f"Hidden {status}",
            body=f"Sentinelhidden{status.replace('_', '')} must never appear.",
        )
    other_session_input = approved(session=InterventionFactory().session, body="Sentinelother")

    generated = build(pack_session)

    text = pdf_text(generated.pdf)
    assert generated.intervention_count == 2
    assert "Sentinelapprovedalpha" in text
    assert "Sentinelapprovedbeta" in text
    hidden = [
        word
        for word in (
            "Sentineldraft",
            "Sentinelhiddendraft",
            "Sentinelhiddensubmitted",
            "Sentinelhiddenchangesrequested",
            "Sentinelhiddenrejected",
            "Sentinelhiddenwithdrawn",
            "Sentinelother",
            other_session_input.title,
        )
        if word in text
    ]
    assert hidden == []


def test_each_input_appears_once_under_its_primary_theme(pack_session, approved):
    labour = Theme.objects.get(slug="labour-pathways")
    family = Theme.objects.get(slug="family-reunification")
    intervention = approved(primary_theme=labour, body="Sentinelonce appears once.")
    intervention.themes.set([family])

    generated = build(pack_session)

    text = pdf_text(generated.pdf)
    assert text.count("Sentinelonce") == 1
    # Only the primary theme gets a section; the other theme is named with the input.
    assert "1. Labour migration pathways" in text
    assert "Family reunification" in text.split("Sentinelonce")[0].split("Other themes")[1]
    assert "2. Family reunification" not in text


def test_anonymous_credit_leaks_no_name_or_organization(pack_session, approved):
    author = UserFactory(first_name="Zelinda", last_name="Quarrington")
    approved(
        author=author,
        credit="anonymous",
        credit_name="Zelinda Quarrington",
        credit_organization="Hushhush Collective",
        body="Sentinelanonymous text.",
    )
    approved(credit="organization", credit_name="Orlaith Named", credit_organization="Visible Org")

    text = pdf_text(build(pack_session).pdf)

    assert "Sentinelanonymous" in text
    assert "Anonymous participant" in text
    assert "Zelinda" not in text
    assert "Quarrington" not in text
    assert "Hushhush" not in text
    assert "Visible Org" in text
    assert "Orlaith" not in text


def test_french_input_shows_translation_then_original(pack_session, approved):
    approved(
        language="fr",
        title="Les titres de séjour expirés",
        english_title="Expired residence permits",
        body="Les travailleurs saisonniers étaient bloqués à la frontière.",
        english_text="Seasonal workers were stranded at the border.",
    )

    text = pdf_text(build(pack_session).pdf)

    translation_at = text.index("Seasonal workers were stranded at the border.")
    original_at = text.index("Les travailleurs saisonniers étaient bloqués à la frontière.")
    assert translation_at < original_at
    assert "Expired residence permits" in text
    assert "ORIGINAL (FRENCH)" in text  # a small-caps label
    assert "Translation pending" not in text


def test_spanish_input_without_translation_is_marked_pending(pack_session, approved):
    approved(language="es", title="Regularización", body="Durante la pandemia, sin traducción.")

    text = pdf_text(build(pack_session).pdf)

    assert "Translation pending" in text
    assert "Durante la pandemia, sin traducción." in text


def test_pack_has_metadata_contents_page_numbers_and_shipped_fonts(pack_session, approved):
    approved(body="First theme input.")
    approved(
        primary_theme=Theme.objects.get(slug="study-pathways"),
        regions=[Region.objects.get(slug="asia-pacific")],
        body="Second theme input.",
    )
    RegistrationFactory(
        session=pack_session, organization="Zeta Network", consent_to_be_listed=True
    )
    RegistrationFactory(session=pack_session, organization="alpha aid", consent_to_be_listed=True)
    RegistrationFactory(
        session=pack_session, organization="Zeta Network", consent_to_be_listed=True
    )
    RegistrationFactory(session=pack_session, organization="Secret Org", consent_to_be_listed=False)

    generated = build(pack_session)

    reader = PdfReader(io.BytesIO(generated.pdf))
    assert (
        reader.metadata.title == "Input pack: The Impact of COVID 19 on Regular Migration Pathways"
    )
    assert reader.metadata.author == "UN Network on Migration — Working Group 3"
    assert reader.trailer["/Root"]["/Lang"] == "en"
    assert len(reader.pages) == generated.page_count
    page_texts = [page.extract_text() for page in reader.pages]
    contents = next(t for t in page_texts if "Contents" in t and "Annex 2" in t)
    study_page = next(n for n, t in enumerate(page_texts, 1) if "Second theme input." in t)
    assert "Education and study pathways (1 input)" in contents
    assert (
        contents.split("Education and study pathways (1 input)")[1]
        .split("\n")[0]
        .rstrip(". ")
        .endswith(str(study_page))
    )
    assert f"Page {study_page} of {len(reader.pages)}" in page_texts[study_page - 1]
    fonts = set()
    for page in reader.pages:
        page_fonts = page["/Resources"]["/Font"]
        fonts.update(str(page_fonts[key]["/BaseFont"]) for key in page_fonts)
    # The shipped DejaVu files, loaded through @font-face under the pack's family names.
    assert any(font.endswith("+Pack-Serif") for font in fonts)
    assert any(font.endswith("+Pack-Sans-Bold") for font in fonts)
    text = pdf_text(generated.pdf)
    annex = text.split("agreed to be listed, in alphabetical order.")[1]
    assert annex.index("alpha aid") < annex.index("Zeta Network")
    assert annex.count("Zeta Network") == 1
    assert "Secret Org" not in text
    assert "Draft input — not for circulation" in text


def test_filters_narrow_the_pack(pack_session, approved):
    approved(kind="challenge", body="Sentinelchallenge")
    approved(kind="recommendation", body="Sentinelrecommendation")
    approved(
        kind="challenge",
        regions=[Region.objects.get(slug="arab-states")],
        body="Sentinelarab",
    )

    text = pdf_text(build(pack_session, kinds=["challenge"], regions=["africa"]).pdf)

    assert "Sentinelchallenge" in text
    assert "Sentinelrecommendation" not in text
    assert "Sentinelarab" not in text


def test_input_at_the_character_cap_in_one_token_lays_out_in_few_pages(pack_session, approved):
    approved(body="W" * settings.INTERVENTION_MAX_CHARS, title="T" * 200)

    generated = build(pack_session)

    # Broken into lines across the page width, 20,000 characters fill a few pages only.
    assert generated.page_count <= 16
    assert "W" * 40 in pdf_text(generated.pdf)


def test_each_input_carries_its_source_id(pack_session, approved):
    pack_session.number = 3
    pack_session.save(update_fields=["number"])
    first = approved(title="Permits lapsed", body="Sentinelcitable one.")
    second = approved(title="Consulates closed", body="Sentinelcitable two.")

    text = pdf_text(build(pack_session).pdf)

    assert (first.reference, second.reference) == ("LS3-001", "LS3-002")
    assert "LS3-001 Permits lapsed" in text
    assert "LS3-002 Consulates closed" in text
