import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core.page_cache import cache_anonymous_page
from sessions_app import selectors as session_selectors
from sessions_app.models import ListeningSession
from sessions_app.timezones import time_zone_variant
from sessions_app.views import public_session_or_404

from . import exports, selectors, services
from .enums import ApprovedSort, InterventionStatus
from .forms import (
    AnalysisCodeForm,
    ApprovedFilterForm,
    CorrectionForm,
    InterventionForm,
    OralRecordForm,
    PublicationConsentForm,
    QuoteEditForm,
    QuoteFilterForm,
    QuoteForm,
)
from .models import AnalysisCode, Intervention, Quote
from .services import EDITABLE_STATUSES, FINAL_STATUSES, SubmissionRefused

QUOTES_PER_PAGE = 25
BROWSE_PERMISSION = "interventions.browse_approved_intervention"
QUOTE_PERMISSION = "interventions.code_quote"
DESK_PERMISSION = "sessions_app.run_live_desk"


def _own_intervention(request, pk: int) -> Intervention:
    try:
        return selectors.get_author_intervention(author=request.user, pk=pk)
    except Intervention.DoesNotExist:
        raise Http404 from None


def _saved_message(request, intervention: Intervention, *, submitted: bool) -> None:
    if submitted:
        messages.success(
            request,
            _(
                "Your intervention was submitted. The secretariat will review it and email you "
                "its decision."
            ),
        )
    else:
        messages.success(request, _("Your draft was saved."))


@require_safe
@cache_anonymous_page(vary_on=time_zone_variant)
def session_detail(request, slug: str):
    """The public session page: the agenda with its speakers, and what the visitor may do."""
    session = public_session_or_404(slug)
    speakers = selectors.list_oral_speakers(session=session)
    for item in session.agenda:
        item.oral_interventions = speakers.get(item.pk, [])
    registration = session_selectors.get_registration(session=session, user=request.user)
    blocker = session_selectors.registration_blocker(session=session, registration=registration)
    return render(
        request,
        "sessions_app/session_detail.html",
        {
            "session": session,
            "seats_left": session_selectors.seats_left(session=session),
            "registration": registration if blocker == "already_registered" else None,
            "can_register": blocker is None,
            "refusal": session_selectors.blocker_message(blocker)
            if blocker not in (None, "already_registered")
            else "",
            "can_write": selectors.writing_blocker(session=session, user=request.user) is None,
        },
    )


@login_required
@require_safe
def my_sessions(request):
    """The person's registrations, each with a way to write for it while they may."""
    registrations = list(session_selectors.list_my_registrations(user=request.user))
    writable = set(
        selectors.list_sessions_open_for_writing(user=request.user).values_list("pk", flat=True)
    )
    for registration in registrations:
        registration.can_write = registration.session_id in writable
        registration.can_cancel = (
            session_selectors.cancel_blocker(registration=registration, user=request.user) is None
        )
    return render(
        request,
        "sessions_app/my_sessions.html",
        {
            "registrations": registrations,
            "profile": session_selectors.get_profile(user=request.user),
        },
    )


