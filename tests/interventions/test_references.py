"""Source IDs (`LS3-017`): given at creation, unique, never changed, never reused."""

import json
import threading
import uuid

import pytest
from django.db import connection, connections

from interventions import services
from interventions.enums import InterventionStatus as S
from interventions.models import Intervention, Region, Theme
from interventions.services import MODERATOR
from sessions_app.models import ListeningSession
from tests.factories import (
    InterventionFactory,
    ListeningSessionFactory,
    RegistrationFactory,
    UserFactory,
)
from tests.helpers import purge_queue, response_bytes


def _data(**overrides):
    data = {
        "kind": "challenge",
        "title": "Permits lapsed",
        "body": "Offices closed for months.",
        "language": "en",
        "primary_theme": Theme.objects.get(slug="regularization"),
        "themes": [],
        "regions": [Region.objects.get(slug="africa")],
        "countries": ["KE"],
        "credit": "organization",
        "deliver_orally": False,
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_sessions_are_numbered_in_creation_order_unless_a_number_is_given():
    first = ListeningSessionFactory()
    second = ListeningSessionFactory()
    chosen = ListeningSessionFactory(number=40)
    after = ListeningSessionFactory()
    assert (second.number - first.number, chosen.number, after.number) == (1, 40, 41)


@pytest.mark.django_db
def test_references_count_up_within_each_session():
    session = ListeningSessionFactory(number=3)
    other = ListeningSessionFactory(number=4)
    first = InterventionFactory(session=session)
    elsewhere = InterventionFactory(session=other)
    second = InterventionFactory(session=session)
    assert [first.reference, second.reference, elsewhere.reference] == [
        "LS3-001",
        "LS3-002",
        "LS4-001",
    ]
    assert Intervention.objects.get(pk=second.pk).reference == "LS3-002"


@pytest.mark.django_db
def test_reference_never_changes_on_edit_or_moderation():
    session = ListeningSessionFactory(number=3)
    intervention = InterventionFactory(session=session, status=S.SUBMITTED)
    moderator = UserFactory(secretariat=True)
    services.save_staff_edits(
        intervention=intervention,
        actor=moderator,
        data={"english_title": "A new title", "english_text": "The translation."},
        decision=S.APPROVED,
    )
    intervention.refresh_from_db()
    assert (intervention.reference, intervention.english_title, intervention.status) == (
        "LS3-001",
        "A new title",
        S.APPROVED,
    )
    # A plain save of the row keeps it too.
    intervention.english_title = "Again"
    intervention.save()
    assert Intervention.objects.get(pk=intervention.pk).reference == "LS3-001"


@pytest.mark.django_db
def test_reference_of_a_deleted_intervention_is_never_given_again():
    session = ListeningSessionFactory(number=7)
    first = InterventionFactory(session=session)
    second = InterventionFactory(session=session)
    assert second.reference == "LS7-002"
    second.delete()
    first.delete()
    third = InterventionFactory(session=session)
    assert third.reference == "LS7-003"
    session.refresh_from_db()
    assert session.last_intervention_number == 3


@pytest.mark.django_db
def test_oral_and_written_interventions_share_the_session_sequence():
    session = ListeningSessionFactory(number=2)
    written = InterventionFactory(session=session)
    oral = InterventionFactory(session=session, channel="oral")
    assert (written.reference, oral.reference) == ("LS2-001", "LS2-002")


def _run_at_once(functions) -> list[BaseException]:
    """Run every function at the same moment, one thread (and database connection) each."""
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(functions))

    def run(function):
        try:
            barrier.wait(timeout=30)
            function()
        except BaseException as error:  # every failure is a finding
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(f,)) for f in functions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return errors


