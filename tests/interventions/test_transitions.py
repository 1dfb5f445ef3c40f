"""Every allowed and every forbidden status change, for both roles."""

import itertools

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core.models import OutboxMessage
from interventions.enums import InterventionStatus as S
from interventions.models import InterventionStatusChange
from interventions.services import (
    AUTHOR,
    MODERATOR,
    SPEAKER,
    TRANSITIONS,
    set_intervention_status,
)
from sessions_app.enums import AgendaItemKind
from tests.factories import AgendaItemFactory, InterventionFactory, UserFactory

ALLOWED = {
    (S.DRAFT, S.SUBMITTED, AUTHOR),
    (S.DRAFT, S.WITHDRAWN, AUTHOR),
    (S.SUBMITTED, S.APPROVED, MODERATOR),
    (S.SUBMITTED, S.CHANGES_REQUESTED, MODERATOR),
    (S.SUBMITTED, S.REJECTED, MODERATOR),
    (S.SUBMITTED, S.WITHDRAWN, AUTHOR),
    (S.CHANGES_REQUESTED, S.SUBMITTED, AUTHOR),
    (S.CHANGES_REQUESTED, S.WITHDRAWN, AUTHOR),
    (S.APPROVED, S.WITHDRAWN, AUTHOR),
    # A speaker's correction sends the approved record of what they said back to moderation.
    (S.APPROVED, S.SUBMITTED, SPEAKER),
}
MATRIX = list(itertools.product(S.values, S.values, [AUTHOR, MODERATOR, SPEAKER]))


def test_table_is_the_documented_workflow():
    table = {(f, t, role) for f, targets in TRANSITIONS.items() for t, role in targets.items()}
    assert table == ALLOWED
    assert set(TRANSITIONS) == set(S.values)


@pytest.mark.django_db
@pytest.mark.parametrize(("from_status", "to_status", "role"), MATRIX)
def test_transition(from_status, to_status, role, secretariat, django_capture_on_commit_callbacks):
    intervention = InterventionFactory(status=from_status)
    actor = intervention.author if role in (AUTHOR, SPEAKER) else secretariat
    if (from_status, to_status, role) in ALLOWED:
        with django_capture_on_commit_callbacks():
            set_intervention_status(
                intervention=intervention, to_status=to_status, actor=actor, role=role, note="n"
            )
        intervention.refresh_from_db()
        assert intervention.status == to_status
        change = InterventionStatusChange.objects.get(intervention=intervention)
        assert (change.actor, change.from_status, change.to_status, change.note) == (
            actor,
            from_status,
            to_status,
            "n",
        )
        emails = OutboxMessage.objects.filter(
            task_name="interventions.tasks.task_send_intervention_email"
        )
        expected = (
            [{"intervention_id": intervention.pk, "status": to_status}] if role == MODERATOR else []
        )
        assert [m.kwargs for m in emails] == expected
    else:
        with pytest.raises(ValidationError) as raised:
            set_intervention_status(
                intervention=intervention, to_status=to_status, actor=actor, role=role
            )
        assert raised.value.code == "invalid_transition"
        intervention.refresh_from_db()
        assert intervention.status == from_status
        assert InterventionStatusChange.objects.filter(intervention=intervention).count() == 0
        assert OutboxMessage.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("from_status", "to_status"), [(S.DRAFT, S.SUBMITTED), (S.APPROVED, S.WITHDRAWN)]
)
def test_author_transition_on_someone_elses_intervention_is_denied(from_status, to_status):
    intervention = InterventionFactory(status=from_status)
    with pytest.raises(PermissionDenied):
        set_intervention_status(
            intervention=intervention, to_status=to_status, actor=UserFactory(), role=AUTHOR
        )
    intervention.refresh_from_db()
    assert intervention.status == from_status
    assert intervention.history.count() == 0


@pytest.mark.django_db
def test_leaving_approved_clears_the_speaking_slot():
    item = AgendaItemFactory(kind=AgendaItemKind.OPEN_FLOOR)
    intervention = InterventionFactory(
        session=item.session, status=S.APPROVED, agenda_item=item, speaking_order=2
    )
    set_intervention_status(
        intervention=intervention, to_status=S.WITHDRAWN, actor=intervention.author, role=AUTHOR
    )
    intervention.refresh_from_db()
    assert (intervention.agenda_item, intervention.speaking_order) == (None, None)
