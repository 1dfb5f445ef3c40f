"""Quotes and the coding frame: saving a passage of an approved input, the quote bank, edits."""

import csv
import io

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from interventions import services, views
from interventions.enums import InterventionStatus as S
from interventions.enums import QuoteSource
from interventions.models import AnalysisCode, Quote, Theme
from interventions.reference_data import ANALYSIS_CODES
from tests.factories import InterventionFactory, ListeningSessionFactory, UserFactory
from tests.helpers import HOSTILE

pytestmark = pytest.mark.django_db

BANK_URL = "/en/interventions/quotes/"
SPANISH = (
    "Durante la pandemia, la regularización extraordinaria permitió a miles de personas "
    "trabajar con contrato.\n\nLas oficinas cerraron y los plazos se vencieron."
)
ENGLISH = (
    "During the pandemic, the extraordinary regularization let thousands of people work "
    "with a contract.\n\nOffices closed and deadlines lapsed."
)


def _approved(session, **kwargs):
    themes = kwargs.pop("themes", [])
    intervention = InterventionFactory(session=session, status=S.APPROVED, **kwargs)
    intervention.themes.set(themes)
    return intervention


def _code(slug):
    return AnalysisCode.objects.get(slug=slug)


@pytest.fixture
def spanish(session):
    return _approved(
        session, language="es", title="Regularización", body=SPANISH, english_text=ENGLISH
    )


def _quote(intervention, actor, *, text, source=QuoteSource.ORIGINAL, codes=("challenges",)):
    return services.save_quote(
        intervention=intervention,
        source=source,
        text=text,
        codes=[_code(slug) for slug in codes],
        note="",
        actor=actor,
    )


# The coding frame.


def test_coding_frame_is_seeded_with_the_announcements_kinds():
    assert list(AnalysisCode.objects.values_list("slug", flat=True)) == [
        slug for slug, *_names in ANALYSIS_CODES
    ]
    with translation.override("fr"):
        assert str(_code("promising-practices")) == "Pratiques prometteuses"
    with translation.override("es"):
        assert str(_code("recommendations")) == "Recomendaciones"


# Saving quotes.


def test_save_quote_keeps_passage_codes_and_author(spanish, wg3):
    quote = _quote(
        spanish,
        wg3,
        text="  la regularización extraordinaria permitió a miles de personas  ",
        codes=("new-avenues", "promising-practices"),
    )
    quote.refresh_from_db()
    assert quote.text == "la regularización extraordinaria permitió a miles de personas"
    assert quote.source == QuoteSource.ORIGINAL
    assert quote.created_by == wg3
    assert quote.start == SPANISH.index("la regularización")
    assert sorted(quote.codes.values_list("slug", flat=True)) == [
        "new-avenues",
        "promising-practices",
    ]
    assert quote.source_changed is False


def test_save_quote_from_translation_across_paragraphs(spanish, secretariat):
    # A browser selection across two paragraphs may come with one line break, or none.
    quote = _quote(
        spanish,
        secretariat,
        text="work with a contract.\nOffices closed",
        source=QuoteSource.TRANSLATION,
    )
    assert quote.source == QuoteSource.TRANSLATION
    assert quote.text_language == "en"
    assert quote.source_changed is False


@pytest.mark.parametrize(
    ("text", "source", "field"),
    [
        ("a passage that was never written", QuoteSource.ORIGINAL, "text"),
        # In the translation, not in the original chosen.
        ("Offices closed", QuoteSource.ORIGINAL, "text"),
        ("   ", QuoteSource.ORIGINAL, "text"),
        ("Offices closed", "title", "source"),
    ],
)
def test_save_quote_refuses_what_is_not_a_passage(spanish, wg3, text, source, field):
    with pytest.raises(ValidationError) as refused:
        _quote(spanish, wg3, text=text, source=source)
    assert list(refused.value.message_dict) == [field]
    assert Quote.objects.count() == 0


def test_english_input_has_no_translation_to_quote(session, wg3):
    english = _approved(session, body="Permits were extended.", english_text="Stale copy.")
    with pytest.raises(ValidationError) as refused:
        _quote(english, wg3, text="Stale copy.", source=QuoteSource.TRANSLATION)
    assert list(refused.value.message_dict) == ["source"]


@pytest.mark.parametrize("status", [S.SUBMITTED, S.REJECTED, S.WITHDRAWN, S.DRAFT])
def test_only_approved_inputs_are_quoted(session, wg3, status):
    intervention = InterventionFactory(session=session, status=status, body="Words here.")
    with pytest.raises(ValidationError) as refused:
        _quote(intervention, wg3, text="Words here.")
    assert refused.value.messages == ["Only approved inputs can be quoted."]
    assert Quote.objects.count() == 0


