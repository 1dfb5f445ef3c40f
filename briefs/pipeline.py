"""The build pipeline of an input pack: inputs → sections → a PDF per section → one PDF.

Each section (cover, contents, key figures, each theme or part of a large theme, annexes) is
laid out as a PDF of its own and stored in private storage under a key of its digest, the
template version, the language and the WeasyPrint version, so that an unchanged section is
reused by later packs; the contents is laid out last, with the page numbers of the others,
and the sections are merged (`briefs.merging`) with the page numbers laid over.

It reads, renders and stores section files, and writes nothing to the database: the pack's
lifecycle (request, claim, fan-out to the workers, progress, merge, fail, retry, re-queue) is
in `briefs.services`; the command line and the benchmark call `generate_pack_pdf`, which lays
the sections out in a local process pool.
"""

import functools
import json
import re
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime
from multiprocessing import get_context
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.template.loader import render_to_string
from django.utils import timezone, translation

from sessions_app.models import ListeningSession

from .enums import PackStage
from .merging import MergePart, PageNumbersNotWritten, merge_pack
from .models import private_storage
from .rendering import (
    ASSETS_DIR,
    NUMBERS_CSS,
    PART_CSS,
    WEASYPRINT_VERSION,
    RenderedPart,
    build_outline,
    render_page_numbers,
    render_part,
    render_pdf,
)
from .sections import (
    Section,
    build_sections,
    document_frame,
    frame_html,
    prepare_sections,
    render_document,
)
from .selectors import (
    PACK_TEMPLATE_VERSION,
    PackFilters,
    PackInputs,
    PackScope,
    digest_of,
    get_pack_inputs,
    pack_fingerprint,
)

PACK_TEMPLATES = Path(settings.BASE_DIR) / "templates" / "briefs" / "pdf"

# Progress (0-100) of each phase of a build: collecting, laying the sections out, merging.
PROGRESS_COLLECTING = 2
PROGRESS_LAYOUT = (15, 90)
PROGRESS_MERGING = 92

# progress(percent, stage, **parameters of the stage)
ProgressCallback = Callable[..., None]


@dataclass
class GeneratedPack:
    """A built pack, before it is stored."""

    pdf: bytes
    html: str
    page_count: int
    intervention_count: int
    content_hash: str
    seconds: float
    timings: dict = field(default_factory=dict)


@dataclass
class ComposedPack:
    inputs: PackInputs
    content_hash: str
    html: str


@dataclass
class PlannedPart:
    """One section of a pack to lay out as a PDF of its own.

    `cache_key` names its stored PDF: the section's digest, the template and CSS version, the
    language and the WeasyPrint version (and for the cover, the document's title). The
    contents' `html` holds placeholders for the page numbers, filled in once every other
    section is laid out.
    """

    position: int
    key: str
    title: str
    cache_key: str
    is_contents: bool
    section: Section

    def render_html(self, *, frame: dict, generated_at: datetime, **context) -> str:
        return frame_html(
            frame=frame, rendered=[self.section.render(**context)], generated_at=generated_at
        )


@dataclass
class PackPlan:
    """What a pack is made of: its inputs, its content hash and its sections in order."""

    inputs: PackInputs
    content_hash: str
    frame: dict
    generated_at: datetime
    parts: list[PlannedPart]

    def html_of(self, part: PlannedPart) -> str:
        """The part's complete HTML; the contents' with page-number placeholders."""
        context = {"toc_pages": PagePlaceholders()} if part.is_contents else {}
        return part.render_html(frame=self.frame, generated_at=self.generated_at, **context)

    @property
    def numbers_frame(self) -> dict:
        """What the page numbers' document shows besides them (JSON-able)."""
        return {
            "scope": self.frame["scope"],
            "document_title": str(self.frame["document_title"]),
        }


class PagePlaceholders(dict):
    """Stands for the page numbers of a contents laid out later (see `fill_page_numbers`)."""

    def get(self, key, default=None):
        return f"@@page:{key}@@"

    def __bool__(self) -> bool:
        return True


PLACEHOLDER = re.compile(r"@@page:([\w-]+)@@")


def fill_page_numbers(html: str, pages: dict[str, int]) -> str:
    """The contents' HTML with its placeholders replaced by the page numbers of `pages`."""
    return PLACEHOLDER.sub(lambda match: str(pages.get(match.group(1), "")), html)


def contents_links(html: str) -> list[str]:
    """The anchors a contents links to."""
    return sorted(set(PLACEHOLDER.findall(html)))


