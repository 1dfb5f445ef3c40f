"""Members of the secretariat pressing "next" at the same moment advance the queue once:
concurrent requests through the desk, each thread with its own client and database connection
(on PostgreSQL, where the row locks decide, when DATABASE_URL points at it, as in CI)."""

import threading

from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from sessions_app import services
from sessions_app.enums import FloorRequestStatus as F
from sessions_app.models import FloorRequest
from tests.factories import RegistrationFactory
from tests.live import LiveWorld

ROUNDS = 10


def at_once(clients: list[Client], request) -> list[int]:
    """Send `request(client)` from every client at the same moment; return the status codes."""
    statuses: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(clients))

    def run(client):
        try:
            barrier.wait(timeout=30)
            statuses.append(request(client).status_code)
        except BaseException as error:  # every failure is a finding
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    return statuses


def desk_clients(live: LiveWorld, count: int) -> list[Client]:
    clients = []
    for _ in range(count):
        client = Client()
        client.force_login(live.secretariat)
        clients.append(client)
    return clients


def test_concurrent_next_calls_one_speaker_each_time(transactional_db):
    staff = 10 if connection.vendor == "postgresql" else 4
    live = LiveWorld()
    clients = desk_clients(live, staff)
    action = reverse("sessions_app:live_desk_action", kwargs={"slug": live.session.slug})
    for _round in range(ROUNDS):
        queue = [
            services.ask_for_floor(
                session=live.session,
                user=RegistrationFactory(session=live.session).user,
                agenda_item=live.floor,
                language="en",
                topic="Permits",
            )
            for _ in range(3)
        ]
        head = queue[0]
        before = live.refresh().live_version
        statuses = at_once(
            clients,
            lambda client, head=head: client.post(
                action,
                {"action": "call_next", "agenda_item": live.floor.pk, "floor_request": head.pk},
            ),
        )
        assert statuses == [302] * staff
        called = FloorRequest.objects.filter(status=F.CALLED)
        assert list(called.values_list("pk", flat=True)) == [head.pk]
        assert live.refresh().live_version == before + 1
        assert (
            FloorRequest.objects.filter(pk__in=[fr.pk for fr in queue[1:]])
            .filter(status=F.WAITING)
            .count()
            == 2
        )
        services.mark_delivered(floor_request=head)
        FloorRequest.objects.filter(status=F.WAITING).update(status=F.WITHDRAWN)


def test_concurrent_agenda_advances_move_one_item(transactional_db):
    staff = 10 if connection.vendor == "postgresql" else 4
    live = LiveWorld()
    clients = desk_clients(live, staff)
    action = reverse("sessions_app:live_desk_action", kwargs={"slug": live.session.slug})
    statuses = at_once(
        clients,
        lambda client: client.post(action, {"action": "next_item", "expected": live.floor.pk}),
    )
    assert statuses == [302] * staff
    assert live.refresh().live_agenda_item == live.second_floor


def test_concurrent_asks_get_distinct_places(transactional_db):
    people = 20 if connection.vendor == "postgresql" else 6
    live = LiveWorld()
    clients = []
    for _ in range(people):
        client = Client()
        client.force_login(RegistrationFactory(session=live.session).user)
        clients.append(client)
    ask = reverse("sessions_app:live_ask", kwargs={"slug": live.session.slug})
    statuses = at_once(
        clients,
        lambda client: client.post(
            ask, {"agenda_item": live.floor.pk, "language": "fr", "topic": "Visas"}
        ),
    )
    assert statuses == [302] * people
    positions = list(FloorRequest.objects.values_list("position", flat=True))
    assert sorted(positions) == list(range(1, people + 1))
