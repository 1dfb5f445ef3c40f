"""The build pipeline of an input pack: inputs → sections → HTML → PDF, with progress.

It reads and renders, and writes nothing to the database: the pack's lifecycle (request,
claim, progress, store, fail, retry, re-queue) is in `briefs.services`, which calls
`generate_pack_pdf` for a claimed pack; the command line and the benchmark call it directly.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

from sessions_app.models import ListeningSession

from .enums import PackStage
from .rendering import render_pdf
from .sections import build_sections, render_document
from .selectors import PackFilters, PackInputs, PackScope, get_pack_inputs, pack_fingerprint

# Progress (0-100) of each phase of a build.
PROGRESS_COLLECTING = 2
PROGRESS_SECTIONS = (5, 15)
PROGRESS_LAYOUT = (15, 90)
PROGRESS_WRITING = 92
LAYOUT_CHECKPOINTS = 20
# Calibrated on the benchmark's inputs; deliberately low so that every checkpoint is reached.
CHARS_PER_PAGE = 2700
PAGES_PER_INPUT_OVERHEAD = 0.12

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


def estimate_page_count(*, inputs: PackInputs) -> int:
    """A deliberately low estimate of the page count, to report layout progress."""
    characters = sum(len(i.title) + len(i.body) + len(i.english_text) for i in inputs.interventions)
    overhead = PAGES_PER_INPUT_OVERHEAD * len(inputs.interventions)
    # Cover, figures and contents; each theme starts a page; annexes.
    fixed = 4 + 0.5 * len({i.primary_theme_id for i in inputs.interventions}) + 1
    return max(4, int(fixed + characters / CHARS_PER_PAGE + overhead))


@dataclass
class ComposedPack:
    inputs: PackInputs
    content_hash: str
    html: str


def compose_pack_html(
    *,
    session: ListeningSession | None = None,
    filters: PackFilters,
    now: datetime,
    progress: ProgressCallback | None = None,
    scope: PackScope | None = None,
) -> ComposedPack:
    """Read the inputs of `session` (or of the scope's sessions) and render each section from
    its own inputs into the pack's HTML."""
    report = progress or (lambda _progress, _stage, **_params: None)
    scope = scope or PackScope.build(session=session)
    # Taken before the inputs are read: a change meanwhile gives a newer pack a newer hash.
    fingerprint = pack_fingerprint(scope=scope, filters=filters)
    inputs = get_pack_inputs(scope=scope, filters=filters)
    sections = build_sections(inputs=inputs)
    low, high = PROGRESS_SECTIONS

    def on_section(section) -> None:
        position = sections.index(section)
        report(
            low + (high - low) * position // len(sections),
            PackStage.SECTION,
            title=str(section.title),
        )

    html = render_document(
        inputs=inputs, sections=sections, generated_at=now, on_section=on_section
    )
    return ComposedPack(
        inputs=inputs,
        content_hash=fingerprint.content_hash,
        html=html,
    )


def generate_pack_pdf(
    *,
    session: ListeningSession | None = None,
    filters: PackFilters,
    progress: ProgressCallback | None = None,
    now: datetime | None = None,
    scope: PackScope | None = None,
) -> GeneratedPack:
    """Build the PDF of a pack synchronously (used by the task, the command and the benchmark),
    of one session or, given `scope`, of several.

    Reads the inputs, renders each section from its own inputs, lays the document out and
    writes it. Calls `progress(percent, stage)` along the way. Writes nothing to the database.
    Raises what the rendering raises.
    """
    report = progress or (lambda _progress, _stage, **_params: None)
    started = time.perf_counter()
    report(PROGRESS_COLLECTING, PackStage.COLLECTING)
    composed = compose_pack_html(
        session=session, scope=scope, filters=filters, now=now or timezone.now(), progress=report
    )
    inputs = composed.inputs
    templated = time.perf_counter()

    estimate = estimate_page_count(inputs=inputs)
    layout_low, layout_high = PROGRESS_LAYOUT
    reached = [0]

    def on_page(page: int) -> None:
        checkpoint = min(LAYOUT_CHECKPOINTS, page * LAYOUT_CHECKPOINTS // estimate)
        if checkpoint > reached[0]:
            reached[0] = checkpoint
            report(
                layout_low + (layout_high - layout_low) * checkpoint // LAYOUT_CHECKPOINTS,
                PackStage.LAYOUT,
                page=page,
            )

    rendered = render_pdf(
        html=composed.html,
        on_page=on_page,
        on_write=lambda pages: report(PROGRESS_WRITING, PackStage.WRITING),
    )
    finished = time.perf_counter()
    return GeneratedPack(
        pdf=rendered.pdf,
        html=composed.html,
        page_count=rendered.page_count,
        intervention_count=len(inputs.interventions),
        content_hash=composed.content_hash,
        seconds=finished - started,
        timings={
            "html": templated - started,
            "layout": rendered.layout_seconds,
            "write": rendered.write_seconds,
        },
    )
