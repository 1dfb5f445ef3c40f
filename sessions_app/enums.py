from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class SessionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", pgettext_lazy("session status", "Open")
    CLOSED = "closed", pgettext_lazy("session status", "Closed")
    HELD = "held", pgettext_lazy("session status", "Held")


class RegistrationStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("registration status", "Pending approval")
    CONFIRMED = "confirmed", pgettext_lazy("registration status", "Confirmed")
    WAITLISTED = "waitlisted", pgettext_lazy("registration status", "Waitlisted")
    DECLINED = "declined", pgettext_lazy("registration status", "Declined")
    CANCELLED = "cancelled", pgettext_lazy("registration status", "Cancelled")


class StakeholderType(models.TextChoices):
    CIVIL_SOCIETY = "civil_society", _("Civil society organization")
    MIGRANT_LED = "migrant_led", _("Migrant- or diaspora-led organization")
    TRADE_UNION = "trade_union", _("Trade union or workers' organization")
    PRIVATE_SECTOR = "private_sector", _("Employers or private sector")
    ACADEMIA = "academia", _("Academia or research")
    LOCAL_AUTHORITY = "local_authority", _("Local or regional authority")
    NHRI = "nhri", _("National human rights institution")
    FAITH_BASED = "faith_based", _("Faith-based organization")
    UN_IGO = "un_igo", _("UN or intergovernmental entity")
    GOVERNMENT = "government", _("Government")
    OTHER = "other", _("Other")


class AgendaItemKind(models.TextChoices):
    OPENING = "opening", _("Opening")
    FRAMING = "framing", _("Framing remarks")
    PRESENTATION = "presentation", _("Presentation")
    OPEN_FLOOR = "open_floor", _("Open floor")
    DISCUSSION = "discussion", _("Discussion")
    BREAK = "break", pgettext_lazy("agenda", "Break")
    CLOSING = "closing", _("Closing")


# Registrations that hold a seat: confirmed ones and those awaiting approval.
SEAT_HOLDING = (RegistrationStatus.CONFIRMED, RegistrationStatus.PENDING)
# Registrations their owner may still cancel (a waitlisted one gives up its place in line);
# they are also the active ones: their holder takes part in the session.
CANCELLABLE = (*SEAT_HOLDING, RegistrationStatus.WAITLISTED)
ACTIVE_REGISTRATION = CANCELLABLE
INACTIVE_REGISTRATION = (RegistrationStatus.DECLINED, RegistrationStatus.CANCELLED)


class Credit(models.TextChoices):
    """How a person is credited in the record: what they consented to, and never more."""

    NAMED = "named", _("By name and organization")
    ORGANIZATION = "organization", _("By organization only")
    ANONYMOUS = "anonymous", _("Anonymously")


class FloorRequestStatus(models.TextChoices):
    WAITING = "waiting", pgettext_lazy("floor request status", "Waiting")
    CALLED = "called", pgettext_lazy("floor request status", "Called")
    SPEAKING = "speaking", pgettext_lazy("floor request status", "Speaking")
    DELIVERED = "delivered", pgettext_lazy("floor request status", "Delivered")
    SKIPPED = "skipped", pgettext_lazy("floor request status", "Skipped")
    WITHDRAWN = "withdrawn", pgettext_lazy("floor request status", "Withdrawn")


class FloorRequestOrigin(models.TextChoices):
    ASKED = "asked", _("Asked for the floor during the session")
    SCHEDULED = "scheduled", _("Scheduled with a written intervention")


class SkipReason(models.TextChoices):
    PASSED = "passed", _("Skipped by the secretariat")
    NOT_CONNECTED = "not_connected", _("Did not connect")


class AttendanceSource(models.TextChoices):
    JOIN_LINK = "join_link", _("Opened the join link from the platform")
    DESK = "desk", _("Marked by the secretariat at the live desk")
