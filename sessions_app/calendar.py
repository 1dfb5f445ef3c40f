"""The `.ics` calendar file of a session, in UTC."""

from datetime import UTC

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event

from .enums import RegistrationStatus
from .models import ListeningSession, Registration


def build_session_ics(
    *, session: ListeningSession, registration: Registration | None = None
) -> bytes:
    """One VEVENT for the session, times in UTC; the join link only for a confirmed registrant."""
    calendar = Calendar()
    calendar.add("prodid", "-//UN Network on Migration//Listening//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    domain = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0]
    event.add("uid", f"session-{session.pk}@{domain}")
    event.add("dtstamp", timezone.now().astimezone(UTC))
    event.add("dtstart", session.starts_at.astimezone(UTC))
    event.add("dtend", session.ends_at.astimezone(UTC))
    event.add("summary", session.title)
    description = [session.summary] if session.summary else []
    page_url = settings.SITE_URL.rstrip("/") + session.get_absolute_url()
    join_url = ""
    if registration is not None and registration.status == RegistrationStatus.CONFIRMED:
        join_url = session.join_url
    if join_url:
        description.append(join_url)
        event.add("location", join_url)
        event.add("url", join_url)
    else:
        event.add("url", page_url)
    description.append(page_url)
    event.add("description", "\n\n".join(description))
    calendar.add_component(event)
    return calendar.to_ical()
