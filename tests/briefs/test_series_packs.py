"""Packs of a whole series or of chosen sessions: inputs grouped by theme across sessions,
each naming its session; identical requests reuse the pack; the pages that request them."""

import io
import subprocess
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone, translation

from briefs.models import BriefPack
from briefs.pipeline import generate_pack_pdf
from briefs.selectors import PackFilters, PackScope
from briefs.services import request_brief_pack, withdraw_session_packs
from briefs.tasks import task_build_brief_pack
from interventions.models import Theme
from sessions_app.models import Series
from tests.factories import BriefPackFactory, InterventionFactory, ListeningSessionFactory

pytestmark = pytest.mark.django_db


def pdftotext(pdf: bytes, tmp_path) -> str:
    """The PDF's text as poppler's pdftotext reads it, whitespace collapsed."""
    path = tmp_path / "pack.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True
    ).stdout.decode()
    return " ".join(out.split())


@pytest.fixture
def series(db):
    series = Series.objects.create(
        slug="covid-pathways", title="Listening sessions on COVID-19 and regular pathways"
    )
    now = timezone.now()
    for number, title in enumerate(["Session on labour", "Session on family", "Session on study"]):
        ListeningSessionFactory(
            series=series,
            slug=f"series-session-{number}",
            title=title,
            starts_at=now + timedelta(days=10 + number),
        )
    return series


def sessions_of(series):
    return list(series.sessions.order_by("starts_at"))


def approved_in(session, **kwargs):
    kwargs.setdefault("status", "approved")
    return InterventionFactory(session=session, **kwargs)


def test_series_pack_has_inputs_of_every_session_by_theme_naming_each_session(series, tmp_path):
    labour, family, study = sessions_of(series)
    theme = Theme.objects.get(slug="labour-pathways")
    approved_in(labour, primary_theme=theme, body="Sentinellabourinput seasonal permits.")
    approved_in(family, primary_theme=theme, body="Sentinelfamilyinput reunification delays.")
    approved_in(study, body="Sentinelstudyinput student visas.")

    with translation.override("en"):
        generated = generate_pack_pdf(
            scope=PackScope.build(sessions=[labour, family, study], series=series),
            filters=PackFilters.build(),
        )

    text = pdftotext(generated.pdf, tmp_path)
    assert generated.intervention_count == 3
    assert "Series: Listening sessions on COVID-19 and regular pathways" in text
    assert "Inputs from 3 listening sessions" in text
    # One theme section gathers the inputs of two sessions, each naming its session.
    labour_section = text.split("1. Labour migration pathways")[-1]
    assert "2 inputs under this primary theme" in labour_section
    assert "Session Session on labour" in labour_section.split("Sentinellabourinput")[0]
    between = labour_section.split("Sentinellabourinput")[1].split("Sentinelfamilyinput")[0]
    assert "Session Session on family" in between
    assert "Sentinelstudyinput" in text


def test_a_session_not_chosen_is_left_out(series, tmp_path):
    labour, family, study = sessions_of(series)
    approved_in(labour, body="Sentinelchosenone")
    approved_in(family, body="Sentinelnotchosen")
    approved_in(study, body="Sentinelchosentwo")

    with translation.override("en"):
        generated = generate_pack_pdf(
            scope=PackScope.build(sessions=[labour, study], series=series),
            filters=PackFilters.build(),
        )

    text = pdftotext(generated.pdf, tmp_path)
    assert generated.intervention_count == 2
    assert "Sentinelchosenone" in text
    assert "Sentinelchosentwo" in text
    assert "Sentinelnotchosen" not in text
    assert "Session on family" not in text


def test_series_pack_request_builds_then_reuses_the_identical_pack(series, wg3):
    labour, family, study = sessions_of(series)
    approved_in(labour)
    approved_in(family)

    first = request_brief_pack(series=series, user=wg3)
    pack = first.pack
    assert (pack.session, pack.series, first.reused) == (None, series, False)
    assert list(pack.sessions.order_by("starts_at")) == [labour, family, study]
    task_build_brief_pack(pack_id=pack.pk)
    pack.refresh_from_db()
    assert (pack.status, pack.intervention_count) == ("done", 2)

    again = request_brief_pack(sessions=[study, labour, family], series=series, user=wg3)
    assert (again.pack.pk, again.reused) == (pack.pk, True)

    subset = request_brief_pack(sessions=[labour, family], series=series, user=wg3)
    assert subset.pack.pk != pack.pk
    assert subset.reused is False
    assert BriefPack.objects.count() == 2