@functools.cache
def template_version() -> str:
    """A digest of PACK_TEMPLATE_VERSION, the pack's templates and its CSS: a change to any of
    them names new section PDFs, so none laid out before is reused."""
    files = sorted(PACK_TEMPLATES.glob("*.html")) + sorted((ASSETS_DIR / "css").glob("*.css"))
    return digest_of(
        [PACK_TEMPLATE_VERSION, PART_CSS, NUMBERS_CSS]
        + [[path.name, path.read_text(encoding="utf-8")] for path in files]
    )


def plan_pack(*, scope: PackScope, filters: PackFilters, now: datetime) -> PackPlan:
    """Read the inputs of the scope's sessions and divide the pack into sections, each with
    the key its PDF is stored under. Writes nothing."""
    # Taken before the inputs are read: a change meanwhile gives a newer pack a newer hash.
    fingerprint = pack_fingerprint(scope=scope, filters=filters)
    inputs = get_pack_inputs(scope=scope, filters=filters)
    sections = build_sections(inputs=inputs)
    prepare_sections(sections=sections, generated_at=now)
    frame = document_frame(inputs=inputs, sections=sections)
    version = [template_version(), translation.get_language(), WEASYPRINT_VERSION]
    parts = [
        PlannedPart(
            position=position,
            key=section.key,
            title=str(section.title),
            # The frame shows only in the metadata, which the merged pack takes from the cover.
            cache_key=digest_of(
                [section.digest, *version, frame if section.key == "cover" else None]
            ),
            is_contents=section.is_contents,
            section=section,
        )
        for position, section in enumerate(sections)
    ]
    return PackPlan(
        inputs=inputs,
        content_hash=fingerprint.content_hash,
        frame=frame,
        generated_at=now,
        parts=parts,
    )


def compose_pack_html(
    *,
    session: ListeningSession | None = None,
    filters: PackFilters,
    now: datetime,
    scope: PackScope | None = None,
) -> ComposedPack:
    """Read the inputs of `session` (or of the scope's sessions) and render each section from
    its own inputs into the pack's HTML as one document (the single-document build)."""
    scope = scope or PackScope.build(session=session)
    fingerprint = pack_fingerprint(scope=scope, filters=filters)
    inputs = get_pack_inputs(scope=scope, filters=filters)
    sections = build_sections(inputs=inputs)
    html = render_document(inputs=inputs, sections=sections, generated_at=now)
    return ComposedPack(inputs=inputs, content_hash=fingerprint.content_hash, html=html)


def generate_single_pack_pdf(
    *,
    session: ListeningSession | None = None,
    filters: PackFilters,
    now: datetime | None = None,
    scope: PackScope | None = None,
) -> GeneratedPack:
    """The pack laid out as one document by one WeasyPrint call: the reference the sectioned
    build is checked against, and the benchmark's floor."""
    started = time.perf_counter()
    composed = compose_pack_html(
        session=session, scope=scope, filters=filters, now=now or timezone.now()
    )
    rendered = render_pdf(html=composed.html)
    return GeneratedPack(
        pdf=rendered.pdf,
        html=composed.html,
        page_count=rendered.page_count,
        intervention_count=len(composed.inputs.interventions),
        content_hash=composed.content_hash,
        seconds=time.perf_counter() - started,
        timings={"layout": rendered.layout_seconds, "write": rendered.write_seconds},
    )


# ---------------------------------------------------------------------------------------------
# Stored section PDFs
# ---------------------------------------------------------------------------------------------

PARTS_FOLDER = "pack-parts"


def part_names(cache_key: str) -> tuple[str, str]:
    """The storage names of a section's PDF and of its layout."""
    return f"{PARTS_FOLDER}/{cache_key}.pdf", f"{PARTS_FOLDER}/{cache_key}.json"


def _read_layout(storage, layout_name: str) -> dict | None:
    try:
        with storage.open(layout_name, "rb") as handle:
            return json.loads(handle.read())
    except (FileNotFoundError, OSError, ValueError):
        return None


def load_part(cache_key: str) -> RenderedPart | None:
    """The stored section of this key, or None when there is none (or only half of one)."""
    storage = private_storage()
    pdf_name, layout_name = part_names(cache_key)
    layout = _read_layout(storage, layout_name)
    if layout is None:
        return None
    try:
        with storage.open(pdf_name, "rb") as handle:
            return RenderedPart(pdf=handle.read(), layout=layout)
    except (FileNotFoundError, OSError):
        return None


def save_part(cache_key: str, part: RenderedPart) -> None:
    """Store a laid-out section under its key (the PDF first, then its layout, which marks it
    complete); a key already stored is left as it is."""
    storage = private_storage()
    pdf_name, layout_name = part_names(cache_key)
    if storage.exists(layout_name):
        return
    if not storage.exists(pdf_name):
        storage.save(pdf_name, ContentFile(part.pdf))
    storage.save(layout_name, ContentFile(json.dumps(part.layout).encode()))


