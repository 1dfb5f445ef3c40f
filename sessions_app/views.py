from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from . import selectors
from .models import ListeningSession


@require_GET
def session_list(request):
    return render(
        request, "sessions_app/session_list.html", {"sessions": selectors.list_public_sessions()}
    )


@require_GET
def session_detail(request, slug: str):
    try:
        session = selectors.get_public_session(slug=slug)
    except ListeningSession.DoesNotExist:
        raise Http404 from None
    return render(request, "sessions_app/session_detail.html", {"session": session})
