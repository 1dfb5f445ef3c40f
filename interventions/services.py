"""Writes for interventions. Every status change goes through `set_intervention_status`."""

import uuid
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.emails import send_templated_email
from core.enums import Language
from core.outbox import schedule_task
from sessions_app.enums import AgendaItemKind, FloorRequestOrigin, FloorRequestStatus
from sessions_app.models import AgendaItem, FloorRequest, ListeningSession, Profile, Registration
from sessions_app.selectors import email_language
from sessions_app.services import (
    mark_floor_request_recorded,
    schedule_speaker,
    unschedule_speaker,
)

from .enums import CLOSED_TO_WRITING, Channel, CorrectionStatus, QuoteSource
from .enums import InterventionStatus as S
from .models import (
    AnalysisCode,
    Intervention,
    InterventionCorrection,
    InterventionStatusChange,
    Quote,
    Region,
    Theme,
    normalize_passage,
)
from .selectors import EDITABLE_STATUSES, quote_blocker, quote_sources, writing_blocker

# The allowed transitions, written down once: from → {to: who may make it}.
AUTHOR = "author"
MODERATOR = "moderator"
# The person whose words an oral intervention records: proposing a correction to an approved
# record sends it back to moderation.
SPEAKER = "speaker"
TRANSITIONS: dict[str, dict[str, str]] = {
    S.DRAFT: {S.SUBMITTED: AUTHOR, S.WITHDRAWN: AUTHOR},
    S.SUBMITTED: {
        S.APPROVED: MODERATOR,
        S.CHANGES_REQUESTED: MODERATOR,
        S.REJECTED: MODERATOR,
        S.WITHDRAWN: AUTHOR,
    },
    S.CHANGES_REQUESTED: {S.SUBMITTED: AUTHOR, S.WITHDRAWN: AUTHOR},
    S.APPROVED: {S.WITHDRAWN: AUTHOR, S.SUBMITTED: SPEAKER},
    S.REJECTED: {},
    S.WITHDRAWN: {},
}
FINAL_STATUSES = frozenset(s for s, targets in TRANSITIONS.items() if not targets)
# The decisions a moderator can take from some status, in the order of the status choices.
MODERATOR_DECISIONS = tuple(
    status
    for status in S.values
    if any(targets.get(status) == MODERATOR for targets in TRANSITIONS.values())
)
NOTIFY_AUTHOR_ON = frozenset({S.APPROVED, S.CHANGES_REQUESTED, S.REJECTED})


def can_transition(*, from_status: str, to_status: str, role: str) -> bool:
    return TRANSITIONS.get(from_status, {}).get(to_status) == role


