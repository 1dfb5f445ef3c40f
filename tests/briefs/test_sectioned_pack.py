"""The pack laid out section by section and merged reads exactly like the pack laid out as one
document: the same text on every page, page numbers, contents, outline, links and metadata;
sections are stored and reused while unchanged, and laid out again when they change."""

import io
import re
import subprocess

import pikepdf
import pytest
from django.utils import timezone, translation
from PIL import Image, ImageChops
from pypdf import PdfReader

from briefs import pipeline
from briefs.pipeline import generate_pack_pdf, generate_single_pack_pdf, stored_part_keys
from briefs.selectors import PackFilters
from interventions.models import Region, Theme

WORDS = "Migrants lost their permits when the offices closed during the pandemic. " * 12


def pdftotext_pages(pdf: bytes, tmp_path, name: str) -> list[str]:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return text.split("\f")[:-1]


@pytest.fixture
def many(pack_session, approved, settings):
    """Inputs in three themes and several regions; a theme of more than
    PACK_SECTION_MAX_INPUTS inputs is split by region into several sections."""
    settings.PACK_SECTION_MAX_INPUTS = 6
    regions = list(Region.objects.order_by("order"))
    themes = [
        Theme.objects.get(slug="regularization"),
        Theme.objects.get(slug="labour-pathways"),
        Theme.objects.get(slug="family-reunification"),
    ]
    for n in range(26):
        theme = themes[0] if n < 16 else themes[1 + n % 2]
        approved(
            title=f"Input number {n}",
            body=f"Sentinel{n}. {WORDS}",
            primary_theme=theme,
            regions=[regions[n % len(regions)]],
        )
    return pack_session


@pytest.fixture
def both(many):
    now = timezone.now()
    with translation.override("en"):
        single = generate_single_pack_pdf(session=many, filters=PackFilters(), now=now)
        sectioned = generate_pack_pdf(session=many, filters=PackFilters(), now=now)
    return single, sectioned


def count_layouts(monkeypatch) -> list[str]:
    """Record each section WeasyPrint lays out (by its first heading)."""
    calls = []
    real = pipeline.render_part

    def counting(*, html, **kwargs):
        heading = re.search(r"<h[12][^>]*>([^<]*)<", html)
        calls.append(heading.group(1) if heading else "?")
        return real(html=html, **kwargs)

    monkeypatch.setattr(pipeline, "render_part", counting)
    return calls


def test_every_page_has_the_same_text_as_the_single_document(both, tmp_path):
    single, sectioned = both
    single_pages = pdftotext_pages(single.pdf, tmp_path, "single")
    sectioned_pages = pdftotext_pages(sectioned.pdf, tmp_path, "sectioned")
    assert sectioned.page_count == single.page_count == len(single_pages) > 12
    assert len(sectioned_pages) == len(single_pages)
    for number, (left, right) in enumerate(zip(single_pages, sectioned_pages, strict=True), 1):
        assert right == left, f"page {number} differs"
    last = single.page_count
    assert f"Page {last} of {last}" in sectioned_pages[-1]
    assert "Page 2 of" in sectioned_pages[1]
    assert "Page 1 of" not in sectioned_pages[0]


def test_a_large_theme_is_split_and_its_running_header_names_it(both, tmp_path):
    _single, sectioned = both
    pages = pdftotext_pages(sectioned.pdf, tmp_path, "sectioned")
    # 16 inputs under Regularization, more than 6: a section per region, each starting a page
    # whose header names the theme.
    regularization = [page for page in pages if "1. Regularization" in page.split("\n")[0]]
    assert len(regularization) >= 6
    # Cover, figures, Regularization in six (one per region), the two other themes, annexes
    # (and the contents, laid out at the merge).
    assert sectioned.timings["laid_out"] + sectioned.timings["reused"] == 11


