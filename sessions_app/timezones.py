"""The viewer's time zone: the profile's choice, else the browser's guess, else UTC."""

import zoneinfo
from datetime import date, datetime, time, timedelta
from functools import cache, lru_cache
from zoneinfo import ZoneInfo

from babel.core import UnknownLocaleError
from babel.dates import get_timezone_location, get_timezone_name
from django.utils.translation import get_language

from .models import Profile

TIME_ZONE_COOKIE = "tz"
UTC = zoneinfo.ZoneInfo("UTC")
UTC_NAMES = frozenset(
    {
        "UTC",
        "Etc/UTC",
        "Etc/UCT",
        "UCT",
        "Zulu",
        "Etc/Zulu",
        "Universal",
        "Etc/Universal",
        "GMT",
        "Etc/GMT",
    }
)


@cache
def available_time_zones() -> frozenset[str]:
    """Every zone name the system's time zone database knows."""
    return frozenset(zoneinfo.available_timezones())


def parse_time_zone(name: str | None) -> zoneinfo.ZoneInfo | None:
    """The zone called `name`, or None for anything that is not a known zone name."""
    if not name or len(name) > 64 or name not in available_time_zones():
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        return None


class ViewerTimeZone:
    """A viewer's zone and where it came from ("profile", "browser" or "default").

    Resolved on first use, so pages that show no time make no profile query.
    """

    def __init__(self, request):
        self._request = request
        self._resolved: tuple[zoneinfo.ZoneInfo, str] | None = None

    def _resolve(self) -> tuple[zoneinfo.ZoneInfo, str]:
        if self._resolved is None:
            self._resolved = (UTC, "default")
            user = getattr(self._request, "user", None)
            profile_zone = None
            if user is not None and user.is_authenticated:
                name = Profile.objects.filter(user=user).values_list("time_zone", flat=True)
                profile_zone = parse_time_zone(name.first())
            if profile_zone is not None:
                self._resolved = (profile_zone, "profile")
            else:
                guess = parse_time_zone(self._request.COOKIES.get(TIME_ZONE_COOKIE))
                if guess is not None:
                    self._resolved = (guess, "browser")
        return self._resolved

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return self._resolve()[0]

    @property
    def key(self) -> str:
        return self.zone.key

    @property
    def source(self) -> str:
        return self._resolve()[1]

    @property
    def is_utc(self) -> bool:
        return self.key in UTC_NAMES

    @property
    def name(self) -> str:
        """The zone as people say it, in the active language."""
        return zone_name(self.key)

    def __str__(self) -> str:
        return self.key


def time_zone_variant(request) -> str:
    """What a page shown in the viewer's time zone varies on: the zone and where it came
    from (for a cached copy of the page)."""
    zone = request.viewer_timezone
    return f"{zone.source}:{zone.key}"


class ViewerTimeZoneMiddleware:
    """Attach `request.viewer_timezone` (a ViewerTimeZone) for templates to show local times.

    The active Django time zone stays UTC, so the admin keeps entering times in UTC.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.viewer_timezone = ViewerTimeZone(request)
        return self.get_response(request)


def _babel_locale(language: str | None) -> str:
    return (language or get_language() or "en").split("-")[0]


def zone_name(key: str, *, at: datetime | None = None, language: str | None = None) -> str:
    """A zone as people say it, in `language` (the active one by default), from the CLDR data:
    "Manila — Philippine Time", "Paris — heure d’Europe centrale". With `at`, the name of the
    time in force then (summer or winter time)."""
    locale = _babel_locale(language)
    if key in UTC_NAMES:
        return "UTC"
    try:
        city = get_timezone_location(key, locale=locale, return_city=True)
        name = get_timezone_name(at.astimezone(ZoneInfo(key)) if at else key, locale=locale)
    except (LookupError, ValueError, UnknownLocaleError):
        return key.replace("_", " ")
    return f"{city} — {name}"


def zone_choice_label(key: str, *, now: datetime, language: str | None = None) -> str:
    """A zone for a list to choose from: its name and its offset from UTC today."""
    offset = now.astimezone(ZoneInfo(key)).utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "−"
    hours, minutes = divmod(abs(minutes), 60)
    return f"{zone_name(key, language=language)} (UTC{sign}{hours:02d}:{minutes:02d})"


# Canonical zone names; the database also knows legacy aliases ("US/Eastern", "Etc/GMT+5").
CONTINENTS = (
    "Africa/", "America/", "Antarctica/", "Arctic/", "Asia/", "Atlantic/", "Australia/",
    "Europe/", "Indian/", "Pacific/",
)  # fmt: skip


@lru_cache(maxsize=16)
def _zone_choices(language: str, day: date) -> tuple[tuple[str, str], ...]:
    now = datetime.combine(day, time(12), tzinfo=UTC)
    labels = [
        (key, zone_choice_label(key, now=now, language=language))
        for key in available_time_zones()
        if key.startswith(CONTINENTS)
    ]
    labels.sort(key=lambda choice: choice[1].casefold())
    return (("UTC", "UTC"), *labels)


def time_zone_choices(language: str | None = None) -> list[tuple[str, str]]:
    """Every zone people choose from, named in `language` (the active one by default), with
    today's offset, sorted by name."""
    return list(_zone_choices(_babel_locale(language), datetime.now(UTC).date()))


def same_as_utc(key: str, *moments: datetime) -> bool:
    """Whether the zone's clock reads as UTC's at each of `moments` (Abidjan all year, London
    in winter), so a second line of times in it would repeat the UTC one."""
    zone = parse_time_zone(key)
    if zone is None:
        return True
    return all(not moment.astimezone(zone).utcoffset() for moment in moments)
