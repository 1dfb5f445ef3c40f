"""The rendering is locked down: user text is escaped and nothing outside the pack is fetched."""

import io
from html.parser import HTMLParser

from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from briefs.pipeline import generate_pack_pdf
from briefs.rendering import ASSETS_DIR, PackURLFetcher, RefusedURL, render_pdf
from briefs.sections import build_entry, build_theme_sections
from briefs.selectors import PackFilters, get_pack_inputs
from tests.helpers import pdf_text


class _Collector(HTMLParser):
    """Collect the start tags of a document and the text inside one element (by class)."""

    def __init__(self, text_class: str):
        super().__init__(convert_charrefs=True)
        self.text_class = text_class
        self.tags: list[str] = []
        self.depth = 0
        self.texts: dict[str, list[str]] = {}
        self.current: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        classes = (dict(attrs).get("class") or "").split()
        if self.text_class in classes and not self.current:
            self.current.append(tag)
            self.depth = 1
            self.texts.setdefault(tag, [])
        elif self.current and tag not in ("br",):
            self.depth += 1

    def handle_endtag(self, tag):
        if self.current and tag not in ("br",):
            self.depth -= 1
            if self.depth == 0:
                self.current.pop()

    def handle_data(self, data):
        if self.current:
            self.texts[self.current[-1]].append(data)


def render_theme_html(inputs, intervention, text: str) -> str:
    intervention.title = text
    intervention.body = text
    intervention.credit_organization = text
    entry = build_entry(intervention)
    [section] = build_theme_sections(
        theme=intervention.primary_theme,
        entries=[entry],
        regions=inputs.regions,
        number=1,
        max_inputs=40,
    )
    return str(section.render())


hostile_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=300
)


def test_user_text_round_trips_escaped_in_the_html(pack_session, approved):
    approved(credit="organization")
    inputs = get_pack_inputs(session=pack_session, filters=PackFilters())
    intervention = inputs.interventions[0]
    baseline = _Collector("input-text")
    baseline.feed(render_theme_html(inputs, intervention, "plain words"))

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(text=hostile_text)
    def check(text):
        html = render_theme_html(inputs, intervention, text)
        for text_class, tag in (("input-text", "div"), ("input-title", "h3")):
            collector = _Collector(text_class)
            collector.feed(html)
            collector.close()
            # The markup is exactly the template's: the text added no element.
            assert collector.tags == baseline.tags
            # And the text reads back unchanged (break opportunities aside).
            rendered = "".join(collector.texts[tag]).replace("\u200b", "").strip()
            if tag == "h3":
                # The title follows the input's source ID, which the template writes first.
                assert rendered.startswith(intervention.reference)
                rendered = rendered.removeprefix(intervention.reference).strip()
            assert rendered == text.replace("\u200b", "").strip()

    check()


HOSTILE = (
    '<script>alert("x")</script> <b>bold</b> & <img src="x" onerror="y"> '
    "</p></div></section><h1>Injected heading</h1>"
)


def test_hostile_text_prints_literally_in_the_pdf(pack_session, approved):
    approved(title=HOSTILE, body=HOSTILE, credit="organization", credit_organization=HOSTILE)

    with translation.override("en"):
        generated = generate_pack_pdf(session=pack_session, filters=PackFilters())

    text = pdf_text(generated.pdf)
    assert text.count('<script>alert("x")</script>') == 3
    assert text.count("<h1>Injected heading</h1>") == 3


def payloads(port: int) -> str:
    return (
        f'<link rel="attachment" href="file:///etc/passwd" title="passwd">'
        f'<link rel="attachment" href="http://127.0.0.1:{port}/attached.txt">'
        f'<link rel="stylesheet" href="http://127.0.0.1:{port}/linked.css">'
        f"<style>@import url(http://127.0.0.1:{port}/imported.css);"
        f"@import 'file:///etc/hostname';"
        f"body {{ background: url(http://127.0.0.1:{port}/background.png) }}"
        f"@font-face {{ font-family: X; src: url(http://127.0.0.1:{port}/font.ttf) }}</style>"
        f'<img src="file:///etc/passwd"><img src="http://127.0.0.1:{port}/image.png">'
        f'<img src="http://169.254.169.254/latest/meta-data/">'
        f'<img src="pack-asset:../../listening/settings/base.py">'
        f'<img src="pack-asset:/etc/passwd">'
        f'<a rel="attachment" href="file:///etc/passwd">attached link</a>'
        f'<iframe src="http://127.0.0.1:{port}/frame"></iframe>'
        f'<object data="http://127.0.0.1:{port}/object"></object>'
        f'<p style="background: url(http://127.0.0.1:{port}/inline.png)">visible text</p>'
    )


def test_payloads_in_user_text_fetch_nothing(pack_session, approved, canary):
    approved(body=payloads(canary.server_address[1]), title="Payload carrier")

    with translation.override("en"):
        generated = generate_pack_pdf(session=pack_session, filters=PackFilters())

    assert canary.requests == []
    pdf = generated.pdf
    assert b"/EmbeddedFile" not in pdf
    assert b"root:" not in pdf
    assert '<link rel="attachment" href="file:///etc/passwd"' in pdf_text(pdf)


def test_fetcher_refuses_raw_markup_payloads_even_unescaped(canary):
    """Should markup ever reach the renderer, the fetcher still loads nothing but pack assets."""
    port = canary.server_address[1]
    html = f"<html><head></head><body>{payloads(port)}</body></html>"

    rendered = render_pdf(html=html)

    assert canary.requests == []
    assert b"/EmbeddedFile" not in rendered.pdf
    assert b"root:" not in rendered.pdf
    assert "visible text" in pdf_text(rendered.pdf)
    refused = set(rendered.refused_urls)
    assert f"http://127.0.0.1:{port}/imported.css" in refused
    assert f"http://127.0.0.1:{port}/linked.css" in refused
    assert f"http://127.0.0.1:{port}/image.png" in refused
    assert "file:///etc/passwd" in refused
    assert len(PdfReader(io.BytesIO(rendered.pdf)).attachments) == 0


def test_fetcher_serves_packaged_assets_and_data_uris_only():
    fetcher = PackURLFetcher()

    font = fetcher.fetch("pack-asset:fonts/DejaVuSans.ttf")
    assert font.read() == (ASSETS_DIR / "fonts" / "DejaVuSans.ttf").read_bytes()
    css = fetcher.fetch("pack-asset:css/pack.css")
    assert css.content_type == "text/css"
    data = fetcher.fetch("data:text/plain;base64,aGVsbG8=")
    assert data.read() == b"hello"

    refused = []
    for url in (
        "pack-asset:../rendering.py",
        "pack-asset:fonts/../../services.py",
        "pack-asset:/etc/passwd",
        "pack-asset:fonts",
        f"file://{ASSETS_DIR}/css/pack.css",
        "http://localhost/",
        "https://[::1]/",
        "ftp://127.0.0.1/",
    ):
        try:
            fetcher.fetch(url)
        except RefusedURL:
            refused.append(url)
    assert len(refused) == 8