def test_contents_entries_point_at_their_headings(both):
    _single, sectioned = both
    reader = PdfReader(io.BytesIO(sectioned.pdf))
    texts = [" ".join((page.extract_text() or "").split()) for page in reader.pages]
    contents = next(i for i, text in enumerate(texts) if text.startswith("Contents"))
    entries = re.findall(r"(\d\. [A-Z][\w ]+?) \(\d+ inputs?\) ?\.+ ?(\d+)", texts[contents])
    assert [title for title, _page in entries] == [
        "1. Regularization",
        "2. Labour migration pathways",
        "3. Family reunification",
    ]
    for title, page in entries:
        assert title in texts[int(page) - 1], f"{title} is not on page {page}"
    for annex in ("Annex 1. Participating organizations", "Annex 3. Note on method"):
        page = re.search(re.escape(annex) + r" ?\.+ ?(\d+)", texts[contents]).group(1)
        assert annex in texts[int(page) - 1]


def test_links_go_to_the_page_of_their_target(both):
    _single, sectioned = both
    pdf = pikepdf.open(io.BytesIO(sectioned.pdf))
    pages = {page.obj.objgen: index for index, page in enumerate(pdf.pages)}
    reader = PdfReader(io.BytesIO(sectioned.pdf))
    followed = {}
    for page in pdf.pages:
        for annotation in page.obj.get("/Annots", []):
            if annotation.get("/Subtype") != "/Link":
                continue
            destination = annotation.Dest
            assert isinstance(destination, pikepdf.Array), "links name an explicit page"
            followed[str(annotation.Contents)] = pages[destination[0].objgen]
    assert set(followed) >= {
        "key-figures",
        "theme-regularization",
        "theme-labour-pathways",
        "theme-family-reunification",
        "annex-organizations",
        "annex-matrix",
        "annex-method",
    }
    for target, page in followed.items():
        text = reader.pages[page].extract_text()
        heading = {"key-figures": "Key figures", "annex-method": "Annex 3. Note on method"}.get(
            target
        )
        if heading:
            assert heading in text
    assert "1. Regularization" in reader.pages[followed["theme-regularization"]].extract_text()


def outline_titles(pdf: bytes, depth: int) -> list[str]:
    with pikepdf.open(io.BytesIO(pdf)) as document, document.open_outline() as outline:

        def walk(items, level):
            found = []
            for item in items:
                if level <= depth:
                    found.append((level, item.title))
                found += walk(item.children, level + 1)
            return found

        return walk(outline.root, 1)


def test_the_outline_is_that_of_the_single_document(both):
    single, sectioned = both
    assert outline_titles(sectioned.pdf, 3) == outline_titles(single.pdf, 3)
    titles = outline_titles(sectioned.pdf, 2)
    assert (1, "1. Regularization") in titles
    assert (2, "Africa") in titles
    assert (1, "Annex 2. Evidence matrix") in titles


def test_title_author_and_language_are_those_of_the_single_document(both):
    single, sectioned = both
    with (
        pikepdf.open(io.BytesIO(single.pdf)) as left,
        pikepdf.open(io.BytesIO(sectioned.pdf)) as right,
    ):
        for key in ("/Title", "/Author", "/Subject"):
            assert str(right.docinfo[key]) == str(left.docinfo[key])
        assert str(right.Root.Lang) == "en"
        assert bool(right.Root.MarkInfo.Marked)
        assert str(right.docinfo["/Title"]).startswith("Input pack: ")


def test_each_section_is_closed_once_its_pages_are_merged(many, monkeypatch):
    """The merge holds one section open at a time (besides the merged PDF and the page
    numbers'), not every section until the save: a large pack's sections would not fit."""
    open_pdfs = []
    most_open = []
    real_open, real_close = pikepdf.open, pikepdf.Pdf.close

    def opening(*args, **kwargs):
        pdf = real_open(*args, **kwargs)
        open_pdfs.append(pdf)
        most_open.append(len(open_pdfs))
        return pdf

    def closing(pdf):
        if pdf in open_pdfs:
            open_pdfs.remove(pdf)
        real_close(pdf)

    monkeypatch.setattr(pikepdf, "open", opening)
    monkeypatch.setattr(pikepdf.Pdf, "close", closing)
    with translation.override("en"):
        sectioned = generate_pack_pdf(session=many, filters=PackFilters(), now=timezone.now())
    monkeypatch.undo()
    assert len(most_open) > 5
    assert max(most_open) == 3
    assert open_pdfs == []
    with pikepdf.open(io.BytesIO(sectioned.pdf)) as merged:
        assert len(merged.pages) == sectioned.page_count