def set_intervention_status(
    *,
    intervention: Intervention,
    to_status: str,
    actor: AbstractBaseUser,
    role: str,
    note: str = "",
    feedback: str | None = None,
    notify: bool = True,
) -> Intervention:
    """Move an intervention to `to_status`, record a history row, and notify its author.

    `role` is AUTHOR or MODERATOR: the caller states in which capacity `actor` acts, and
    the transition table decides whether that capacity may make this change.
    Raises ValidationError for a transition the table does not allow (nothing changes),
    PermissionDenied when an author acts on someone else's intervention.
    Side effects: a history row; a moderator's decision settles the corrections the speaker
    proposed; the live queue follows the speaking slot; after commit, an email to the author
    when a moderator approves, requests changes or rejects (unless `notify` is False).
    """
    if role in (AUTHOR, SPEAKER) and actor is not None and intervention.author_id != actor.pk:
        raise PermissionDenied
    with transaction.atomic():
        locked = Intervention.objects.select_for_update().get(pk=intervention.pk)
        from_status = locked.status
        if not can_transition(from_status=from_status, to_status=to_status, role=role):
            raise ValidationError(
                _("An intervention cannot go from “%(from)s” to “%(to)s”.")
                % {"from": S(from_status).label, "to": S(to_status).label},
                code="invalid_transition",
            )
        now = timezone.now()
        locked.status = to_status
        update_fields = ["status", "updated_at"]
        if to_status == S.SUBMITTED:
            locked.submitted_at = now
            update_fields.append("submitted_at")
        if role == MODERATOR:
            locked.decided_at = now
            update_fields.append("decided_at")
        if feedback is not None:
            locked.feedback = feedback
            update_fields.append("feedback")
        if to_status != S.APPROVED and (locked.agenda_item_id or locked.speaking_order):
            # Only approved interventions are ever listed among the speakers.
            locked.agenda_item = None
            locked.speaking_order = None
            update_fields += ["agenda_item", "speaking_order"]
        locked.save(update_fields=update_fields)
        InterventionStatusChange.objects.create(
            intervention=locked,
            actor=actor,
            from_status=from_status,
            to_status=to_status,
            note=note,
        )
        if role == MODERATOR:
            InterventionCorrection.objects.filter(
                intervention=locked, status=CorrectionStatus.PENDING
            ).update(status=CorrectionStatus.SETTLED, settled_by=actor, settled_at=now)
        if locked.floor_request_id and locked.channel == Channel.WRITTEN:
            sync_speaking_slot(intervention=locked)
        if notify and role == MODERATOR and to_status in NOTIFY_AUTHOR_ON and locked.author_id:
            schedule_task(
                "interventions.tasks.task_send_intervention_email",
                intervention_id=locked.pk,
                status=to_status,
            )
    intervention.refresh_from_db()
    return intervention


# Fields an author writes; the rest (status, translation, notes) belong to the secretariat.
AUTHOR_FIELDS = (
    "kind",
    "title",
    "body",
    "language",
    "primary_theme",
    "countries",
    "credit",
    "consent_to_publish",
)


class SubmissionRefused(ValidationError):
    """The intervention was saved, but could not be submitted (e.g. after the deadline)."""

    def __init__(self, message: str, *, intervention: Intervention):
        super().__init__(message, code="submission_refused")
        self.intervention = intervention


def count_words(text: str) -> int:
    """Words as the live counter counts them: runs of non-space characters."""
    return len(text.split())


def validate_body(*, body: str, session: ListeningSession) -> None:
    """Refuse a text over the session's word limit or the platform's character cap.

    Raises ValidationError (on `body`) naming the count and the limit; the one check behind the
    form and every service that stores an author's text.
    """
    if len(body) > settings.INTERVENTION_MAX_CHARS:
        raise ValidationError(
            {
                "body": ValidationError(
                    _(
                        "Your text has %(chars)d characters; the limit is %(limit)d. "
                        "Nothing was saved."
                    )
                    % {"chars": len(body), "limit": settings.INTERVENTION_MAX_CHARS},
                    code="too_long",
                )
            }
        )
    words = count_words(body)
    if words > session.word_limit:
        raise ValidationError(
            {
                "body": ValidationError(
                    _("Your text has %(words)d words; the limit for this session is %(limit)d.")
                    % {"words": words, "limit": session.word_limit},
                    code="too_many_words",
                )
            }
        )


def _credit_snapshot(*, author, session) -> dict:
    """The author's name, organization and stakeholder type as they are now."""
    profile = Profile.objects.filter(user=author).first()
    if profile is not None:
        return {
            "credit_name": profile.full_name,
            "credit_organization": profile.organization,
            "stakeholder_type": profile.stakeholder_type,
        }
    registration = Registration.objects.filter(user=author, session=session).first()
    return {
        "credit_name": author.get_full_name(),
        "credit_organization": registration.organization if registration else "",
        "stakeholder_type": registration.stakeholder_type if registration else "",
    }


def _apply_author_data(
    *,
    intervention: Intervention,
    data: dict,
) -> None:
    for field in AUTHOR_FIELDS:
        if field in data:
            setattr(intervention, field, data[field])
    if "deliver_orally" in data:
        intervention.deliver_orally = bool(data["deliver_orally"])


