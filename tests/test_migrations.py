"""Migrating a database from before the `core` app keeps every row: the outbox changes owner,
not table, and data written before the change is all there afterwards."""

import pytest
from django.db import connection
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
    assert list(Intervention.objects.values_list("title", "status")) == [
        ("Written before", "approved")
    ]
    # A new row goes into the same table.
    OutboxMessage.objects.create(task_name="t.after")
    assert OutboxMessage.objects.count() == 3