def test_save_quote_needs_an_active_code(spanish, wg3):
    with pytest.raises(ValidationError) as refused:
        _quote(spanish, wg3, text="Las oficinas cerraron", codes=())
    assert refused.value.message_dict == {"codes": ["Choose at least one code."]}
    AnalysisCode.objects.filter(slug="collaboration").update(is_active=False)
    with pytest.raises(ValidationError) as refused:
        _quote(spanish, wg3, text="Las oficinas cerraron", codes=("collaboration",))
    assert refused.value.message_dict == {
        "codes": ["These codes are no longer in use: Collaboration."]
    }
    assert Quote.objects.count() == 0


# Quotes survive edits of their input.


def test_quote_survives_edit_and_flags_changed_source(spanish, wg3, secretariat):
    kept = _quote(spanish, wg3, text="Las oficinas cerraron")
    changed = _quote(spanish, wg3, text="permitió a miles de personas trabajar")
    translated = _quote(spanish, wg3, text="Offices closed", source=QuoteSource.TRANSLATION)
    services.save_staff_edits(
        intervention=spanish,
        actor=secretariat,
        data={"english_text": "Offices shut down and deadlines lapsed."},
    )
    spanish.body = SPANISH.replace("permitió a miles", "permitió a cientos")
    spanish.save()
    by_pk = {q.pk: q for q in Quote.objects.select_related("intervention")}
    assert by_pk[kept.pk].text == "Las oficinas cerraron"
    assert by_pk[kept.pk].source_changed is False
    assert by_pk[changed.pk].text == "permitió a miles de personas trabajar"
    assert by_pk[changed.pk].source_changed is True
    assert by_pk[translated.pk].text == "Offices closed"
    assert by_pk[translated.pk].source_changed is True


def test_update_quote_changes_codes_and_note_only(spanish, wg3):
    quote = _quote(spanish, wg3, text="Offices closed", source=QuoteSource.TRANSLATION)
    AnalysisCode.objects.filter(slug="challenges").update(is_active=False)
    # A retired code the quote already has stays allowed.
    services.update_quote(
        quote=quote,
        codes=[_code("challenges"), _code("recommendations")],
        note="Cite in section 2.",
        actor=wg3,
    )
    quote.refresh_from_db()
    assert quote.note == "Cite in section 2."
    assert quote.text == "Offices closed"
    assert sorted(quote.codes.values_list("slug", flat=True)) == ["challenges", "recommendations"]
    with pytest.raises(ValidationError):
        services.update_quote(quote=quote, codes=[], note="lost", actor=wg3)
    quote.refresh_from_db()
    assert quote.note == "Cite in section 2."


# Pages.


def _detail_url(intervention):
    return reverse("interventions:approved_detail", kwargs={"pk": intervention.pk})


def _quote_url(intervention):
    return reverse("interventions:create_quote", kwargs={"pk": intervention.pk})


def test_detail_page_offers_the_quote_form_with_the_script(client, wg3, spanish):
    client.force_login(wg3)
    response = client.get(_detail_url(spanish))
    assert response.status_code == 200
    html = response.text
    assert "data-quote-form" in html
    assert 'data-quote-source="original"' in html
    assert 'data-quote-source="translation"' in html
    assert "js/quote-select" in html
    assert "<script>" not in html


def test_quote_form_saves_with_two_codes(client, wg3, spanish):
    client.force_login(wg3)
    codes = [_code("challenges").pk, _code("recommendations").pk]
    response = client.post(
        _quote_url(spanish),
        {"source": "translation", "text": "Offices closed", "codes": codes, "note": "Key"},
    )
    assert response.status_code == 302
    assert response["Location"] == _detail_url(spanish)
    quote = Quote.objects.get()
    assert (quote.intervention, quote.source, quote.text, quote.note) == (
        spanish,
        "translation",
        "Offices closed",
        "Key",
    )
    assert sorted(quote.codes.values_list("pk", flat=True)) == sorted(codes)
    page = client.get(_detail_url(spanish)).text
    assert "The quote was saved to the quote bank." in page
    assert "Offices closed" in page