def _set_tags(
    *, intervention: Intervention, themes: Iterable[Theme], regions: Iterable[Region]
) -> None:
    # The primary theme is not repeated among the other themes.
    intervention.themes.set([t for t in themes if t.pk != intervention.primary_theme_id])
    intervention.regions.set(list(regions))


def _insert_intervention(
    *,
    intervention: Intervention,
    themes: Iterable[Theme],
    regions: Iterable[Region],
    actor: AbstractBaseUser | None,
    status: str,
) -> None:
    """Store a new intervention, its tags and its first history row, in the caller's
    transaction. Every intervention, written or oral, is first stored here."""
    intervention.status = status
    intervention.save()
    _set_tags(intervention=intervention, themes=themes, regions=regions)
    InterventionStatusChange.objects.create(
        intervention=intervention, actor=actor, from_status="", to_status=status
    )


def create_intervention(
    *,
    session: ListeningSession,
    author: AbstractBaseUser,
    data: dict,
    submission_token: uuid.UUID,
    submit: bool,
) -> tuple[Intervention, bool]:
    """Create an intervention by `author` for `session` from validated form data.

    `data` holds the author's fields (see AUTHOR_FIELDS) plus `themes`, `regions` and
    `deliver_orally`. The credit is snapshotted from the author's profile (or, without one,
    their name and registration). Returns (intervention, created): a second call with the
    same `submission_token` (a double click) returns the first intervention unchanged.
    Side effects: one intervention (a draft), then, when `submit`, its submission.
    Raises PermissionDenied when the author is not a registered participant of the session
    or the token belongs to someone else; SubmissionRefused (carrying the saved draft)
    when submitting is no longer possible.
    """
    existing = Intervention.objects.filter(submission_token=submission_token).first()
    if existing is not None:
        if existing.author_id != author.pk:
            raise PermissionDenied
        return existing, False
    if writing_blocker(session=session, user=author) is not None:
        raise PermissionDenied
    validate_body(body=data.get("body", ""), session=session)
    intervention = Intervention(
        session=session,
        author=author,
        submission_token=submission_token,
        **_credit_snapshot(author=author, session=session),
    )
    _apply_author_data(intervention=intervention, data=data)
    try:
        with transaction.atomic():
            _insert_intervention(
                intervention=intervention,
                themes=data.get("themes", []),
                regions=data.get("regions", []),
                actor=author,
                status=S.DRAFT,
            )
    except IntegrityError:
        # The same form posted twice at once: the other request created it.
        existing = Intervention.objects.filter(submission_token=submission_token).first()
        if existing is None or existing.author_id != author.pk:
            raise
        return existing, False
    if submit:
        submit_intervention(intervention=intervention, actor=author)
    return intervention, True


def update_intervention(
    *, intervention: Intervention, actor: AbstractBaseUser, data: dict, submit: bool
) -> Intervention:
    """Save the author's changes to a draft (or an intervention sent back for changes).

    Side effects: the intervention's fields and tags; when `submit`, its submission.
    Raises PermissionDenied for someone else's intervention, ValidationError when it can
    no longer be edited (nothing changes), SubmissionRefused when the changes were saved
    but submitting is no longer possible.
    """
    if intervention.author_id != actor.pk:
        raise PermissionDenied
    if intervention.is_oral:
        raise ValidationError(
            _(
                "The secretariat wrote this record of what you said: propose a correction "
                "instead of editing it."
            ),
            code="oral",
        )
    if writing_blocker(session=intervention.session, user=actor) is not None:
        raise ValidationError(
            _(
                "This intervention can no longer be edited: the session does not take "
                "interventions any more, or your registration is no longer active."
            ),
            code="not_editable",
        )
    with transaction.atomic():
        if "body" in data:
            validate_body(body=data["body"], session=intervention.session)
        locked = Intervention.objects.select_for_update().get(pk=intervention.pk)
        if locked.status not in EDITABLE_STATUSES:
            raise ValidationError(
                _("This intervention can no longer be edited: it is “%(status)s”.")
                % {"status": S(locked.status).label},
                code="not_editable",
            )
        _apply_author_data(intervention=locked, data=data)
        locked.save()
        _set_tags(
            intervention=locked,
            themes=data.get("themes", []),
            regions=data.get("regions", []),
        )
    if submit:
        submit_intervention(intervention=locked, actor=actor)
    intervention.refresh_from_db()
    return intervention


