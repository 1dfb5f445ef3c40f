"""Arbitrary text through every form a stakeholder can reach: never a 500, and what is stored
is exactly what was typed (less the surrounding whitespace every form trims)."""

import string

from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from interventions.models import Intervention, Region, Theme
from sessions_app.models import Profile, Registration
from tests.factories import (
    InterventionFactory,
    ListeningSessionFactory,
    RegistrationFactory,
    UserFactory,
)

MARKUP = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "\"'><b>",
    "{{ x }}",
    "{% x %}",
]
SPECIAL = [
    "\u202e",
    "\u200f",
    "\u200b",
    "\ufeff",
    "😀",
    "👩🏽‍⚕️",
    "\x00",
    "\x07",
    "\x1b",
    "\r\n",
    "\t",
]
hostile_text = st.one_of(
    st.text(max_size=300),
    st.lists(
        st.one_of(st.sampled_from(MARKUP + SPECIAL), st.text(string.printable, max_size=20)),
        max_size=12,
    ).map("".join),
    st.integers(min_value=1, max_value=100_000).map(lambda n: ("x" * 99 + " ") * (n // 100 + 1)),
)
EXAMPLES = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def intervention_form(title: str, body: str) -> dict:
    """The intervention form with `title` and `body`, saved as a draft."""
    return {
        "kind": "challenge",
        "title": title,
        "body": body,
        "language": "en",
        "primary_theme": Theme.objects.get(slug="regularization").pk,
        "regions": [Region.objects.get(slug="africa").pk],
        "credit": "named",
        "save": "1",
    }


def accepted_as_typed(value: str) -> str:
    return value.strip()


class HostileInputTests(TestCase):
    def sign_in(self, **role):
        """A fresh signed-in user for each example (each runs in its own transaction); `role`
        is a trait of UserFactory, such as `stakeholder=True`."""
        self.user = UserFactory(**role)
        self.client.force_login(self.user)

    def assert_clean_response(self, response):
        self.assertIn(response.status_code, (200, 302))
        if response.status_code == 200:
            self.assertIn("errorlist", response.content.decode())

    @EXAMPLES
    @given(full_name=hostile_text, organization=hostile_text)
    def test_profile(self, full_name, organization):
        self.sign_in()
        response = self.client.post(
            "/en/sessions/me/profile/",
            {
                "full_name": full_name,
                "organization": organization,
                "stakeholder_type": "civil_society",
                "country": "KE",
                "region": Region.objects.get(slug="africa").pk,
                "preferred_language": "en",
                "time_zone": "Africa/Nairobi",
            },
        )
        self.assert_clean_response(response)
        profile = Profile.objects.filter(user=self.user).first()
        if response.status_code == 302:
            self.assertEqual(profile.full_name, accepted_as_typed(full_name))
            self.assertEqual(profile.organization, accepted_as_typed(organization))
        else:
            self.assertIsNone(profile)

    @EXAMPLES
    @given(role=hostile_text, needs=hostile_text)
    def test_registration(self, role, needs):
        self.sign_in(stakeholder=True)
        session = ListeningSessionFactory()
        response = self.client.post(
            f"/en/sessions/{session.slug}/register/",
            {"role": role, "accessibility_needs": needs, "privacy_consent": "on"},
        )
        self.assert_clean_response(response)
        registration = Registration.objects.filter(user=self.user, session=session).first()
        if response.status_code == 302:
            self.assertEqual(registration.role, accepted_as_typed(role))
            self.assertEqual(registration.accessibility_needs, accepted_as_typed(needs))
        else:
            self.assertIsNone(registration)

    @EXAMPLES
    @given(title=hostile_text, body=hostile_text)
    def test_intervention(self, title, body):
        self.sign_in(stakeholder=True)
        session = ListeningSessionFactory(word_limit=5000)
        RegistrationFactory(session=session, user=self.user)
        response = self.client.post(
            f"/en/interventions/new/{session.slug}/",
            intervention_form(title, body),
        )
        self.assert_clean_response(response)
        stored = Intervention.objects.filter(author=self.user).first()
        if response.status_code == 302:
            self.assertEqual(stored.title, accepted_as_typed(title))
            self.assertEqual(stored.body, accepted_as_typed(body))
            page = self.client.get(stored.get_absolute_url())
            self.assertEqual(page.status_code, 200)
            self.assertNotIn("<script>alert(1)</script>", page.content.decode())
        else:
            self.assertIsNone(stored)

    @EXAMPLES
    @given(email=hostile_text, password=hostile_text)
    @override_settings(ACCOUNT_RATE_LIMITS=False)
    def test_sign_in_and_sign_up(self, email, password):
        for url, data in (
            ("/en/accounts/login/", {"login": email, "password": password}),
            (
                "/en/accounts/signup/",
                {"email": email, "password1": password, "password2": password},
            ),
            ("/en/accounts/password/reset/", {"email": email}),
        ):
            response = self.client.post(url, data)
            self.assertIn(response.status_code, (200, 302), url)

    @EXAMPLES
    @given(value=hostile_text)
    def test_filters_and_language_switch(self, value):
        self.sign_in(wg3=True)
        for params in ({"region": value}, {"theme": value, "kind": value}, {"page": value}):
            response = self.client.get("/en/interventions/approved/", params)
            self.assertEqual(response.status_code, 200)
        response = self.client.post("/i18n/setlang/", {"language": value, "next": value})
        self.assertEqual(response.status_code, 302)

    @EXAMPLES
    @given(title=hostile_text, body=hostile_text)
    def test_intervention_edit(self, title, body):
        self.sign_in(stakeholder=True)
        session = ListeningSessionFactory(word_limit=5000)
        RegistrationFactory(session=session, user=self.user)
        intervention = InterventionFactory(session=session, author=self.user, title="Before")
        response = self.client.post(
            f"/en/interventions/{intervention.pk}/edit/",
            intervention_form(title, body),
        )
        self.assert_clean_response(response)
        intervention.refresh_from_db()
        if response.status_code == 302:
            self.assertEqual(intervention.title, accepted_as_typed(title))
            self.assertEqual(intervention.body, accepted_as_typed(body))
        else:
            self.assertEqual(intervention.title, "Before")

    @EXAMPLES
    @given(password=hostile_text)
    def test_delete_account(self, password):
        self.sign_in()
        response = self.client.post(
            "/en/privacy/delete-account/", {"password": password, "confirm": "on"}
        )
        # No generated text is the factory's password: the account always stays.
        self.assertEqual(response.status_code, 200)
        self.assertIn('class="errorlist"', response.content.decode())
        self.user.refresh_from_db()