@login_required
@require_safe
def my_interventions(request):
    return render(
        request,
        "interventions/my_interventions.html",
        {
            "interventions": selectors.list_author_interventions(author=request.user),
            "sessions": selectors.list_sessions_open_for_writing(user=request.user),
            "editable_statuses": EDITABLE_STATUSES,
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def create_intervention(request, session_slug: str):
    try:
        session = selectors.get_writable_session(slug=session_slug)
    except ListeningSession.DoesNotExist:
        raise Http404 from None
    if not selectors.is_registered_participant(user=request.user, session=session):
        return render(
            request, "interventions/not_registered.html", {"session": session}, status=403
        )
    form = InterventionForm(request.POST or None, session=session)
    if request.method == "POST":
        existing = selectors.find_submitted_form(
            author=request.user, token=request.POST.get("submission_token", "")
        )
        if existing is not None:
            # A second click on the same form: show what the first one saved.
            return redirect("interventions:detail", pk=existing.pk)
        if form.is_valid():
            submit = "submit" in request.POST
            try:
                intervention, created = services.create_intervention(
                    session=session,
                    author=request.user,
                    data=form.author_data(),
                    submission_token=form.cleaned_data["submission_token"] or uuid.uuid4(),
                    submit=submit,
                )
            except SubmissionRefused as refused:
                messages.error(request, refused.message)
                return redirect("interventions:edit", pk=refused.intervention.pk)
            except PermissionDenied:
                raise Http404 from None
            if created:
                _saved_message(request, intervention, submitted=submit)
            return redirect("interventions:detail", pk=intervention.pk)
    return render(
        request,
        "interventions/intervention_form.html",
        {"form": form, "session": session, "intervention": None},
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def edit_intervention(request, pk: int):
    intervention = _own_intervention(request, pk)
    if not selectors.can_edit(intervention=intervention):
        messages.info(request, _("This intervention can no longer be edited."))
        return redirect("interventions:detail", pk=intervention.pk)
    session = intervention.session
    form = InterventionForm(request.POST or None, instance=intervention, session=session)
    if request.method == "POST" and form.is_valid():
        submit = "submit" in request.POST
        try:
            services.update_intervention(
                intervention=intervention,
                actor=request.user,
                data=form.author_data(),
                submit=submit,
            )
        except SubmissionRefused as refused:
            messages.error(request, refused.message)
            return redirect("interventions:edit", pk=intervention.pk)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("interventions:detail", pk=intervention.pk)
        _saved_message(request, intervention, submitted=submit)
        return redirect("interventions:detail", pk=intervention.pk)
    return render(
        request,
        "interventions/intervention_form.html",
        {"form": form, "session": session, "intervention": intervention},
    )


@login_required
@require_safe
def intervention_detail(request, pk: int):
    intervention = _own_intervention(request, pk)
    return render(
        request,
        "interventions/intervention_detail.html",
        {
            "intervention": intervention,
            "can_edit": selectors.can_edit(intervention=intervention),
            "can_withdraw": intervention.status not in FINAL_STATUSES,
            "can_correct": selectors.can_propose_correction(intervention=intervention),
            "can_answer_publication": intervention.status not in FINAL_STATUSES,
            "publication_form": PublicationConsentForm(
                initial={"consent_to_publish": intervention.consent_to_publish}
            ),
            "awaiting_review": intervention.status == InterventionStatus.SUBMITTED
            and not intervention.is_oral,
        },
    )


@login_required
@require_POST
def publication_consent(request, pk: int):
    intervention = _own_intervention(request, pk)
    form = PublicationConsentForm(request.POST)
    if form.is_valid():
        consent = form.cleaned_data["consent_to_publish"]
        services.set_publication_consent(
            intervention=intervention, actor=request.user, consent=consent
        )
        if consent:
            messages.success(
                request,
                _("Thank you: once approved, it may appear on the public “What we heard” page."),
            )
        else:
            messages.success(request, _("It will not appear on the public “What we heard” page."))
    return redirect("interventions:detail", pk=intervention.pk)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def propose_correction(request, pk: int):
    intervention = _own_intervention(request, pk)
    if not selectors.can_propose_correction(intervention=intervention):
        messages.info(request, _("This record can no longer be corrected."))
        return redirect("interventions:detail", pk=intervention.pk)
    form = CorrectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.propose_correction(
                intervention=intervention, actor=request.user, text=form.cleaned_data["text"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("Thank you: your correction goes to the secretariat, who will review it."),
            )
        return redirect("interventions:detail", pk=intervention.pk)
    return render(
        request,
        "interventions/propose_correction.html",
        {"intervention": intervention, "form": form},
    )


@login_required
@permission_required(DESK_PERMISSION, raise_exception=True)
@require_http_methods(["GET", "HEAD", "POST"])
def record_oral(request, pk: int):
    """The live desk records what a speaker said: it becomes an oral intervention."""
    floor_request = selectors.get_recordable_floor_request(pk=pk)
    if floor_request is None:
        raise Http404
    session = floor_request.session
    existing = selectors.get_oral_record(floor_request=floor_request)
    if existing is not None:
        messages.info(request, _("This contribution is already recorded."))
        return redirect("admin:interventions_intervention_change", existing.pk)
    form = OralRecordForm(
        request.POST or None,
        initial={
            "title": floor_request.topic,
            "language": floor_request.language,
            "delivered_at": floor_request.ended_at,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.record_oral_intervention(
                floor_request=floor_request, actor=request.user, data=form.record_data()
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.message_dict.items():
                    for message in errors:
                        form.add_error(field, message)
            else:
                messages.error(request, " ".join(error.messages))
                return redirect(session.get_desk_url())
        else:
            messages.success(
                request,
                _("Recorded. The speaker is emailed the record, which awaits moderation."),
            )
            return redirect(session.get_desk_url())
    return render(
        request,
        "interventions/record_oral.html",
        {"form": form, "floor_request": floor_request, "session": session},
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def withdraw_intervention(request, pk: int):
    intervention = _own_intervention(request, pk)
    if request.method == "POST":
        try:
            services.withdraw_intervention(intervention=intervention, actor=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Your intervention was withdrawn."))
        return redirect("interventions:detail", pk=intervention.pk)
    if intervention.status in FINAL_STATUSES:
        messages.info(request, _("This intervention can no longer be withdrawn."))
        return redirect("interventions:detail", pk=intervention.pk)
    return render(request, "interventions/withdraw.html", {"intervention": intervention})


EXPORT_CHUNK_SIZE = 500


def _approved_selection(request) -> tuple[ApprovedFilterForm, dict]:
    form = ApprovedFilterForm(request.GET or None)
    return form, form.filters()


@login_required
@permission_required(BROWSE_PERMISSION, raise_exception=True)
@require_safe
def approved_list(request):
    form, filters = _approved_selection(request)
    listing = selectors.approved_list_page(
        filters=filters,
        sort=form.sort_order(),
        page_number=request.GET.get("page"),
        page_size=form.page_size(),
    )
    return render(
        request,
        "interventions/approved_list.html",
        {
            "form": form,
            "filters": filters,
            "page": listing.page,
            "grouped_by_session": "query" not in filters
            and form.sort_order() in ("", ApprovedSort.SESSION),
            "carried_by_search": form.carried(form.FILTER_FIELDS),
            "carried_by_filters": form.carried(("q", *form.DISPLAY_FIELDS)),
            "facets": listing.facets,
        },
    )


@login_required
@permission_required(BROWSE_PERMISSION, raise_exception=True)
@require_safe
def approved_detail(request, pk: int):
    try:
        intervention = selectors.get_approved_intervention(pk=pk)
    except Intervention.DoesNotExist:
        raise Http404 from None
    return _approved_detail_page(request, intervention)


def _approved_detail_page(request, intervention: Intervention, *, form=None, status: int = 200):
    can_quote = request.user.has_perm(QUOTE_PERMISSION)
    if can_quote and form is None:
        form = QuoteForm(intervention=intervention)
    return render(
        request,
        "interventions/approved_detail.html",
        {
            "intervention": intervention,
            "quote_form": form if can_quote else None,
            "quotes": selectors.filter_quotes(intervention=intervention) if can_quote else [],
        },
        status=status,
    )


def quote_member_required(view):
    """Working Group 3 and the secretariat: anonymous visitors sign in, others get 403."""
    return login_required(permission_required(QUOTE_PERMISSION, raise_exception=True)(view))


def _quote_or_404(pk: int) -> Quote:
    try:
        return selectors.get_quote(pk=pk)
    except Quote.DoesNotExist:
        raise Http404 from None


def _add_form_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            for message in errors:
                form.add_error(field if field in form.fields else None, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


@require_POST
@quote_member_required
def create_quote(request, pk: int):
    """Save a passage of an approved input as a quote; other inputs get a clear message."""
    try:
        intervention = selectors.get_quotable_intervention(pk=pk)
    except Intervention.DoesNotExist:
        raise Http404 from None
    if selectors.quote_blocker(intervention=intervention) is not None:
        messages.error(
            request, _("Only approved inputs can be quoted, and this input is not approved.")
        )
        return redirect("interventions:approved")
    form = QuoteForm(request.POST, intervention=intervention)
    if form.is_valid():
        try:
            services.save_quote(
                intervention=intervention,
                source=form.cleaned_data["source"],
                text=form.cleaned_data["text"],
                codes=form.cleaned_data["codes"],
                note=form.cleaned_data["note"],
                actor=request.user,
            )
        except ValidationError as error:
            _add_form_errors(form, error)
        else:
            messages.success(request, _("The quote was saved to the quote bank."))
            return redirect("interventions:approved_detail", pk=intervention.pk)
    try:
        intervention = selectors.get_approved_intervention(pk=pk)
    except Intervention.DoesNotExist:
        # It stopped being approved while the form was being filled in.
        messages.error(request, " ".join(form.non_field_errors()))
        return redirect("interventions:approved")
    return _approved_detail_page(request, intervention, form=form, status=400)


def _quote_selection(request) -> tuple[QuoteFilterForm, dict]:
    form = QuoteFilterForm(request.GET or None)
    return form, (form.filters() if request.GET else {})


@require_safe
@quote_member_required
def quote_list(request):
    """The quote bank: every quote, filtered by code, theme or session, a page at a time."""
    form, filters = _quote_selection(request)
    quotes = selectors.filter_quotes(**filters)
    page = Paginator(quotes, QUOTES_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request, "interventions/quote_list.html", {"form": form, "filters": filters, "page": page}
    )


@require_safe
@quote_member_required
def export_quotes(request):
    _form, filters = _quote_selection(request)
    return exports.quotes_csv(quotes=selectors.filter_quotes(**filters))


@require_http_methods(["GET", "HEAD", "POST"])
@quote_member_required
def edit_quote(request, pk: int):
    """Change a quote's codes and note."""
    quote = _quote_or_404(pk)
    form = QuoteEditForm(request.POST or None, instance=quote)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_quote(
                quote=quote,
                codes=form.cleaned_data["codes"],
                note=form.cleaned_data["note"],
                actor=request.user,
            )
        except ValidationError as error:
            _add_form_errors(form, error)
        else:
            messages.success(request, _("The quote was updated."))
            return redirect("interventions:quotes")
    status = 400 if request.method == "POST" else 200
    return render(
        request, "interventions/quote_edit.html", {"form": form, "quote": quote}, status=status
    )


@require_http_methods(["GET", "HEAD", "POST"])
@quote_member_required
def delete_quote(request, pk: int):
    """Ask, then delete a quote."""
    quote = _quote_or_404(pk)
    if request.method == "POST":
        services.delete_quote(quote=quote, actor=request.user)
        messages.success(request, _("The quote was deleted."))
        return redirect("interventions:quotes")
    return render(request, "interventions/quote_delete.html", {"quote": quote})


@require_safe
@quote_member_required
def code_list(request):
    """The working group's coding frame."""
    return render(
        request, "interventions/code_list.html", {"codes": selectors.list_analysis_codes()}
    )


@require_http_methods(["GET", "HEAD", "POST"])
@quote_member_required
def edit_code(request, pk: int | None = None):
    """Add a code to the coding frame, or change one."""
    code = None
    if pk is not None:
        code = AnalysisCode.objects.filter(pk=pk).first()
        if code is None:
            raise Http404
    form = AnalysisCodeForm(request.POST or None, instance=code)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_analysis_code(code=code, data=form.code_data())
        except ValidationError as error:
            _add_form_errors(form, error)
        else:
            messages.success(request, _("The coding frame was saved."))
            return redirect("interventions:codes")
    status = 400 if request.method == "POST" else 200
    return render(
        request, "interventions/code_form.html", {"form": form, "code": code}, status=status
    )


@login_required
@permission_required(BROWSE_PERMISSION, raise_exception=True)
@require_safe
def export_approved(request, fmt: str):
    _form, filters = _approved_selection(request)
    # Read in chunks (their tags prefetched chunk by chunk) while the file streams.
    interventions = selectors.filter_public_approved_interventions(**filters).iterator(
        chunk_size=EXPORT_CHUNK_SIZE
    )
    if fmt == "csv":
        return exports.approved_interventions_csv(interventions=interventions)
    return exports.approved_interventions_json(interventions=interventions)
