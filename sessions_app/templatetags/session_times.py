"""Session times in the viewer's zone, named as people say it."""

from datetime import datetime

from django import template

from ..timezones import same_as_utc, zone_name

register = template.Library()


@register.filter(name="zone_name")
def zone_name_filter(key: str, at: datetime | None = None) -> str:
    """`{{ key|zone_name:start }}`: "Manila — Philippine Time", in the active language."""
    return zone_name(key, at=at or None)


@register.filter(name="same_as_utc")
def same_as_utc_filter(moment: datetime, key: str) -> bool:
    """`{{ start|same_as_utc:key }}`: whether the zone's clock reads as UTC's then."""
    return same_as_utc(key, moment)