def submit_intervention(*, intervention: Intervention, actor: AbstractBaseUser) -> Intervention:
    """Send a draft (or an intervention sent back for changes) to the secretariat.

    Refused for a session that no longer takes interventions (draft or held), for an author
    whose registration was declined or cancelled, and, for a first submission, after the
    session's deadline; a resubmission asked for by the secretariat is accepted until the
    session is held.
    Side effects: status change and history row (see `set_intervention_status`).
    Raises SubmissionRefused after the deadline, ValidationError for a transition the table
    does not allow, PermissionDenied for someone else's intervention.
    """
    session = intervention.session
    if session.status in CLOSED_TO_WRITING:
        raise SubmissionRefused(
            _(
                "This session no longer takes interventions, so it cannot be submitted. "
                "Your text is saved as a draft."
            ),
            intervention=intervention,
        )
    if (
        intervention.author_id == actor.pk
        and writing_blocker(session=session, user=actor) == "not_registered"
    ):
        raise SubmissionRefused(
            _(
                "Your registration for this session is no longer active, so the intervention "
                "cannot be submitted. Your text is saved as a draft."
            ),
            intervention=intervention,
        )
    deadline = session.intervention_deadline
    if intervention.status == S.DRAFT and deadline is not None and timezone.now() > deadline:
        raise SubmissionRefused(
            _(
                "The deadline for interventions to this session has passed, so it cannot be "
                "submitted any more. Your text is saved as a draft."
            ),
            intervention=intervention,
        )
    return set_intervention_status(
        intervention=intervention, to_status=S.SUBMITTED, actor=actor, role=AUTHOR
    )


def withdraw_intervention(*, intervention: Intervention, actor: AbstractBaseUser) -> Intervention:
    """Withdraw the author's own intervention (any status but a final one).

    Side effects: status change and history row. Raises PermissionDenied for someone
    else's intervention, ValidationError when it is already rejected or withdrawn.
    """
    return set_intervention_status(
        intervention=intervention, to_status=S.WITHDRAWN, actor=actor, role=AUTHOR
    )


def moderate_interventions(
    *,
    interventions: Iterable[Intervention],
    to_status: str,
    actor: AbstractBaseUser,
    feedback: str | None = None,
) -> tuple[list[Intervention], list[Intervention]]:
    """Apply one moderation decision to several interventions.

    Returns (changed, skipped): those whose status the table does not let a moderator
    change to `to_status` are skipped and left as they were.
    Side effects: per changed intervention, see `set_intervention_status`.
    """
    changed, skipped = [], []
    for intervention in interventions:
        try:
            set_intervention_status(
                intervention=intervention,
                to_status=to_status,
                actor=actor,
                role=MODERATOR,
                feedback=feedback,
            )
        except ValidationError:
            skipped.append(intervention)
        else:
            changed.append(intervention)
    return changed, skipped


