"""Dates for machines: the `datetime` attribute of `<time>`."""

from datetime import datetime

from django import template

register = template.Library()


@register.filter
def iso_seconds(value: datetime | None) -> str:
    """ISO 8601 to the second ("2031-03-04T13:15:00+00:00"): HTML's `<time datetime>` accepts
    at most three decimals, so microseconds would make the page invalid."""
    if not value:
        return ""
    return value.replace(microsecond=0).isoformat()
