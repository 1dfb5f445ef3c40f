"""The viewer's time zone: the profile's choice, else the browser's guess, else UTC."""

import zoneinfo
from functools import cache

from .models import Profile

TIME_ZONE_COOKIE = "tz"
UTC = zoneinfo.ZoneInfo("UTC")


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
        return self.key in ("UTC", "Etc/UTC", "Etc/UCT", "UCT", "Zulu", "Etc/Zulu")

    def __str__(self) -> str:
        return self.key


class ViewerTimeZoneMiddleware:
    """Attach `request.viewer_timezone` (a ViewerTimeZone) for templates to show local times.

    The active Django time zone stays UTC, so the admin keeps entering times in UTC.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.viewer_timezone = ViewerTimeZone(request)
        return self.get_response(request)
