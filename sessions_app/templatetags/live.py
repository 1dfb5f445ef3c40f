"""Filters for the live page and desk: clock readings and times for the timer script."""

from datetime import datetime

from django import template

register = template.Library()


@register.filter
def clock(seconds) -> str:
    """Seconds as a clock reading: 185 -> "3:05", 3725 -> "1:02:05"."""
    try:
        total = max(int(seconds), 0)
    except (TypeError, ValueError):
        return ""
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{seconds:02d}"
    return f"{minutes}:{seconds:02d}"


@register.filter
def epoch_ms(moment: datetime | None) -> str:
    """An aware datetime as milliseconds since the epoch (what the timer script reads)."""
    if moment is None:
        return ""
    return str(int(moment.timestamp() * 1000))
