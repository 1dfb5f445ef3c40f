"""A cache of public pages for anonymous visitors, so a surge after an announcement is cheap.

A page is stored per path, language and whatever else the view says it varies on (the
viewer's time zone), for PUBLIC_PAGE_CACHE_SECONDS: what it shows that changes by itself (the
seats left) is never older than that. Any change to what the pages show otherwise (a session,
its agenda, its speakers) bumps one version, which every stored page's key carries, so the
next visitor gets a fresh page at once.

Only the body is stored, never a response: each visitor's response is built anew, so cookies
and headers are their own. The CSRF token in a stored page is a placeholder, replaced by the
visitor's token when served. Signed-in visitors, visitors with messages waiting and requests
other than GET and HEAD never read or fill the cache.
"""

import hashlib
import time
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils import translation

VERSION_KEY = "public-pages:version"
# What `{% csrf_token %}` writes in a page about to be stored (safe in HTML as it is).
CSRF_PLACEHOLDER = "csrf-token-of-the-visitor-7c1e9b"


def bump_public_pages() -> None:
    """Make every stored public page stale (called when what they show changes)."""
    cache.set(VERSION_KEY, time.time_ns(), None)


def _version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        version = time.time_ns()
        cache.add(VERSION_KEY, version, None)
        version = cache.get(VERSION_KEY, version)
    return version


def is_cacheable(request: HttpRequest) -> bool:
    """Whether this request may be answered from (and fill) the cache."""
    if settings.PUBLIC_PAGE_CACHE_SECONDS <= 0 or request.method not in ("GET", "HEAD"):
        return False
    if getattr(request, "user", None) is None or request.user.is_authenticated:
        return False
    # Messages are the visitor's own (and shown once): such a page is rendered for them.
    return not len(get_messages(request))


def csrf_placeholder(request: HttpRequest) -> dict:
    """Context processor: the CSRF token's placeholder while a page for the cache renders."""
    if getattr(request, "_rendering_public_page", False):
        return {"csrf_token": CSRF_PLACEHOLDER}
    return {}


def cache_anonymous_page(vary_on: Callable[[HttpRequest], str] = lambda request: ""):
    """Serve a view's 200 pages to anonymous visitors from the cache (see the module)."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not is_cacheable(request):
                return view(request, *args, **kwargs)
            parts = [translation.get_language(), vary_on(request), request.get_full_path()]
            digest = hashlib.sha256("\n".join(parts).encode()).hexdigest()
            key = f"public-page:{_version()}:{digest}"
            stored = cache.get(key)
            if stored is None:
                request._rendering_public_page = True
                try:
                    response = view(request, *args, **kwargs)
                finally:
                    request._rendering_public_page = False
                if hasattr(response, "render") and not response.is_rendered:
                    response.render()
                if (
                    response.status_code != 200
                    or response.streaming
                    or response.cookies
                    or not response.get("Content-Type", "").startswith("text/html")
                ):
                    if not response.streaming and CSRF_PLACEHOLDER.encode() in response.content:
                        response.content = response.content.replace(
                            CSRF_PLACEHOLDER.encode(), get_token(request).encode()
                        )
                    return response
                stored = (response.content.decode(response.charset), response["Content-Type"])
                cache.set(key, stored, settings.PUBLIC_PAGE_CACHE_SECONDS)
            body, content_type = stored
            return HttpResponse(
                body.replace(CSRF_PLACEHOLDER, get_token(request)), content_type=content_type
            )

        return wrapper

    return decorator
