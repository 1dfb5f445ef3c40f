"""The pack as a tagged PDF (PDF/UA-1), read back: its structure, language, figures and
fonts for every script a stakeholder may write in."""

import io
import logging
import re
import subprocess
from collections import defaultdict

import pytest
from django.utils import translation
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, NumberObject

from briefs.charts import bar_chart_svg
from briefs.pipeline import generate_pack_pdf
from briefs.rendering import render_pdf
from briefs.selectors import PackFilters
from interventions.models import Theme
from tests.helpers import pdf_text

MULTILINGUAL = (
    "Latin: Ça été ñandú żółć. Arabic: العمال المهاجرون فقدوا تصاريحهم. "
    "Cyrillic: Мигранты потеряли разрешения. Chinese: 移民工人失去了许可证。 "
    "Japanese: 移住労働者のビザ. Korean: 이주 노동자. Emoji: 🙂 🌍 👍 ❤ ✊ 📄"
)


def build(session):
    with translation.override("en"):
        return generate_pack_pdf(session=session, filters=PackFilters())


def marked_texts(reader: PdfReader) -> dict[tuple[int, int], str]:
    """The text of each marked-content sequence: {(page index, MCID): text}."""
    texts: dict[tuple[int, int], str] = defaultdict(str)
    for index, page in enumerate(reader.pages):
        stack: list[int | None] = []

        def before(operator, operands, cm, tm, stack=stack):
            if operator == b"BDC":
                properties = operands[1] if len(operands) > 1 else None
                mcid = properties.get("/MCID") if isinstance(properties, dict) else None
                stack.append(mcid)
            elif operator == b"BMC":
                stack.append(None)
            elif operator == b"EMC" and stack:
                stack.pop()

        def text(value, cm, tm, font, size, stack=stack, index=index):
            current = next((mcid for mcid in reversed(stack) if mcid is not None), None)
            if current is not None:
                texts[(index, current)] += value

        page.extract_text(visitor_operand_before=before, visitor_text=text)
    return texts


def structure(reader: PdfReader) -> list[tuple[str, str, str]]:
    """Every structure element in reading order: (type, its text, its /Alt)."""
    pages = {page.indirect_reference.idnum: n for n, page in enumerate(reader.pages)}
    texts = marked_texts(reader)
    found = []

    def page_of(element, page) -> int:
        if "/Pg" not in element:
            return page
        return pages.get(element.raw_get("/Pg").idnum, page)

    def text_of(element, page) -> str:
        kids = element.get("/K")
        if kids is None:
            return ""
        kids = kids if isinstance(kids, ArrayObject) else [kids]
        parts = []
        for kid in kids:
            kid = kid.get_object() if hasattr(kid, "get_object") else kid
            if isinstance(kid, (NumberObject, int)):
                parts.append(texts.get((page, int(kid)), ""))
            elif isinstance(kid, DictionaryObject) and "/MCID" in kid:
                parts.append(texts.get((page_of(kid, page), int(kid["/MCID"])), ""))
            elif isinstance(kid, DictionaryObject) and "/S" in kid:
                parts.append(text_of(kid, page_of(kid, page)))
        return "".join(parts)

    def walk(element, page):
        element = element.get_object()
        page = page_of(element, page)
        kind = str(element.get("/S", ""))
        if kind:
            alt = str(element.get("/Alt", ""))
            found.append((kind, " ".join(text_of(element, page).split()), alt))
        kids = element.get("/K")
        if kids is None:
            return
        for kid in kids if isinstance(kids, ArrayObject) else [kids]:
            kid = kid.get_object() if hasattr(kid, "get_object") else kid
            if isinstance(kid, DictionaryObject) and "/S" in kid:
                walk(kid, page)

    walk(reader.trailer["/Root"]["/StructTreeRoot"], 0)
    return found