def delete_part(cache_key: str) -> None:
    storage = private_storage()
    for name in part_names(cache_key):
        storage.delete(name)


def stored_part_keys() -> set[str]:
    """The keys of every stored section file."""
    storage = private_storage()
    try:
        _folders, files = storage.listdir(PARTS_FOLDER)
    except (FileNotFoundError, OSError):
        return set()
    return {name.split(".", 1)[0] for name in files}


def lay_out_part(html: str, link_targets: list[str] | None = None) -> RenderedPart:
    """Lay out one section's HTML (a process pool calls this in its processes)."""
    return render_part(html=html, link_targets=link_targets or ())


# ---------------------------------------------------------------------------------------------
# Contents, page numbers and the merge
# ---------------------------------------------------------------------------------------------


@dataclass
class MergedPack:
    pdf: bytes
    page_count: int


@dataclass
class PlannedPartInfo:
    """What the merge needs of a section: its key, and for the contents its HTML."""

    key: str
    is_contents: bool
    html: str = ""


def _page_kinds(parts: list[tuple[PlannedPartInfo, RenderedPart]]) -> list[str]:
    kinds = []
    for info, rendered in parts:
        for index, (width, height) in enumerate(rendered.layout["sizes"]):
            if info.key == "cover" and index == 0:
                kinds.append("cover")
            else:
                kinds.append("matrix" if width > height else "")
    return kinds


def merge_pack_parts(
    *,
    parts: list[tuple[PlannedPartInfo, RenderedPart | None]],
    frame: dict,
    on_contents: Callable[[RenderedPart], None] | None = None,
) -> MergedPack:
    """Lay out the contents with the page numbers of the other sections (all laid out), then
    the page numbers of the whole pack with the running header's filter (`frame`, see
    `PackPlan.numbers_frame`), and merge everything into one PDF."""
    contents_pages = 1
    contents_index = next(i for i, (info, _r) in enumerate(parts) if info.is_contents)
    contents_info = parts[contents_index][0]
    for _attempt in range(3):
        anchors: dict[str, list] = {}
        first_page = 0
        for index, (_info, rendered) in enumerate(parts):
            if index == contents_index:
                first_page += contents_pages
                continue
            for name, (page, x, y) in rendered.layout["anchors"].items():
                anchors.setdefault(name, [first_page + page, x, y])
            first_page += rendered.page_count
        html = fill_page_numbers(
            contents_info.html, {name: page + 1 for name, (page, _x, _y) in anchors.items()}
        )
        contents = lay_out_part(html, contents_links(contents_info.html))
        if contents.page_count == contents_pages:
            break
        contents_pages = contents.page_count
    if on_contents is not None:
        on_contents(contents)
    laid_out = [
        (info, contents if index == contents_index else rendered)
        for index, (info, rendered) in enumerate(parts)
    ]
    bookmarks = []
    first_page = 0
    for _info, rendered in laid_out:
        for level, label, page, x, y, state in rendered.layout["bookmarks"]:
            bookmarks.append([level, label, first_page + page, x, y, state])
        first_page += rendered.page_count
    # The contents' own anchors (it has one) count too.
    contents_first = sum(r.page_count for _i, r in laid_out[:contents_index])
    for name, (page, x, y) in contents.layout["anchors"].items():
        anchors.setdefault(name, [contents_first + page, x, y])
    kinds = _page_kinds(laid_out)
    merge = functools.partial(
        merge_pack,
        parts=[MergePart(pdf=r.pdf, layout=r.layout) for _i, r in laid_out],
        outline=build_outline(bookmarks),
        anchors=anchors,
        font_files=tuple(sorted((ASSETS_DIR / "fonts").glob("*.ttf"))),
    )
    samples, stamps, spare = _number_samples(kinds=kinds, total=first_page)
    try:
        pdf = merge(
            numbers=_lay_out_numbers(frame=frame, pages=samples, total=first_page),
            stamps=stamps,
            spare_digit=spare,
        )
    except PageNumbersNotWritten:
        # Lay out every page's number instead (as many pages as the pack).
        pages = [(kind, str(number)) for number, kind in enumerate(kinds, 1)]
        pdf = merge(
            numbers=_lay_out_numbers(frame=frame, pages=pages, total=first_page),
            stamps=[None if kind == "cover" else (i, None) for i, kind in enumerate(kinds)],
            spare_digit=None,
        )
    return MergedPack(pdf=pdf, page_count=first_page)


def _lay_out_numbers(*, frame: dict, pages: list[tuple[str, str]], total: int) -> bytes:
    return render_page_numbers(
        html=render_to_string("briefs/pdf/page_numbers.html", {**frame, "pages": pages}),
        total=total,
    )


