from datetime import timedelta

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from interventions.enums import InterventionStatus as S
from interventions.models import Intervention, Theme
from tests.factories import (
    InterventionFactory,
    ListeningSessionFactory,
    RegistrationFactory,
    UserFactory,
)
from tests.helpers import HOSTILE, HOSTILE_ESCAPED, intervention_form_data

pytestmark = pytest.mark.django_db


def _create_url(session):
    return reverse("interventions:create", kwargs={"session_slug": session.slug})


def test_form_shows_word_limit_active_themes_and_a_token(client, session, author):
    Theme.objects.filter(slug="study-pathways").update(is_active=False)
    client.force_login(author)
    response = client.get(_create_url(session))
    assert response.status_code == 200
    form = response.context["form"]
    assert "study-pathways" not in [t.slug for t in form.fields["primary_theme"].queryset]
    assert "study-pathways" not in [t.slug for t in form.fields["themes"].queryset]
    assert 'data-word-limit="50"' in response.text
    assert f'maxlength="{settings.INTERVENTION_MAX_CHARS}"' in response.text
    assert 'name="submission_token"' in response.text
    assert "js/word-count.js" in response.text


def test_save_as_draft_then_submit(client, session, author, theme, region):
    client.force_login(author)
    response = client.post(_create_url(session), intervention_form_data(theme, region, save="1"))
    intervention = Intervention.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("interventions:detail", kwargs={"pk": intervention.pk})
    assert (intervention.status, intervention.author) == (S.DRAFT, author)

    response = client.post(
        reverse("interventions:edit", kwargs={"pk": intervention.pk}),
        intervention_form_data(theme, region, title="Final title", submit="1"),
    )
    assert response.status_code == 302
    intervention.refresh_from_db()
    assert (intervention.title, intervention.status) == ("Final title", S.SUBMITTED)


def test_double_click_creates_one_intervention(client, session, author, theme, region):
    client.force_login(author)
    first = client.post(_create_url(session), intervention_form_data(theme, region, submit="1"))
    second = client.post(_create_url(session), intervention_form_data(theme, region, submit="1"))
    intervention = Intervention.objects.get()
    expected = reverse("interventions:detail", kwargs={"pk": intervention.pk})
    assert (first["Location"], second["Location"]) == (expected, expected)
    assert intervention.status == S.SUBMITTED
    assert intervention.history.count() == 2


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"body": "word " * 51}, "body"),
        ({"title": "t" * 201}, "title"),
        ({"primary_theme": "999999"}, "primary_theme"),
        ({"themes": ["999999"]}, "themes"),
        ({"regions": ["999999"]}, "regions"),
        ({"regions": []}, "regions"),
        ({"kind": "speech"}, "kind"),
        ({"language": "de"}, "language"),
        ({"credit": "everyone"}, "credit"),
        ({"countries": ["XX"]}, "countries"),
    ],
)
def test_bad_input_is_a_form_error_and_creates_nothing(
    client, session, author, theme, region, overrides, field
):
    client.force_login(author)
    response = client.post(_create_url(session), intervention_form_data(theme, region, **overrides))
    assert response.status_code == 200
    assert list(response.context["form"].errors) == [field]
    assert Intervention.objects.count() == 0


def test_inactive_theme_is_refused(client, session, author, region):
    inactive = Theme.objects.get(slug="study-pathways")
    inactive.is_active = False
    inactive.save()
    client.force_login(author)
    response = client.post(_create_url(session), intervention_form_data(inactive, region))
    assert list(response.context["form"].errors) == ["primary_theme"]
    assert Intervention.objects.count() == 0


@override_settings(INTERVENTION_MAX_CHARS=100)
def test_body_over_the_character_cap_is_refused(client, session, author, theme, region):
    client.force_login(author)
    response = client.post(
        _create_url(session), intervention_form_data(theme, region, body="x" * 101)
    )
    assert list(response.context["form"].errors) == ["body"]
    assert Intervention.objects.count() == 0


def test_over_limit_edit_changes_nothing(client, intervention, theme, region):
    client.force_login(intervention.author)
    response = client.post(
        reverse("interventions:edit", kwargs={"pk": intervention.pk}),
        intervention_form_data(theme, region, title="Changed", body="word " * 51, submit="1"),
    )
    assert response.status_code == 200
    intervention.refresh_from_db()
    assert (intervention.title, intervention.status) != ("Changed", S.SUBMITTED)
    assert intervention.status == S.DRAFT


def test_submitting_after_the_deadline_keeps_the_draft(client, session, author, theme, region):
    session.intervention_deadline = timezone.now() - timedelta(hours=1)
    session.save()
    client.force_login(author)
    response = client.post(
        _create_url(session), intervention_form_data(theme, region, submit="1"), follow=True
    )
    intervention = Intervention.objects.get()
    assert intervention.status == S.DRAFT
    assert response.redirect_chain == [
        (reverse("interventions:edit", kwargs={"pk": intervention.pk}), 302)
    ]
    assert [str(m) for m in response.context["messages"]] == [
        "The deadline for interventions to this session has passed, so it cannot be "
        "submitted any more. Your text is saved as a draft."
    ]


def test_edit_is_refused_once_submitted(client, session, author, theme, region):
    intervention = InterventionFactory(session=session, author=author, status=S.SUBMITTED)
    client.force_login(intervention.author)
    url = reverse("interventions:edit", kwargs={"pk": intervention.pk})
    response = client.post(url, intervention_form_data(theme, region, title="Changed"))
    assert response["Location"] == reverse("interventions:detail", kwargs={"pk": intervention.pk})
    intervention.refresh_from_db()
    assert intervention.title != "Changed"