@pytest.fixture
def tagged_pack(pack_session, approved):
    regularization = Theme.objects.get(slug="regularization")
    labour = Theme.objects.get(slug="labour-pathways")
    approved(title="Amnesty in the Gulf", primary_theme=regularization)
    approved(title="Seasonal work visas", primary_theme=labour)
    approved(title="Another permit story", primary_theme=labour)
    return build(pack_session)


def test_the_pack_is_a_tagged_pdf_in_english(tagged_pack):
    reader = PdfReader(io.BytesIO(tagged_pack.pdf))
    root = reader.trailer["/Root"]
    assert (str(root["/Lang"]), str(root["/MarkInfo"]["/Marked"]).lower()) == ("en", "true")
    assert "/StructTreeRoot" in root
    assert str(root["/ViewerPreferences"]["/DisplayDocTitle"]).lower() == "true"


def test_pdfinfo_reports_the_pack_as_tagged(tagged_pack, tmp_path):
    path = tmp_path / "pack.pdf"
    path.write_bytes(tagged_pack.pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    assert re.search(r"^Tagged:\s+yes$", info.stdout, re.M)


def test_the_structure_tree_holds_every_theme_heading(tagged_pack):
    elements = structure(PdfReader(io.BytesIO(tagged_pack.pdf)))
    headings = [(kind, text) for kind, text, _ in elements if re.fullmatch(r"/H[1-6]", kind)]
    assert ("/H1", "1. Regularization") in headings
    assert ("/H1", "2. Labour migration pathways") in headings
    assert ("/H1", "Contents") in headings
    kinds = {kind for kind, _, _ in elements}
    assert {"/L", "/LI", "/Table", "/TR", "/Figure"} <= kinds


def test_contents_come_right_after_the_cover(tagged_pack):
    headings = [
        text for kind, text, _ in structure(PdfReader(io.BytesIO(tagged_pack.pdf))) if kind == "/H1"
    ]
    assert headings.index("Contents") < headings.index("Key figures")
    assert headings.index("Contents") == 1  # after the cover's title


def test_charts_have_text_alternatives_with_their_values(tagged_pack):
    figures = [
        alt
        for kind, _, alt in structure(PdfReader(io.BytesIO(tagged_pack.pdf)))
        if kind == "/Figure"
    ]
    assert len(figures) == 4
    assert "Inputs by primary theme: " in " ".join(figures)
    assert "Labour migration pathways 2" in " ".join(figures)


def test_every_script_renders_without_a_missing_glyph(pack_session, approved, caplog):
    approved(title="Multilingual", body=MULTILINGUAL)
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        generated = build(pack_session)
    missing = [record.getMessage() for record in caplog.records if ".notdef" in record.getMessage()]
    assert missing == []
    text = pdf_text(generated.pdf)
    for sample in ("Мигранты", "移民工人失去了许可证", "이주 노동자", "🌍"):
        assert sample in text
    fonts = {
        str(font.get_object()["/BaseFont"]).split("+", 1)[-1]
        for page in PdfReader(io.BytesIO(generated.pdf)).pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert {"Pack-Naskh", "Pack-CJK"} <= fonts
    assert any(name.startswith("Pack-Emoji") for name in fonts)


def test_a_missing_glyph_is_noticed(caplog):
    """The check itself works: a character no shipped font has is logged as .notdef."""
    html = '<html lang="en"><body><p>\U000f0000</p></body></html>'
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        render_pdf(html=html)
    assert any(".notdef" in record.getMessage() for record in caplog.records)


def test_charts_have_a_scale_and_labelled_values():
    svg = str(bar_chart_svg(title="Inputs by region", items=[("Africa", 7), ("Global", 3)]))
    ticks = re.findall(r'<text class="tick"[^>]*>(\d+)</text>', svg)
    values = re.findall(r'<text class="value"[^>]*>(\d+)</text>', svg)
    assert (ticks, values) == (["0", "2", "4", "6", "8"], ["7", "3"])
    assert "<title>Inputs by region: Africa 7; Global 3.</title>" in svg
