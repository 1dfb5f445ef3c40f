"""What the live page polls, made cheap enough for every participant to ask every second.

Each gunicorn worker (or runserver) keeps, in memory:

- the session's live fields, read from the database at most every LIVE_POLL_CACHE_SECONDS (a
  setting): a change reaches a poll that much later at most, and hundreds of polls make a few
  queries a second;
- the snapshot of the session at its current version, with its shared part rendered once per
  language: the version is part of the key, so a stale copy is never served.

The live page carries a signed token naming the registrant's registration. With it, a poll that
finds nothing new gets 304 without a database query, and a change that touches only what every
participant sees (the speaker, the next speakers, places in the queue) is answered from memory;
a change to the registrant's own requests goes through the full sign-in check.
"""

import hashlib
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from . import selectors
from .enums import FloorRequestStatus

TOKEN_SALT = "sessions_app.live.poll"  # noqa: S105 (a signing salt, not a secret)
TOKEN_MAX_AGE = 24 * 3600
_SNAPSHOTS_KEPT = 16

_lock = threading.Lock()
_polls: dict[str, tuple[float, selectors.LivePoll | None]] = {}
_shared: "OrderedDict[tuple, SharedState]" = OrderedDict()


def recent_poll(*, slug: str) -> selectors.LivePoll | None:
    """The session's live fields, at most LIVE_POLL_CACHE_SECONDS old (None for drafts)."""
    now = time.monotonic()
    cached = _polls.get(slug)
    if cached is not None and cached[0] > now:
        return cached[1]
    poll = selectors.get_session_poll(slug=slug)
    _polls[slug] = (now + settings.LIVE_POLL_CACHE_SECONDS, poll)
    return poll


def forget_polls() -> None:
    """Drop what this process remembers (tests that change a session behind its back)."""
    with _lock:
        _polls.clear()
        _shared.clear()


@dataclass(frozen=True)
class SharedState:
    """What every viewer of a live page sees at one version, in one language."""

    snapshot: selectors.LiveSnapshot
    html: str
    speaker_sentence: str
    places: dict[str, int]


def speaker_sentence(snapshot: selectors.LiveSnapshot) -> str:
    """Who has the floor, in one sentence for screen readers."""
    speaker = snapshot.speaker
    if snapshot.state == selectors.LiveState.ENDED:
        return _("The live session has ended.")
    if speaker is None:
        return _("Nobody is speaking right now.")
    if speaker.status == FloorRequestStatus.CALLED:
        return _("%(speaker)s is called to speak.") % {"speaker": speaker.public_credit}
    return _("Now speaking: %(speaker)s.") % {"speaker": speaker.public_credit}


def shared_state(*, poll: selectors.LivePoll, slug: str) -> SharedState:
    """The snapshot at `poll`'s version and its shared part in the current language, read and
    rendered once per process (a copy may be newer than the version, never older)."""
    language = translation.get_language()
    state = selectors.live_state(session=poll)
    key = (poll.pk, poll.created_at, poll.live_version, state, language)
    found = _shared.get(key)
    if found is not None:
        return found
    session = selectors.get_live_session(slug=slug)
    snapshot = selectors.get_live_snapshot(session=session)
    found = SharedState(
        snapshot=snapshot,
        html=render_to_string("sessions_app/live/_shared.html", {"snapshot": snapshot}),
        speaker_sentence=speaker_sentence(snapshot),
        places={
            str(fr.pk): fr.place
            for requests in snapshot.by_registration.values()
            for fr in requests
            if fr.place is not None
        },
    )
    with _lock:
        _shared[key] = found
        while len(_shared) > _SNAPSHOTS_KEPT:
            _shared.popitem(last=False)
    return found


def mine_digest(*, snapshot: selectors.LiveSnapshot, registration_id: int | None) -> str:
    """A short digest of what the registrant's own part shows, places aside (the page updates
    those from the shared state): their requests and their statuses, and whether they may ask."""
    mine = selectors.my_floor_requests(snapshot=snapshot, registration_id=registration_id)
    refusal = selectors.floor_refusal(
        snapshot=snapshot,
        registration_status="confirmed" if registration_id else None,
        mine=mine,
    )
    parts = [f"{fr.pk}:{fr.status}" for fr in (*mine.active, *mine.finished)]
    text = ",".join([*parts, refusal or "-"])
    return hashlib.blake2s(text.encode(), digest_size=5).hexdigest()


def etag(*, poll: selectors.LivePoll, digest: str) -> str:
    """The version of one viewer's live page: the session's version and state, their own part,
    the language."""
    state = selectors.live_state(session=poll)
    language = translation.get_language()
    return f'"{poll.pk}.{poll.live_version}.{state}.{digest}.{language}"'


def digest_of(etag_value: str) -> str:
    """The digest of the viewer's own part in an ETag made by `etag` ("" when unreadable)."""
    parts = etag_value.strip('W/"').split(".")
    return parts[3] if len(parts) == 5 else ""


def poll_token(*, session_id: int, registration_id: int) -> str:
    """A signed token naming a confirmed registration, for the live page to poll with."""
    return signing.dumps([session_id, registration_id], salt=TOKEN_SALT, compress=False)


def read_poll_token(token: str) -> tuple[int, int] | None:
    """(session id, registration id) from a valid token no older than TOKEN_MAX_AGE, else
    None."""
    if not token or len(token) > 200:
        return None
    try:
        session_id, registration_id = signing.loads(token, salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    return int(session_id), int(registration_id)
