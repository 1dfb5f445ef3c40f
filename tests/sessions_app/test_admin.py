import csv
import io

import pytest
from django.contrib.admin.sites import site
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from interventions.models import Region
from sessions_app.enums import RegistrationStatus as R
from sessions_app.models import ListeningSession, Registration
from tests.factories import (
    ListeningSessionFactory,
    ProfileFactory,
    RegistrationFactory,
)
from tests.helpers import run_pending_outbox_tasks

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:sessions_app_registration_changelist")


@pytest.fixture
def staff_client(client, secretariat):
    client.force_login(secretariat)
    return client


def act(client, action, registrations):
    return client.post(
        CHANGELIST,
        {"action": action, "_selected_action": [r.pk for r in registrations]},
        follow=True,
    )


def status_of(*registrations):
    return [Registration.objects.get(pk=r.pk).status for r in registrations]


def test_bulk_confirm_pending_sends_the_same_email_as_the_site(staff_client):
    session = ListeningSessionFactory(requires_approval=True, capacity=2)
    a, b = (
        RegistrationFactory(session=session, status=R.PENDING, status_changed_at=timezone.now())
        for _ in range(2)
    )
    response = act(staff_client, "mark_confirmed", [a, b])
    assert response.status_code == 200
    assert status_of(a, b) == [R.CONFIRMED, R.CONFIRMED]
    assert "2 registrations are now “Confirmed”." in response.content.decode()
    assert run_pending_outbox_tasks() == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted([a.user.email, b.user.email])
    assert all(
        m.subject.startswith("[Listening] Your registration is confirmed") for m in mail.outbox
    )
    assert all(len(m.attachments) == 1 for m in mail.outbox)


def test_bulk_confirm_beyond_capacity_confirms_what_fits_and_reports_the_rest(staff_client):
    session = ListeningSessionFactory(capacity=1)
    now = timezone.now()
    a = RegistrationFactory(session=session, status=R.DECLINED, status_changed_at=now)
    b = RegistrationFactory(session=session, status=R.DECLINED, status_changed_at=now)
    response = act(staff_client, "mark_confirmed", [a, b])
    assert status_of(a, b) == [R.CONFIRMED, R.DECLINED]
    html = response.content.decode()
    assert "1 registration is now “Confirmed”." in html
    assert "The session is full" in html


def test_bulk_decline_and_cancel_promote_the_waitlist(staff_client):
    session = ListeningSessionFactory(capacity=2)
    now = timezone.now()
    a, b = RegistrationFactory.create_batch(2, session=session)
    w1 = RegistrationFactory(session=session, status=R.WAITLISTED, status_changed_at=now)
    w2 = RegistrationFactory(session=session, status=R.WAITLISTED, status_changed_at=now)
    act(staff_client, "mark_declined", [a])
    act(staff_client, "mark_cancelled", [b])
    assert status_of(a, b, w1, w2) == [R.DECLINED, R.CANCELLED, R.CONFIRMED, R.CONFIRMED]


def test_bulk_waitlist(staff_client):
    session = ListeningSessionFactory(capacity=1)
    a = RegistrationFactory(session=session)
    w = RegistrationFactory(session=session, status=R.WAITLISTED, status_changed_at=timezone.now())
    act(staff_client, "mark_waitlisted", [a])
    assert status_of(a, w) == [R.WAITLISTED, R.CONFIRMED]


def test_registration_status_is_not_editable_in_the_form(staff_client):
    registration = RegistrationFactory(status=R.WAITLISTED, status_changed_at=timezone.now())
    url = reverse("admin:sessions_app_registration_change", args=[registration.pk])
    response = staff_client.get(url)
    assert response.status_code == 200
    assert 'name="status"' not in response.content.decode()


def test_csv_export_is_utf8_with_bom_and_defuses_formulas(staff_client):
    profile = ProfileFactory(full_name="José Ñúñez")
    registration = RegistrationFactory(
        user=profile.user,
        organization='=HYPERLINK("http://evil")',
        role="+1 director",
        accessibility_needs="@SUM(A1)",
        session__title="Séance",
    )
    response = act(staff_client, "export_csv", [registration])
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert {"private", "no-store"} <= set(response["Cache-Control"].split(", "))
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["session", "status", "full name", "email"]
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["session"] == "Séance"
    assert row["full name"] == "José Ñúñez"
    assert row["organization"] == '\'=HYPERLINK("http://evil")'
    assert row["role in the organization"] == "'+1 director"
    assert row["accessibility or interpretation needs"] == "'@SUM(A1)"
    assert row["country"] == "Kenya"


