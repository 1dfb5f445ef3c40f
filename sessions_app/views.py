from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseNotModified, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import parse_etags, url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from . import livestate, selectors, services
from .calendar import build_session_ics
from .enums import AttendanceSource, FloorRequestStatus, RegistrationStatus
from .forms import DeskActionForm, FloorRequestForm, ProfileForm, RegistrationForm
from .models import AgendaItem, FloorRequest, ListeningSession, Registration
from .timezones import TIME_ZONE_COOKIE, parse_time_zone


def public_session_or_404(slug: str) -> ListeningSession:
    try:
        return selectors.get_public_session(slug=slug)
    except ListeningSession.DoesNotExist:
        raise Http404 from None


def _status_message(registration: Registration) -> str:
    if registration.status == RegistrationStatus.CONFIRMED:
        return _("Your registration is confirmed. The join link is below.")
    if registration.status == RegistrationStatus.PENDING:
        return _("Thank you. Your registration awaits the secretariat's approval.")
    if registration.status == RegistrationStatus.WAITLISTED:
        place = selectors.waitlist_place(registration=registration)
        return _(
            "The session is full: you are number %(place)s on the waitlist. "
            "We will email you if a seat frees up."
        ) % {"place": place}
    return _("Your registration is %(status)s.") % {"status": registration.get_status_display()}