def validate_speaking_slot(
    *,
    intervention: Intervention,
    status: str,
    agenda_item: AgendaItem | None,
    speaking_order: int | None,
) -> None:
    """Check a speaking slot for an intervention that will have `status`.

    Raises ValidationError (keyed by field) unless: no slot at all, or an open-floor item of
    the intervention's own session, for an approved intervention its author wishes to
    deliver orally.
    """
    if agenda_item is None:
        if speaking_order is not None:
            raise ValidationError(
                {"speaking_order": _("Choose an open-floor segment for this speaking order.")}
            )
        return
    errors = {}
    if agenda_item.session_id != intervention.session_id:
        errors["agenda_item"] = _("Choose a segment of this intervention's own session.")
    elif agenda_item.kind != AgendaItemKind.OPEN_FLOOR:
        errors["agenda_item"] = _("Only open-floor segments have a list of speakers.")
    elif status != S.APPROVED:
        errors["agenda_item"] = _("Only approved interventions can be given a speaking slot.")
    elif not intervention.deliver_orally:
        errors["agenda_item"] = _("The author did not ask to deliver this intervention orally.")
    if errors:
        raise ValidationError(errors)


# Fields the secretariat edits in the admin; the author's own text and credit are not among them.
STAFF_FIELDS = (
    "english_title",
    "english_text",
    "kind",
    "primary_theme",
    "countries",
    "feedback",
    "internal_note",
    "agenda_item",
    "speaking_order",
)


# The secretariat wrote the record of an oral intervention: it may correct its text too.
ORAL_STAFF_FIELDS = ("title", "body", "language")


def save_staff_edits(
    *, intervention: Intervention, actor: AbstractBaseUser | None, data: dict, decision: str = ""
) -> Intervention:
    """Store the secretariat's edits and, when `decision` is given, apply that decision.

    `data` may hold STAFF_FIELDS plus `themes` and `regions` (the primary theme is never kept
    among the other themes), and for an oral intervention ORAL_STAFF_FIELDS. The live queue
    follows a changed speaking slot. A speaking slot is checked against the status the intervention
    will have. All of it happens in one transaction: a slot or decision that is refused
    changes nothing.
    Side effects: the row and its tags; with a decision, what `set_intervention_status` does.
    Raises ValidationError (keyed by field where it can be) for a refused slot or decision.
    """
    with transaction.atomic():
        locked = Intervention.objects.select_for_update().get(pk=intervention.pk)
        if "agenda_item" in data or "speaking_order" in data:
            validate_speaking_slot(
                intervention=locked,
                status=decision or locked.status,
                agenda_item=data.get("agenda_item", locked.agenda_item),
                speaking_order=data.get("speaking_order", locked.speaking_order),
            )
        editable = (*STAFF_FIELDS, *(ORAL_STAFF_FIELDS if locked.is_oral else ()))
        for field in editable:
            if field in data:
                setattr(locked, field, data[field])
        locked.save()
        if "agenda_item" in data or "speaking_order" in data:
            sync_speaking_slot(intervention=locked)
        if "themes" in data or "regions" in data:
            _set_tags(
                intervention=locked,
                themes=data.get("themes", locked.themes.all()),
                regions=data.get("regions", locked.regions.all()),
            )
        if decision:
            set_intervention_status(
                intervention=locked,
                to_status=decision,
                actor=actor,
                role=MODERATOR,
                feedback=locked.feedback,
            )
    intervention.refresh_from_db()
    return intervention


def send_intervention_status_email(*, intervention: Intervention, status: str) -> bool:
    """Tell the author that their intervention was approved, sent back or rejected.

    The email is in the author's preferred language (profile, else registration, else
    English). Returns False, sending nothing, when there is no author or address, or when
    the intervention's status has changed since the email was scheduled (a stale decision
    is never announced). Raises what the email backend raises.
    """
    author = intervention.author
    if author is None or not author.email or intervention.status != status:
        return False
    language = email_language(user=author, session=intervention.session)
    with translation.override(language):
        path = reverse("interventions:detail", kwargs={"pk": intervention.pk})
    send_templated_email(
        to=author.email,
        language=language,
        template="intervention_status",
        context={
            "intervention": intervention,
            "session": intervention.session,
            "status": status,
            "status_label": S(status).label,
            "url": settings.SITE_URL + path,
        },
    )
    return True