def test_withdraw_needs_a_post(client, intervention):
    client.force_login(intervention.author)
    url = reverse("interventions:withdraw", kwargs={"pk": intervention.pk})
    response = client.get(url)
    assert response.status_code == 200
    assert "Yes, withdraw it" in response.text
    intervention.refresh_from_db()
    assert intervention.status == S.DRAFT
    client.post(url)
    intervention.refresh_from_db()
    assert intervention.status == S.WITHDRAWN
    response = client.post(url, follow=True)
    assert response.status_code == 200
    assert intervention.history.filter(to_status=S.WITHDRAWN).count() == 1


def test_someone_elses_intervention_is_404_and_unchanged(
    client, intervention, other_stakeholder, theme, region
):
    client.force_login(other_stakeholder)
    for name in ("detail", "edit", "withdraw"):
        url = reverse(f"interventions:{name}", kwargs={"pk": intervention.pk})
        assert client.get(url).status_code == 404
        if name != "detail":
            assert (
                client.post(
                    url, intervention_form_data(theme, region, title="Hijacked")
                ).status_code
                == 404
            )
    intervention.refresh_from_db()
    assert (intervention.title, intervention.status) != ("Hijacked", S.WITHDRAWN)
    assert intervention.status == S.DRAFT


def test_unregistered_user_cannot_write(client, session, theme, region):
    client.force_login(UserFactory())
    assert client.get(_create_url(session)).status_code == 403
    assert (
        client.post(_create_url(session), intervention_form_data(theme, region)).status_code == 403
    )
    assert Intervention.objects.count() == 0


def test_draft_and_unknown_sessions_are_404(client, author):
    client.force_login(author)
    draft = ListeningSessionFactory(status="draft")
    assert client.get(_create_url(draft)).status_code == 404
    url = reverse("interventions:create", kwargs={"session_slug": "nope"})
    assert client.get(url).status_code == 404


def test_my_interventions_shows_only_mine_with_feedback_and_history(
    client, session, author, other_stakeholder
):
    mine = InterventionFactory(
        session=session,
        author=author,
        title="Mine",
        status=S.CHANGES_REQUESTED,
        feedback="Add dates please",
        internal_note="Staff only remark",
    )
    InterventionFactory(session=session, author=other_stakeholder, title="Not mine")
    client.force_login(author)
    response = client.get(reverse("interventions:mine"))
    assert [i.title for i in response.context["interventions"]] == ["Mine"]
    assert "Add dates please" in response.text
    assert reverse("interventions:edit", kwargs={"pk": mine.pk}) in response.text
    assert "Staff only remark" not in response.text
    assert "Not mine" not in response.text
    assert list(response.context["sessions"]) == [session]
    detail = client.get(reverse("interventions:detail", kwargs={"pk": mine.pk}))
    assert "Add dates please" in detail.text
    assert "Staff only remark" not in detail.text


def test_hostile_text_is_stored_as_typed_and_escaped(client, session, author, theme, region):
    client.force_login(author)
    client.post(
        _create_url(session),
        intervention_form_data(theme, region, title=HOSTILE, body=HOSTILE, save="1"),
    )
    intervention = Intervention.objects.get()
    assert (intervention.title, intervention.body) == (HOSTILE, HOSTILE)
    for url in (
        reverse("interventions:mine"),
        reverse("interventions:detail", kwargs={"pk": intervention.pk}),
        reverse("interventions:edit", kwargs={"pk": intervention.pk}),
        reverse("interventions:withdraw", kwargs={"pk": intervention.pk}),
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert "<script>alert" not in response.text, url
        assert "<img src=x" not in response.text, url
        assert "&lt;script&gt;" in response.text, url


@pytest.mark.parametrize("count", [1, 200])
def test_my_interventions_query_count(
    client, session, author, count, django_assert_max_num_queries
):
    InterventionFactory.create_batch(count, session=session, author=author)
    client.force_login(author)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("interventions:mine"))
    assert len(response.context["interventions"]) == count


def test_escaped_constant_matches_hostile():
    assert escape(HOSTILE).startswith(HOSTILE_ESCAPED)


def test_a_held_session_takes_no_new_interventions(client, theme, region):
    held = ListeningSessionFactory(status="held", intervention_deadline=None)
    author = UserFactory(stakeholder=True)
    RegistrationFactory(user=author, session=held)
    client.force_login(author)
    response = client.post(_create_url(held), intervention_form_data(theme, region, submit="1"))
    assert response.status_code == 404
    assert Intervention.objects.count() == 0


def test_a_declined_registrant_can_no_longer_submit_or_edit(client, session, theme, region):
    declined = UserFactory(stakeholder=True)
    RegistrationFactory(user=declined, session=session, status="declined")
    intervention = InterventionFactory(session=session, author=declined)
    title = intervention.title
    client.force_login(intervention.author)
    response = client.post(
        reverse("interventions:edit", kwargs={"pk": intervention.pk}),
        intervention_form_data(theme, region, title="Changed", submit="1"),
    )
    assert response.status_code == 302
    intervention.refresh_from_db()
    assert (intervention.status, intervention.title) == (S.DRAFT, title)


def test_someone_elses_cancellation_keeps_my_session_listed(client, session, author):
    RegistrationFactory(session=session, status="cancelled")
    client.force_login(author)
    page = client.get(reverse("interventions:mine"))
    assert list(page.context["sessions"]) == [session]
