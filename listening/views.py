from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from sessions_app.selectors import list_public_sessions

from .health import check_broker, check_database


@require_GET
def home(request):
    sessions = list_public_sessions()
    return render(request, "home.html", {"sessions": sessions})


@never_cache
@require_GET
def healthz(request):
    """200 when the database and the broker answer; 503 naming the one that does not."""
    checks = {"database": check_database(), "broker": check_broker()}
    failing = {name: reason for name, reason in checks.items() if reason}
    body = {
        "status": "ok" if not failing else "unavailable",
        "checks": {name: ("ok" if reason is None else "error") for name, reason in checks.items()},
    }
    return JsonResponse(body, status=503 if failing else 200)


def privacy(request):
    return render(request, "privacy.html")