def test_the_merged_pack_is_not_much_larger(both):
    single, sectioned = both
    assert len(sectioned.pdf) <= 1.6 * len(single.pdf)


def test_an_unchanged_section_is_reused(many, approved, monkeypatch):
    now = timezone.now()
    with translation.override("en"):
        first = generate_pack_pdf(session=many, filters=PackFilters(), now=now)
        calls = count_layouts(monkeypatch)
        again = generate_pack_pdf(session=many, filters=PackFilters(), now=now)
    # Only the contents is laid out again (it is always laid out last).
    assert calls == ["Contents"]
    assert again.page_count == first.page_count
    assert again.timings["laid_out"] == 0


def test_a_new_input_lays_out_its_section_the_figures_and_the_contents_only(
    many, approved, monkeypatch
):
    with translation.override("en"):
        generate_pack_pdf(session=many, filters=PackFilters())
        approved(
            title="One more",
            body="Sentinelnew",
            primary_theme=Theme.objects.get(slug="family-reunification"),
            regions=[Region.objects.get(slug="africa")],
        )
        calls = count_layouts(monkeypatch)
        generated = generate_pack_pdf(session=many, filters=PackFilters())
    # The cover, key figures and annexes count the inputs; the other sections are reused.
    assert sorted(calls) == [
        "3. Family reunification",
        "Annex 1. Participating organizations",
        "Contents",
        "Key figures",
        "The Impact of COVID 19 on Regular Migration Pathways",
    ]
    assert "Sentinelnew" in " ".join(
        page.extract_text() for page in PdfReader(io.BytesIO(generated.pdf)).pages
    )


def test_a_new_template_version_or_language_lays_everything_out_again(many, monkeypatch):
    with translation.override("en"):
        first = generate_pack_pdf(session=many, filters=PackFilters())
    pipeline.template_version.cache_clear()
    monkeypatch.setattr(pipeline, "PACK_TEMPLATE_VERSION", "another")
    calls = count_layouts(monkeypatch)
    try:
        with translation.override("en"):
            generate_pack_pdf(session=many, filters=PackFilters())
    finally:
        pipeline.template_version.cache_clear()
    sections = first.timings["laid_out"] + first.timings["reused"]
    assert len(calls) == sections + 1
    calls.clear()
    with translation.override("fr"):
        generate_pack_pdf(session=many, filters=PackFilters())
    assert len(calls) == sections + 1


def test_sections_are_stored_under_their_keys(many):
    with translation.override("en"):
        plan = pipeline.plan_pack(
            scope=pipeline.PackScope.build(session=many),
            filters=PackFilters(),
            now=timezone.now(),
        )
        generate_pack_pdf(session=many, filters=PackFilters(), now=plan.generated_at)
    stored = stored_part_keys()
    assert {part.cache_key for part in plan.parts if not part.is_contents} <= stored


def test_the_pages_look_the_same_as_the_single_document(both, tmp_path):
    """Every page as an image (cover, contents, headers, footers, the seams between sections):
    the merged pack draws what the single document draws."""
    single, sectioned = both
    images = {}
    for name, generated in (("single", single), ("sectioned", sectioned)):
        path = tmp_path / f"{name}.pdf"
        path.write_bytes(generated.pdf)
        subprocess.run(
            ["pdftoppm", "-png", "-r", "50", str(path), str(tmp_path / name)], check=True
        )
        images[name] = sorted(tmp_path.glob(f"{name}-*.png"))
    assert len(images["sectioned"]) == len(images["single"]) == single.page_count
    differing = []
    pairs = zip(images["single"], images["sectioned"], strict=True)
    for number, (left, right) in enumerate(pairs, 1):
        with Image.open(left) as a, Image.open(right) as b:
            if ImageChops.difference(a.convert("RGB"), b.convert("RGB")).getbbox() is not None:
                differing.append(number)
    assert differing == []