@require_safe
def session_list(request):
    return render(
        request, "sessions_app/session_list.html", {"sessions": selectors.list_public_sessions()}
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def register(request, slug: str):
    session = public_session_or_404(slug)
    existing = selectors.get_registration(session=session, user=request.user)
    blocker = selectors.registration_blocker(session=session, registration=existing)
    if blocker == "already_registered":
        messages.info(request, selectors.blocker_message(blocker))
        return redirect(existing)
    if blocker:
        messages.error(request, selectors.blocker_message(blocker))
        return redirect(session)
    if selectors.get_profile(user=request.user) is None:
        messages.info(request, _("Please complete your profile first; it takes a minute."))
        profile_url = reverse("sessions_app:profile")
        return redirect(f"{profile_url}?next={request.path}")
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.register_for_session(
                session=session, user=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(session)
        registration = result.registration
        if result.created:
            messages.success(request, _status_message(registration))
        else:
            messages.info(request, _("You are already registered for this session."))
        return redirect(registration)
    return render(
        request,
        "sessions_app/register.html",
        {"session": session, "form": form, "seats_left": selectors.seats_left(session=session)},
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def profile(request):
    current = selectors.get_profile(user=request.user)
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    if current is not None:
        initial = {
            "full_name": current.full_name,
            "organization": current.organization,
            "stakeholder_type": current.stakeholder_type,
            "country": current.country.code,
            "region": current.region_id,
            "preferred_language": current.preferred_language,
            "time_zone": current.time_zone,
            "consent_to_contact": current.consent_to_contact,
        }
    else:
        guess = parse_time_zone(request.COOKIES.get(TIME_ZONE_COOKIE))
        initial = {
            "full_name": request.user.get_full_name(),
            "preferred_language": request.LANGUAGE_CODE,
            "time_zone": guess.key if guess else "UTC",
        }
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_profile(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error("time_zone", error)
        else:
            messages.success(request, _("Your profile is saved."))
            return redirect(next_url or "sessions_app:my_sessions")
    return render(
        request,
        "sessions_app/profile.html",
        {"form": form, "next": next_url, "is_new": current is None},
    )


def _my_registration_or_404(request, pk: int) -> Registration:
    try:
        return selectors.get_my_registration(user=request.user, pk=pk)
    except Registration.DoesNotExist:
        raise Http404 from None


@login_required
@require_safe
def registration_calendar(request, pk: int):
    registration = _my_registration_or_404(request, pk)
    content = build_session_ics(session=registration.session, registration=registration)
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{registration.session.slug}.ics"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def cancel_registration(request, pk: int):
    registration = _my_registration_or_404(request, pk)
    blocker = selectors.cancel_blocker(registration=registration, user=request.user)
    if blocker:
        messages.info(request, selectors.blocker_message(blocker))
        return redirect("sessions_app:my_sessions")
    if request.method == "POST":
        try:
            services.cancel_registration(registration=registration, user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Your registration is cancelled."))
        return redirect("sessions_app:my_sessions")
    return render(request, "sessions_app/cancel_registration.html", {"registration": registration})


# ---------------------------------------------------------------------------------------------
# The live session. The page and the desk poll a small state view every LIVE_POLL_INTERVAL_MS:
# it answers 304 while the session's `live_version` has not moved (ETag), which keeps every
# request short under gunicorn's sync workers and runserver alike. Without scripts the pages
# refresh themselves.
# ---------------------------------------------------------------------------------------------

DESK_PERMISSION = "sessions_app.run_live_desk"
REPORT_PERMISSION = "sessions_app.view_held_report"
NOSCRIPT_REFRESH_SECONDS = 10


def desk_required(view):
    """Anonymous visitors go to the sign-in page; others without the desk permission get 403."""
    return login_required(permission_required(DESK_PERMISSION, raise_exception=True)(view))


def _live_session_or_404(slug: str) -> ListeningSession:
    try:
        return selectors.get_live_session(slug=slug)
    except ListeningSession.DoesNotExist:
        raise Http404 from None


FLOOR_REFUSALS = {
    "not_live": gettext_lazy("The floor can be asked for only while the session is live."),
    "not_confirmed": gettext_lazy(
        "Only confirmed registrants of this session can ask for the floor."
    ),
    "no_open_floor": gettext_lazy("There is no open-floor segment left in this session."),
    "already_waiting": gettext_lazy(
        "You are already in the queue of every open-floor segment still to come."
    ),
}


def _not_modified(request, etag: str) -> HttpResponse | None:
    if etag in parse_etags(request.META.get("HTTP_IF_NONE_MATCH", "")):
        response = HttpResponseNotModified()
        response["ETag"] = etag
        response["Cache-Control"] = "private, no-cache"
        return response
    return None


def _my_sentence(mine: selectors.MyFloorRequests) -> str:
    sentences = []
    for floor_request in mine.active:
        if floor_request.status == FloorRequestStatus.SPEAKING:
            sentences.append(_("You are speaking."))
        elif floor_request.status == FloorRequestStatus.CALLED:
            sentences.append(_("You are called: unmute your microphone and begin."))
        else:
            sentences.append(
                _("You are number %(place)s in the queue.") % {"place": floor_request.place}
            )
    return " ".join(sentences)


def _live_context(request, poll, *, slug: str) -> dict:
    """What the live page shows `poll`'s registrant (or a member of the secretariat)."""
    shared = livestate.shared_state(poll=poll, slug=slug)
    snapshot = shared.snapshot
    confirmed = poll.registration_status == RegistrationStatus.CONFIRMED
    registration_id = poll.registration_id if confirmed else None
    mine = selectors.my_floor_requests(snapshot=snapshot, registration_id=registration_id)
    refusal = selectors.floor_refusal(
        snapshot=snapshot, registration_status=poll.registration_status, mine=mine
    )
    digest = livestate.mine_digest(snapshot=snapshot, registration_id=registration_id)
    return {
        "session": snapshot.session,
        "snapshot": snapshot,
        "shared": shared,
        "is_registrant": confirmed,
        "mine": mine,
        "floor_refusal": refusal,
        "floor_refusal_message": FLOOR_REFUSALS.get(refusal, ""),
        "can_ask": refusal is None,
        # Someone waiting under every open floor left needs no explanation: their requests show.
        "floor_refusal_note": ""
        if refusal == "already_waiting"
        else FLOOR_REFUSALS.get(refusal, ""),
        "can_run_desk": not confirmed and selectors.can_run_desk(user=request.user),
        "my_sentence": _my_sentence(mine),
        "etag": livestate.etag(poll=poll, digest=digest),
        "token": livestate.poll_token(session_id=poll.pk, registration_id=registration_id)
        if confirmed
        else "",
    }


def _viewer_poll(request, slug: str):
    """The poll of a signed-in viewer (their registration's status, if any); 404 for drafts."""
    poll = selectors.get_registrant_poll(slug=slug, user_id=request.user.pk)
    if poll is None:
        poll = selectors.get_session_poll(slug=slug)
    if poll is None:
        raise Http404
    return poll


def _refusal_page(request, slug: str, poll):
    """The explanation for someone who may not follow the live page, or None."""
    if selectors.live_page_refusal(user=request.user, registration_status=poll.registration_status):
        session = _live_session_or_404(slug)
        registration = selectors.get_registration(session=session, user=request.user)
        return render(
            request,
            "sessions_app/live_refused.html",
            {"session": session, "registration": registration},
            status=403,
        )
    return None


@login_required
@require_safe
def live_page(request, slug: str):
    poll = _viewer_poll(request, slug)
    if (refused := _refusal_page(request, slug, poll)) is not None:
        return refused
    context = _live_context(request, poll, slug=slug)
    context.update(
        {
            "poll_ms": settings.LIVE_POLL_INTERVAL_MS,
            "refresh_seconds": NOSCRIPT_REFRESH_SECONDS,
            "now": timezone.now(),
        }
    )
    return render(request, "sessions_app/live.html", context)


def _state_response(tag: str, shared: livestate.SharedState, **extra) -> JsonResponse:
    response = JsonResponse(
        {
            "version": tag,
            "live": shared.snapshot.is_live,
            "state": shared.snapshot.state,
            "shared": shared.html,
            "places": shared.places,
            "say": {"speaker": shared.speaker_sentence},
            "now": int(timezone.now().timestamp() * 1000),
            **extra,
        }
    )
    response["ETag"] = tag
    response["Cache-Control"] = "private, no-cache"
    return response


@require_safe
def live_state(request, slug: str):
    """The live page's state as JSON, or 304 while nothing changed.

    With the page's token (X-Live-Token), a poll is answered from this process's memory: 304
    while nothing changed, or the shared part alone while the registrant's own requests are as
    their page shows them. Anything about their own requests (and every poll without a token)
    goes through the full sign-in check.
    """
    grant = livestate.read_poll_token(request.headers.get("X-Live-Token", ""))
    poll = livestate.recent_poll(slug=slug)
    if poll is None:
        raise Http404
    if grant is not None and grant[0] == poll.pk:
        shared = livestate.shared_state(poll=poll, slug=slug)
        digest = livestate.mine_digest(snapshot=shared.snapshot, registration_id=grant[1])
        tag = livestate.etag(poll=poll, digest=digest)
        if (response := _not_modified(request, tag)) is not None:
            return response
        sent = parse_etags(request.headers.get("If-None-Match", ""))
        if sent and livestate.digest_of(sent[0]) == digest:
            return _state_response(tag, shared)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    poll = _viewer_poll(request, slug)
    if selectors.live_page_refusal(user=request.user, registration_status=poll.registration_status):
        return JsonResponse({"error": "forbidden"}, status=403)
    context = _live_context(request, poll, slug=slug)
    if (response := _not_modified(request, context["etag"])) is not None:
        return response
    mine = render_to_string("sessions_app/live/_mine.html", context, request=request)
    return _state_response(context["etag"], context["shared"], mine=mine)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def live_ask(request, slug: str):
    poll = _viewer_poll(request, slug)
    if (refused := _refusal_page(request, slug, poll)) is not None:
        return refused
    context = _live_context(request, poll, slug=slug)
    session = context["session"]
    if context["floor_refusal"]:
        messages.info(request, context["floor_refusal_message"])
        return redirect(session.get_live_url())
    snapshot, mine = context["snapshot"], context["mine"]
    items = [item for item in snapshot.askable if not mine.is_waiting_on(item)]
    form = FloorRequestForm(
        request.POST or None,
        items=items,
        initial={"language": translation.get_language()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            floor_request = services.ask_for_floor(
                session=session, user=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            place = selectors.list_my_floor_requests(registration=floor_request.registration)
            current = next(fr for fr in place.active if fr.pk == floor_request.pk)
            messages.success(
                request,
                _("You asked for the floor: you are number %(place)s in the queue.")
                % {"place": current.place},
            )
        return redirect(session.get_live_url())
    registration = Registration.objects.get(pk=poll.registration_id)
    return render(
        request,
        "sessions_app/live_ask.html",
        {"session": session, "form": form, "registration": registration},
    )


@login_required
@require_POST
def live_withdraw(request, slug: str, pk: int):
    session = _live_session_or_404(slug)
    floor_request = (
        FloorRequest.objects.filter(session=session, registration__user=request.user, pk=pk)
        .select_related("registration")
        .first()
    )
    if floor_request is None:
        raise Http404
    try:
        services.withdraw_floor_request(floor_request=floor_request, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Your request to speak is withdrawn."))
    return redirect(session.get_live_url())


@login_required
@require_safe
def live_join(request, slug: str):
    """Open the call's join link; while the session is live, this records attendance."""
    poll = _viewer_poll(request, slug)
    if (refused := _refusal_page(request, slug, poll)) is not None:
        return refused
    session = _live_session_or_404(slug)
    if not session.join_url:
        messages.info(request, _("The join link has not been published yet."))
        return redirect(session.get_live_url())
    confirmed = poll.registration_status == RegistrationStatus.CONFIRMED
    if confirmed and selectors.live_state(session=session) == selectors.LiveState.LIVE:
        services.record_attendance(
            registration=Registration.objects.get(pk=poll.registration_id),
            source=AttendanceSource.JOIN_LINK,
        )
    response = redirect(session.join_url)
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "private, no-store"
    return response


def _desk_context(request, session: ListeningSession) -> dict:
    snapshot = selectors.get_desk_snapshot(session=session)
    return {
        "session": session,
        "desk": snapshot,
        "snapshot": snapshot.live,
        "speaker_sentence": livestate.speaker_sentence(snapshot.live),
    }


def _desk_etag(session) -> str:
    state = selectors.live_state(session=session)
    language = translation.get_language()
    return f'"desk.{session.pk}.{session.live_version}.{state}.{language}"'


@desk_required
@require_safe
def live_desk(request, slug: str):
    session = _live_session_or_404(slug)
    context = _desk_context(request, session)
    context.update(
        {
            "etag": _desk_etag(session),
            "poll_ms": settings.LIVE_POLL_INTERVAL_MS,
            "refresh_seconds": NOSCRIPT_REFRESH_SECONDS,
            "now": timezone.now(),
        }
    )
    return render(request, "sessions_app/live_desk.html", context)


@desk_required
@require_safe
def live_desk_state(request, slug: str):
    """The desk's state as JSON (its queues as HTML); 304 while nothing changed."""
    polled = selectors.get_session_poll(slug=slug)
    if polled is None:
        raise Http404
    etag = _desk_etag(polled)
    if (response := _not_modified(request, etag)) is not None:
        return response
    session = _live_session_or_404(slug)
    context = _desk_context(request, session)
    response = JsonResponse(
        {
            "version": etag,
            "live": context["snapshot"].is_live,
            "state": context["snapshot"].state,
            "desk": render_to_string("sessions_app/live/_desk.html", context, request=request),
            "say": {"speaker": context["speaker_sentence"]},
            "now": int(timezone.now().timestamp() * 1000),
        }
    )
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    return response


def _desk_floor_request(session: ListeningSession, pk: int | None) -> FloorRequest:
    floor_request = FloorRequest.objects.filter(session=session, pk=pk).first() if pk else None
    if floor_request is None:
        raise Http404
    return floor_request


DESK_FLOOR_ACTIONS = {
    "start": (services.start_speaking, gettext_lazy("The timer is running.")),
    "delivered": (services.mark_delivered, gettext_lazy("Marked as delivered.")),
    "not_connected": (services.mark_not_connected, gettext_lazy("Marked as not connected.")),
    "skip": (services.skip_floor_request, gettext_lazy("Skipped.")),
    "restore": (services.restore_floor_request, gettext_lazy("Back in the queue, at its end.")),
}


@desk_required
@require_POST
def live_desk_action(request, slug: str):
    """One desk action (see DeskActionForm), then back to the desk."""
    session = _live_session_or_404(slug)
    form = DeskActionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("That action could not be read. Nothing was done."))
        return redirect(session.get_desk_url())
    data = form.cleaned_data
    action = data["action"]
    try:
        if action == "open":
            services.open_live_session(session=session)
            message = _("The live session is open.")
        elif action == "end":
            services.end_live_session(session=session)
            message = _("The live session has ended. Its report is ready.")
        elif action in ("next_item", "go_to_item"):
            item = None
            if action == "go_to_item":
                item = get_object_or_404(AgendaItem, session=session, pk=data["agenda_item"])
            item = services.set_live_agenda_item(
                session=session, agenda_item=item, expected_item_id=data["expected"] or None
            )
            message = _("Now on the agenda: %(item)s.") % {"item": item.title}
        elif action == "time_limit":
            if data["seconds"] is None:
                raise ValidationError(_("Choose a speaking time between 15 and 3600 seconds."))
            services.set_speaking_time_limit(session=session, seconds=data["seconds"])
            message = _("The speaking time is now %(seconds)s seconds.") % {
                "seconds": data["seconds"]
            }
        elif action == "call_next":
            item = get_object_or_404(AgendaItem, session=session, pk=data["agenda_item"])
            called = services.call_next_speaker(
                session=session, agenda_item=item, expected_id=data["floor_request"]
            )
            message = _("Called: %(speaker)s.") % {"speaker": called.credit_name}
        elif action in ("up", "down"):
            services.move_floor_request(
                floor_request=_desk_floor_request(session, data["floor_request"]),
                direction=action,
                expected_place=data["expected"],
            )
            message = _("The queue is reordered.")
        elif action == "attended":
            registration = get_object_or_404(
                Registration, session=session, pk=data["registration"], status="confirmed"
            )
            services.record_attendance(
                registration=registration, source=AttendanceSource.DESK, bump=True
            )
            message = _("Marked as attended.")
        else:
            service, message = DESK_FLOOR_ACTIONS[action]
            service(floor_request=_desk_floor_request(session, data["floor_request"]))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, message)
    return redirect(session.get_desk_url())


@login_required
@permission_required(REPORT_PERMISSION, raise_exception=True)
@require_safe
def held_report(request, slug: str):
    session = _live_session_or_404(slug)
    return render(
        request,
        "sessions_app/held_report.html",
        {
            "session": session,
            "report": selectors.get_held_report(session=session),
            "provisional": selectors.live_state(session=session) != selectors.LiveState.ENDED,
        },
    )
