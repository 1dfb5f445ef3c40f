"""Consent to be emailed how one's inputs were used: asked in the profile, off by default."""

import pytest
from django.urls import reverse

from sessions_app.models import Profile
from tests.factories import ProfileFactory, UserFactory

pytestmark = pytest.mark.django_db

PROFILE = {
    "full_name": "Amina Diallo",
    "organization": "Migrants Forum",
    "stakeholder_type": "other",
    "country": "SN",
    "preferred_language": "fr",
    "time_zone": "Africa/Dakar",
}


def test_the_profile_asks_with_a_clear_label_and_it_is_off_by_default(client):
    user = UserFactory()
    client.force_login(user)
    html = client.get(reverse("sessions_app:profile")).content.decode()
    assert "Email me when the policy brief is published, to tell me how my inputs were used" in html
    client.post(reverse("sessions_app:profile"), PROFILE)
    assert Profile.objects.get(user=user).consent_to_contact is False


def test_ticking_it_records_consent_and_unticking_withdraws_it(client):
    profile = ProfileFactory()
    client.force_login(profile.user)
    client.post(reverse("sessions_app:profile"), {**PROFILE, "consent_to_contact": "on"})
    profile.refresh_from_db()
    assert profile.consent_to_contact is True
    assert 'id="id_consent_to_contact" checked>' in (
        client.get(reverse("sessions_app:profile")).content.decode()
    )
    client.post(reverse("sessions_app:profile"), PROFILE)
    profile.refresh_from_db()
    assert profile.consent_to_contact is False
