"""Time zones named as people say them, and no second line of times that repeats UTC."""

from datetime import UTC, datetime

import pytest

from sessions_app.forms import ProfileForm
from sessions_app.timezones import same_as_utc, time_zone_choices, zone_name
from tests.factories import ListeningSessionFactory

pytestmark = pytest.mark.django_db

WINTER = datetime(2031, 1, 14, 13, 0, tzinfo=UTC)
SUMMER = datetime(2031, 7, 15, 13, 0, tzinfo=UTC)


def page(client, session, zone: str, language: str = "en") -> str:
    client.cookies["tz"] = zone
    return client.get(f"/{language}/sessions/{session.slug}/").content.decode()


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", '21:00–23:00 <span class="zone">Manila — Philippine Standard Time</span>'),
        ("fr", '21:00–23:00 <span class="zone">Manille — heure normale des Philippines</span>'),
        ("es", '21:00–23:00 <span class="zone">Manila — hora estándar de Filipinas</span>'),
    ],
)
def test_session_times_name_the_zone_in_the_page_language(client, language, expected):
    session = ListeningSessionFactory(starts_at=WINTER)
    assert expected in page(client, session, "Asia/Manila", language)


def test_a_zone_that_reads_as_utc_is_not_printed_twice(client):
    session = ListeningSessionFactory(starts_at=WINTER)
    html = page(client, session, "Africa/Abidjan")
    assert html.count('class="local-time"') == 0
    assert '13:00</time>–<time datetime="2031-01-14T15:00:00+00:00">15:00</time> UTC' in html


def test_summer_time_is_printed_with_its_name(client):
    winter = page(client, ListeningSessionFactory(starts_at=WINTER), "Europe/London")
    summer = page(client, ListeningSessionFactory(starts_at=SUMMER), "Europe/London")
    assert winter.count('class="local-time"') == 0
    assert '14:00–16:00 <span class="zone">London — British Summer Time</span>' in summer


def test_same_as_utc_follows_the_date():
    assert (same_as_utc("Europe/London", WINTER), same_as_utc("Europe/London", SUMMER)) == (
        True,
        False,
    )
    assert same_as_utc("Asia/Manila", WINTER) is False


def test_zone_names_fall_back_to_the_key():
    assert zone_name("UTC") == "UTC"
    assert zone_name("Asia/Manila", language="es") == "Manila — hora de Filipinas"


def test_profile_lists_canonical_zones_with_friendly_names_and_offsets():
    choices = dict(time_zone_choices("en"))
    assert choices["UTC"] == "UTC"
    assert choices["Asia/Manila"] == "Manila — Philippine Time (UTC+08:00)"
    assert "US/Eastern" not in choices
    assert "Etc/GMT+5" not in choices
    labels = list(choices.values())[1:]
    assert labels == sorted(labels, key=str.casefold)


def test_profile_keeps_a_zone_chosen_before_as_an_alias():
    form = ProfileForm(initial={"time_zone": "US/Eastern"})
    assert form.fields["time_zone"].choices[0] == ("US/Eastern", "New York — Eastern Time")
