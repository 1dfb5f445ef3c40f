"""The series pack, published-brief and "What we heard" pages are valid HTML (Nu checker) in
English, French and Spanish."""

from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from briefs.services import record_policy_brief, request_brief_pack
from interventions.models import Intervention
from sessions_app.models import ListeningSession, Series
from tests.factories import ListeningSessionFactory
from tests.test_html_validity import nu_errors

LANGUAGES = ["en", "fr", "es"]


@pytest.mark.django_db
def test_new_pages_have_no_html_errors(client, tmp_path):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    main = ListeningSession.objects.get(slug="covid-19-regular-pathways")
    series = Series.objects.get(pk=main.series_id) if main.series_id else None
    if series is None:
        series = Series.objects.create(slug="demo-series", title="Demo series")
        main.series = series
    main.status = "held"
    main.save()
    other = ListeningSessionFactory(series=series, slug="second-session", status="held")
    Intervention.objects.filter(session=main, status="approved").update(consent_to_publish=True)
    wg3 = get_user_model().objects.get(email="wg3@example.org")
    pack = request_brief_pack(sessions=[main, other], series=series, user=wg3).pack
    brief = record_policy_brief(
        series=series,
        user=wg3,
        title="The Impact of COVID 19",
        published_on=date(2031, 5, 20),
        url="https://example.org/brief",
        references=Intervention.objects.filter(session=main, status="approved")
        .values_list("reference", flat=True)
        .first(),
    )
    public = [f"/sessions/{main.slug}/heard/", f"/sessions/{main.slug}/"]
    private = [
        "/packs/",
        f"/packs/series/{series.slug}/",
        "/packs/several/",
        f"/packs/{pack.pk}/",
        f"/packs/briefs/series/{series.slug}/",
        f"/packs/briefs/{brief.pk}/",
    ]
    for language in LANGUAGES:
        client.logout()
        pages = [(path, client.get(f"/{language}{path}")) for path in public]
        client.force_login(wg3)
        pages += [(path, client.get(f"/{language}{path}")) for path in private]
        for path, response in pages:
            assert response.status_code == 200, (language, path)
            name = f"{language}{path}".strip("/").replace("/", "_") + ".html"
            (tmp_path / name).write_bytes(response.content)
    assert len(list(tmp_path.iterdir())) == 3 * 8
    assert nu_errors(tmp_path) == {}
