from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from . import selectors, services
from .calendar import build_session_ics
from .enums import RegistrationStatus
from .forms import ProfileForm, RegistrationForm
from .models import ListeningSession, Registration
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


@require_GET
def session_list(request):
    return render(
        request, "sessions_app/session_list.html", {"sessions": selectors.list_public_sessions()}
    )


@login_required
@require_http_methods(["GET", "POST"])
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
@require_http_methods(["GET", "POST"])
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


@login_required
@require_GET
def my_sessions(request):
    registrations = list(selectors.list_my_registrations(user=request.user))
    for registration in registrations:
        registration.can_cancel = (
            selectors.cancel_blocker(registration=registration, user=request.user) is None
        )
    return render(
        request,
        "sessions_app/my_sessions.html",
        {
            "registrations": registrations,
            "profile": selectors.get_profile(user=request.user),
        },
    )


def _my_registration_or_404(request, pk: int) -> Registration:
    try:
        return selectors.get_my_registration(user=request.user, pk=pk)
    except Registration.DoesNotExist:
        raise Http404 from None


@login_required
@require_GET
def registration_calendar(request, pk: int):
    registration = _my_registration_or_404(request, pk)
    content = build_session_ics(session=registration.session, registration=registration)
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{registration.session.slug}.ics"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
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
