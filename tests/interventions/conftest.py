import pytest
from django.contrib.auth.models import Permission

from interventions.models import Region, Theme
from tests.factories import (
    InterventionFactory,
    ListeningSessionFactory,
    RegistrationFactory,
    UserFactory,
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


@pytest.fixture
def author(session):
    """A stakeholder with a confirmed registration for `session`."""
    user = UserFactory(
        stakeholder=True, profile__full_name="Ana Ruiz", profile__organization="Red Migrante"
    )
    RegistrationFactory(user=user, session=session)
    return user


@pytest.fixture
def other_stakeholder(session):
    """Another stakeholder registered for `session`."""
    user = UserFactory(stakeholder=True)
    RegistrationFactory(user=user, session=session)
    return user


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
def intervention(session, author):
    return InterventionFactory(session=session, author=author)