def test_quote_form_refuses_a_passage_not_in_the_text(client, wg3, spanish):
    client.force_login(wg3)
    response = client.post(
        _quote_url(spanish),
        {"source": "original", "text": "Nothing like this", "codes": [_code("challenges").pk]},
    )
    assert response.status_code == 400
    assert "This passage is not part of the text you chose." in response.text
    assert Quote.objects.count() == 0


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"source": "original", "text": "Las oficinas cerraron", "codes": ["nope"]},
        {"source": "original", "text": "Las oficinas cerraron", "codes": [999999]},
        {"source": "elsewhere", "text": "Las oficinas cerraron", "codes": [1]},
        {"source": "original", "text": "x" * 6000, "codes": [1]},
    ],
)
def test_quote_form_bad_input_is_a_clear_400(client, wg3, spanish, data):
    client.force_login(wg3)
    response = client.post(_quote_url(spanish), data)
    assert response.status_code == 400
    assert 'class="errorlist' in response.text
    assert Quote.objects.count() == 0


def test_quoting_an_input_no_longer_approved_says_so(client, wg3, session):
    intervention = InterventionFactory(session=session, status=S.WITHDRAWN, body="Some words.")
    client.force_login(wg3)
    response = client.post(
        _quote_url(intervention),
        {"source": "original", "text": "Some words.", "codes": [_code("challenges").pk]},
        follow=True,
    )
    assert response.redirect_chain == [(reverse("interventions:approved"), 302)]
    assert "Only approved inputs can be quoted, and this input is not approved." in response.text
    assert Quote.objects.count() == 0


def test_input_withdrawn_while_quoting_is_refused_clearly(client, wg3, session, monkeypatch):
    intervention = InterventionFactory(session=session, status=S.WITHDRAWN, body="Some words.")
    # The page's check saw it approved; by the time the quote is saved, it is withdrawn.
    monkeypatch.setattr(views.selectors, "quote_blocker", lambda **kwargs: None)
    client.force_login(wg3)
    response = client.post(
        _quote_url(intervention),
        {"source": "original", "text": "Some words.", "codes": [_code("challenges").pk]},
        follow=True,
    )
    assert response.redirect_chain == [(reverse("interventions:approved"), 302)]
    assert "Only approved inputs can be quoted." in response.text
    assert Quote.objects.count() == 0


def test_quote_of_a_draft_session_is_not_found(client, wg3):
    hidden = _approved(ListeningSessionFactory(status="draft"), body="Hidden words.")
    client.force_login(wg3)
    response = client.post(
        _quote_url(hidden), {"source": "original", "text": "Hidden words.", "codes": [1]}
    )
    assert response.status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        BANK_URL,
        BANK_URL + "export.csv",
        "/en/interventions/codes/",
        "/en/interventions/codes/new/",
        "/en/packs/matrix/",
        "/en/packs/matrix/export.csv",
    ],
)
def test_quote_pages_are_for_wg3_and_secretariat_only(client, stakeholder, wg3, secretariat, url):
    assert client.get(url).status_code == 302  # to sign in
    client.force_login(stakeholder)
    assert client.get(url).status_code == 403
    for member in (wg3, secretariat):
        client.force_login(member)
        assert client.get(url).status_code == 200


def test_stakeholder_cannot_post_a_quote(client, stakeholder, spanish):
    client.force_login(stakeholder)
    response = client.post(
        _quote_url(spanish),
        {"source": "original", "text": "Las oficinas cerraron", "codes": [1]},
    )
    assert response.status_code == 403
    assert Quote.objects.count() == 0


def test_browser_without_quoting_sees_no_form(client, session, spanish):
    reader = UserFactory()
    reader.user_permissions.add(Permission.objects.get(codename="browse_approved_intervention"))
    client.force_login(reader)
    response = client.get(_detail_url(spanish))
    assert response.status_code == 200
    assert "data-quote-form" not in response.text


# The quote bank.


@pytest.fixture
def bank(session, wg3):
    regularization = Theme.objects.get(slug="regularization")
    labour = Theme.objects.get(slug="labour-pathways")
    other_session = ListeningSessionFactory(title="Second session")
    a = _approved(session, body="Alpha words about permits.", primary_theme=regularization)
    b = _approved(
        other_session, body="Beta words about visas.", primary_theme=labour, themes=[regularization]
    )
    qa = _quote(a, wg3, text="Alpha words", codes=("challenges",))
    qb = _quote(b, wg3, text="Beta words", codes=("recommendations", "collaboration"))
    return {"a": a, "b": b, "qa": qa, "qb": qb, "other_session": other_session}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["qb", "qa"]),
        ("?code=challenges", ["qa"]),
        ("?code=collaboration", ["qb"]),
        ("?theme=regularization", ["qb", "qa"]),
        ("?theme=labour-pathways", ["qb"]),
        ("?session={other}", ["qb"]),
        ("?code=challenges&theme=labour-pathways", []),
        # Invalid filters are dropped, never an error page.
        ("?code=nope&theme=%00&page=abc", ["qb", "qa"]),
    ],
)
def test_quote_bank_filters(client, wg3, bank, query, expected):
    client.force_login(wg3)
    response = client.get(BANK_URL + query.format(other=bank["other_session"].slug))
    assert response.status_code == 200
    assert list(response.context["page"].object_list) == [bank[key] for key in expected]


