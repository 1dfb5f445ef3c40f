"""Every changelist of the admin reads a page in as many queries with many rows as with one,
and the lists of 20,000 rows show nothing computed per row from a whole table (such as the
name of a country from the list of every country)."""

import itertools
from datetime import date

import pytest
from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth.models import Group
from django.contrib.sites.models import Site
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from briefs.models import PolicyBrief
from core.admin_lists import LeanChangeList
from core.models import OutboxMessage
from interventions.models import AnalysisCode, Quote, Region, Theme
from sessions_app.models import Registration, Series
from tests.factories import (
    BriefPackFactory,
    FloorRequestFactory,
    InterventionFactory,
    ListeningSessionFactory,
    RegistrationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

MANY = 25
numbers = itertools.count(1)


def _session_with_registrations():
    session = ListeningSessionFactory()
    RegistrationFactory(session=session, status="confirmed")
    RegistrationFactory(session=session, status="waitlisted", status_changed_at=session.starts_at)


def _quote():
    intervention = InterventionFactory(status="approved")
    quote = Quote.objects.create(
        intervention=intervention, text=intervention.body[:10], created_by=intervention.author
    )
    quote.codes.set([AnalysisCode.objects.order_by("pk").first()])


def _intervention():
    intervention = InterventionFactory(
        status="submitted", language="fr", english_text="Translated", countries=["FR", "SN"]
    )
    intervention.themes.set([Theme.objects.get(slug="labour-pathways")])


# One row of each model the admin lists (users and email addresses come with each row).
MAKERS = {
    "auth.Group": lambda: Group.objects.create(name=f"Group {next(numbers)}"),
    "auth.User": lambda: UserFactory(stakeholder=True),
    # Explicit ids: the migrations made site 1 with its id, behind PostgreSQL's sequence.
    "sites.Site": lambda: Site.objects.create(
        pk=1000 + next(numbers), domain=f"site{next(numbers)}.example.org"
    ),
    "account.EmailAddress": lambda: UserFactory(),
    "core.OutboxMessage": lambda: OutboxMessage.objects.create(task_name="tasks.task_send"),
    "sessions_app.ListeningSession": _session_with_registrations,
    "sessions_app.Series": lambda: Series.objects.create(
        slug=f"series-{next(numbers)}", title=f"Series {next(numbers)}"
    ),
    "sessions_app.Registration": lambda: RegistrationFactory(
        country="FR", region=Region.objects.get(slug="africa")
    ),
    "sessions_app.Profile": lambda: UserFactory(stakeholder=True, profile__country="SN"),
    "sessions_app.FloorRequest": lambda: FloorRequestFactory(),
    "interventions.Region": lambda: Region.objects.create(
        slug=f"region-{next(numbers)}", name=f"Region {next(numbers)}"
    ),
    "interventions.Theme": lambda: Theme.objects.create(
        slug=f"theme-{next(numbers)}", name=f"Theme {next(numbers)}"
    ),
    "interventions.Intervention": _intervention,
    "briefs.BriefPack": lambda: BriefPackFactory(filters={"themes": ["regularization"]}),
    "briefs.PolicyBrief": lambda: PolicyBrief.objects.create(
        session=ListeningSessionFactory(), title="Brief", published_on=date(2031, 5, 20)
    ),
    "interventions.AnalysisCode": lambda: AnalysisCode.objects.create(
        slug=f"code-{next(numbers)}", name=f"Code {next(numbers)}"
    ),
    "interventions.Quote": _quote,
}


def test_every_changelist_has_a_maker():
    assert sorted(MAKERS) == sorted(model._meta.label for model in admin.site._registry)


@pytest.mark.parametrize("label", sorted(MAKERS))
def test_changelist_query_count_is_the_same_for_one_and_many_rows(
    client, superuser, label, django_assert_num_queries
):
    model = next(m for m in admin.site._registry if m._meta.label == label)
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    MAKERS[label]()
    client.force_login(superuser)
    client.get(url)  # the first request fills caches (content types, sites)
    with CaptureQueriesContext(connection) as one:
        first = client.get(url)
    for _ in range(MANY):
        MAKERS[label]()
    with django_assert_num_queries(len(one)):
        response = client.get(url)
    assert (first.status_code, response.status_code) == (200, 200)
    shown, before = response.context["cl"].result_count, first.context["cl"].result_count
    assert shown - before >= MANY


def test_registrations_list_shows_country_names(client, superuser):
    RegistrationFactory(country="SN")
    client.force_login(superuser)
    response = client.get(reverse("admin:sessions_app_registration_changelist"))
    assert '<td class="field-country_name">Senegal</td>' in response.text


@pytest.mark.parametrize("language", ["en", "fr"])
def test_lean_rows_write_what_django_writes(language):
    registration = RegistrationFactory()
    registration_admin = admin.site._registry[Registration]
    with translation.override(language):
        assert registration_admin.action_checkbox(registration) == admin.ModelAdmin.action_checkbox(
            registration_admin, registration
        )
    request = RequestFactory().get("/")
    request.user = UserFactory(superuser=True)
    changelist = registration_admin.get_changelist_instance(request)
    assert isinstance(changelist, LeanChangeList)
    assert changelist.url_for_result(registration) == ChangeList.url_for_result(
        changelist, registration
    )


@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_registration_choices_read_as_the_fields_display_them(language):
    registration = RegistrationFactory(
        status="waitlisted", stakeholder_type="academia", preferred_language="es"
    )
    blank = RegistrationFactory(stakeholder_type="")
    columns = admin.site._registry[Registration]
    with translation.override(language):
        assert [
            columns.status_label(registration),
            columns.stakeholder_type_label(registration),
            columns.preferred_language_label(registration),
            columns.stakeholder_type_label(blank),
        ] == [
            registration.get_status_display(),
            registration.get_stakeholder_type_display(),
            registration.get_preferred_language_display(),
            None,
        ]
