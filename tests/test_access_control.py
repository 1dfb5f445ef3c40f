"""Who gets what: every URL of the site and every admin action, for seven actors.

Each cell is the exact outcome of the request: a status code, LOGIN (a redirect to the sign-in
page), ADMIN (a redirect to the admin's sign-in, which itself goes through allauth) or GO (any
other redirect: the action was accepted or the page sends elsewhere). A URL of the site with no
row here fails `test_every_url_has_a_row`.
"""

from datetime import date

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from briefs.models import PolicyBrief
from interventions.models import AnalysisCode, Quote
from sessions_app.enums import AgendaItemKind
from sessions_app.models import ListeningSession, Series
from tests.factories import (
    PASSWORD,
    AgendaItemFactory,
    BriefPackFactory,
    FloorRequestFactory,
    InterventionFactory,
    ListeningSessionFactory,
    RegistrationFactory,
    UserFactory,
)
from tests.helpers import beat_all

ACTORS = ["anonymous", "unverified", "stakeholder", "other", "staff", "secretariat", "wg3"]
LOGIN, ADMIN, GO = "login", "admin", "go"


def row(*outcomes):
    assert len(outcomes) == len(ACTORS)
    return dict(zip(ACTORS, outcomes, strict=True))


def everyone(outcome):
    return row(*[outcome] * len(ACTORS))


SIGNED_IN_ONLY = row(LOGIN, LOGIN, 200, 200, 200, 200, 200)
WG3_ONLY = row(LOGIN, LOGIN, 403, 403, 403, 403, 200)
WG3_AND_SECRETARIAT = row(LOGIN, LOGIN, 403, 403, 403, 200, 200)
OWNER_ONLY = row(LOGIN, LOGIN, 200, 404, 404, 404, 404)
OWNER_ACTS = row(LOGIN, LOGIN, GO, 404, 404, 404, 404)
# Confirmed registrants and the secretariat follow a live page; others are told why not.
LIVE_FOLLOWERS = row(LOGIN, LOGIN, 200, 200, 403, 200, 403)
DESK_ONLY = row(LOGIN, LOGIN, 403, 403, 403, 200, 403)
STAFF_ONLY = row(LOGIN, LOGIN, 403, 403, 200, 200, 403)