def test_quote_bank_flags_changed_source_and_escapes(client, wg3, session):
    intervention = _approved(session, body=f"Said: {HOSTILE} and more.")
    _quote(intervention, wg3, text=HOSTILE)
    intervention.body = "Rewritten entirely."
    intervention.save()
    client.force_login(wg3)
    html = client.get(BANK_URL).text
    assert "Source changed since quoted" in html
    assert "<script>alert" not in html
    assert "&lt;script&gt;" in html


@pytest.mark.parametrize("count", [1, 60])
def test_quote_bank_query_count(client, wg3, session, count, django_assert_max_num_queries):
    for n in range(count):
        intervention = _approved(session, body=f"Passage number {n} of the text.")
        _quote(intervention, wg3, text=f"Passage number {n}", codes=("challenges", "collaboration"))
    client.force_login(wg3)
    with django_assert_max_num_queries(16):
        response = client.get(BANK_URL)
    assert response.context["page"].paginator.count == count
    assert len(response.context["page"].object_list) == min(count, 25)


def test_quote_bank_csv(client, wg3, bank):
    formula = _approved(bank["a"].session, body="=HYPERLINK(evil) here")
    _quote(formula, wg3, text="=HYPERLINK(evil)")
    client.force_login(wg3)
    response = client.get(BANK_URL + "export.csv?code=challenges")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0][:6] == [
        "quote_id",
        "reference",
        "session",
        "intervention_title",
        "quoted_from",
        "passage",
    ]
    passages = [row[5] for row in rows[1:]]
    assert passages == ["'=HYPERLINK(evil)", "Alpha words"]
    alpha = rows[2]
    assert alpha[1] == bank["a"].reference
    assert alpha[6] == "challenges"
    assert alpha[8] == "no"


def test_edit_and_delete_from_the_bank(client, wg3, bank):
    client.force_login(wg3)
    quote = bank["qa"]
    edit_url = reverse("interventions:edit_quote", kwargs={"pk": quote.pk})
    assert client.get(edit_url).status_code == 200
    response = client.post(edit_url, {"codes": [], "note": "x"})
    assert response.status_code == 400
    assert "This field is required." in response.text
    response = client.post(edit_url, {"codes": [_code("recommendations").pk], "note": "Use it"})
    assert response.status_code == 302
    quote.refresh_from_db()
    assert quote.note == "Use it"
    assert list(quote.codes.values_list("slug", flat=True)) == ["recommendations"]
    delete_url = reverse("interventions:delete_quote", kwargs={"pk": quote.pk})
    assert client.get(delete_url).status_code == 200
    assert client.post(delete_url).status_code == 302
    assert not Quote.objects.filter(pk=quote.pk).exists()
    assert client.get(delete_url).status_code == 404
    assert client.get(reverse("interventions:edit_quote", kwargs={"pk": 999999})).status_code == 404


# The coding frame page.


def test_wg3_adds_and_edits_a_code(client, wg3):
    client.force_login(wg3)
    response = client.post(
        "/en/interventions/codes/new/",
        {
            "name_en": "Gender",
            "name_fr": "Genre",
            "name_es": "Género",
            "slug": "gender",
            "order": 10,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    code = AnalysisCode.objects.get(slug="gender")
    with translation.override("es"):
        assert code.name == "Género"
    response = client.post(
        f"/en/interventions/codes/{code.pk}/edit/",
        {"name_en": "Gender and age", "slug": "gender", "order": 10},
    )
    assert response.status_code == 302
    code.refresh_from_db()
    assert (code.name_en, code.is_active) == ("Gender and age", False)
    assert "Gender and age" in client.get("/en/interventions/codes/").text


@pytest.mark.parametrize(
    "data",
    [
        {"name_en": "", "slug": "x", "order": 1},
        {"name_en": "Dup", "slug": "challenges", "order": 1},
        {"name_en": "Bad", "slug": "not a slug", "order": 1},
        {"name_en": "Neg", "slug": "neg", "order": -1},
    ],
)
def test_code_form_bad_input(client, wg3, data):
    client.force_login(wg3)
    before = AnalysisCode.objects.count()
    response = client.post("/en/interventions/codes/new/", data)
    assert response.status_code == 400
    assert 'class="errorlist' in response.text
    assert AnalysisCode.objects.count() == before
    assert client.get("/en/interventions/codes/999999/edit/").status_code == 404
