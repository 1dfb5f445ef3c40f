from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# One definition, shared with the live session (sessions_app), which credits speakers too.
from sessions_app.enums import Credit as Credit
from sessions_app.enums import SessionStatus


class InterventionKind(models.TextChoices):
    CHALLENGE = "challenge", _("Challenge faced by migrants")
    NEW_AVENUE = "new_avenue", _("New avenue for admission and stay, including regularization")
    PROMISING_PRACTICE = "promising_practice", _("Promising practice")
    COLLABORATION = "collaboration", _("Example of collaboration")
    POLICY = "policy", _("Policy or operational challenge or opportunity")
    RECOMMENDATION = "recommendation", _("Recommendation")


class InterventionStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("intervention status", "Draft")
    SUBMITTED = "submitted", pgettext_lazy("intervention status", "Submitted")
    CHANGES_REQUESTED = (
        "changes_requested",
        pgettext_lazy("intervention status", "Changes requested"),
    )
    APPROVED = "approved", pgettext_lazy("intervention status", "Approved")
    REJECTED = "rejected", pgettext_lazy("intervention status", "Rejected")
    WITHDRAWN = "withdrawn", pgettext_lazy("intervention status", "Withdrawn")


# Sessions that take no interventions: not public yet, or already held.
CLOSED_TO_WRITING = (SessionStatus.DRAFT, SessionStatus.HELD)


class Channel(models.TextChoices):
    WRITTEN = "written", pgettext_lazy("intervention channel", "Written")
    ORAL = "oral", pgettext_lazy("intervention channel", "Oral")


class CorrectionStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("correction status", "Awaiting moderation")
    SETTLED = "settled", pgettext_lazy("correction status", "Settled by a moderation decision")


class ApprovedSort(models.TextChoices):
    """How Working Group 3's list of approved inputs can be sorted."""

    RELEVANCE = "relevance", pgettext_lazy("sort order", "Best match when searching")
    SESSION = "session", pgettext_lazy("sort order", "By session and theme")
    NEWEST = "newest", pgettext_lazy("sort order", "Newest approved first")
    OLDEST = "oldest", pgettext_lazy("sort order", "Oldest approved first")


# Page sizes of Working Group 3's list; the first is the default.
APPROVED_PAGE_SIZES = (25, 10, 50, 100)


class QuoteSource(models.TextChoices):
    """Which text of an intervention a quote was taken from."""

    ORIGINAL = "original", pgettext_lazy("quote source", "Original text")
    TRANSLATION = "translation", pgettext_lazy("quote source", "English translation")
