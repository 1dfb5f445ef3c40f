"""Pages of Working Group 3: pick a session (or a series, or several sessions), request a
pack, watch it build, download it; record the published brief. And the public "What we heard"
page of a held session."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core.spreadsheets import csv_download
from sessions_app.models import ListeningSession, Series

from .enums import MatrixView, PackStatus
from .forms import MatrixFilterForm, PackFilterForm, PolicyBriefForm, SessionsPackForm
from .matrix import matrix_csv_rows
from .models import BriefPack, PolicyBrief
from .selectors import (
    cited_references,
    get_evidence_matrix,
    get_heard_report,
    get_pack,
    get_pack_series,
    get_pack_session,
    get_policy_brief,
    label_pack_filters,
    list_combined_packs,
    list_pack_series,
    list_pack_sessions,
    list_policy_briefs,
    list_public_pack_sessions,
    list_series_sessions,
    list_session_packs,
)
from .services import record_policy_brief, request_brief_pack, retry_brief_pack

PERMISSION = "briefs.request_briefpack"
# The secretariat sees private briefs too.
BRIEF_VIEW_PERMISSION = "briefs.view_policybrief"
# Working Group 3 and the secretariat read the matrix, as they code the quotes.
MATRIX_PERMISSION = "interventions.code_quote"


def pack_member_required(view):
    """Anonymous visitors go to the login page; signed-in users without the permission get 403.

    The permission is checked before any object is looked up, so guessed ids answer 403 to
    everyone without it, whether the pack exists or not.
    """
    return login_required(permission_required(PERMISSION, raise_exception=True)(view))


def _session_or_404(slug: str) -> ListeningSession:
    try:
        return get_pack_session(slug=slug)
    except ListeningSession.DoesNotExist:
        raise Http404(_("No such session."))


def _pack_or_404(pk: int) -> BriefPack:
    try:
        return get_pack(pack_id=pk)
    except BriefPack.DoesNotExist:
        raise Http404(_("No such input pack."))


@require_safe
@pack_member_required
def session_list(request):
    return render(
        request,
        "briefs/session_list.html",
        {"sessions": list_pack_sessions(), "series_list": list_pack_series()},
    )


@require_http_methods(["GET", "HEAD", "POST"])
@pack_member_required
def session_packs(request, slug: str):
    session = _session_or_404(slug)
    form = PackFilterForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        requested = _request_pack(request, form, session=session)
        if requested is not None:
            return requested
    status = 400 if request.method == "POST" else 200
    packs = label_pack_filters(packs=list(list_session_packs(session=session)))
    return render(
        request,
        "briefs/session_packs.html",
        {
            "session": session,
            "form": form,
            "packs": packs,
            "briefs": list_policy_briefs(session=session),
        },
        status=status,
    )


def _request_pack(request, form: PackFilterForm, **scope) -> HttpResponse | None:
    """Ask for the pack a valid `form` describes within `scope` (a session or a series) and
    redirect to it; None when the form or the request is refused (the reason is on the form)."""
    if not form.is_valid():
        return None
    try:
        outcome = request_brief_pack(user=request.user, **scope, **form.request_values())
    except ValidationError as exc:
        form.add_error(None, exc)
        return None
    messages.add_message(request, *_request_message(outcome))
    return redirect("briefs:detail", pk=outcome.pack.pk)


def _combined_packs(request, *, series, sessions):
    """Request a pack of several sessions (of `series`, or any) and list the earlier ones."""
    form = SessionsPackForm(
        request.POST if request.method == "POST" else None,
        sessions=sessions,
        initial={"sessions": list(sessions)} if series is not None else None,
    )
    if request.method == "POST":
        requested = _request_pack(request, form, series=series)
        if requested is not None:
            return requested
    status = 400 if request.method == "POST" else 200
    packs = label_pack_filters(packs=list(list_combined_packs(series=series)))
    return render(
        request,
        "briefs/combined_packs.html",
        {
            "series": series,
            "form": form,
            "packs": packs,
            "has_sessions": sessions.exists(),
            "briefs": list_policy_briefs(series=series) if series is not None else [],
        },
        status=status,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@pack_member_required
def series_packs(request, slug: str):
    try:
        series = get_pack_series(slug=slug)
    except Series.DoesNotExist:
        raise Http404(_("No such series."))
    return _combined_packs(request, series=series, sessions=list_series_sessions(series=series))


@require_http_methods(["GET", "HEAD", "POST"])
@pack_member_required
def several_sessions_packs(request):
    return _combined_packs(request, series=None, sessions=list_public_pack_sessions())


def _request_message(outcome) -> tuple[int, str]:
    if outcome.reused:
        return messages.SUCCESS, _(
            "A pack with the same inputs and filters is already ready: here it is, "
            "without building it again."
        )
    if outcome.in_progress:
        return messages.INFO, _("The same pack is already being prepared; here is its progress.")
    return messages.SUCCESS, _("The pack has been requested. This page shows its progress.")


@require_safe
@pack_member_required
def pack_detail(request, pk: int):
    pack = _pack_or_404(pk)
    label_pack_filters(packs=[pack])
    return render(
        request,
        "briefs/pack_detail.html",
        {
            "pack": pack,
            "session": pack.session,
            "series": pack.series,
            "is_active": pack.status in ACTIVE,
        },
    )


ACTIVE = (PackStatus.QUEUED, PackStatus.RUNNING)


@require_safe
@pack_member_required
def pack_status(request, pk: int):
    pack = _pack_or_404(pk)
    return JsonResponse(
        {
            "id": pack.pk,
            "status": pack.status,
            "status_display": pack.get_status_display(),
            "progress": pack.progress,
            "stage": pack.stage_text,
            "page_count": pack.page_count,
            "intervention_count": pack.intervention_count,
            "error": pack.error_text,
            "restarts": pack.restarts,
            "download_url": (
                request.build_absolute_uri(pack.download_url) if pack.is_downloadable else None
            ),
        },
        headers={"Cache-Control": "no-store"},
    )


@require_safe
@pack_member_required
def pack_download(request, pk: int):
    pack = _pack_or_404(pk)
    if pack.status in ACTIVE:
        # A withdrawn pack is being built again: its page shows the progress.
        messages.info(request, _("This pack is being built again; it can be downloaded soon."))
        return redirect("briefs:detail", pk=pack.pk)
    if not pack.is_downloadable:
        raise Http404(_("This pack has no PDF yet."))
    try:
        handle = pack.pdf.open("rb")
    except FileNotFoundError:
        raise Http404(_("This pack's PDF is no longer available."))
    response = FileResponse(
        handle, as_attachment=True, filename=pack.download_filename, content_type="application/pdf"
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
@pack_member_required
def pack_retry(request, pk: int):
    pack = _pack_or_404(pk)
    try:
        retry_brief_pack(pack=pack, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The pack is queued again."))
    return redirect("briefs:detail", pk=pack.pk)


# ---------------------------------------------------------------------------------------------
# The published brief
# ---------------------------------------------------------------------------------------------


def _series_or_404(slug: str) -> Series:
    try:
        return get_pack_series(slug=slug)
    except Series.DoesNotExist:
        raise Http404(_("No such series."))


def _brief_form_page(request, *, brief=None, series=None, session=None):
    """Record a brief on `series` or `session`, or edit `brief`."""
    if brief is not None:
        initial = {
            "title": brief.title,
            "published_on": brief.published_on,
            "url": brief.url,
            "pdf_is_public": brief.pdf_is_public,
            "cited": cited_references(brief=brief),
        }
    else:
        initial = {"published_on": timezone.localdate()}
    posted = request.method == "POST"
    form = PolicyBriefForm(
        request.POST if posted else None, request.FILES if posted else None, initial=initial
    )
    status = 200
    if posted:
        if form.is_valid():
            data = form.cleaned_data
            try:
                saved = record_policy_brief(
                    user=request.user,
                    brief=brief,
                    series=series,
                    session=session,
                    title=data["title"],
                    published_on=data["published_on"],
                    url=data["url"],
                    pdf=data["pdf"],
                    remove_pdf=data["remove_pdf"],
                    pdf_is_public=data["pdf_is_public"],
                    references=data["cited"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                if brief is None:
                    messages.success(
                        request,
                        _(
                            "The brief is recorded. Contributors who agreed to be contacted "
                            "are told how their inputs were used."
                        ),
                    )
                else:
                    messages.success(request, _("The brief is saved."))
                return redirect(saved.get_absolute_url())
        status = 400
    return render(
        request,
        "briefs/brief_form.html",
        {
            "form": form,
            "brief": brief,
            "scope_title": brief.scope_title if brief else str(series or session),
            "back_url": _scope_url(
                series=brief.series if brief else series,
                session=brief.session if brief else session,
            ),
        },
        status=status,
    )


def _scope_url(*, series, session) -> str:
    if session is not None:
        return reverse("briefs:session", kwargs={"slug": session.slug})
    return reverse("briefs:series", kwargs={"slug": series.slug})


@require_http_methods(["GET", "HEAD", "POST"])
@pack_member_required
def brief_for_series(request, slug: str):
    return _brief_form_page(request, series=_series_or_404(slug))


@require_http_methods(["GET", "HEAD", "POST"])
@pack_member_required
def brief_for_session(request, slug: str):
    return _brief_form_page(request, session=_session_or_404(slug))


@require_http_methods(["GET", "HEAD", "POST"])
@pack_member_required
def brief_edit(request, pk: int):
    try:
        brief = get_policy_brief(pk=pk)
    except PolicyBrief.DoesNotExist:
        raise Http404(_("No such brief."))
    return _brief_form_page(request, brief=brief)


@require_safe
def brief_pdf(request, pk: int):
    """The brief's PDF: to everyone when it is public, else to Working Group 3 and the
    secretariat only (others get 404, so a private brief's existence is not revealed)."""
    try:
        brief = get_policy_brief(pk=pk)
    except PolicyBrief.DoesNotExist:
        raise Http404(_("No such brief."))
    allowed = (
        brief.pdf_is_public
        or request.user.has_perm(PERMISSION)
        or (request.user.has_perm(BRIEF_VIEW_PERMISSION))
    )
    if not brief.pdf or not allowed:
        raise Http404(_("No such brief."))
    try:
        handle = brief.pdf.open("rb")
    except FileNotFoundError:
        raise Http404(_("This brief's PDF is no longer available."))
    response = FileResponse(
        handle,
        as_attachment=False,
        filename=f"policy-brief-{brief.pk}.pdf",
        content_type="application/pdf",
    )
    response["Cache-Control"] = (
        "public, max-age=3600" if brief.pdf_is_public else "private, no-store"
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


# ---------------------------------------------------------------------------------------------
# The public "What we heard" page
# ---------------------------------------------------------------------------------------------


@require_safe
def what_we_heard(request, slug: str):
    """A held session's themes with their counts and the approved inputs whose authors
    consented to publication, credited as they chose, with the brief once published. Before
    the session is held: a clear message (404)."""
    session = _session_or_404(slug)
    if not session.is_held:
        return render(request, "briefs/what_we_heard_later.html", {"session": session}, status=404)
    return render(
        request, "briefs/what_we_heard.html", {"report": get_heard_report(session=session)}
    )


def matrix_member_required(view):
    return login_required(permission_required(MATRIX_PERMISSION, raise_exception=True)(view))


@require_safe
@matrix_member_required
def evidence_matrix(request):
    """Theme × code (or region × theme): per cell the inputs, their source IDs, the quotes."""
    form = MatrixFilterForm(request.GET)
    if not form.is_valid():
        return render(request, "briefs/matrix.html", {"form": form, "matrix": None}, status=400)
    selection = form.selection()
    return render(
        request,
        "briefs/matrix.html",
        {
            "form": form,
            "matrix": get_evidence_matrix(**selection),
            "selection": selection,
            "views": MatrixView.choices,
        },
    )


@require_safe
@matrix_member_required
def evidence_matrix_csv(request):
    """The matrix as a spreadsheet-safe CSV: one row per cell."""
    form = MatrixFilterForm(request.GET)
    if not form.is_valid():
        messages.error(request, " ".join(m for e in form.errors.values() for m in e))
        return redirect("briefs:matrix")
    matrix = get_evidence_matrix(**form.selection())
    return csv_download(
        filename=f"evidence-matrix-{matrix.view}.csv",
        header=[
            matrix.row_heading,
            matrix.column_heading,
            _("Inputs"),
            _("Source IDs"),
            _("Quotes"),
        ],
        rows=matrix_csv_rows(matrix),
    )
