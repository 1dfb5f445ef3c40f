"""Pages of Working Group 3: pick a session, request a pack, watch it build, download it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from sessions_app.models import ListeningSession

from .enums import PackStatus
from .forms import PackFilterForm
from .models import BriefPack
from .selectors import (
    get_pack,
    get_pack_session,
    label_pack_filters,
    list_pack_sessions,
    list_session_packs,
)
from .services import request_brief_pack, retry_brief_pack

PERMISSION = "briefs.request_briefpack"


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
    return render(request, "briefs/session_list.html", {"sessions": list_pack_sessions()})


@require_http_methods(["GET", "HEAD", "POST"])
@pack_member_required
def session_packs(request, slug: str):
    session = _session_or_404(slug)
    form = PackFilterForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                outcome = request_brief_pack(
                    session=session, user=request.user, **form.filter_values()
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.add_message(request, *_request_message(outcome))
                return redirect("briefs:detail", pk=outcome.pack.pk)
        status = 400
    packs = label_pack_filters(packs=list(list_session_packs(session=session)))
    return render(
        request,
        "briefs/session_packs.html",
        {"session": session, "form": form, "packs": packs},
        status=status,
    )


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
        {"pack": pack, "session": pack.session, "is_active": pack.status in ACTIVE},
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