# ---------------------------------------------------------------------------------------------
# The live session: speakers scheduled with a written intervention, oral interventions recorded
# at the live desk, and the corrections their speakers propose.
# ---------------------------------------------------------------------------------------------


def sync_speaking_slot(*, intervention: Intervention) -> FloorRequest | None:
    """Keep the live queue in step with a written intervention's speaking slot.

    An approved intervention to be delivered orally, with a slot, puts its author in the queue
    of the slot's item at its speaking order (or updates their waiting request); without a slot,
    or once it is no longer approved, a waiting request is withdrawn. Requests already called,
    delivered or skipped are left as they are. Returns the waiting request, if any.
    """
    if intervention.channel != Channel.WRITTEN:
        return None
    current = intervention.floor_request
    if current is not None and current.status == FloorRequestStatus.WITHDRAWN:
        current = None
    wanted = (
        intervention.status == S.APPROVED
        and intervention.deliver_orally
        and intervention.agenda_item_id is not None
    )
    if not wanted:
        if current is not None:
            unschedule_speaker(floor_request=current)
        return None
    registration = Registration.objects.filter(
        session_id=intervention.session_id, user_id=intervention.author_id
    ).first()
    if registration is None:
        return None
    scheduled = schedule_speaker(
        floor_request=current,
        registration=registration,
        agenda_item=intervention.agenda_item,
        place=intervention.speaking_order,
        language=intervention.language,
        topic=intervention.title,
        credit=intervention.credit,
        credit_name=intervention.credit_name,
        credit_organization=intervention.credit_organization,
    )
    if scheduled is not None and scheduled.pk != intervention.floor_request_id:
        Intervention.objects.filter(pk=intervention.pk).update(floor_request=scheduled)
        intervention.floor_request = scheduled
    return scheduled


# Fields the desk records about a contribution.
ORAL_FIELDS = (
    "title",
    "language",
    "body",
    "english_title",
    "english_text",
    "kind",
    "primary_theme",
    "countries",
    "delivered_at",
)


def record_oral_intervention(
    *, floor_request: FloorRequest, actor: AbstractBaseUser, data: dict
) -> tuple[Intervention, bool]:
    """Record what a speaker said on the call as an oral intervention.

    `data` holds ORAL_FIELDS plus `themes` and `regions`: a short summary (`body`) in the
    language spoken and, for French or Spanish, the English interpretation the secretariat gave
    on the call (`english_text`). The intervention is credited exactly as the speaker consented
    at registration, is submitted for moderation like any other input, and its author is the
    speaker, who can review it and propose a correction.
    Returns (intervention, created): a contribution is recorded once; recording it again
    returns the first record unchanged.
    Side effects: one intervention (channel "oral") and its history row; the floor request
    marked recorded; after commit, an email to the speaker in their language.
    Raises ValidationError when the contribution was not delivered, was a scheduled written
    intervention (which is its own record), or lacks the English interpretation.
    """
    existing = Intervention.objects.filter(floor_request=floor_request).first()
    if existing is not None:
        return existing, False
    if floor_request.status != FloorRequestStatus.DELIVERED:
        raise ValidationError(
            _("Only a delivered contribution can be recorded."), code="not_delivered"
        )
    if floor_request.origin == FloorRequestOrigin.SCHEDULED:
        raise ValidationError(
            _("This speaker delivered their written intervention: it is the record."),
            code="scheduled",
        )
    if data.get("language") != Language.EN and not (data.get("english_text") or "").strip():
        raise ValidationError(
            {"english_text": _("Give the English interpretation of what was said.")}
        )
    registration = floor_request.registration
    intervention = Intervention(
        session_id=floor_request.session_id,
        author_id=registration.user_id,
        channel=Channel.ORAL,
        floor_request=floor_request,
        credit=floor_request.credit,
        credit_name=floor_request.credit_name,
        credit_organization=floor_request.credit_organization,
        stakeholder_type=registration.stakeholder_type,
        deliver_orally=True,
        submitted_at=timezone.now(),
    )
    for name in ORAL_FIELDS:
        if name in data:
            setattr(intervention, name, data[name])
    intervention.delivered_at = intervention.delivered_at or floor_request.ended_at
    try:
        with transaction.atomic():
            _insert_intervention(
                intervention=intervention,
                themes=data.get("themes", []),
                regions=data.get("regions", []),
                actor=actor,
                status=S.SUBMITTED,
            )
            mark_floor_request_recorded(floor_request=floor_request)
            schedule_task(
                "interventions.tasks.task_send_oral_record_email", intervention_id=intervention.pk
            )
    except IntegrityError:
        # Two members of the secretariat saved the same contribution at once.
        existing = Intervention.objects.filter(floor_request=floor_request).first()
        if existing is None:
            raise
        return existing, False
    return intervention, True


