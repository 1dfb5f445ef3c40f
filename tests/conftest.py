import pytest
from django.conf import settings
from django.utils import translation

from interventions.reference_data import seed_analysis_codes, seed_regions_and_themes
from listening.roles import ensure_roles, ensure_site
from sessions_app import livestate
from tests.factories import UserFactory


def pytest_configure(config):
    """The test settings name a folder for this run (SQLite's test database, private files);
    settings create nothing on import, so it is made here."""
    settings.TEST_TMP_DIR.mkdir(parents=True, exist_ok=True)


def ensure_reference_data() -> None:
    """Restore what migrations seed (roles, regions, themes, analysis codes, site):
    transactional tests flush the database after each test."""
    ensure_site()
    ensure_roles()
    seed_regions_and_themes()
    seed_analysis_codes()


@pytest.fixture(autouse=True)
def _reference_data_after_flush(request):
    if "transactional_db" in request.fixturenames:
        request.getfixturevalue("transactional_db")
        ensure_reference_data()


@pytest.fixture(autouse=True)
def _english_between_tests():
    """Each test starts in English, whatever the previous request activated."""
    translation.activate("en")
    yield
    translation.activate("en")


# The roles, each defined once: the factory's traits take their groups from `listening.roles`.


@pytest.fixture
def stakeholder(db):
    """A verified stakeholder with a profile (registered for nothing)."""
    return UserFactory(stakeholder=True)


@pytest.fixture
def secretariat(db):
    """Secretariat staff: the admin, moderation, the live desk."""
    return UserFactory(secretariat=True)


@pytest.fixture
def wg3(db):
    """A member of Working Group 3: approved inputs and input packs."""
    return UserFactory(wg3=True)


@pytest.fixture
def superuser(db):
    return UserFactory(superuser=True)


@pytest.fixture(autouse=True)
def _fresh_live_state():
    """Each test starts with no live state remembered from another test's sessions."""
    livestate.forget_polls()
    yield
    livestate.forget_polls()
