"""A pack's fingerprint comes from a digest of its inputs, read in a few queries, without
building any section: the request stays cheap however many inputs there are."""

import pytest
from django.utils import translation

from briefs import pipeline, sections, services
from briefs.pipeline import compose_pack_html
from briefs.selectors import PackFilters, pack_fingerprint
from interventions.enums import Credit
from interventions.models import Intervention, Region, Theme
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
