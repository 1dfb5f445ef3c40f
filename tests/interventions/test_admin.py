"""The secretariat's moderation in the admin."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from core.enums import OutboxStatus
from core.models import OutboxMessage
from interventions.enums import InterventionStatus as S
from interventions.models import Intervention, Region, Theme
from interventions.services import save_staff_edits
from interventions.tasks import task_send_intervention_email
from sessions_app.enums import AgendaItemKind
from tests.factories import (
    AgendaItemFactory,
    InterventionFactory,
    ListeningSessionFactory,
    UserFactory,
)
from tests.helpers import DEAD_BROKER, HOSTILE, broker_url

pytestmark = pytest.mark.django_db

CHANGELIST = "/en/admin/interventions/intervention/"


def _change_url(intervention):
    return reverse("admin:interventions_intervention_change", args=[intervention.pk])


def _change_form_data(intervention, **overrides):
    data = {
        "feedback": intervention.feedback,
        "internal_note": intervention.internal_note,
        "english_title": intervention.english_title,
        "english_text": intervention.english_text,
        "kind": intervention.kind,
        "primary_theme": str(intervention.primary_theme_id),
        "themes": [str(t.pk) for t in intervention.themes.all()],
        "regions": [str(r.pk) for r in intervention.regions.all()],
        "countries": [],
        "agenda_item": "",
        "speaking_order": "",
        "decision": "",
        "history-TOTAL_FORMS": "0",
        "history-INITIAL_FORMS": "0",
        "history-MIN_NUM_FORMS": "0",
        "history-MAX_NUM_FORMS": "0",
        "corrections-TOTAL_FORMS": "0",
        "corrections-INITIAL_FORMS": "0",
        "corrections-MIN_NUM_FORMS": "0",
        "corrections-MAX_NUM_FORMS": "0",
        "_save": "Save",
    }
    data.update(overrides)
    return data


def test_changelist_shows_counts_per_status(client, secretariat, session):
    for status in (S.SUBMITTED, S.SUBMITTED, S.APPROVED):
        InterventionFactory(session=session, status=status)
    client.force_login(secretariat)
    response = client.get(CHANGELIST)
    assert response.status_code == 200
    counts = {value: n for value, _label, n, _url in response.context["status_counts"]}
    assert counts == {
        "draft": 0,
        "submitted": 2,
        "changes_requested": 0,
        "approved": 1,
        "rejected": 0,
        "withdrawn": 0,
    }
    assert 'class="status-counts"' in response.text


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status__exact=submitted", ["sub-en", "sub-fr"]),
        ("language__exact=fr", ["sub-fr"]),
        ("kind__exact=recommendation", ["sub-fr"]),
        ("theme=labour-pathways", ["sub-fr"]),
        ("regions__id__exact={asia}", ["sub-fr"]),
        ("translated=yes", ["approved"]),
        ("translated=no", ["sub-en", "sub-fr"]),
        ("translated=needed", ["sub-fr"]),
        ("q=needle", ["sub-en"]),
        # The texts through the full-text search, the short columns as Django searches them.
        ("q=haystack", ["sub-en"]),
        ("q=nothing-like-it", []),
        ("q=SUB-FR", ["sub-fr"]),
    ],
)
def test_changelist_filters_and_search(client, secretariat, session, query, expected):
    asia = Region.objects.get(slug="asia-pacific")
    InterventionFactory(
        session=session,
        status=S.SUBMITTED,
        title="sub-en",
        body="a haystack here",
        credit_organization="Needle collective",
    )
    french = InterventionFactory(
        session=session,
        status=S.SUBMITTED,
        title="sub-fr",
        language="fr",
        kind="recommendation",
        regions=[asia],
    )
    french.themes.set([Theme.objects.get(slug="labour-pathways")])
    InterventionFactory(
        session=session, status=S.APPROVED, title="approved", english_text="Translated"
    )
    client.force_login(secretariat)
    response = client.get(f"{CHANGELIST}?{query.format(asia=asia.pk)}")
    assert response.status_code == 200
    assert sorted(i.title for i in response.context["cl"].result_list) == expected


def test_session_filter(client, secretariat, session):
    other = ListeningSessionFactory()
    InterventionFactory(session=session, status=S.SUBMITTED, title="here")
    InterventionFactory(session=other, status=S.SUBMITTED, title="there")
    client.force_login(secretariat)
    response = client.get(f"{CHANGELIST}?session__id__exact={other.pk}")
    assert [i.title for i in response.context["cl"].result_list] == ["there"]


@pytest.mark.parametrize(
    ("action", "status"), [("approve_selected", S.APPROVED), ("reject_selected", S.REJECTED)]
)
def test_bulk_actions_go_through_the_service(
    client, secretariat, session, action, status, django_capture_on_commit_callbacks
):
    first = InterventionFactory(session=session, status=S.SUBMITTED)
    second = InterventionFactory(session=session, status=S.SUBMITTED)
    draft = InterventionFactory(session=session, status=S.DRAFT)
    client.force_login(secretariat)
    with django_capture_on_commit_callbacks():
        response = client.post(
            CHANGELIST,
            {"action": action, "_selected_action": [first.pk, second.pk, draft.pk]},
            follow=True,
        )
    assert response.status_code == 200
    statuses = dict(Intervention.objects.values_list("pk", "status"))
    assert statuses == {first.pk: status, second.pk: status, draft.pk: S.DRAFT}
    assert [h.actor for h in first.history.all()] == [secretariat]
    assert OutboxMessage.objects.count() == 2
    texts = [str(m) for m in response.context["messages"]]
    assert texts[1] == "1 intervention was left unchanged: its status does not allow it."


def test_request_changes_asks_for_feedback_first(client, secretariat, session):
    first = InterventionFactory(session=session, status=S.SUBMITTED, title=HOSTILE)
    client.force_login(secretariat)
    data = {"action": "request_changes_selected", "_selected_action": [first.pk]}
    response = client.post(CHANGELIST, data)
    assert response.status_code == 200
    assert "interventions/admin/request_changes.html" in [t.name for t in response.templates]
    assert "<script>alert" not in response.text
    first.refresh_from_db()
    assert first.status == S.SUBMITTED

    response = client.post(CHANGELIST, {**data, "apply": "1", "feedback": ""})
    assert response.status_code == 200
    first.refresh_from_db()
    assert first.status == S.SUBMITTED

    response = client.post(CHANGELIST, {**data, "apply": "1", "feedback": "Add the dates."})
    assert response.status_code == 302
    first.refresh_from_db()
    assert (first.status, first.feedback) == (S.CHANGES_REQUESTED, "Add the dates.")


def test_staff_outside_secretariat_cannot_moderate(client, staff_outside, session):
    submitted = InterventionFactory(session=session, status=S.SUBMITTED)
    client.force_login(staff_outside)
    response = client.get(CHANGELIST)
    assert response.status_code == 200
    assert response.context["action_form"] is None
    assert "approve_selected" not in response.text
    for action in ("approve_selected", "reject_selected", "request_changes_selected"):
        client.post(
            CHANGELIST,
            {"action": action, "_selected_action": [submitted.pk], "apply": "1", "feedback": "x"},
        )
    change = client.get(_change_url(submitted))
    assert change.status_code == 200
    assert "decision" not in change.context["adminform"].form.fields
    client.post(
        _change_url(submitted), _change_form_data(submitted, decision=S.APPROVED, feedback="x")
    )
    submitted.refresh_from_db()
    assert (submitted.status, submitted.feedback) == (S.SUBMITTED, "")
    assert submitted.history.count() == 0
    assert OutboxMessage.objects.count() == 0


def test_staff_without_permissions_get_403(client, session):
    intervention = InterventionFactory(session=session, status=S.SUBMITTED)
    client.force_login(UserFactory(is_staff=True))
    assert client.get(CHANGELIST).status_code == 403
    assert client.get(_change_url(intervention)).status_code == 403


def test_change_form_side_by_side_escaped(client, secretariat, session):
    intervention = InterventionFactory(
        session=session,
        status=S.SUBMITTED,
        language="fr",
        title=HOSTILE,
        body="Texte original " + HOSTILE,
        english_text="English " + HOSTILE,
        internal_note="Only for staff",
    )
    client.force_login(secretariat)
    response = client.get(_change_url(intervention))
    assert response.status_code == 200
    assert "<script>alert" not in response.text
    assert "<img src=x" not in response.text
    assert 'class="module aligned intervention-text side-by-side"' in response.text
    assert "Texte original &lt;script&gt;" in response.text
    assert "English &lt;script&gt;" in response.text
    assert "Only for staff" in response.text
    form = response.context["adminform"].form
    assert "status" not in form.fields
    assert {"english_title", "english_text", "decision", "feedback"} <= set(form.fields)


def test_translate_and_approve_in_one_save(
    client, secretariat, session, django_capture_on_commit_callbacks
):
    intervention = InterventionFactory(
        session=session, status=S.SUBMITTED, language="fr", title="Titre"
    )
    client.force_login(secretariat)
    with django_capture_on_commit_callbacks():
        response = client.post(
            _change_url(intervention),
            _change_form_data(
                intervention,
                english_title="Title",
                english_text="The translation",
                decision=S.APPROVED,
            ),
        )
    assert response.status_code == 302
    intervention.refresh_from_db()
    assert (intervention.status, intervention.english_text) == (S.APPROVED, "The translation")
    assert list(intervention.history.values_list("to_status", "actor")) == [
        (S.APPROVED, secretariat.pk)
    ]
    message = OutboxMessage.objects.get()
    task_send_intervention_email(outbox_id=message.pk, **message.kwargs)
    assert [m.to for m in mail.outbox] == [[intervention.author.email]]


def test_status_cannot_be_posted(client, secretariat, session):
    intervention = InterventionFactory(session=session, status=S.SUBMITTED)
    client.force_login(secretariat)
    client.post(_change_url(intervention), _change_form_data(intervention, status=S.APPROVED))
    intervention.refresh_from_db()
    assert intervention.status == S.SUBMITTED


def test_request_changes_needs_feedback_in_change_form(client, secretariat, session):
    intervention = InterventionFactory(session=session, status=S.SUBMITTED)
    client.force_login(secretariat)
    response = client.post(
        _change_url(intervention),
        _change_form_data(intervention, decision=S.CHANGES_REQUESTED, feedback=""),
    )
    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == ["feedback"]
    intervention.refresh_from_db()
    assert intervention.status == S.SUBMITTED


def test_decision_not_allowed_from_status_is_a_form_error(client, secretariat, session):
    intervention = InterventionFactory(session=session, status=S.DRAFT)
    client.force_login(secretariat)
    response = client.post(
        _change_url(intervention), _change_form_data(intervention, decision=S.APPROVED)
    )
    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == ["decision"]
    intervention.refresh_from_db()
    assert intervention.status == S.DRAFT


def test_speaking_slot_only_open_floor_of_the_session(client, secretariat, session):
    intervention = InterventionFactory(session=session, status=S.APPROVED, deliver_orally=True)
    open_floor = AgendaItemFactory(session=session, kind=AgendaItemKind.OPEN_FLOOR)
    framing = AgendaItemFactory(session=session, kind=AgendaItemKind.FRAMING)
    elsewhere = AgendaItemFactory(kind=AgendaItemKind.OPEN_FLOOR)
    client.force_login(secretariat)
    response = client.get(_change_url(intervention))
    assert list(response.context["adminform"].form.fields["agenda_item"].queryset) == [open_floor]
    for item in (framing, elsewhere):
        response = client.post(
            _change_url(intervention),
            _change_form_data(intervention, agenda_item=str(item.pk), speaking_order="1"),
        )
        assert list(response.context["adminform"].form.errors) == ["agenda_item"]
    response = client.post(
        _change_url(intervention),
        _change_form_data(intervention, agenda_item=str(open_floor.pk), speaking_order="2"),
    )
    assert response.status_code == 302
    intervention.refresh_from_db()
    assert (intervention.agenda_item, intervention.speaking_order) == (open_floor, 2)


def test_speaking_slot_refused_when_not_oral(client, secretariat, session):
    intervention = InterventionFactory(session=session, status=S.APPROVED, deliver_orally=False)
    open_floor = AgendaItemFactory(session=session, kind=AgendaItemKind.OPEN_FLOOR)
    client.force_login(secretariat)
    response = client.post(
        _change_url(intervention),
        _change_form_data(intervention, agenda_item=str(open_floor.pk), speaking_order="1"),
    )
    assert list(response.context["adminform"].form.errors) == ["agenda_item"]
    intervention.refresh_from_db()
    assert intervention.agenda_item is None


def test_no_add_in_admin(client, secretariat):
    client.force_login(secretariat)
    assert client.get(CHANGELIST + "add/").status_code == 403


@pytest.mark.parametrize("count", [1, 200])
def test_changelist_query_count(client, secretariat, session, count, django_assert_max_num_queries):
    for _ in range(count):
        InterventionFactory(session=session, status=S.SUBMITTED)
    client.force_login(secretariat)
    with django_assert_max_num_queries(22):
        response = client.get(CHANGELIST)
    assert response.context["cl"].result_count == count


def test_approval_survives_a_broker_outage(
    client, secretariat, session, django_capture_on_commit_callbacks
):
    submitted = InterventionFactory(session=session, status=S.SUBMITTED)
    client.force_login(secretariat)
    with broker_url(DEAD_BROKER), django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            CHANGELIST, {"action": "approve_selected", "_selected_action": [submitted.pk]}
        )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == S.APPROVED
    message = OutboxMessage.objects.get()
    assert (message.status, message.kwargs) == (
        OutboxStatus.PENDING,
        {"intervention_id": submitted.pk, "status": S.APPROVED},
    )


def test_the_admin_never_keeps_the_primary_theme_among_the_other_themes(
    client, secretariat, session
):
    intervention = InterventionFactory(session=session, status=S.SUBMITTED)
    other = Theme.objects.exclude(pk=intervention.primary_theme_id).first()
    client.force_login(secretariat)
    form = client.get(_change_url(intervention)).context["adminform"].form
    assert intervention.primary_theme_id not in {t.pk for t in form.fields["themes"].queryset}
    # A forged post naming the primary theme is refused and changes nothing.
    response = client.post(
        _change_url(intervention),
        _change_form_data(
            intervention,
            themes=[str(intervention.primary_theme_id), str(other.pk)],
            english_title="An English title",
        ),
    )
    intervention.refresh_from_db()
    assert (response.status_code, intervention.english_title) == (200, "")
    assert list(intervention.themes.all()) == []
    # The service drops it too, whoever calls it.
    save_staff_edits(
        intervention=intervention,
        actor=secretariat,
        data={"themes": [intervention.primary_theme, other]},
    )
    assert list(intervention.themes.all()) == [other]


def test_staff_edits_and_a_refused_slot_change_nothing_together(client, secretariat, session):
    intervention = InterventionFactory(session=session, status=S.SUBMITTED, deliver_orally=False)
    slot = AgendaItemFactory(session=session, kind=AgendaItemKind.OPEN_FLOOR)
    before = intervention.english_title
    with pytest.raises(ValidationError):
        save_staff_edits(
            intervention=intervention,
            actor=secretariat,
            data={"english_title": "Changed", "agenda_item": slot, "speaking_order": 1},
            decision=S.APPROVED,
        )
    intervention.refresh_from_db()
    assert (intervention.english_title, intervention.status) == (before, S.SUBMITTED)


def test_change_form_sets_each_english_field_beside_its_original_before_the_decision(
    client, secretariat, session
):
    long_title = "Régularisation " + "très " * 35 + "longue"
    intervention = InterventionFactory(
        session=session, status=S.SUBMITTED, language="fr", title=long_title, body="Texte"
    )
    client.force_login(secretariat)
    html = client.get(_change_url(intervention)).content.decode()

    order = [
        html.index(marker)
        for marker in (
            'class="module aligned intervention-text side-by-side"',
            "field-original_title",
            'name="english_title"',
            "field-original_text",
            'name="english_text"',
            'name="feedback"',
            'name="decision"',
        )
    ]
    assert order == sorted(order)
    assert f'<div class="original" lang="fr"><strong>{long_title}</strong></div>' in html


def test_change_form_of_an_english_intervention_has_no_translation_fields(
    client, secretariat, session
):
    intervention = InterventionFactory(
        session=session, status=S.SUBMITTED, language="en", title="In English"
    )
    client.force_login(secretariat)
    response = client.get(_change_url(intervention))
    assert 'class="module aligned intervention-text"' in response.text
    assert {"english_title", "english_text"} & set(
        response.context["adminform"].form.fields
    ) == set()