# name: (method, url kwargs from the world, outcomes)
ROWS = {
    "healthz": ("get", None, everyone(200)),
    "livez": ("get", None, everyone(200)),
    # Prometheus only, with METRICS_TOKEN or from METRICS_ALLOWED_IPS (neither is set here).
    "metrics": ("get", None, everyone(401)),
    "platform_status": ("get", None, STAFF_ONLY),
    "retry_outbox_message": ("post", {"pk": "missing"}, row(LOGIN, LOGIN, 403, 403, GO, GO, 403)),
    "robots_txt": ("get", None, everyone(200)),
    "security_txt": ("get", None, everyone(200)),
    "set_language": ("post", None, everyone(GO)),
    "home": ("get", None, everyone(200)),
    "privacy": ("get", None, everyone(200)),
    "my_data": ("get", None, SIGNED_IN_ONLY),
    "download_my_data": ("get", None, SIGNED_IN_ONLY),
    "delete_account": ("get", None, SIGNED_IN_ONLY),
    "account_login": ("get", None, row(200, 200, GO, GO, GO, GO, GO)),
    "account_logout": ("get", None, row(GO, GO, 200, 200, 200, 200, 200)),
    "account_inactive": ("get", None, everyone(200)),
    "account_signup": ("get", None, row(200, 200, GO, GO, GO, GO, GO)),
    "account_reauthenticate": ("get", None, row(LOGIN, LOGIN, 200, 200, 200, 200, 200)),
    "account_request_reauthentication_code": ("get", None, SIGNED_IN_ONLY),
    "account_confirm_reauthentication_code": ("get", None, row(LOGIN, LOGIN, GO, GO, GO, GO, GO)),
    "account_email": ("get", None, SIGNED_IN_ONLY),
    "account_email_verification_sent": ("get", None, everyone(200)),
    "account_change_password": ("get", None, SIGNED_IN_ONLY),
    "account_set_password": ("get", None, row(LOGIN, LOGIN, GO, GO, GO, GO, GO)),
    "account_reset_password": ("get", None, everyone(200)),
    "account_confirm_login_code": ("get", None, row(LOGIN, LOGIN, GO, GO, GO, GO, GO)),
    "account_confirm_email": ("get", {"key": "not-a-real-key"}, everyone(200)),
    "account_reset_password_from_key_done": ("get", None, everyone(200)),
    "account_reset_password_from_key": (
        "get",
        {"uidb36": "1", "key": "set-password"},
        everyone(200),
    ),
    "account_reset_password_done": ("get", None, everyone(200)),
    "sessions_app:list": ("get", None, everyone(200)),
    "sessions_app:detail": ("get", {"slug": "session"}, everyone(200)),
    "sessions_app:detail[draft]": ("get", {"slug": "draft"}, everyone(404)),
    "sessions_app:profile": ("get", None, SIGNED_IN_ONLY),
    "sessions_app:my_sessions": ("get", None, SIGNED_IN_ONLY),
    # Both stakeholders are registered already: they are shown their registration; staff
    # without a profile are asked to complete one first.
    "sessions_app:register": ("get", {"slug": "session"}, row(LOGIN, LOGIN, GO, GO, GO, GO, GO)),
    "sessions_app:register[new]": (
        "get",
        {"slug": "second"},
        row(LOGIN, LOGIN, 200, 200, GO, GO, GO),
    ),
    "sessions_app:registration_calendar": ("get", {"pk": "registration"}, OWNER_ONLY),
    "sessions_app:cancel_registration": ("get", {"pk": "registration"}, OWNER_ONLY),
    "sessions_app:cancel_registration[post]": ("post", {"pk": "registration"}, OWNER_ACTS),
    # The live session (the world's "session" is not live yet, "live" is).
    "sessions_app:live": ("get", {"slug": "session"}, LIVE_FOLLOWERS),
    "sessions_app:live[live]": ("get", {"slug": "live"}, LIVE_FOLLOWERS),
    "sessions_app:live[draft]": ("get", {"slug": "draft"}, row(LOGIN, LOGIN, *[404] * 5)),
    "sessions_app:live_state": ("get", {"slug": "live"}, LIVE_FOLLOWERS),
    # The stakeholder already waits under the only open-floor item: sent back to the page.
    "sessions_app:live_ask": ("get", {"slug": "live"}, row(LOGIN, LOGIN, GO, 200, 403, GO, 403)),
    "sessions_app:live_withdraw": (
        "post",
        {"slug": "live", "pk": "floor_request"},
        OWNER_ACTS,
    ),
    "sessions_app:live_withdraw[get]": (
        "get",
        {"slug": "live", "pk": "floor_request"},
        row(LOGIN, LOGIN, 405, 405, 405, 405, 405),
    ),
    "sessions_app:live_join": ("get", {"slug": "live"}, row(LOGIN, LOGIN, GO, GO, 403, GO, 403)),
    "sessions_app:live_desk": ("get", {"slug": "live"}, DESK_ONLY),
    "sessions_app:live_desk_state": ("get", {"slug": "live"}, DESK_ONLY),
    "sessions_app:live_desk_action": (
        "post",
        {"slug": "live"},
        row(LOGIN, LOGIN, 403, 403, 403, GO, 403),
    ),
    "sessions_app:held_report": ("get", {"slug": "live"}, WG3_AND_SECRETARIAT),
    "interventions:record_oral": ("get", {"pk": "delivered_request"}, DESK_ONLY),
    "interventions:propose_correction": ("get", {"pk": "oral_intervention"}, OWNER_ONLY),
    "interventions:mine": ("get", None, SIGNED_IN_ONLY),
    "interventions:create": (
        "get",
        {"session_slug": "session"},
        row(LOGIN, LOGIN, 200, 200, 403, 403, 403),
    ),
    "interventions:detail": ("get", {"pk": "draft_intervention"}, OWNER_ONLY),
    "interventions:edit": ("get", {"pk": "draft_intervention"}, OWNER_ONLY),
    "interventions:withdraw": ("get", {"pk": "draft_intervention"}, OWNER_ONLY),
    "interventions:withdraw[post]": ("post", {"pk": "draft_intervention"}, OWNER_ACTS),
    "interventions:approved": ("get", None, WG3_AND_SECRETARIAT),
    "interventions:approved_detail": ("get", {"pk": "approved_intervention"}, WG3_AND_SECRETARIAT),
    "interventions:approved_detail[draft]": (
        "get",
        {"pk": "draft_intervention"},
        row(LOGIN, LOGIN, 403, 403, 403, 404, 404),
    ),
    "interventions:export_csv": ("get", None, WG3_AND_SECRETARIAT),
    # An empty quote form is refused with its errors (400) to those who may quote.
    "interventions:create_quote": (
        "post",
        {"pk": "approved_intervention"},
        row(LOGIN, LOGIN, 403, 403, 403, 400, 400),
    ),
    "interventions:quotes": ("get", None, WG3_AND_SECRETARIAT),
    "interventions:export_quotes": ("get", None, WG3_AND_SECRETARIAT),
    "interventions:edit_quote": ("get", {"pk": "quote"}, WG3_AND_SECRETARIAT),
    "interventions:delete_quote": ("get", {"pk": "quote"}, WG3_AND_SECRETARIAT),
    "interventions:codes": ("get", None, WG3_AND_SECRETARIAT),
    "interventions:create_code": ("get", None, WG3_AND_SECRETARIAT),
    "interventions:edit_code": ("get", {"pk": "code"}, WG3_AND_SECRETARIAT),
    "briefs:matrix": ("get", None, WG3_AND_SECRETARIAT),
    "briefs:matrix_csv": ("get", None, WG3_AND_SECRETARIAT),
    "interventions:export_json": ("get", None, WG3_AND_SECRETARIAT),
    "briefs:sessions": ("get", None, WG3_ONLY),
    "briefs:session": ("get", {"slug": "session"}, WG3_ONLY),
    "briefs:session[post]": (
        "post",
        {"slug": "session"},
        row(LOGIN, LOGIN, 403, 403, 403, 403, GO),
    ),
    "briefs:detail": ("get", {"pk": "pack"}, WG3_ONLY),
    "briefs:detail[guessed]": (
        "get",
        {"pk": "missing"},
        row(LOGIN, LOGIN, 403, 403, 403, 403, 404),
    ),
    "briefs:status": ("get", {"pk": "pack"}, WG3_ONLY),
    "briefs:download": ("get", {"pk": "pack"}, row(LOGIN, LOGIN, 403, 403, 403, 403, 404)),
    "briefs:retry": ("post", {"pk": "pack"}, row(LOGIN, LOGIN, 403, 403, 403, 403, GO)),
    "briefs:series": ("get", {"slug": "series"}, WG3_ONLY),
    # Posted without a ticked session: the form says to choose one.
    "briefs:series[post]": ("post", {"slug": "series"}, row(LOGIN, LOGIN, 403, 403, 403, 403, 400)),
    "briefs:several": ("get", None, WG3_ONLY),
    "briefs:brief_series": ("get", {"slug": "series"}, WG3_ONLY),
    "briefs:brief_session": ("get", {"slug": "session"}, WG3_ONLY),
    "briefs:brief_edit": ("get", {"pk": "brief"}, WG3_ONLY),
    # A private brief's PDF is for Working Group 3 and the secretariat; to others it does not
    # exist. A public one is for everyone.
    "briefs:brief_pdf": ("get", {"pk": "brief"}, row(404, 404, 404, 404, 404, 200, 200)),
    "briefs:brief_pdf[public]": ("get", {"pk": "public_brief"}, everyone(200)),
    # "What we heard" opens once the session is held.
    "sessions_app:heard": ("get", {"slug": "held"}, everyone(200)),
    "sessions_app:heard[not held]": ("get", {"slug": "session"}, everyone(404)),
    "sessions_app:heard[draft]": ("get", {"slug": "draft"}, everyone(404)),
    "interventions:publication_consent": ("post", {"pk": "draft_intervention"}, OWNER_ACTS),
}

