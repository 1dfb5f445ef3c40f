"""Migrating a database from before the `core` app keeps every row: the outbox changes owner,
not table, and data written before the change is all there afterwards."""

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from core.models import OutboxMessage
from interventions.models import Intervention
from sessions_app.models import ListeningSession

# The last migration of each app before the outbox moved to `core`.
BEFORE_CORE = [
    ("listening", "0003_site"),
    ("core", None),
    ("sessions_app", "0001_initial"),
    ("interventions", "0003_seed_regions_themes"),
    ("briefs", "0002_initial"),
]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state([t for t in targets if t[1]]).apps


def latest_targets():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


@pytest.fixture
def before_core(transactional_db):
    """The database as it was before `core`; put back to the latest state whatever happens."""
    try:
        yield migrate(BEFORE_CORE)
    finally:
        migrate(latest_targets())


def test_migrating_forward_keeps_outbox_and_domain_rows(before_core):
    old = before_core
    OldOutbox = old.get_model("listening", "OutboxMessage")
    OldSession = old.get_model("sessions_app", "ListeningSession")
    OldIntervention = old.get_model("interventions", "Intervention")
    OldTheme = old.get_model("interventions", "Theme")
    User = old.get_model("auth", "User")
    pending = OldOutbox.objects.create(task_name="t.pending", kwargs={"a": 1})
    done = OldOutbox.objects.create(task_name="t.done", kwargs={}, status="done", attempts=2)
    session = OldSession.objects.create(
        slug="before-core",
        title="Before core",
        title_en="Before core",
        starts_at="2026-01-10T14:00:00Z",
        status="open",
    )
    author = User.objects.create(username="author", email="author@example.org")
    OldIntervention.objects.create(
        session=session,
        author=author,
        title="Written before",
        body="Text",
        language="en",
        kind="challenge",
        primary_theme=OldTheme.objects.create(slug="before-core", name="Before", name_en="Before"),
        status="approved",
    )

    migrate(latest_targets())

    assert list(
        OutboxMessage.objects.order_by("pk").values_list("pk", "task_name", "status", "attempts")
    ) == [(pending.pk, "t.pending", "pending", 0), (done.pk, "t.done", "done", 2)]
    assert OutboxMessage._meta.db_table == "listening_outboxmessage"
    assert list(ListeningSession.objects.values_list("slug", flat=True)) == ["before-core"]
    assert list(Intervention.objects.values_list("title", "status", "reference")) == [
        ("Written before", "approved", "LS1-001")
    ]
    assert list(ListeningSession.objects.values_list("number", "last_intervention_number")) == [
        (1, 1)
    ]
    # A new row goes into the same table.
    OutboxMessage.objects.create(task_name="t.after")
    assert OutboxMessage.objects.count() == 3


def test_the_unique_email_migration_reports_duplicates_instead_of_failing(transactional_db, capsys):
    old = migrate([("listening", "0005_roles_registration_history")])
    User = old.get_model("auth", "User")
    first = User.objects.create(username="first", email="dup@example.org")
    second = User.objects.create(username="second", email="DUP@example.org")
    User.objects.create(username="blank-1", email="")
    User.objects.create(username="blank-2", email="")

    migrate(latest_targets())

    report = capsys.readouterr().out
    assert (
        f"Duplicate accounts for dup@example.org: user ids [{first.pk}, {second.pk}] "
        f"(kept: {first.pk}; merge or delete the others)"
    ) in report
    users = get_user_model().objects
    assert users.filter(email__iexact="dup@example.org").count() == 2  # nothing changed
    # From now on the database refuses another account for that email, in any case.
    with pytest.raises(IntegrityError), transaction.atomic():
        users.create(username="third", email="Dup@Example.org")
    users.create(username="blank-3", email="")  # accounts without an email are not affected


@pytest.mark.django_db
def test_the_database_refuses_a_second_account_for_an_email_in_another_case():
    users = get_user_model().objects
    users.create(username="one", email="someone@example.org")
    with pytest.raises(IntegrityError), transaction.atomic():
        users.create(username="two", email="Someone@Example.org")
    assert users.filter(email__iexact="someone@example.org").count() == 1
