from django.db import migrations

from listening.roles import ensure_roles


def update_roles(apps, schema_editor):
    ensure_roles(apps)


class Migration(migrations.Migration):
    """The secretariat reads registrations' history."""

    dependencies = [
        ("listening", "0004_move_outbox_to_core"),
        ("sessions_app", "0002_registration_history"),
    ]

    operations = [migrations.RunPython(update_roles, migrations.RunPython.noop)]