def propose_correction(
    *, intervention: Intervention, actor: AbstractBaseUser, text: str
) -> InterventionCorrection:
    """The speaker proposes a correction to the record of what they said: it goes to
    moderation. An approved record, or one sent back for changes, returns to "submitted" until a
    moderator decides again (that decision settles the correction).

    Raises PermissionDenied for someone else's intervention; ValidationError for a written
    intervention, an empty text, or a record that is rejected or withdrawn (nothing changes).
    """
    if intervention.author_id != actor.pk:
        raise PermissionDenied
    if not intervention.is_oral:
        raise ValidationError(
            _("Only the record of a spoken contribution takes corrections."), code="written"
        )
    text = text.strip()
    if not text:
        raise ValidationError(_("Say what should be corrected."), code="empty")
    with transaction.atomic():
        locked = Intervention.objects.select_for_update().get(pk=intervention.pk)
        if locked.status in FINAL_STATUSES:
            raise ValidationError(
                _("This record is “%(status)s”: it can no longer be corrected.")
                % {"status": S(locked.status).label},
                code="final",
            )
        correction = InterventionCorrection.objects.create(
            intervention=locked, author=actor, text=text
        )
        if locked.status == S.APPROVED:
            set_intervention_status(
                intervention=locked, to_status=S.SUBMITTED, actor=actor, role=SPEAKER
            )
        elif locked.status == S.CHANGES_REQUESTED:
            set_intervention_status(
                intervention=locked, to_status=S.SUBMITTED, actor=actor, role=AUTHOR
            )
    intervention.refresh_from_db()
    return correction


def send_oral_record_email(*, intervention: Intervention) -> bool:
    """Send the speaker the record of what they said, in their language, with a link to review
    it and propose a correction.

    Returns False, sending nothing, when the speaker has no address or the record was withdrawn
    or rejected since. Raises what the email backend raises.
    """
    author = intervention.author
    if author is None or not author.email or intervention.status in FINAL_STATUSES:
        return False
    language = email_language(user=author, session=intervention.session)
    with translation.override(language):
        path = reverse("interventions:detail", kwargs={"pk": intervention.pk})
    send_templated_email(
        to=author.email,
        language=language,
        template="oral_record",
        context={
            "intervention": intervention,
            "session": intervention.session,
            "url": settings.SITE_URL + path,
        },
    )
    return True


def set_publication_consent(
    *, intervention: Intervention, actor: AbstractBaseUser, consent: bool
) -> Intervention:
    """The author says whether their input may appear on the session's public "What we heard"
    page (credited as they chose). The speaker of an oral record answers it here, when reviewing
    the record; without an answer it stays unpublished. Changes nothing else (not its status).

    Raises PermissionDenied for someone else's intervention.
    """
    if intervention.author_id != actor.pk:
        raise PermissionDenied
    Intervention.objects.filter(pk=intervention.pk).update(consent_to_publish=bool(consent))
    intervention.refresh_from_db()
    return intervention


# Quotes and the coding frame.


