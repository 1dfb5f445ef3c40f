"""Bar charts drawn on the server as inline SVG for the pack's key figures.

Labels are escaped here (`format_html`), so a label can never become markup, and the SVG needs
neither JavaScript nor any fetched resource.
"""

from collections.abc import Sequence

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

WIDTH = 640
LABEL_WIDTH = 250
BAR_HEIGHT = 12
ROW_GAP = 6
LINE_HEIGHT = 10
LABEL_CHARS = 40
BAR_COLOUR = "#1d5c96"
TRACK_COLOUR = "#e8eef4"


def wrap_label(label: str, *, width: int = LABEL_CHARS, lines: int = 2) -> list[str]:
    """Split a label into at most `lines` lines of about `width` characters (ellipsis if cut)."""
    words = str(label).split()
    result: list[str] = []
    current = ""
    for word in words:
        if len(word) > width:
            word = word[: width - 1] + "…"
        candidate = f"{current} {word}".strip()
        if len(candidate) <= width:
            current = candidate
            continue
        result.append(current)
        current = word
    if current:
        result.append(current)
    if len(result) > lines:
        result = result[:lines]
        result[-1] = result[-1][: width - 1].rstrip() + "…"
    return result or [""]


def bar_chart_svg(*, title: str, items: Sequence[tuple[str, int]]) -> SafeString:
    """A horizontal bar chart of (label, count) rows, as an accessible inline <svg> element."""
    top = 6
    longest = max((count for _, count in items), default=0) or 1
    bar_space = WIDTH - LABEL_WIDTH - 50
    rows = []
    y = top
    for label, count in items:
        lines = wrap_label(label)
        row_height = max(BAR_HEIGHT, LINE_HEIGHT * len(lines))
        first_line_y = y + row_height / 2 - (len(lines) - 1) * LINE_HEIGHT / 2 + 4
        tspans = format_html_join(
            "",
            '<tspan x="{}" y="{}">{}</tspan>',
            (
                (LABEL_WIDTH - 8, f"{first_line_y + n * LINE_HEIGHT:.1f}", line)
                for n, line in enumerate(lines)
            ),
        )
        bar_y = y + (row_height - BAR_HEIGHT) / 2
        bar_width = round(bar_space * count / longest, 1)
        rows.append(
            format_html(
                '<g><text class="label" text-anchor="end" fill="#1b2733">{}</text>'
                '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>'
                '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>'
                '<text class="value" x="{}" y="{}" fill="#1b2733" font-weight="bold">{}</text></g>',
                tspans,
                LABEL_WIDTH,
                f"{bar_y:.1f}",
                bar_space,
                BAR_HEIGHT,
                TRACK_COLOUR,
                LABEL_WIDTH,
                f"{bar_y:.1f}",
                bar_width,
                BAR_HEIGHT,
                BAR_COLOUR,
                f"{LABEL_WIDTH + bar_width + 5:.1f}",
                f"{bar_y + BAR_HEIGHT / 2 + 4:.1f}",
                count,
            )
        )
        y += row_height + ROW_GAP
    height = y - ROW_GAP + top
    return format_html(
        '<svg class="chart" xmlns="http://www.w3.org/2000/svg" role="img" '
        'viewBox="0 0 {w} {h}" width="{w}" height="{h}" '
        'font-family="Pack Sans" font-size="10"><title>{}</title>{}</svg>',
        title,
        format_html_join("", "{}", ((row,) for row in rows)),
        w=WIDTH,
        h=f"{height:.0f}",
    )
