import uuid
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from core import emails
from core.enums import OutboxStatus
from core.models import OutboxMessage
from interventions import services
from interventions.enums import InterventionStatus as S
from interventions.models import Intervention, Theme
from interventions.services import MODERATOR, SubmissionRefused
from interventions.tasks import task_send_intervention_email
from sessions_app.enums import AgendaItemKind, RegistrationStatus
from tests.factories import (
    AgendaItemFactory,
    InterventionFactory,
    ProfileFactory,
    RegistrationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _data(theme, region, **overrides):
    data = {
        "kind": "challenge",
        "title": "Permits lapsed",
        "body": "Offices closed for months.",
        "language": "fr",
        "primary_theme": theme,
        "themes": [theme, Theme.objects.get(slug="labour-pathways")],
        "regions": [region],
        "countries": ["KE", "SN"],
        "credit": "organization",
        "deliver_orally": True,
    }
    data.update(overrides)
    return data


def test_create_snapshots_the_profile_and_drops_the_primary_from_other_themes(
    session, author, theme, region
):
    intervention, created = services.create_intervention(
        session=session,
        author=author,
        data=_data(theme, region),
        submission_token=uuid.uuid4(),
        submit=False,
    )
    assert created is True
    intervention.refresh_from_db()
    assert (intervention.status, intervention.language, intervention.deliver_orally) == (
        S.DRAFT,
        "fr",
        True,
    )
    assert (
        intervention.credit_name,
        intervention.credit_organization,
        intervention.stakeholder_type,
    ) == ("Ana Ruiz", "Red Migrante", "civil_society")
    assert list(intervention.themes.values_list("slug", flat=True)) == ["labour-pathways"]
    assert list(intervention.regions.all()) == [region]
    assert [c.code for c in intervention.countries] == ["KE", "SN"]
    assert list(intervention.history.values_list("from_status", "to_status")) == [("", S.DRAFT)]
    assert intervention.public_credit == "Red Migrante"


def test_create_without_profile_falls_back_to_name_and_registration(session, theme, region):
    user = UserFactory(first_name="Omar", last_name="Haddad")
    RegistrationFactory(user=user, session=session, organization="Amel", stakeholder_type="nhri")
    intervention, _ = services.create_intervention(
        session=session,
        author=user,
        data=_data(theme, region),
        submission_token=uuid.uuid4(),
        submit=True,
    )
    intervention.refresh_from_db()
    assert (intervention.credit_name, intervention.credit_organization) == ("Omar Haddad", "Amel")
    assert intervention.stakeholder_type == "nhri"
    assert intervention.status == S.SUBMITTED


def test_same_token_creates_one_intervention(session, author, theme, region):
    token = uuid.uuid4()
    first, created_first = services.create_intervention(
        session=session,
        author=author,
        data=_data(theme, region),
        submission_token=token,
        submit=True,
    )
    second, created_second = services.create_intervention(
        session=session,
        author=author,
        data=_data(theme, region),
        submission_token=token,
        submit=True,
    )
    assert (created_first, created_second) == (True, False)
    assert second.pk == first.pk
    assert Intervention.objects.count() == 1
    assert first.history.count() == 2


def test_someone_elses_token_is_refused(session, author, other_stakeholder, theme, region):
    token = uuid.uuid4()
    services.create_intervention(
        session=session,
        author=author,
        data=_data(theme, region),
        submission_token=token,
        submit=False,
    )
    with pytest.raises(PermissionDenied):
        services.create_intervention(
            session=session,
            author=other_stakeholder,
            data=_data(theme, region),
            submission_token=token,
            submit=False,
        )
    assert Intervention.objects.count() == 1


@pytest.mark.parametrize(
    "registration_status", [RegistrationStatus.DECLINED, RegistrationStatus.CANCELLED, None]
)
def test_only_registered_participants_write(session, theme, region, registration_status):
    user = UserFactory()
    if registration_status:
        RegistrationFactory(user=user, session=session, status=registration_status)
    with pytest.raises(PermissionDenied):
        services.create_intervention(
            session=session,
            author=user,
            data=_data(theme, region),
            submission_token=uuid.uuid4(),
            submit=False,
        )
    assert Intervention.objects.count() == 0


@pytest.mark.parametrize(
    "registration_status",
    [RegistrationStatus.PENDING, RegistrationStatus.WAITLISTED, RegistrationStatus.CONFIRMED],
)
def test_pending_and_waitlisted_participants_write(session, theme, region, registration_status):
    user = UserFactory()
    RegistrationFactory(user=user, session=session, status=registration_status)
    intervention, created = services.create_intervention(
        session=session,
        author=user,
        data=_data(theme, region),
        submission_token=uuid.uuid4(),
        submit=False,
    )
    assert (created, intervention.author) == (True, user)


def test_submitting_after_the_deadline_keeps_the_draft(session, author, theme, region):
    session.intervention_deadline = timezone.now() - timedelta(minutes=1)
    session.save()
    with pytest.raises(SubmissionRefused) as refused:
        services.create_intervention(
            session=session,
            author=author,
            data=_data(theme, region),
            submission_token=uuid.uuid4(),
            submit=True,
        )
    draft = Intervention.objects.get()
    assert refused.value.intervention.pk == draft.pk
    assert (draft.status, draft.title) == (S.DRAFT, "Permits lapsed")
    assert "deadline" in refused.value.message


def test_resubmitting_after_the_deadline_is_accepted_when_changes_were_requested(session, author):
    intervention = InterventionFactory(session=session, author=author, status=S.CHANGES_REQUESTED)
    session.intervention_deadline = timezone.now() - timedelta(days=1)
    session.save()
    intervention.refresh_from_db()
    services.submit_intervention(intervention=intervention, actor=intervention.author)
    intervention.refresh_from_db()
    assert intervention.status == S.SUBMITTED


def test_update_changes_fields_and_submits(intervention, theme, region):
    services.update_intervention(
        intervention=intervention,
        actor=intervention.author,
        data=_data(theme, region, title="New title"),
        submit=True,
    )
    intervention.refresh_from_db()
    assert (intervention.title, intervention.status) == ("New title", S.SUBMITTED)


@pytest.mark.parametrize("status", [S.SUBMITTED, S.APPROVED, S.REJECTED, S.WITHDRAWN])
def test_update_refused_unless_editable(session, author, theme, region, status):
    intervention = InterventionFactory(session=session, author=author, status=status)
    with pytest.raises(ValidationError):
        services.update_intervention(
            intervention=intervention,
            actor=intervention.author,
            data=_data(theme, region, title="Sneaky"),
            submit=False,
        )
    intervention.refresh_from_db()
    assert intervention.title != "Sneaky"


def test_update_by_someone_else_is_denied(intervention, other_stakeholder, theme, region):
    with pytest.raises(PermissionDenied):
        services.update_intervention(
            intervention=intervention,
            actor=other_stakeholder,
            data=_data(theme, region, title="Sneaky"),
            submit=False,
        )
    intervention.refresh_from_db()
    assert intervention.title != "Sneaky"


def test_moderate_interventions_skips_what_the_table_forbids(secretariat, session):
    submitted = InterventionFactory(session=session, status=S.SUBMITTED)
    draft = InterventionFactory(session=session)
    changed, skipped = services.moderate_interventions(
        interventions=[submitted, draft], to_status=S.APPROVED, actor=secretariat
    )
    assert ([i.pk for i in changed], [i.pk for i in skipped]) == ([submitted.pk], [draft.pk])
    assert list(Intervention.objects.order_by("pk").values_list("status", flat=True)) == [
        S.APPROVED,
        S.DRAFT,
    ]


class TestSpeakingSlot:
    def _approved(self, session, deliver_orally=True):
        return InterventionFactory(
            session=session, deliver_orally=deliver_orally, status=S.APPROVED
        )

    def test_open_floor_of_the_same_session_is_accepted(self, session):
        intervention = self._approved(session)
        item = AgendaItemFactory(session=session, kind=AgendaItemKind.OPEN_FLOOR)
        services.validate_speaking_slot(
            intervention=intervention, status=S.APPROVED, agenda_item=item, speaking_order=1
        )

    @pytest.mark.parametrize(
        ("case", "field"),
        [
            ("other_session", "agenda_item"),
            ("not_open_floor", "agenda_item"),
            ("not_approved", "agenda_item"),
            ("not_oral", "agenda_item"),
            ("order_without_item", "speaking_order"),
        ],
    )
    def test_invalid_slots_are_refused(self, session, case, field):
        intervention = self._approved(session, deliver_orally=case != "not_oral")
        kind = (
            AgendaItemKind.PRESENTATION if case == "not_open_floor" else AgendaItemKind.OPEN_FLOOR
        )
        if case == "other_session":
            item = AgendaItemFactory(kind=AgendaItemKind.OPEN_FLOOR)
        else:
            item = AgendaItemFactory(kind=kind, session=session)
        with pytest.raises(ValidationError) as raised:
            services.validate_speaking_slot(
                intervention=intervention,
                status=S.SUBMITTED if case == "not_approved" else S.APPROVED,
                agenda_item=None if case == "order_without_item" else item,
                speaking_order=3,
            )
        assert list(raised.value.message_dict) == [field]


class TestStatusEmail:
    def _moderated(self, session, language, status, **profile):
        author = UserFactory(email=f"author-{language}@example.org")
        ProfileFactory(user=author, preferred_language=language, **profile)
        intervention = InterventionFactory(
            session=session, author=author, title="Visas and permits", status=S.SUBMITTED
        )
        services.set_intervention_status(
            intervention=intervention,
            to_status=status,
            actor=UserFactory(secretariat=True),
            role=MODERATOR,
            feedback="Please add the dates.",
        )
        return intervention

    @pytest.mark.parametrize(
        ("language", "session_title"),
        [
            ("en", "Listening on pathways"),
            ("fr", "Écoute sur les voies"),
            ("es", "Escucha sobre vías"),
        ],
    )
    @pytest.mark.parametrize("status", [S.APPROVED, S.CHANGES_REQUESTED, S.REJECTED])
    def test_email_in_the_authors_language(
        self, session, language, session_title, status, django_capture_on_commit_callbacks
    ):
        session.title_en = "Listening on pathways"
        session.title_fr = "Écoute sur les voies"
        session.title_es = "Escucha sobre vías"
        session.save()
        with django_capture_on_commit_callbacks():
            intervention = self._moderated(session, language, status)
        message = OutboxMessage.objects.get(
            task_name="interventions.tasks.task_send_intervention_email"
        )
        assert message.kwargs == {"intervention_id": intervention.pk, "status": status}
        assert task_send_intervention_email(outbox_id=message.pk, **message.kwargs) is True
        assert len(mail.outbox) == 1
        email = mail.outbox[0]
        assert email.to == [f"author-{language}@example.org"]
        assert "Visas and permits" in email.subject
        assert session_title in email.body
        assert f"/{language}/interventions/{intervention.pk}/" in email.body
        assert ("Please add the dates." in email.body) is (status != S.APPROVED)
        assert translation.get_language() == "en"
        message.refresh_from_db()
        assert message.status == OutboxStatus.DONE

    def test_a_duplicate_delivery_sends_nothing(self, session, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks():
            self._moderated(session, "en", S.APPROVED)
        message = OutboxMessage.objects.get()
        assert task_send_intervention_email(outbox_id=message.pk, **message.kwargs) is True
        assert task_send_intervention_email(outbox_id=message.pk, **message.kwargs) is False
        assert len(mail.outbox) == 1

    def test_renders_under_the_authors_language(self, session, monkeypatch):
        seen = []

        def spying(original):
            def spy(name, context=None, *args, **kwargs):
                seen.append((name, translation.get_language()))
                return original(name, context, *args, **kwargs)

            return spy

        monkeypatch.setattr(emails, "render_text", spying(emails.render_text))
        monkeypatch.setattr(emails, "render_to_string", spying(emails.render_to_string))
        intervention = InterventionFactory(session=session, status=S.REJECTED)
        ProfileFactory(user=intervention.author, preferred_language="es")
        services.send_intervention_status_email(intervention=intervention, status=S.REJECTED)
        assert seen == [
            ("emails/intervention_status_subject.txt", "es"),
            ("emails/intervention_status_body.txt", "es"),
            ("emails/intervention_status_body.html", "es"),
        ]

    def test_registration_language_without_profile(self, session):
        intervention = InterventionFactory(session=session, status=S.APPROVED)
        RegistrationFactory(user=intervention.author, session=session, preferred_language="fr")
        session.title_fr = "Écoute sur les voies"
        session.save()
        services.send_intervention_status_email(intervention=intervention, status=S.APPROVED)
        assert "Écoute sur les voies" in mail.outbox[0].body
        assert f"/fr/interventions/{intervention.pk}/" in mail.outbox[0].body

    def test_a_decision_overtaken_before_sending_is_not_announced(self, session):
        intervention = InterventionFactory(session=session, status=S.WITHDRAWN)
        sent = services.send_intervention_status_email(intervention=intervention, status=S.APPROVED)
        assert (sent, mail.outbox) == (False, [])