def _checked_codes(codes: Iterable[AnalysisCode], *, keep: Iterable[AnalysisCode] = ()) -> list:
    """The codes, refusing inactive ones other than those in `keep` (a quote keeps the codes
    it already had when a code is retired)."""
    codes = list(codes)
    kept = {code.pk for code in keep}
    if not codes:
        raise ValidationError({"codes": _("Choose at least one code.")})
    retired = [code.name for code in codes if not code.is_active and code.pk not in kept]
    if retired:
        raise ValidationError(
            {
                "codes": _("These codes are no longer in use: %(codes)s.")
                % {"codes": ", ".join(retired)}
            }
        )
    return codes


def locate_passage(*, intervention: Intervention, source: str, text: str) -> int:
    """Where `text` starts in the chosen text of `intervention` (whitespace collapsed in both).

    Raises ValidationError (keyed by field) when the source does not exist for this
    intervention or the passage is not part of that text.
    """
    if source not in dict(quote_sources(intervention=intervention)):
        raise ValidationError({"source": _("This input has no such text to quote from.")})
    passage = normalize_passage(text)
    if not passage:
        raise ValidationError({"text": _("Select or paste the passage to quote.")})
    current = normalize_passage(
        intervention.english_text if source == QuoteSource.TRANSLATION else intervention.body
    )
    start = current.find(passage)
    if start < 0:
        raise ValidationError(
            {
                "text": _(
                    "This passage is not part of the text you chose. Select it on the page, or "
                    "paste it exactly as it is written."
                )
            }
        )
    return start


def save_quote(
    *,
    intervention: Intervention,
    source: str,
    text: str,
    codes: Iterable[AnalysisCode],
    note: str = "",
    actor: AbstractBaseUser,
) -> Quote:
    """Save a passage of an approved intervention as a quote with its codes.

    The passage must appear in the chosen text (the original or the English translation),
    whitespace aside; it is stored as given, trimmed. Locks the intervention so that a
    concurrent status change or edit is seen. Raises ValidationError (keyed by field where it
    can be) when the input is not approved, the passage is not part of the text or a code is
    refused; nothing is saved then.
    """
    with transaction.atomic():
        locked = (
            Intervention.objects.select_for_update(of=("self",))
            .select_related("session")
            .get(pk=intervention.pk)
        )
        if quote_blocker(intervention=locked) is not None:
            raise ValidationError(_("Only approved inputs can be quoted."))
        start = locate_passage(intervention=locked, source=source, text=text)
        codes = _checked_codes(codes)
        quote = Quote.objects.create(
            intervention=locked,
            source=source,
            text=text.strip(),
            start=start,
            note=note.strip(),
            created_by=actor,
        )
        quote.codes.set(codes)
    return quote


def update_quote(
    *, quote: Quote, codes: Iterable[AnalysisCode], note: str, actor: AbstractBaseUser
) -> Quote:
    """Change a quote's codes and note; its passage never changes (delete and quote again).

    Raises ValidationError keyed by field when no code is given or a new code is inactive.
    """
    with transaction.atomic():
        locked = Quote.objects.select_for_update().get(pk=quote.pk)
        codes = _checked_codes(codes, keep=locked.codes.all())
        locked.note = note.strip()
        locked.save(update_fields=["note", "updated_at"])
        locked.codes.set(codes)
    quote.refresh_from_db()
    return quote


def delete_quote(*, quote: Quote, actor: AbstractBaseUser) -> None:
    """Delete a quote and its codes (the intervention is untouched)."""
    Quote.objects.filter(pk=quote.pk).delete()


def save_analysis_code(*, code: AnalysisCode | None = None, data: dict) -> AnalysisCode:
    """Create a code of the coding frame, or change one, from `data` (slug, translated names
    and descriptions, order, active). Raises ValidationError keyed by field for a slug in use
    or a missing name."""
    code = code or AnalysisCode()
    for field, value in data.items():
        setattr(code, field, value)
    code.full_clean()
    with transaction.atomic():
        code.save()
    return code