def test_concurrent_creations_and_approvals_never_share_a_reference(transactional_db):
    # SQLite serialises writers on one file lock, so fewer threads there.
    authors_count = 16 if connection.vendor == "postgresql" else 6
    session = ListeningSessionFactory(number=5)
    authors = [UserFactory(stakeholder=True) for _ in range(authors_count)]
    for author in authors:
        RegistrationFactory(user=author, session=session)

    def create(author):
        return lambda: services.create_intervention(
            session=session,
            author=author,
            data=_data(title=f"From {author.pk}"),
            submission_token=uuid.uuid4(),
            submit=True,
        )

    assert _run_at_once([create(author) for author in authors]) == []
    references = sorted(
        Intervention.objects.filter(session=session).values_list("reference", flat=True)
    )
    assert references == [f"LS5-{n:03d}" for n in range(1, authors_count + 1)]

    # Approving them all at once, while new ones are created, changes no ID and repeats none.
    moderator = UserFactory(secretariat=True)
    before = dict(Intervention.objects.filter(session=session).values_list("pk", "reference"))

    def approve(pk):
        return lambda: services.set_intervention_status(
            intervention=Intervention.objects.get(pk=pk),
            to_status=S.APPROVED,
            actor=moderator,
            role=MODERATOR,
            notify=False,
        )

    late_authors = authors[: authors_count // 2]
    errors = _run_at_once([approve(pk) for pk in before] + [create(a) for a in late_authors])
    assert errors == []
    after = dict(Intervention.objects.filter(pk__in=before).values_list("pk", "reference"))
    assert after == before
    assert set(Intervention.objects.filter(pk__in=before).values_list("status", flat=True)) == {
        S.APPROVED
    }
    all_references = list(
        Intervention.objects.filter(session=session).values_list("reference", flat=True)
    )
    assert sorted(all_references) == [
        f"LS5-{n:03d}" for n in range(1, authors_count + len(late_authors) + 1)
    ]
    assert ListeningSession.objects.get(pk=session.pk).last_intervention_number == len(
        all_references
    )
    purge_queue()  # no worker consumes the emails these submissions scheduled


@pytest.fixture
def cited(db):
    session = ListeningSessionFactory(number=3)
    InterventionFactory(session=session, status=S.APPROVED, title="First input")
    return InterventionFactory(
        session=session, status=S.APPROVED, title="Second input", language="fr"
    )


def test_pages_show_the_source_id(client, cited):
    wg3 = UserFactory(wg3=True)
    client.force_login(wg3)
    listing = client.get("/en/interventions/approved/")
    detail = client.get(f"/en/interventions/approved/{cited.pk}/")
    client.force_login(cited.author)
    own = client.get(f"/en/interventions/{cited.pk}/")
    mine = client.get("/en/interventions/")
    for response in (listing, detail, own, mine):
        assert response.status_code == 200
        assert '<span class="source-id">LS3-002</span>' in response.text or (
            '<dd class="source-id">LS3-002</dd>' in response.text
        )


def test_exports_carry_the_source_id(client, cited):
    client.force_login(UserFactory(wg3=True))
    csv_text = response_bytes(client.get("/en/interventions/approved/export.csv")).decode(
        "utf-8-sig"
    )
    data = json.loads(response_bytes(client.get("/en/interventions/approved/export.json")))
    header, *rows = csv_text.splitlines()
    assert header.split(",")[:3] == ["id", "reference", "session"]
    assert sorted(row.split(",")[1] for row in rows) == ["LS3-001", "LS3-002"]
    assert sorted(i["reference"] for i in data["interventions"]) == ["LS3-001", "LS3-002"]


def test_admin_lists_and_finds_by_source_id(client, cited):
    client.force_login(UserFactory(secretariat=True))
    changelist = "/en/admin/interventions/intervention/"
    everything = client.get(changelist)
    found = client.get(changelist, {"q": "ls3-002"})
    form = client.get(f"{changelist}{cited.pk}/change/")
    assert [i.reference for i in everything.context["cl"].result_list] == ["LS3-002", "LS3-001"]
    assert [i.title for i in found.context["cl"].result_list] == ["Second input"]
    assert "LS3-002" in form.text
