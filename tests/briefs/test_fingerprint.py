"""A pack's fingerprint comes from a digest of its inputs, read in a few queries, without
building any section: the request stays cheap however many inputs there are."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from briefs import pipeline, sections, services
from briefs.pipeline import compose_pack_html
from briefs.selectors import PackFilters, pack_fingerprint
from interventions.enums import Credit
from interventions.models import Intervention, Region, Theme
from sessions_app.models import ListeningSession
from tests.factories import InterventionFactory, RegistrationFactory

pytestmark = pytest.mark.django_db


def fingerprint(session, **filters):
    return pack_fingerprint(session=session, filters=PackFilters.build(**filters))


def test_fingerprint_is_stable_and_counts_the_inputs(pack_session, approved):
    approved()
    approved()
    InterventionFactory(session=pack_session, status="submitted")
    first = fingerprint(pack_session)
    with translation.override("es"):
        again = fingerprint(pack_session)
    assert (again, first.intervention_count) == (first, 2)


@pytest.mark.parametrize(
    "change",
    [
        "new approval",
        "edited text",
        "new tag",
        "anonymised in bulk",
        "organization listed",
        "theme renamed",
        "attendance recorded",
        "registration of a held session",
    ],
)
def test_fingerprint_changes_with_what_the_pack_shows(pack_session, approved, change):
    intervention = approved(credit=Credit.NAMED, credit_name="Ana")
    before = fingerprint(pack_session).content_hash
    if change == "new approval":
        approved()
    elif change == "edited text":
        intervention.english_translation = "A new translation"
        intervention.save()
    elif change == "new tag":
        intervention.regions.add(Region.objects.order_by("pk").last())
    elif change == "anonymised in bulk":
        Intervention.objects.filter(pk=intervention.pk).update(
            credit=Credit.ANONYMOUS, credit_name=""
        )
    elif change == "organization listed":
        RegistrationFactory(
            session=pack_session,
            status="confirmed",
            consent_to_be_listed=True,
            organization="Listed org",
        )
    elif change == "theme renamed":
        Theme.objects.filter(pk=intervention.primary_theme_id).update(name_en="Renamed")
    elif change == "attendance recorded":
        RegistrationFactory(session=pack_session, status="confirmed", attended_at=timezone.now())
    elif change == "registration of a held session":
        ListeningSession.objects.filter(pk=pack_session.pk).update(status="held")
        pack_session.refresh_from_db()
        before = fingerprint(pack_session).content_hash
        RegistrationFactory(session=pack_session, status="confirmed")
    assert fingerprint(pack_session).content_hash != before


def test_fingerprint_follows_the_filters(pack_session, approved):
    theme = approved().primary_theme
    assert (
        fingerprint(pack_session).content_hash
        != fingerprint(pack_session, themes=[theme.slug]).content_hash
    )


def test_the_build_stores_the_fingerprint_the_request_computed(pack_session, approved):
    approved()
    from_request = fingerprint(pack_session).content_hash
    with translation.override("en"):
        composed = compose_pack_html(
            session=pack_session, filters=PackFilters(), now=pack_session.starts_at
        )
    assert composed.content_hash == from_request


def test_requesting_a_pack_builds_no_section(
    pack_session, approved, wg3, monkeypatch, django_assert_max_num_queries
):
    for _ in range(5):
        approved()

    def refuse(**kwargs):
        raise AssertionError("a pack request must not build sections")

    for module in (sections, pipeline, services):
        monkeypatch.setattr(module, "build_sections", refuse, raising=False)
    # Sixteen, two for the held session's figures (registrations, floor requests) and one for
    # the coded quotes of the evidence matrix.
    with django_assert_max_num_queries(19):
        outcome = services.request_brief_pack(session=pack_session, user=wg3)
    assert (outcome.pack.intervention_count, outcome.pack.status) == (5, "queued")


def test_a_new_registration_of_a_session_not_held_keeps_the_fingerprint(pack_session, approved):
    approved()
    before = fingerprint(pack_session).content_hash
    RegistrationFactory(session=pack_session, status="pending")
    assert fingerprint(pack_session).content_hash == before


def test_requesting_a_pack_makes_as_many_queries_for_one_input_as_for_many(
    pack_session, approved, wg3, django_assert_num_queries
):
    approved()
    with CaptureQueriesContext(connection) as one:
        services.request_brief_pack(session=pack_session, user=wg3)
    for _ in range(30):
        approved()
    for _ in range(30):
        RegistrationFactory(session=pack_session, status="confirmed", consent_to_be_listed=True)
    with django_assert_num_queries(len(one)):
        outcome = services.request_brief_pack(session=pack_session, user=wg3)
    assert (outcome.reused, outcome.pack.intervention_count) == (False, 31)


def test_an_identical_request_reuses_the_pack_being_built(pack_session, approved, wg3):
    approved()
    first = services.request_brief_pack(session=pack_session, user=wg3)
    again = services.request_brief_pack(session=pack_session, user=wg3)
    assert (again.pack.pk, again.in_progress) == (first.pack.pk, True)
