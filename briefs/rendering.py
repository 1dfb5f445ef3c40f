"""HTML to PDF with WeasyPrint, locked down. The only module that imports WeasyPrint.

The URL fetcher serves the project's packaged assets (``pack-asset:`` URLs resolved inside
``briefs/assets/``) and ``data:`` URIs, and refuses everything else: other files, any http(s)
host (loopback and link-local included), redirects. Embedded attachments are dropped and
presentational hints stay off, so a pack contains nothing but what its templates draw.
"""

import logging
import mimetypes
import threading
import time
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from urllib import request as urllib_request

# WeasyPrint reports every step at INFO level; only a build that asks for progress hears them.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

import weasyprint  # noqa: E402
from weasyprint.anchors import make_page_bookmark_tree  # noqa: E402
from weasyprint.logger import PROGRESS_LOGGER  # noqa: E402
from weasyprint.matrix import Matrix  # noqa: E402
from weasyprint.urls import URLFetcher, URLFetcherResponse  # noqa: E402

logger = logging.getLogger(__name__)

ASSET_SCHEME = "pack-asset"
ASSETS_DIR = (Path(__file__).resolve().parent / "assets").resolve()
BASE_URL = f"{ASSET_SCHEME}:/"
# A tagged PDF (PDF/UA-1): headings, lists, tables and figures keep their structure for
# screen readers, each chart its text alternative, the document its language and title.
WRITE_OPTIONS = {
    "attachments": [],
    "pdf_forms": False,
    "custom_metadata": False,
    "pdf_variant": "pdf/ua-1",
    "pdf_tags": True,
}


class RefusedURL(ValueError):
    """A resource the pack may not load."""


class PackURLFetcher(URLFetcher):
    """Serve packaged assets and data: URIs only; record and refuse every other URL."""

    def __init__(self) -> None:
        super().__init__(timeout=1, allowed_protocols=(), allow_redirects=False)
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        scheme, _, rest = url.partition(":")
        scheme = scheme.lower()
        if scheme == "data":
            request = urllib_request.Request(url)  # noqa: S310  # data: only, checked above
            response = urllib_request.DataHandler().data_open(request)
            return URLFetcherResponse(url, response.read(), dict(response.headers.items()))
        if scheme == ASSET_SCHEME:
            path = self.asset_path(rest)
            if path is not None:
                content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})
        self.refused.append(url)
        raise RefusedURL(f"The pack may not load {url[:200]}")

    @staticmethod
    def asset_path(rest: str) -> Path | None:
        """The packaged file a ``pack-asset:`` URL names, or None when it is outside the assets."""
        relative = rest.split("?", 1)[0].split("#", 1)[0].lstrip("/")
        if not relative:
            return None
        candidate = (ASSETS_DIR / relative).resolve()
        if not candidate.is_relative_to(ASSETS_DIR) or not candidate.is_file():
            return None
        return candidate


@dataclass
class RenderedPDF:
    pdf: bytes
    page_count: int
    layout_seconds: float
    write_seconds: float
    refused_urls: list[str] = field(default_factory=list)


class _PageProgress(logging.Handler):
    """Turn WeasyPrint's "Creating layout - Page N" messages of one thread into callbacks."""

    def __init__(self, on_page: Callable[[int], None]) -> None:
        super().__init__(level=logging.INFO)
        self.on_page = on_page
        self.thread_id = threading.get_ident()

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread != self.thread_id or not record.args:
            return
        if "Creating layout - Page" in str(record.msg) and isinstance(record.args[0], int):
            self.on_page(record.args[0])


@contextmanager
def _page_progress(on_page: Callable[[int], None] | None):
    handler = _PageProgress(on_page or (lambda _page: None))
    previous = (PROGRESS_LOGGER.level, PROGRESS_LOGGER.propagate)
    PROGRESS_LOGGER.addHandler(handler)
    # One line per page would flood the worker's log: the pack's own progress replaces them.
    PROGRESS_LOGGER.setLevel(logging.INFO)
    PROGRESS_LOGGER.propagate = False
    try:
        yield
    finally:
        PROGRESS_LOGGER.removeHandler(handler)
        PROGRESS_LOGGER.level, PROGRESS_LOGGER.propagate = previous


def render_pdf(
    *,
    html: str,
    on_page: Callable[[int], None] | None = None,
    on_write: Callable[[int], None] | None = None,
) -> RenderedPDF:
    """Lay out `html` (a complete document) and write it as PDF bytes.

    `on_page(n)` is called as page n is laid out, `on_write(pages)` before the PDF is written.
    Resources other than packaged assets and data: URIs are refused (listed in `refused_urls`).
    Raises whatever WeasyPrint raises for a document it cannot lay out.
    """
    fetcher = PackURLFetcher()
    started = time.perf_counter()
    with _page_progress(on_page):
        document = weasyprint.HTML(
            string=html, base_url=BASE_URL, url_fetcher=fetcher, media_type="print"
        ).render(presentational_hints=False)
        laid_out = time.perf_counter()
        # No file of any origin is ever embedded: drop <link rel=attachment> and such links.
        document.metadata.attachments = []
        for page in document.pages:
            page.links = [link for link in page.links if link[0] != "attachment"]
        if on_write is not None:
            on_write(len(document.pages))
        pdf = document.write_pdf(**WRITE_OPTIONS)
    return RenderedPDF(
        pdf=pdf,
        page_count=len(document.pages),
        layout_seconds=laid_out - started,
        write_seconds=time.perf_counter() - laid_out,
        refused_urls=list(fetcher.refused),
    )


