"""Pages make a fixed number of queries, however many sessions, items and registrations."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from sessions_app.enums import AgendaItemKind
from sessions_app.enums import RegistrationStatus as R
from tests.factories import (
    AgendaItemFactory,
    InterventionFactory,
    ListeningSessionFactory,
    ProfileFactory,
    RegistrationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def count_queries(client, url) -> int:
    # A first visit sets the language cookie from the profile; measure a visit after it.
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def add_session_content(session, *, items: int, speakers: int) -> None:
    RegistrationFactory.create_batch(items, session=session)
    for order in range(items):
        item = AgendaItemFactory(session=session, order=order, kind=AgendaItemKind.OPEN_FLOOR)
        for position in range(speakers):
            InterventionFactory(
                session=session,
                status="approved",
                deliver_orally=True,
                agenda_item=item,
                speaking_order=position,
            )


@pytest.mark.parametrize("signed_in", [False, True])
def test_session_list_query_count_is_fixed(client, django_assert_num_queries, signed_in):
    if signed_in:
        client.force_login(ProfileFactory(time_zone="Europe/Paris").user)
    url = reverse("sessions_app:list")
    ListeningSessionFactory()
    one = count_queries(client, url)
    for _ in range(15):
        RegistrationFactory(session=ListeningSessionFactory())
    with django_assert_num_queries(one):
        response = client.get(url)
    assert len(response.context["sessions"]) == 16


@pytest.mark.parametrize("signed_in", [False, True])
def test_session_page_query_count_is_fixed(client, django_assert_num_queries, signed_in):
    if signed_in:
        client.force_login(UserFactory(stakeholder=True))
    small = ListeningSessionFactory()
    add_session_content(small, items=1, speakers=1)
    one = count_queries(client, small.get_absolute_url())
    large = ListeningSessionFactory(capacity=50)
    add_session_content(large, items=12, speakers=4)
    with django_assert_num_queries(one):
        response = client.get(large.get_absolute_url())
    assert [len(item.oral_interventions) for item in response.context["session"].agenda] == (
        [4] * 12
    )
    assert response.context["seats_left"] == 38


def test_my_sessions_query_count_is_fixed(client, django_assert_num_queries):
    profile = ProfileFactory(time_zone="Asia/Manila")
    client.force_login(profile.user)
    url = reverse("sessions_app:my_sessions")
    RegistrationFactory(user=profile.user)
    one = count_queries(client, url)
    for status in [R.CONFIRMED, R.WAITLISTED, R.PENDING, R.CANCELLED, R.DECLINED] * 3:
        RegistrationFactory(user=profile.user, status=status, status_changed_at=timezone.now())
    with django_assert_num_queries(one):
        response = client.get(url)
    assert len(response.context["registrations"]) == 16
