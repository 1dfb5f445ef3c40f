"""Template filters for the pack."""

import re

from django import template

register = template.Library()

# Longer runs without a space get a zero-width break opportunity every CHUNK characters, so
# that line breaking stays linear even for a text made of one unbroken token.
LONG_TOKEN = re.compile(r"\S{41,}")
CHUNK = 40
ZERO_WIDTH_SPACE = "\u200b"


def _split(match: re.Match) -> str:
    token = match.group(0)
    return ZERO_WIDTH_SPACE.join(token[i : i + CHUNK] for i in range(0, len(token), CHUNK))


@register.filter(is_safe=False)
def breakable(value) -> str:
    """Return the text with break opportunities inside very long words.

    The result is a plain string, so autoescaping still applies to it.
    """
    return LONG_TOKEN.sub(_split, str(value))


@register.filter
def page_of(pages: dict, anchor: str) -> str:
    """The page number of `anchor` in a contents laid out apart from its targets ("" when
    unknown)."""
    return str(pages.get(anchor, ""))