def test_session_admin_shows_counts_by_status_without_n_plus_one(
    staff_client, django_assert_max_num_queries
):
    sessions = ListeningSessionFactory.create_batch(8)
    for session in sessions:
        RegistrationFactory.create_batch(2, session=session)
        RegistrationFactory(session=session, status=R.WAITLISTED, status_changed_at=timezone.now())
    url = reverse("admin:sessions_app_listeningsession_changelist")
    with django_assert_max_num_queries(12):
        response = staff_client.get(url)
    assert response.status_code == 200
    results = list(response.context["cl"].result_list)
    assert [(s.count_confirmed, s.count_waitlisted, s.count_pending) for s in results] == [
        (2, 1, 0)
    ] * 8
    change = staff_client.get(
        reverse("admin:sessions_app_listeningsession_change", args=[sessions[0].pk])
    )
    assert "Pending approval: 0, Confirmed: 2, Waitlisted: 1, Declined: 0, Cancelled: 0" in (
        change.content.decode()
    )


def test_registration_changelist_filters_and_search(staff_client):
    fr = RegistrationFactory(country="FR", organization="Alpha")
    RegistrationFactory(country="KE", organization="Beta")
    response = staff_client.get(CHANGELIST, {"country": "FR"})
    assert list(response.context["cl"].result_list) == [fr]
    response = staff_client.get(CHANGELIST, {"q": "alpha"})
    assert list(response.context["cl"].result_list) == [fr]
    filters = [spec.title for spec in response.context["cl"].filter_specs]
    assert [str(t) for t in filters] == [
        "session",
        "status",
        "attended",
        "stakeholder type",
        "region",
        "country",
        "preferred language",
    ]


def test_raising_capacity_in_the_admin_promotes_the_waitlist(staff_client):
    session = ListeningSessionFactory(capacity=1)
    RegistrationFactory(session=session)
    waiting = RegistrationFactory(
        session=session, status=R.WAITLISTED, status_changed_at=timezone.now()
    )
    model_admin = site._registry[ListeningSession]
    request = staff_client.get(reverse("home")).wsgi_request
    request._messages = FallbackStorage(request)
    # The form's series widget asks the request's user whether a series may be added.
    form_class = model_admin.get_form(request, session)
    session.capacity = 2
    form = form_class(instance=session, initial={"capacity": 1}, data=None)
    form.changed_data = ["capacity"]
    model_admin.save_model(request, session, form, change=True)
    waiting.refresh_from_db()
    assert waiting.status == R.CONFIRMED
    assert [str(m) for m in request._messages] == ["1 waitlisted registrant was given a seat."]


def test_registration_changelist_query_count_is_fixed(staff_client, django_assert_num_queries):
    RegistrationFactory(region=Region.objects.get(slug="africa"))
    with CaptureQueriesContext(connection) as one:
        staff_client.get(CHANGELIST)
    for _ in range(12):
        RegistrationFactory(region=Region.objects.get(slug="asia-pacific"))
    with django_assert_num_queries(len(one)):
        response = staff_client.get(CHANGELIST)
    assert len(response.context["cl"].result_list) == 13


def test_the_change_form_cannot_move_a_registration_to_another_session(staff_client):
    full = ListeningSessionFactory(capacity=1)
    RegistrationFactory(session=full, status="confirmed")
    moved = RegistrationFactory(status="confirmed")
    url = f"/en/admin/sessions_app/registration/{moved.pk}/change/"
    form = staff_client.get(url).content.decode()
    assert 'name="session"' not in form
    assert 'name="user"' not in form
    staff_client.post(url, {"session": full.pk, "organization": "Moved org", "role": "x"})
    moved.refresh_from_db()
    assert moved.session_id != full.pk
    assert full.registrations.filter(status="confirmed").count() == 1


def test_the_registration_page_shows_its_history_with_the_actor(staff_client):
    pending = RegistrationFactory(status=R.PENDING)
    act(staff_client, "mark_confirmed", [pending])
    change = Registration.objects.get(pk=pending.pk).status_changes.get()
    response = staff_client.get(
        reverse("admin:sessions_app_registration_change", args=[pending.pk])
    )
    page = response.content.decode()
    assert (response.status_code, change.from_status, change.to_status) == (
        200,
        "pending",
        "confirmed",
    )
    assert 'id="status_changes-group"' in page
    assert str(change.actor) in page
