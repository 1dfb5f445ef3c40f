"""Bar charts drawn on the server as inline SVG for the pack's key figures.

Labels are escaped here (`format_html`), so a label can never become markup, and the SVG needs
neither JavaScript nor any fetched resource.
"""

import itertools
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
AXIS_COLOUR = "#4d5b6a"
GRID_COLOUR = "#c9d3dd"


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


def axis_ticks(longest: int) -> list[int]:
    """Round values for the scale, from 0 to at least `longest`, at most six of them."""
    step = 1
    for factor in itertools.cycle((2, 2.5, 2)):
        if longest / step <= 5:
            break
        step = round(step * factor)
    top = -(-max(longest, 1) // step) * step
    return list(range(0, top + 1, step))


def bar_chart_svg(*, title: str, items: Sequence[tuple[str, int]]) -> SafeString:
    """A horizontal bar chart of (label, count) rows, as an accessible inline <svg> element:
    each bar labelled with its value, and a scale beneath."""
    top = 6
    ticks = axis_ticks(max((count for _, count in items), default=0))
    longest = ticks[-1]
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
                '<text class="value" x="{}" y="{}" fill="#1b2733" font-weight="bold">{}</text></g>',
                tspans,
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
    # The scale: a baseline with a tick and a value every step, and faint grid lines.
    axis_y = y - ROW_GAP + 4
    scale = [
        format_html(
            '<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y1}" stroke="{c}" stroke-width="0.8"/>',
            x1=LABEL_WIDTH,
            x2=LABEL_WIDTH + bar_space,
            y1=f"{axis_y:.1f}",
            c=AXIS_COLOUR,
        )
    ]
    for tick in ticks:
        x = f"{LABEL_WIDTH + bar_space * tick / longest:.1f}"
        scale.append(
            format_html(
                '<line x1="{x}" y1="{top}" x2="{x}" y2="{bottom}" stroke="{grid}" '
                'stroke-width="0.5"/>'
                '<line x1="{x}" y1="{axis}" x2="{x}" y2="{tick_end}" stroke="{c}" '
                'stroke-width="0.8"/>'
                '<text class="tick" x="{x}" y="{text_y}" text-anchor="middle" fill="#4d5b6a" '
                'font-size="8">{value}</text>',
                x=x,
                top=top,
                bottom=f"{axis_y:.1f}",
                axis=f"{axis_y:.1f}",
                tick_end=f"{axis_y + 3:.1f}",
                text_y=f"{axis_y + 12:.1f}",
                grid=GRID_COLOUR,
                c=AXIS_COLOUR,
                value=tick,
            )
        )
    y = axis_y + 14 + ROW_GAP
    height = y - ROW_GAP + top
    # The text alternative a screen reader reads (the tagged PDF's /Alt): every value, not
    # only the chart's name.
    alternative = f"{title}: " + "; ".join(f"{label} {count}" for label, count in items) + "."
    return format_html(
        '<svg class="chart" xmlns="http://www.w3.org/2000/svg" role="img" '
        'viewBox="0 0 {w} {h}" width="{w}" height="{h}" '
        'font-family="Pack Sans, Pack CJK, Pack Emoji" font-size="10"><title>{}</title>{}</svg>',
        alternative,
        format_html_join("", "{}", ((part,) for part in [*scale, *rows])),
        w=WIDTH,
        h=f"{height:.0f}",
    )