def _number_samples(*, kinds: list[str], total: int):
    """A few pages to lay out instead of one per page of the pack: one with every digit, and
    one per kind of page and length of number, its number written with a digit the total
    does not use (`spare`), which the merge replaces with each page's own digits (digits all
    have the same width in the pack's font, so the number keeps its place)."""
    spare = next(digit for digit in "9876543210" if digit not in str(total))
    samples: list[tuple[str, str]] = [("", "0123456789")]
    index: dict[tuple[str, int], int] = {}
    stamps: list[tuple[int, str] | None] = []
    for number, kind in enumerate(kinds, 1):
        if kind == "cover":
            stamps.append(None)
            continue
        key = (kind, len(str(number)))
        if key not in index:
            index[key] = len(samples)
            samples.append((kind, spare * len(str(number))))
        stamps.append((index[key], str(number)))
    return samples, stamps, spare


def generate_pack_pdf(
    *,
    session: ListeningSession | None = None,
    filters: PackFilters,
    progress: ProgressCallback | None = None,
    now: datetime | None = None,
    scope: PackScope | None = None,
    processes: int | None = None,
) -> GeneratedPack:
    """Build the PDF of a pack synchronously, section by section (the command line, tests and
    the benchmark; the site fans the sections out as Celery tasks), of one session or, given
    `scope`, of several.

    Each section is taken from private storage when stored under its key, else laid out (in a
    pool of `processes` processes, PACK_LOCAL_PROCESSES by default, when more than one) and
    stored; the contents is laid out last, then everything is merged. Calls
    `progress(percent, stage, **params)` along the way. Writes nothing to the database.
    Raises what the rendering raises.
    """
    report = progress or (lambda _progress, _stage, **_params: None)
    started = time.perf_counter()
    report(PROGRESS_COLLECTING, PackStage.COLLECTING)
    scope = scope or PackScope.build(session=session)
    plan = plan_pack(scope=scope, filters=filters, now=now or timezone.now())
    planned = time.perf_counter()
    rendered: dict[int, RenderedPart] = {}
    missing = []
    for part in plan.parts:
        if part.is_contents:
            continue
        stored = load_part(part.cache_key)
        if stored is None:
            missing.append(part)
        else:
            rendered[part.position] = stored
    total = len(plan.parts) - 1  # the contents is laid out at the merge
    low, high = PROGRESS_LAYOUT

    def done(part: PlannedPart, result: RenderedPart) -> None:
        save_part(part.cache_key, result)
        rendered[part.position] = result
        count = len(rendered)
        report(low + (high - low) * count // total, PackStage.PARTS, done=count, total=total)

    report(low, PackStage.PARTS, done=len(rendered), total=total)
    processes = processes or settings.PACK_LOCAL_PROCESSES
    if processes > 1 and len(missing) > 1:
        # Forked processes: they only lay out HTML, and leave (os._exit) without touching
        # this process's database connection.
        with ProcessPoolExecutor(
            max_workers=min(processes, len(missing)), mp_context=get_context("fork")
        ) as pool:
            futures = {pool.submit(lay_out_part, plan.html_of(part)): part for part in missing}
            for future in as_completed(futures):
                done(futures[future], future.result())
    else:
        for part in missing:
            done(part, lay_out_part(plan.html_of(part)))
    laid_out = time.perf_counter()
    report(PROGRESS_MERGING, PackStage.MERGING)
    merged = merge_pack_parts(
        parts=[
            (
                PlannedPartInfo(
                    key=part.key,
                    is_contents=part.is_contents,
                    html=plan.html_of(part) if part.is_contents else "",
                ),
                rendered.get(part.position),
            )
            for part in plan.parts
        ],
        frame=plan.numbers_frame,
    )
    finished = time.perf_counter()
    return GeneratedPack(
        pdf=merged.pdf,
        html="",
        page_count=merged.page_count,
        intervention_count=len(plan.inputs.interventions),
        content_hash=plan.content_hash,
        seconds=finished - started,
        timings={
            "plan": planned - started,
            "layout": laid_out - planned,
            "merge": finished - laid_out,
            "laid_out": len(missing),
            "reused": total - len(missing),
        },
    )


def load_part_layout(cache_key: str) -> dict | None:
    """The recorded layout of a stored section (None when it is not stored whole)."""
    storage = private_storage()
    pdf_name, layout_name = part_names(cache_key)
    layout = _read_layout(storage, layout_name)
    return layout if layout is not None and storage.exists(pdf_name) else None


def part_stored_since(cache_key: str) -> datetime | None:
    """When a section file was stored (None when the storage cannot tell)."""
    try:
        return private_storage().get_modified_time(part_names(cache_key)[0])
    except (FileNotFoundError, OSError, NotImplementedError):
        return None