def test_a_new_approved_input_in_one_session_changes_the_series_pack(series, wg3):
    labour, family, _study = sessions_of(series)
    approved_in(labour)
    pack = request_brief_pack(series=series, user=wg3).pack
    task_build_brief_pack(pack_id=pack.pk)

    approved_in(family)
    again = request_brief_pack(series=series, user=wg3)

    assert again.reused is False
    assert again.pack.pk != pack.pk


def test_one_chosen_session_makes_a_single_session_pack(series, wg3):
    labour, _family, _study = sessions_of(series)
    approved_in(labour)
    pack = request_brief_pack(sessions=[labour], series=series, user=wg3).pack
    assert (pack.session, pack.series, list(pack.sessions.all())) == (labour, None, [])


def test_sessions_that_cannot_be_in_a_series_pack_are_refused(series, wg3):
    labour, _family, _study = sessions_of(series)
    elsewhere = ListeningSessionFactory(title="Stand-alone session")
    draft = ListeningSessionFactory(series=series, status="draft")

    with pytest.raises(ValidationError) as other:
        request_brief_pack(sessions=[labour, elsewhere], series=series, user=wg3)
    with pytest.raises(ValidationError) as drafted:
        request_brief_pack(sessions=[labour, draft], series=series, user=wg3)
    with pytest.raises(ValidationError) as empty:
        request_brief_pack(series=Series.objects.create(slug="empty", title="Empty"), user=wg3)

    assert other.value.messages == [
        "Choose sessions of the series “Listening sessions on COVID-19 and regular pathways” only."
    ]
    assert drafted.value.messages == ["A draft session cannot be in a pack."]
    assert empty.value.messages == ["This series has no public session yet."]
    assert BriefPack.objects.count() == 0


def test_sessions_ticked_together_without_a_series(wg3):
    one = ListeningSessionFactory(title="First stand-alone")
    two = ListeningSessionFactory(title="Second stand-alone")
    approved_in(one)
    approved_in(two)

    pack = request_brief_pack(sessions=[one, two], user=wg3).pack

    assert (pack.session, pack.series, pack.scope_title) == (None, None, "Several sessions")
    assert set(pack.sessions.all()) == {one, two}


# --- The pages ---------------------------------------------------------------------------------


def test_series_page_ticks_every_session_and_requests_a_series_pack(client, wg3, series):
    labour, family, study = sessions_of(series)
    client.force_login(wg3)
    url = reverse("briefs:series", kwargs={"slug": series.slug})

    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    for session in (labour, family, study):
        assert f'value="{session.slug}"' in html
    assert html.count(" checked>") == 3
    approved_in(study, kind="challenge")

    response = client.post(url, {"sessions": [labour.slug, study.slug], "kinds": ["challenge"]})

    pack = BriefPack.objects.get()
    assert response.status_code == 302
    assert response["Location"] == pack.get_absolute_url()
    assert (pack.series, pack.filters["kinds"]) == (series, ["challenge"])
    assert list(pack.sessions.order_by("starts_at")) == [labour, study]
    detail = client.get(pack.get_absolute_url()).content.decode()
    assert series.title in detail
    assert labour.title in detail and study.title in detail and family.title not in detail


def test_series_page_without_a_ticked_session_says_so(client, wg3, series):
    client.force_login(wg3)
    response = client.post(reverse("briefs:series", kwargs={"slug": series.slug}), {})
    assert response.status_code == 400
    assert "Choose at least one session." in response.content.decode()
    assert BriefPack.objects.count() == 0


def test_a_session_of_another_series_cannot_be_posted(client, wg3, series):
    stranger = ListeningSessionFactory()
    client.force_login(wg3)
    response = client.post(
        reverse("briefs:series", kwargs={"slug": series.slug}), {"sessions": [stranger.slug]}
    )
    assert response.status_code == 400
    assert BriefPack.objects.count() == 0


