"""The Prometheus endpoint: closed to the public, open to the token or the address list, with
request, database, outbox, pack and heartbeat figures."""

from datetime import timedelta

import pytest
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from briefs.enums import PackStatus
from core.enums import HeartbeatKind, OutboxStatus
from core.models import Heartbeat, OutboxMessage
from tests.factories import BriefPackFactory

pytestmark = pytest.mark.django_db
TOKEN = "s3cret-scrape-token-0123456789"


@pytest.fixture(autouse=True)
def _metrics(settings):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_IPS = []


def samples(body: bytes) -> dict[tuple, float]:
    """{(sample name, sorted labels): value} of a Prometheus text page."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(body.decode())
        for sample in family.samples
    }


def scrape(client, **headers):
    return client.get("/metrics", headers=headers)


def test_anonymous_and_wrong_token_requests_are_refused(client):
    anonymous = scrape(client)
    assert anonymous.status_code == 401
    assert anonymous["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert b"listening_" not in anonymous.content
    assert scrape(client, Authorization="Bearer wrong").status_code == 401
    assert scrape(client, Authorization=TOKEN).status_code == 401


def test_nothing_configured_refuses_everyone(client, settings):
    settings.METRICS_TOKEN = ""
    assert scrape(client).status_code == 401
    assert scrape(client, Authorization="Bearer ").status_code == 401


def test_the_token_is_accepted(client):
    response = scrape(client, Authorization=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"


def test_an_address_in_the_list_is_accepted(client, settings):
    settings.METRICS_ALLOWED_IPS = ["10.0.0.0/8", "not-an-address"]
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.1").status_code == 401


def test_figures_present(client):
    now = timezone.now()
    OutboxMessage.objects.create(task_name="x")
    old = OutboxMessage.objects.create(task_name="x")
    OutboxMessage.objects.filter(pk=old.pk).update(created_at=now - timedelta(minutes=10))
    OutboxMessage.objects.create(task_name="x", status=OutboxStatus.FAILED)
    BriefPackFactory(status=PackStatus.QUEUED)
    BriefPackFactory(status=PackStatus.RUNNING)
    BriefPackFactory(status=PackStatus.DONE, render_seconds=12.5)
    BriefPackFactory(status=PackStatus.DONE, render_seconds=70.0)
    Heartbeat.objects.create(kind=HeartbeatKind.WORKER, host="a", beat_at=now)
    client.get("/en/")  # a request to count

    figures = samples(scrape(client, Authorization=f"Bearer {TOKEN}").content)

    assert figures[("listening_database_up", ())] == 1
    assert figures[("listening_outbox_messages", (("status", "pending"),))] == 2
    assert figures[("listening_outbox_messages", (("status", "failed"),))] == 1
    assert 590 < figures[("listening_outbox_oldest_pending_seconds", ())] < 700
    assert figures[("listening_packs", (("status", "queued"),))] == 1
    assert figures[("listening_packs", (("status", "running"),))] == 1
    assert figures[("listening_packs", (("status", "done"),))] == 2
    assert figures[("listening_pack_build_duration_seconds_bucket", (("le", "15.0"),))] == 1
    assert figures[("listening_pack_build_duration_seconds_bucket", (("le", "120.0"),))] == 2
    assert figures[("listening_pack_build_duration_seconds_count", ())] == 2
    assert figures[("listening_pack_build_duration_seconds_sum", ())] == 82.5
    assert 0 <= figures[("listening_heartbeat_age_seconds", (("kind", "worker"),))] < 60
    assert figures[("listening_heartbeat_age_seconds", (("kind", "beat"),))] == -1
    assert figures[("listening_http_requests_total", (("method", "GET"), ("status", "2xx")))] >= 1
    assert figures[("listening_db_queries_total", ())] >= 1
    assert ("listening_http_request_duration_seconds_count", (("method", "GET"),)) in figures


def test_requests_are_counted_as_they_come(client):
    auth = {"Authorization": f"Bearer {TOKEN}"}
    key = ("listening_http_requests_total", (("method", "GET"), ("status", "4xx")))
    before = samples(scrape(client, **auth).content).get(key, 0)
    for _ in range(3):
        client.get("/en/no-such-page/")
    assert samples(scrape(client, **auth).content)[key] == before + 3
