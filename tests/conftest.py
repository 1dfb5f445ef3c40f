import pytest
from django.utils import translation

from interventions.reference_data import seed_regions_and_themes
from listening.roles import ensure_roles, ensure_site


def ensure_reference_data() -> None:
    """Restore what migrations seed (roles, regions, themes, site): transactional tests
    flush the database after each test."""
    ensure_site()
    ensure_roles()
    seed_regions_and_themes()


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