def render_pdf_plain(*, html: str) -> bytes:
    """WeasyPrint with nothing around it, for the benchmark's floor (same fetcher and output
    options, no hooks)."""
    return weasyprint.HTML(string=html, base_url=BASE_URL, url_fetcher=PackURLFetcher()).write_pdf(
        **WRITE_OPTIONS
    )


# A section laid out on its own leaves out "Page X of Y", since the total is known only once
# every section is laid out, and the pack's filter in the running header, so that packs of
# other filters can reuse it: both are laid out afterwards (`render_page_numbers`).
# (A user stylesheet: its declarations win over the pack's only when important.)
PART_CSS = """
@page {
  @top-left { content: none !important; }
  @bottom-right { content: none !important; }
}
"""
# Only the page numbers and the left running header (the boxes sit where they sit in the
# single document whatever the other boxes hold: left- and right-aligned).
NUMBERS_CSS = """
@page {
  @top-right { content: none !important; }
  @bottom-left { content: none !important; }
}
.numbered-page { break-after: page !important; }
.numbered-page:last-child { break-after: auto !important; }
.numbered-cover { page: cover !important; }
.page-number {
  string-set: page-number content() !important;
  height: 0 !important; margin: 0 !important; overflow: hidden !important; font-size: 0 !important;
}
.numbered-matrix { page: matrix !important; }
"""
WEASYPRINT_VERSION = weasyprint.__version__
# Points per CSS pixel in WeasyPrint's PDF output.
PT_PER_PX = 0.75


@dataclass
class RenderedPart:
    """A section laid out as a PDF of its own, and what the merge needs to know of it: page
    count and sizes, where each anchor is, and its bookmarks (PDF coordinates, pages from 0).
    """

    pdf: bytes
    layout: dict
    layout_seconds: float = 0.0

    @property
    def page_count(self) -> int:
        return self.layout["pages"]


def _layout_of(document) -> dict:
    anchors = {}
    bookmarks = []
    sizes = []
    for index, page in enumerate(document.pages):
        height = page.height
        sizes.append([round(page.width * PT_PER_PX, 3), round(height * PT_PER_PX, 3)])
        for name, (x, y, _w, _h) in page.anchors.items():
            anchors.setdefault(
                name, [index, round(x * PT_PER_PX, 3), round((height - y) * PT_PER_PX, 3)]
            )
        for level, label, (x, y), state in page.bookmarks:
            bookmarks.append(
                [
                    level,
                    label,
                    index,
                    round(x * PT_PER_PX, 3),
                    round((height - y) * PT_PER_PX, 3),
                    state,
                ]
            )
    return {
        "pages": len(document.pages),
        "sizes": sizes,
        "anchors": anchors,
        "bookmarks": bookmarks,
    }


def render_part(
    *, html: str, link_targets: Iterable[str] = (), on_page: Callable[[int], None] | None = None
) -> RenderedPart:
    """Lay out one section of the pack (a complete document holding only that section)
    without the page numbers, and write it as a tagged PDF with its fonts embedded whole, so
    that every section embeds byte-identical font files which the merge keeps once.

    `link_targets` are anchors the section links to that other sections hold (the contents):
    they are given a place on the first page so that the links are written, and the merge
    points them at the right page. Raises what WeasyPrint raises.
    """
    fetcher = PackURLFetcher()
    started = time.perf_counter()
    with _page_progress(on_page):
        document = weasyprint.HTML(
            string=html, base_url=BASE_URL, url_fetcher=fetcher, media_type="print"
        ).render(presentational_hints=False, stylesheets=[weasyprint.CSS(string=PART_CSS)])
        layout_seconds = time.perf_counter() - started
        document.metadata.attachments = []
        for page in document.pages:
            page.links = [link for link in page.links if link[0] != "attachment"]
        layout = _layout_of(document)
        if document.pages:
            for name in link_targets:
                document.pages[0].anchors.setdefault(name, (0, 0, 0, 0))
        pdf = document.write_pdf(**WRITE_OPTIONS)
    return RenderedPart(pdf=pdf, layout=layout, layout_seconds=layout_seconds)


def render_page_numbers(*, html: str, total: int) -> bytes:
    """Lay out pages holding only the running header's left part and "Page X of Y", X being
    each page's label and Y `total` (see templates/briefs/pdf/page_numbers.html), to be laid
    over the merged pages of the same size."""
    total_css = (
        '@page { @bottom-right { content: "Page " string(page-number) " of '
        + str(total)
        + '" !important; } } @page cover { @bottom-right { content: none !important; } }'
    )
    stylesheets = [weasyprint.CSS(string=NUMBERS_CSS), weasyprint.CSS(string=total_css)]
    with _page_progress(None):
        document = weasyprint.HTML(
            string=html, base_url=BASE_URL, url_fetcher=PackURLFetcher(), media_type="print"
        ).render(presentational_hints=False, stylesheets=stylesheets)
        # Untagged: the merge marks the numbers as a pagination artifact where it lays them.
        return document.write_pdf(attachments=[], pdf_forms=False, custom_metadata=False)


def build_outline(bookmarks: list[list]) -> list:
    """The outline of the merged pack from every section's bookmarks (`[level, label, page,
    x, y, state]`, pages counted in the merged pack), nested as WeasyPrint nests those of one
    document: `(label, (page, x, y), children, state)`."""
    by_page: dict[int, list] = {}
    for level, label, page, x, y, state in bookmarks:
        by_page.setdefault(page, []).append((level, label, (x, y), state))
    root: list = []
    skipped_levels: list[int] = []
    last_by_depth = [root]
    previous_level = 0
    for page in sorted(by_page):
        previous_level = make_page_bookmark_tree(
            SimpleNamespace(bookmarks=by_page[page]),
            skipped_levels,
            last_by_depth,
            previous_level,
            page,
            Matrix(),
        )
    return root