# Admin pages and actions: (method, path builder, data builder, outcomes).
NOT_STAFF = [ADMIN, ADMIN, ADMIN, ADMIN]
ADMIN_ROWS = {
    "admin:index": ("get", row(*NOT_STAFF[:2], ADMIN, ADMIN, 200, 200, ADMIN)),
    "admin:sessions_app_listeningsession_changelist": ("get", row(*NOT_STAFF, 403, 200, ADMIN)),
    "admin:sessions_app_registration_changelist": ("get", row(*NOT_STAFF, 403, 200, ADMIN)),
    "admin:sessions_app_profile_changelist": ("get", row(*NOT_STAFF, 403, 200, ADMIN)),
    "admin:interventions_intervention_changelist": ("get", row(*NOT_STAFF, 403, 200, ADMIN)),
    "admin:sessions_app_floorrequest_changelist": ("get", row(*NOT_STAFF, 403, 200, ADMIN)),
    "admin:interventions_region_changelist": ("get", row(*NOT_STAFF, 403, 200, ADMIN)),
    "admin:interventions_theme_changelist": ("get", row(*NOT_STAFF, 403, 200, ADMIN)),
    "admin:interventions_analysiscode_changelist": ("get", row(*NOT_STAFF, 403, 200, ADMIN)),
    "admin:interventions_quote_changelist": ("get", row(*NOT_STAFF, 403, 200, ADMIN)),
    "admin:briefs_briefpack_changelist": ("get", row(*NOT_STAFF, 403, 200, ADMIN)),
    "admin:briefs_policybrief_changelist": ("get", row(*NOT_STAFF, 403, 200, ADMIN)),
    "admin:core_outboxmessage_changelist": ("get", row(*NOT_STAFF, 403, 403, ADMIN)),
    "admin:auth_user_changelist": ("get", row(*NOT_STAFF, 403, 403, ADMIN)),
    "admin:auth_group_changelist": ("get", row(*NOT_STAFF, 403, 403, ADMIN)),
}


