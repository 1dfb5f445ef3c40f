"""Consent to publication on the public "What we heard" page: asked in the submission form
(off by default), answered by the speaker of an oral record at review, changeable later."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from interventions.models import Intervention
from interventions.services import set_publication_consent
from tests.factories import InterventionFactory, UserFactory
from tests.helpers import intervention_form_data

pytestmark = pytest.mark.django_db


def create(client, session, theme, region, **overrides):
    return client.post(
        reverse("interventions:create", kwargs={"session_slug": session.slug}),
        intervention_form_data(theme, region, save="1", **overrides),
    )


def test_the_form_asks_with_a_clear_label_and_it_is_off_by_default(
    client, session, author, theme, region
):
    client.force_login(author)
    html = client.get(reverse("interventions:create", kwargs={"session_slug": session.slug}))
    assert "Once approved, it may be published on the session’s public “What we heard” page" in (
        html.content.decode()
    )
    assert 'name="consent_to_publish"' in html.content.decode()

    create(client, session, theme, region)

    assert Intervention.objects.get().consent_to_publish is False


def test_ticking_it_records_consent(client, session, author, theme, region):
    client.force_login(author)
    create(client, session, theme, region, consent_to_publish="on")
    assert Intervention.objects.get().consent_to_publish is True


def test_an_oral_record_stays_unpublished_until_its_speaker_agrees(client, session, author):
    oral = InterventionFactory(session=session, author=author, channel="oral", status="approved")
    assert oral.consent_to_publish is False
    client.force_login(author)
    page = client.get(oral.get_absolute_url()).content.decode()
    assert "It stays unpublished unless you agree here." in page

    url = reverse("interventions:publication_consent", kwargs={"pk": oral.pk})
    response = client.post(url, {"consent_to_publish": "on"})

    assert response.status_code == 302
    oral.refresh_from_db()
    assert (oral.consent_to_publish, oral.status) == (True, "approved")
    client.post(url, {})
    oral.refresh_from_db()
    assert oral.consent_to_publish is False


def test_only_the_author_answers(client, session, author):
    oral = InterventionFactory(session=session, author=author, channel="oral")
    stranger = UserFactory(stakeholder=True)
    client.force_login(stranger)
    url = reverse("interventions:publication_consent", kwargs={"pk": oral.pk})
    assert client.post(url, {"consent_to_publish": "on"}).status_code == 404
    assert client.get(url).status_code == 405
    oral.refresh_from_db()
    assert oral.consent_to_publish is False
    with pytest.raises(PermissionDenied):
        set_publication_consent(intervention=oral, actor=stranger, consent=True)
