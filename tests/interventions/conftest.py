import pytest
from django.contrib.auth.models import Permission

from interventions.models import Region, Theme
from listening.roles import SECRETARIAT, WORKING_GROUP
from tests.factories import (
    InterventionFactory,
    ListeningSessionFactory,
    ProfileFactory,
    RegistrationFactory,
    UserFactory,
)

# A body and title a browser must never interpret.
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)> & "quotes" \'single\''
HOSTILE_ESCAPED = (
    "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"
)


@pytest.fixture
def session(db):
    return ListeningSessionFactory(word_limit=50)


@pytest.fixture
def region(db):
    return Region.objects.get(slug="africa")


@pytest.fixture
def theme(db):
    return Theme.objects.get(slug="regularization")


def make_stakeholder(session, **profile):
    """A stakeholder with a profile and a confirmed registration for `session`."""
    user = UserFactory()
    ProfileFactory(user=user, **profile)
    RegistrationFactory(user=user, session=session)
    return user


@pytest.fixture
def author(session):
    return make_stakeholder(session, full_name="Ana Ruiz", organization="Red Migrante")


@pytest.fixture
def other_stakeholder(session):
    return make_stakeholder(session)


@pytest.fixture
def staff_outside(db):
    """Staff who may open interventions in the admin but are not in the Secretariat."""
    user = UserFactory(is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="interventions",
            codename__in=["view_intervention", "change_intervention"],
        )
    )
    return user


@pytest.fixture
def secretariat(db):
    return UserFactory(is_staff=True, groups=[SECRETARIAT])


@pytest.fixture
def working_group(db):
    return UserFactory(groups=[WORKING_GROUP])


@pytest.fixture
def intervention(session, author):
    return InterventionFactory(session=session, author=author)


def form_data(theme, region, **overrides) -> dict:
    """A valid POST for the intervention form."""
    data = {
        "submission_token": "6f1c1d2e-8b1b-4c53-9a53-1f2b3c4d5e6f",
        "kind": "challenge",
        "title": "Regularization stalled",
        "body": "Offices closed for months and permits lapsed.",
        "language": "en",
        "primary_theme": str(theme.pk),
        "regions": [str(region.pk)],
        "countries": ["KE"],
        "credit": "named",
    }
    data.update(overrides)
    return data