def test_several_sessions_page_requests_a_pack_of_ticked_sessions(client, wg3):
    one = ListeningSessionFactory(title="First stand-alone")
    two = ListeningSessionFactory(title="Second stand-alone")
    approved_in(two)
    client.force_login(wg3)

    response = client.post(reverse("briefs:several"), {"sessions": [one.slug, two.slug]})

    pack = BriefPack.objects.get()
    assert response["Location"] == pack.get_absolute_url()
    assert (pack.session, pack.series) == (None, None)
    listed = client.get(reverse("briefs:several")).content.decode()
    assert f'href="{pack.get_absolute_url()}"' in listed


def test_series_pages_need_the_working_group(client, stakeholder, series):
    url = reverse("briefs:series", kwargs={"slug": series.slug})
    assert client.get(url).status_code == 302
    client.force_login(stakeholder)
    assert client.get(url).status_code == 403
    assert client.get(reverse("briefs:several")).status_code == 403


def test_unknown_series_is_404(client, wg3):
    client.force_login(wg3)
    assert client.get(reverse("briefs:series", kwargs={"slug": "nope"})).status_code == 404


def test_pack_list_names_each_series(client, wg3, series):
    client.force_login(wg3)
    html = client.get(reverse("briefs:sessions")).content.decode()
    assert f'href="{reverse("briefs:series", kwargs={"slug": series.slug})}"' in html
    assert series.title in html


@pytest.mark.parametrize("count", [1, 12])
def test_series_page_query_count(client, wg3, series, count, django_assert_max_num_queries):
    sessions = sessions_of(series)
    for _ in range(count):
        pack = BriefPackFactory(session=None, series=series, requested_by=wg3)
        pack.sessions.set(sessions)
    client.force_login(wg3)
    with django_assert_max_num_queries(16):
        response = client.get(reverse("briefs:series", kwargs={"slug": series.slug}))
    assert response.status_code == 200
    assert response.content.decode().count('class="pack-sessions-list"') == count


@pytest.mark.parametrize("count", [1, 12])
def test_pack_list_query_count(client, wg3, count, django_assert_max_num_queries):
    for number in range(count):
        series = Series.objects.create(slug=f"series-{number}", title=f"Series {number}")
        ListeningSessionFactory(series=series)
    client.force_login(wg3)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("briefs:sessions"))
    assert response.status_code == 200
    assert response.content.decode().count('href="/en/packs/series/') == count


def test_the_command_builds_a_series_pack(series, tmp_path):
    labour, family, _study = sessions_of(series)
    approved_in(labour, body="Sentinelcommandlabour")
    approved_in(family, body="Sentinelcommandfamily")
    output = tmp_path / "series.pdf"
    stdout = io.StringIO()

    call_command(
        "build_brief_pack", "--series", series.slug, "--output", str(output), stdout=stdout
    )

    text = pdftotext(output.read_bytes(), tmp_path)
    assert "Sentinelcommandlabour" in text and "Sentinelcommandfamily" in text
    assert "2 interventions" in stdout.getvalue()
    with pytest.raises(CommandError, match="Unknown series: nope"):
        call_command("build_brief_pack", "--series", "nope", "--output", str(output))
    with pytest.raises(CommandError, match=r"Name a session, or a series with --series\."):
        call_command("build_brief_pack", "--output", str(output))


def test_withdrawing_a_sessions_packs_withdraws_the_series_packs_that_hold_it(series, wg3):
    labour, family, study = sessions_of(series)
    approved_in(labour)
    approved_in(family)
    combined = request_brief_pack(series=series, user=wg3).pack
    task_build_brief_pack(pack_id=combined.pk)
    other = request_brief_pack(sessions=[family, study], series=series, user=wg3).pack
    task_build_brief_pack(pack_id=other.pk)

    assert withdraw_session_packs(session_ids=[labour.pk]) == 1

    combined.refresh_from_db()
    other.refresh_from_db()
    assert (combined.status, combined.pdf.name, other.status) == ("queued", "", "done")


@pytest.mark.parametrize("count", [1, 12])
def test_several_sessions_page_query_count(client, wg3, count, django_assert_max_num_queries):
    sessions = [ListeningSessionFactory() for _ in range(3)]
    for _ in range(count):
        pack = BriefPackFactory(session=None, series=None, requested_by=wg3)
        pack.sessions.set(sessions)
    client.force_login(wg3)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("briefs:several"))
    assert response.content.decode().count('class="pack-sessions-list"') == count
