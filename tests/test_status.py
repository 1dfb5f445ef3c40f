"""The staff status page: background processes, broker, outbox, packs, failures, disk."""

from datetime import timedelta

import pytest
from celery import shared_task
from django.urls import reverse
from django.utils import timezone

from briefs.enums import PackStatus
from core.enums import HeartbeatKind, OutboxStatus
from core.models import Heartbeat, OutboxMessage, TaskFailure
from tests.factories import BriefPackFactory, UserFactory

pytestmark = pytest.mark.django_db
URL = "/en/admin/status/"


@shared_task(name="tests.test_status.task_breaks")
def task_breaks() -> None:
    raise KeyError("the stakeholder's email is not in this message's subject")


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(secretariat=True))
    return client


def beat(kind: HeartbeatKind, *, ago: timedelta) -> None:
    Heartbeat.objects.create(kind=kind, host=f"{kind}-host", beat_at=timezone.now() - ago)


def pending_messages(count: int, *, ago: timedelta) -> None:
    for _ in range(count):
        message = OutboxMessage.objects.create(task_name="briefs.tasks.task_build_brief_pack")
        OutboxMessage.objects.filter(pk=message.pk).update(created_at=timezone.now() - ago)


def test_the_page_reports_a_stopped_worker(staff_client):
    beat(HeartbeatKind.WORKER, ago=timedelta(minutes=5))
    beat(HeartbeatKind.BEAT, ago=timedelta(seconds=5))
    beat(HeartbeatKind.RELAY, ago=timedelta(seconds=5))

    page = staff_client.get(URL).content.decode()

    worker = page.split('id="process-worker"')[1].split("</tr>")[0]
    beat_row = page.split('id="process-beat"')[1].split("</tr>")[0]
    assert "stopped: no recent heartbeat" in worker
    assert "5\xa0minutes ago" in worker
    assert "running" in beat_row
    assert "stopped" not in beat_row


def test_the_page_reports_a_growing_outbox(staff_client):
    pending_messages(2, ago=timedelta(seconds=30))
    first = staff_client.get(URL).content.decode()
    assert "2 messages pending" in first
    assert "backing up" not in first

    pending_messages(5, ago=timedelta(minutes=12))
    second = staff_client.get(URL).content.decode()
    assert "7 messages pending, the oldest for 12\xa0minutes." in second
    assert "The outbox is backing up: the relay or the broker is not keeping up." in second


def test_a_failed_message_is_listed_and_tried_again_through_the_outbox(staff_client):
    message = OutboxMessage.objects.create(
        task_name="listening.tasks.task_purge_personal_data",
        status=OutboxStatus.FAILED,
        attempts=5,
        last_error="OperationalError: the database went away",
    )
    page = staff_client.get(URL).content.decode()
    assert "1 message failed" in page
    assert "OperationalError: the database went away" in page

    response = staff_client.post(f"/en/admin/status/outbox/{message.pk}/retry/")

    assert response.status_code == 302
    message.refresh_from_db()
    assert (message.status, message.attempts, message.send_after) == (
        OutboxStatus.PENDING,
        0,
        None,
    )
    # A second click finds nothing to retry and changes nothing.
    again = staff_client.post(f"/en/admin/status/outbox/{message.pk}/retry/", follow=True)
    assert "Only a failed message can be tried again." in again.content.decode()


def test_running_packs_show_their_last_progress(staff_client):
    pack = BriefPackFactory(status=PackStatus.RUNNING, progress=40)
    BriefPack = type(pack)
    BriefPack.objects.filter(pk=pack.pk).update(heartbeat_at=timezone.now() - timedelta(minutes=2))
    BriefPackFactory(status=PackStatus.DONE)

    page = staff_client.get(URL).content.decode()

    assert f"{pack.session} — #{pack.pk}" in page
    assert "40 %" in page
    assert "2\xa0minutes ago" in page
    assert page.count("/change/") == 1


def test_a_task_that_failed_for_good_is_listed_without_its_message(staff_client):
    task_breaks.apply()

    assert list(TaskFailure.objects.values_list("task_name", "exception")) == [
        ("tests.test_status.task_breaks", "KeyError")
    ]
    page = staff_client.get(URL).content.decode()
    assert "tests.test_status.task_breaks (KeyError)" in page
    assert "stakeholder" not in page


def test_the_page_shows_the_private_storage_free_space(staff_client, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {**settings.STORAGES["private"], "OPTIONS": {"location": str(tmp_path)}},
    }
    page = staff_client.get(URL).content.decode()
    disk = page.split('id="disk"')[1].split("</p>")[0]
    assert f"{tmp_path}: " in disk
    assert " free of " in disk

    settings.STORAGES["private"]["OPTIONS"]["location"] = str(tmp_path / "missing")
    page = staff_client.get(URL).content.decode()
    assert "missing cannot be read (FileNotFoundError)." in page


def test_non_staff_are_refused_and_anonymous_visitors_sent_to_sign_in(client):
    anonymous = client.get(URL)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("account_login"))

    client.force_login(UserFactory())
    assert client.get(URL).status_code == 403
    message = OutboxMessage.objects.create(task_name="x", status=OutboxStatus.FAILED)
    assert client.post(f"/en/admin/status/outbox/{message.pk}/retry/").status_code == 403
    message.refresh_from_db()
    assert message.status == OutboxStatus.FAILED


def test_the_admin_index_links_to_the_status_page(staff_client):
    page = staff_client.get("/en/admin/").content.decode()
    assert f'href="{URL}"' in page


@pytest.mark.parametrize("rows", [1, 15])
def test_status_page_queries_do_not_grow_with_rows(
    staff_client, django_assert_max_num_queries, rows
):
    for _ in range(rows):
        BriefPackFactory(status=PackStatus.RUNNING)
        OutboxMessage.objects.create(task_name="x", status=OutboxStatus.FAILED)
        TaskFailure.objects.create(task_name="x", exception="KeyError")
    with django_assert_max_num_queries(12):
        assert staff_client.get(URL).status_code == 200
