import logging
import sys
from datetime import timedelta

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from core.enums import HeartbeatKind
from core.health import check_broker, check_database, check_heartbeat
from core.outbox import retry_failed_message
from core.page_cache import cache_anonymous_page
from sessions_app.selectors import list_public_sessions
from sessions_app.timezones import time_zone_variant

from . import privacy as personal_data
from .forms import DeleteAccountForm
from .metrics import CONTENT_TYPE, is_allowed, render_metrics
from .selectors import platform_status


@require_safe
@cache_anonymous_page(vary_on=time_zone_variant)
def home(request):
    sessions = list_public_sessions()
    return render(request, "home.html", {"sessions": sessions})


@require_safe
def favicon(request):
    """Browsers ask for /favicon.ico on pages that do not name an icon (the admin's)."""
    return redirect(static("img/favicon.svg"), permanent=True)


@never_cache
@require_safe
def livez(request):
    """200 while this web process serves and reaches the database; 503 otherwise. The web
    container's own health check: a stopped worker or broker does not make the web unhealthy
    (/healthz says when the platform as a whole cannot work)."""
    failing = check_database()
    body = {"status": "ok" if not failing else "unavailable"}
    return JsonResponse(body, status=503 if failing else 200)


@never_cache
@require_safe
def healthz(request):
    """200 when the database and the broker answer and a Celery worker, Celery beat and the
    outbox relay each beat recently; 503 naming what does not."""
    checks = {
        "database": check_database(),
        "broker": check_broker(),
        "worker": check_heartbeat(HeartbeatKind.WORKER),
        "beat": check_heartbeat(HeartbeatKind.BEAT),
        "relay": check_heartbeat(HeartbeatKind.RELAY),
    }
    if checks["database"]:
        # The heartbeats live in the database: they cannot be read, not found stale.
        checks.update(worker="unknown", beat="unknown", relay="unknown")
    failing = {name: reason for name, reason in checks.items() if reason}
    body = {
        "status": "ok" if not failing else "unavailable",
        "checks": {name: ("ok" if reason is None else "error") for name, reason in checks.items()},
    }
    return JsonResponse(body, status=503 if failing else 200)


@never_cache
@require_safe
def metrics(request):
    """Prometheus metrics, for a request bearing METRICS_TOKEN or from METRICS_ALLOWED_IPS;
    401 for anyone else (and for everyone while neither is configured)."""
    if not is_allowed(request):
        return HttpResponse(
            "Unauthorized\n",
            status=401,
            content_type="text/plain; charset=utf-8",
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
        )
    return HttpResponse(render_metrics(), content_type=CONTENT_TYPE)


ROBOTS_DISALLOWED = ("/admin/", "/accounts/", "/privacy/my-data/", "/packs/", "/interventions/")


@require_safe
def robots_txt(request):
    """Crawlers may read the public session pages, not accounts, admin or private pages."""
    lines = ["User-agent: *"]
    for language, _name in settings.LANGUAGES:
        lines += [f"Disallow: /{language}{path}" for path in ROBOTS_DISALLOWED]
    lines.append("Disallow: /healthz")
    lines.append("Disallow: /metrics")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


@require_safe
def security_txt(request):
    """RFC 9116: whom to tell about a vulnerability; it expires within the year, so it is
    written afresh (from SECURITY_CONTACT and SITE_URL) on each request."""
    expires = (timezone.now() + timedelta(days=180)).replace(microsecond=0)
    site = settings.SITE_URL.rstrip("/")
    lines = [
        f"Contact: {settings.SECURITY_CONTACT}",
        f"Expires: {expires.strftime('%Y-%m-%dT%H:%M:%SZ')}",
        "Preferred-Languages: en, fr, es",
        f"Canonical: {site}/.well-known/security.txt",
        f"Policy: {site}/en/privacy/",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


def privacy(request):
    return render(request, "privacy.html")


@login_required
def my_data(request):
    return render(request, "listening/my_data.html")


@login_required
@require_safe
def download_my_data(request):
    """The signed-in user's own data as a JSON download."""
    data = personal_data.export_personal_data(user=request.user)
    response = JsonResponse(data, json_dumps_params={"indent": 2, "ensure_ascii": False})
    response["Content-Disposition"] = 'attachment; filename="listening-my-data.json"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def delete_account(request):
    """Confirm with the password, then delete the account and its personal data."""
    form = DeleteAccountForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        personal_data.delete_account(user=request.user)
        logout(request)
        messages.success(request, _("Your account and your personal data have been deleted."))
        return redirect("home")
    return render(request, "listening/delete_account.html", {"form": form})


logger = logging.getLogger(__name__)


def server_error(request):
    """The site's 500 handler. When the database cannot be reached (for example while it
    restarts) answer 503 and ask to try again: the failed request did not commit anything.
    Both pages are rendered without the request, since context processors query the database.
    """
    exception = sys.exc_info()[1]
    if isinstance(exception, (OperationalError, InterfaceError)):
        response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = "10"
        return response
    return HttpResponse(render_to_string("500.html"), status=500)


def staff_required(view):
    """Anonymous visitors go to the login page; signed-in users who are not staff get 403."""

    @login_required
    def wrapped(request, *args, **kwargs):
        if not request.user.is_staff:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


@never_cache
@require_safe
@staff_required
def status_page(request):
    """The platform as it runs: processes, broker, outbox, building packs, failures, disk."""
    context = {
        **admin.site.each_context(request),
        "title": _("Platform status"),
        "status": platform_status(),
    }
    return render(request, "listening/status.html", context)


@require_POST
@staff_required
def retry_outbox_message(request, pk: int):
    """Queue a failed outbox message again (the relay publishes it on its next pass)."""
    if retry_failed_message(message_id=pk):
        messages.success(request, _("The message is queued again."))
    else:
        messages.error(request, _("Only a failed message can be tried again."))
    return redirect("platform_status")