@pytest.fixture
def world(stakeholder, secretariat, wg3):
    beat_all()  # a running platform: /healthz answers 200
    session = ListeningSessionFactory(slug="open-session")
    draft = ListeningSessionFactory(slug="draft-session", status="draft")
    second = ListeningSessionFactory(slug="second-session")
    other = UserFactory(stakeholder=True)
    registration = RegistrationFactory(session=session, user=stakeholder)
    RegistrationFactory(session=session, user=other)
    draft_intervention = InterventionFactory(session=session, author=stakeholder)
    submitted = InterventionFactory(session=session, author=other, status="submitted")
    approved = InterventionFactory(session=session, author=stakeholder, status="approved")
    pack = BriefPackFactory(session=session, requested_by=wg3, status="failed")
    series = Series.objects.create(slug="a-series", title="A series")
    ListeningSession.objects.filter(pk__in=[session.pk, second.pk]).update(series=series)
    held = ListeningSessionFactory(slug="held-session", status="held")
    briefs = [
        PolicyBrief.objects.create(
            session=session, title="Brief", published_on=date(2031, 5, 20), pdf_is_public=public
        )
        for public in (False, True)
    ]
    for brief in briefs:
        brief.pdf.save("brief.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"))
    code = AnalysisCode.objects.get(slug="challenges")
    quote = Quote.objects.create(intervention=approved, text="What we see", created_by=wg3)
    quote.codes.set([code])
    live = ListeningSessionFactory(slug="live-session", starts_at=timezone.now())
    floor = AgendaItemFactory(session=live, kind=AgendaItemKind.OPEN_FLOOR)
    live_registration = RegistrationFactory(session=live, user=stakeholder)
    RegistrationFactory(session=live, user=other)
    waiting = FloorRequestFactory(session=live, agenda_item=floor, registration=live_registration)
    delivered = FloorRequestFactory(
        session=live, agenda_item=floor, registration=live_registration, status="delivered"
    )
    oral = InterventionFactory(
        session=live, author=stakeholder, channel="oral", status="submitted", floor_request=None
    )
    users = {
        "unverified": UserFactory(verified=False),
        "stakeholder": stakeholder,
        "other": other,
        "staff": UserFactory(is_staff=True),
        "secretariat": secretariat,
        "wg3": wg3,
    }
    refs = {
        "session": session.slug,
        "draft": draft.slug,
        "second": second.slug,
        "registration": registration.pk,
        "draft_intervention": draft_intervention.pk,
        "approved_intervention": approved.pk,
        "submitted": submitted.pk,
        "unverified_email": users["unverified"].emailaddress_set.get().pk,
        "pack": pack.pk,
        "quote": quote.pk,
        "code": code.pk,
        "missing": pack.pk + 1000,
        "live": live.slug,
        "floor_request": waiting.pk,
        "delivered_request": delivered.pk,
        "oral_intervention": oral.pk,
        "series": series.slug,
        "held": held.slug,
        "brief": briefs[0].pk,
        "public_brief": briefs[1].pk,
    }
    return {"users": users, "refs": refs, "submitted": submitted}


def sign_in(client, world, actor):
    if actor == "anonymous":
        return
    user = world["users"][actor]
    # Through allauth, as a person would: an unverified account stays signed out.
    client.post("/en/accounts/login/", {"login": user.email, "password": PASSWORD})
    if actor == "unverified":
        assert "_auth_user_id" not in client.session
    else:
        assert client.session["_auth_user_id"] == str(user.pk)


def outcome(response):
    if response.status_code in (301, 302, 303):
        location = response["Location"]
        if location.startswith("/en/accounts/login/"):
            return LOGIN
        if location.startswith("/en/admin/login/"):
            return ADMIN
        return GO
    return response.status_code


