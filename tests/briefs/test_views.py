"""The Working Group 3 pages: permissions, the request form, status, download."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from briefs.models import BriefPack
from briefs.services import requeue_stuck_packs
from briefs.tasks import task_build_brief_pack
from core.models import OutboxMessage
from core.outbox import relay_outbox
from tests.factories import (
    BriefPackFactory,
    InterventionFactory,
    ListeningSessionFactory,
    UserFactory,
)
from tests.helpers import (
    DEAD_BROKER,
    broker_url,
    drain_queue,
    pdf_text,
    purge_queue,
    reset_broker_pools,
)


@pytest.fixture
def built_pack(pack_session, wg3, approved):
    approved(body="Sentineldownload")
    pack = BriefPackFactory(session=pack_session, requested_by=wg3)
    task_build_brief_pack(pack_id=pack.pk)
    pack.refresh_from_db()
    return pack


def urls(session, pack_id):
    return {
        "sessions": ("get", reverse("briefs:sessions")),
        "session": ("get", reverse("briefs:session", kwargs={"slug": session.slug})),
        "request": ("post", reverse("briefs:session", kwargs={"slug": session.slug})),
        "detail": ("get", reverse("briefs:detail", kwargs={"pk": pack_id})),
        "status": ("get", reverse("briefs:status", kwargs={"pk": pack_id})),
        "download": ("get", reverse("briefs:download", kwargs={"pk": pack_id})),
        "retry": ("post", reverse("briefs:retry", kwargs={"pk": pack_id})),
    }


def statuses(client, session, pack_id):
    result = {}
    for name, (method, url) in urls(session, pack_id).items():
        response = getattr(client, method)(url)
        result[name] = response.status_code
        if response.status_code == 302:
            result[name] = response["Location"].split("?")[0]
    return result


@pytest.mark.parametrize("role", ["anonymous", "stakeholder", "secretariat"])
def test_only_working_group_and_superusers_reach_packs(client, request, built_pack, role):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    missing_id = built_pack.pk + 1000

    real = statuses(client, built_pack.session, built_pack.pk)
    guessed = statuses(client, built_pack.session, missing_id)

    expected = "/en/accounts/login/" if role == "anonymous" else 403
    assert set(real.values()) == {expected}
    assert guessed == real  # a guessed id tells nothing more
    assert BriefPack.objects.count() == 1


@pytest.mark.parametrize("role", ["wg3", "superuser"])
def test_working_group_and_superusers_get_every_page(client, request, built_pack, role):
    client.force_login(request.getfixturevalue(role))
    pages = urls(built_pack.session, built_pack.pk)

    assert {
        name: getattr(client, method)(url).status_code
        for name, (method, url) in pages.items()
        if name not in ("request", "retry")
    } == {"sessions": 200, "session": 200, "detail": 200, "status": 200, "download": 200}
    missing = urls(built_pack.session, built_pack.pk + 1000)
    assert client.get(missing["detail"][1]).status_code == 404
    assert client.get(missing["status"][1]).status_code == 404
    assert client.get(missing["download"][1]).status_code == 404
    assert client.post(missing["retry"][1]).status_code == 404


def test_download_streams_the_private_file_as_an_attachment(client, wg3, built_pack):
    client.force_login(wg3)

    response = client.get(reverse("briefs:download", kwargs={"pk": built_pack.pk}))

    assert response["Content-Type"] == "application/pdf"
    built_pack.refresh_from_db()
    built = (built_pack.finished_at or built_pack.created_at).strftime("%Y-%m-%d-%H%M")
    assert response["Content-Disposition"] == (
        f'attachment; filename="input-pack-{built_pack.session.slug}-all-inputs-{built}.pdf"'
    )
    assert "no-store" in response["Cache-Control"]
    assert "Sentineldownload" in pdf_text(b"".join(response.streaming_content))


def test_a_pack_without_pdf_cannot_be_downloaded(client, wg3, pack_session):
    client.force_login(wg3)
    pack = BriefPackFactory(session=pack_session, status="failed")
    assert client.get(reverse("briefs:download", kwargs={"pk": pack.pk})).status_code == 404


def test_downloading_a_pack_being_built_leads_to_its_progress(client, wg3, pack_session):
    client.force_login(wg3)
    for status in ("queued", "running"):
        pack = BriefPackFactory(session=pack_session, status=status)
        response = client.get(reverse("briefs:download", kwargs={"pk": pack.pk}))
        assert (response.status_code, response["Location"]) == (302, pack.get_absolute_url())


def test_status_view_reports_progress_as_json(client, wg3, pack_session):
    client.force_login(wg3)
    pack = BriefPackFactory(
        session=pack_session,
        status="running",
        progress=42,
        stage="layout",
        stage_params={"page": 40},
    )

    response = client.get(reverse("briefs:status", kwargs={"pk": pack.pk}))

    assert response.json() == {
        "id": pack.pk,
        "status": "running",
        "status_display": "Building",
        "progress": 42,
        "stage": "laying out page 40",
        "page_count": None,
        "intervention_count": None,
        "error": "",
        "restarts": 0,
        "download_url": None,
    }
    assert response["Cache-Control"] == "no-store"


def test_pack_page_shows_the_status_without_javascript(client, wg3, pack_session):
    client.force_login(wg3)
    pack = BriefPackFactory(
        session=pack_session,
        status="running",
        progress=57,
        stage="layout",
        stage_params={"page": 12},
    )

    html = client.get(reverse("briefs:detail", kwargs={"pk": pack.pk})).content.decode()

    assert '<progress id="pack-progress" class="progress" max="100" value="57">' in html
    assert "laying out page 12" in html
    assert f'href="/en/packs/{pack.pk}/"' in html  # the refresh link
    assert "js/brief-pack.js" in html


def test_failed_pack_page_offers_retry(
    client, wg3, pack_session, django_capture_on_commit_callbacks
):
    client.force_login(wg3)
    pack = BriefPackFactory(
        session=pack_session, status="failed", error="The PDF could not be built."
    )
    detail = reverse("briefs:detail", kwargs={"pk": pack.pk})

    html = client.get(detail).content.decode()
    assert "The PDF could not be built." in html
    assert reverse("briefs:retry", kwargs={"pk": pack.pk}) in html

    response = client.post(reverse("briefs:retry", kwargs={"pk": pack.pk}))
    assert response["Location"] == detail
    pack.refresh_from_db()
    assert pack.status == "queued"

    again = client.post(reverse("briefs:retry", kwargs={"pk": pack.pk}), follow=True)
    assert "Only a failed pack can be tried again." in again.content.decode()


def test_request_form_creates_a_pack_and_redirects_to_it(client, wg3, pack_session, approved):
    approved()
    client.force_login(wg3)

    response = client.post(
        reverse("briefs:session", kwargs={"slug": pack_session.slug}),
        {"themes": ["regularization"], "regions": ["africa"], "kinds": ["challenge"]},
    )

    pack = BriefPack.objects.get()
    assert response["Location"] == reverse("briefs:detail", kwargs={"pk": pack.pk})
    assert pack.filters == {
        "themes": ["regularization"],
        "regions": ["africa"],
        "kinds": ["challenge"],
    }
    assert pack.requested_by == wg3


@pytest.mark.parametrize(
    "data",
    [
        {"themes": ["no-such-theme"]},
        {"regions": ["atlantis"]},
        {"kinds": ["gossip"]},
        {"themes": ["x\x00y"]},
        {"regions": ["' OR 1=1 --"]},
    ],
)
def test_invalid_filters_give_a_form_error_and_create_nothing(client, wg3, pack_session, data):
    client.force_login(wg3)

    response = client.post(reverse("briefs:session", kwargs={"slug": pack_session.slug}), data)

    assert response.status_code == 400
    assert 'class="errorlist' in response.content.decode()
    assert BriefPack.objects.count() == 0


def test_draft_and_unknown_sessions_are_404(client, wg3):
    client.force_login(wg3)
    draft = ListeningSessionFactory(status="draft")

    for slug in (draft.slug, "no-such-session"):
        assert client.get(reverse("briefs:session", kwargs={"slug": slug})).status_code == 404
        assert client.post(reverse("briefs:session", kwargs={"slug": slug})).status_code == 404


def test_navigation_shows_input_packs_to_the_working_group_only(client, stakeholder, wg3):
    link = f'href="{reverse("briefs:sessions")}"'
    assert link not in client.get(reverse("home")).content.decode()
    client.force_login(stakeholder)
    assert link not in client.get(reverse("home")).content.decode()
    client.force_login(wg3)
    assert link in client.get(reverse("home")).content.decode()


def test_session_pack_list_queries_do_not_grow_with_packs(
    client, wg3, pack_session, django_assert_max_num_queries
):
    client.force_login(wg3)
    url = reverse("briefs:session", kwargs={"slug": pack_session.slug})
    BriefPackFactory(session=pack_session, filters={"themes": ["regularization"]})
    with django_assert_max_num_queries(12) as one:
        assert client.get(url).status_code == 200
    for _ in range(15):
        BriefPackFactory(
            session=pack_session,
            requested_by=UserFactory(),
            filters={"regions": ["africa"], "kinds": ["challenge"]},
        )
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(url)
    assert response.content.decode().count("badge badge-queued") == 16


def test_session_list_queries_do_not_grow_with_sessions(client, wg3, django_assert_max_num_queries):
    client.force_login(wg3)
    url = reverse("briefs:sessions")
    ListeningSessionFactory()
    with django_assert_max_num_queries(10) as one:
        assert client.get(url).status_code == 200
    for _ in range(12):
        BriefPackFactory(session=ListeningSessionFactory())
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(url)
    assert response.content.decode().count("/en/packs/session/") == 13


# One bound for one pack and for three, at what one pack costs today: a query per pack (an N+1)
# breaks it.
SESSION_PACKS_MAX_QUERIES = 12  # with the published briefs of the session
PACK_SESSIONS_MAX_QUERIES = 7  # with the series
PACK_STATUSES = ["queued", "failed", "done"]


@pytest.mark.parametrize("packs", [1, 3])
def test_session_packs_page_queries_stay_within_one_bound(
    client, wg3, pack_session, packs, django_assert_max_num_queries
):
    for status in PACK_STATUSES[:packs]:
        BriefPackFactory(
            session=pack_session,
            requested_by=UserFactory(wg3=True),
            status=status,
            filters={"themes": ["regularization"], "regions": ["africa"], "kinds": ["challenge"]},
        )
    client.force_login(wg3)
    url = reverse("briefs:session", kwargs={"slug": pack_session.slug})

    with django_assert_max_num_queries(SESSION_PACKS_MAX_QUERIES):
        response = client.get(url)

    html = response.content.decode()
    assert sorted(re.findall(r'class="badge badge-(\w+)"', html)) == sorted(PACK_STATUSES[:packs])
    assert html.count("Themes: Regularization") == packs


@pytest.mark.parametrize("packs", [1, 3])
def test_pack_sessions_page_queries_stay_within_one_bound(
    client, wg3, packs, django_assert_max_num_queries
):
    sessions = [ListeningSessionFactory() for _ in range(packs)]
    for session, status in zip(sessions, PACK_STATUSES, strict=False):
        BriefPackFactory(session=session, requested_by=UserFactory(wg3=True), status=status)
    client.force_login(wg3)

    with django_assert_max_num_queries(PACK_SESSIONS_MAX_QUERIES):
        response = client.get(reverse("briefs:sessions"))

    html = response.content.decode()
    assert sorted(re.findall(r'href="/en/packs/session/([\w-]+)/"', html)) == sorted(
        session.slug for session in sessions
    )


def test_admin_action_retries_failed_packs_through_the_service(client, superuser, pack_session):
    client.force_login(superuser)
    failed = BriefPackFactory(session=pack_session, status="failed", error="Boom")
    done = BriefPackFactory(session=pack_session, status="done")

    response = client.post(
        reverse("admin:briefs_briefpack_changelist"),
        {"action": "retry_failed_packs", "_selected_action": [failed.pk, done.pk]},
        follow=True,
    )

    assert "1 pack queued again." in response.content.decode()
    assert dict(BriefPack.objects.values_list("pk", "status")) == {
        failed.pk: "queued",
        done.pk: "done",
    }


def test_request_during_a_broker_outage_answers_at_once_and_the_relay_sends_it_later(
    client, transactional_db, wg3
):
    session = ListeningSessionFactory()
    InterventionFactory(session=session, status="approved")
    client.force_login(wg3)
    reset_broker_pools()
    purge_queue()

    with broker_url(DEAD_BROKER):
        response = client.post(
            reverse("briefs:session", kwargs={"slug": session.slug}), {}, follow=True
        )
        assert relay_outbox().refused == 1
    reset_broker_pools()

    pack = BriefPack.objects.get()
    assert response.redirect_chain == [(reverse("briefs:detail", kwargs={"pk": pack.pk}), 302)]
    assert "The pack has been requested. This page shows its progress." in (
        response.content.decode()
    )
    assert pack.status == "queued"
    message = OutboxMessage.objects.get()
    assert relay_outbox(now=timezone.now() + timedelta(seconds=10)).published == 1
    assert drain_queue() == [
        {
            "task": "briefs.tasks.task_build_brief_pack",
            "kwargs": {"outbox_id": message.pk, "pack_id": pack.pk},
        }
    ]


def test_the_page_of_a_pack_whose_worker_was_lost_says_the_build_restarted(client, wg3):
    session = ListeningSessionFactory()
    silent = timezone.now() - timedelta(minutes=5)
    pack = BriefPackFactory(
        session=session, status="running", started_at=silent, heartbeat_at=silent, attempts=1
    )
    client.force_login(wg3)
    assert requeue_stuck_packs() == 1

    page = client.get(reverse("briefs:detail", kwargs={"pk": pack.pk})).content.decode()
    status = client.get(reverse("briefs:status", kwargs={"pk": pack.pk})).json()

    assert "A worker was lost while building this pack, so the build restarted." in page
    assert (status["status"], status["restarts"]) == ("queued", 1)
    assert status["stage"] == (
        "waiting for a worker: the previous one was lost, so the build restarts"
    )


@pytest.mark.parametrize(
    ("language", "stage", "error"),
    [
        (
            "fr",
            "mise en page de la page 12",
            "La génération a dépassé la durée maximale de 15 minutes.",
        ),
        ("es", "maquetando la página 12", "La generación superó el tiempo límite de 15 minutos."),
    ],
)
def test_stage_and_error_are_shown_in_the_page_language(
    client, wg3, pack_session, language, stage, error
):
    client.force_login(wg3)
    running = BriefPackFactory(
        session=pack_session, status="running", stage="layout", stage_params={"page": 12}
    )
    failed = BriefPackFactory(
        session=pack_session,
        status="failed",
        stage="failed",
        error_code="time_limit",
        error_params={"minutes": 15},
    )

    page = client.get(f"/{language}/packs/{running.pk}/").content.decode()
    status = client.get(f"/{language}/packs/{running.pk}/status/").json()
    failed_page = client.get(f"/{language}/packs/{failed.pk}/").content.decode()

    assert f"<span data-pack-stage>{stage}</span>" in page
    assert status["stage"] == stage
    assert error in failed_page


def test_admin_shows_the_stage_and_failure_in_words(client, superuser, pack_session):
    client.force_login(superuser)
    pack = BriefPackFactory(
        session=pack_session,
        status="failed",
        stage="failed",
        error_code="worker_lost",
        error_params={"attempts": 3},
    )
    html = client.get(f"/fr/admin/briefs/briefpack/{pack.pk}/change/").content.decode()
    assert "La génération s’est interrompue avant la fin à 3 reprises" in html
    assert "%(attempts)d" not in html