def walk(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            namespace = pattern.namespace
            inner = f"{prefix}{namespace}:" if namespace else prefix
            yield from walk(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield prefix + pattern.name


def test_every_url_has_a_row():
    names = {name for name in walk(get_resolver().url_patterns) if not name.startswith("admin:")}
    covered = {name.split("[")[0] for name in ROWS}
    assert sorted(names - covered) == []
    assert sorted(covered - names) == []


CASES = [(name, actor) for name in ROWS for actor in ACTORS]


@pytest.mark.parametrize(("name", "actor"), CASES, ids=[f"{n}-{a}" for n, a in CASES])
def test_site_url(client, world, name, actor):
    method, kwargs, expected = ROWS[name]
    sign_in(client, world, actor)
    refs = world["refs"]
    if kwargs:
        kwargs = {key: refs.get(value, value) for key, value in kwargs.items()}
    url = reverse(name.split("[")[0], kwargs=kwargs)
    data = {"language": "fr", "next": "/en/"} if name == "set_language" else {}
    response = getattr(client, method)(url, data)
    assert outcome(response) == expected[actor]


ADMIN_CASES = [(name, actor) for name in ADMIN_ROWS for actor in ACTORS]


@pytest.mark.parametrize(("name", "actor"), ADMIN_CASES, ids=[f"{n}-{a}" for n, a in ADMIN_CASES])
def test_admin_page(client, world, name, actor):
    method, expected = ADMIN_ROWS[name]
    sign_in(client, world, actor)
    response = getattr(client, method)(reverse(name))
    assert outcome(response) == expected[actor]


# Every admin action, with the object it is tried on: Secretariat may run it, everyone else
# is turned away (non-staff to the admin sign-in, staff outside the Secretariat with 403).
SECRETARIAT_ONLY = row(ADMIN, ADMIN, ADMIN, ADMIN, 403, "allowed", ADMIN)
SUPERUSER_ONLY = row(ADMIN, ADMIN, ADMIN, ADMIN, 403, 403, ADMIN)
ACTION_TARGETS = {
    ("account", "emailaddress", "make_verified"): ("unverified_email", SUPERUSER_ONLY),
    ("briefs", "briefpack", "retry_failed_packs"): ("pack", SECRETARIAT_ONLY),
    ("interventions", "intervention", "approve_selected"): ("submitted", SECRETARIAT_ONLY),
    ("interventions", "intervention", "reject_selected"): ("submitted", SECRETARIAT_ONLY),
    ("interventions", "intervention", "request_changes_selected"): ("submitted", SECRETARIAT_ONLY),
    ("sessions_app", "registration", "export_csv"): ("registration", SECRETARIAT_ONLY),
    ("sessions_app", "registration", "mark_cancelled"): ("registration", SECRETARIAT_ONLY),
    ("sessions_app", "registration", "mark_confirmed"): ("registration", SECRETARIAT_ONLY),
    ("sessions_app", "registration", "mark_declined"): ("registration", SECRETARIAT_ONLY),
    ("sessions_app", "registration", "mark_waitlisted"): ("registration", SECRETARIAT_ONLY),
}


def registered_actions() -> list[tuple[str, str, str]]:
    found = set()
    for model, model_admin in admin.site._registry.items():
        for name in [a if isinstance(a, str) else a.__name__ for a in model_admin.actions or []]:
            found.add((model._meta.app_label, model._meta.model_name, name))
    return sorted(found)


def test_every_admin_action_has_a_row():
    assert registered_actions() == sorted(ACTION_TARGETS)


ACTION_CASES = [(action, actor) for action in ACTION_TARGETS for actor in ACTORS]


@pytest.mark.parametrize(
    ("action", "actor"), ACTION_CASES, ids=[f"{'.'.join(a)}-{b}" for a, b in ACTION_CASES]
)
def test_admin_action(client, world, action, actor):
    app, model, name = action
    sign_in(client, world, actor)
    reference, outcomes = ACTION_TARGETS[action]
    target = world["refs"][reference]
    changelist = reverse(f"admin:{app}_{model}_changelist")
    response = client.post(changelist, {"action": name, "_selected_action": [target]})
    expected = outcomes[actor]
    if expected == "allowed":
        assert outcome(response) in (200, GO)
    else:
        assert outcome(response) == expected


def test_staff_needs_the_moderation_permission_even_with_view_rights(client, world):
    staff = world["users"]["staff"]
    staff.user_permissions.add(
        Permission.objects.get(codename="view_intervention"),
        Permission.objects.get(codename="change_intervention"),
    )
    sign_in(client, world, "staff")
    target = world["submitted"]
    response = client.post(
        reverse("admin:interventions_intervention_changelist"),
        {"action": "approve_selected", "_selected_action": [target.pk]},
    )
    target.refresh_from_db()
    assert target.status == "submitted"
    assert outcome(response) in (200, GO, 403)
