from django.db import migrations

from listening.roles import ensure_roles


def update_roles(apps, schema_editor):
    """The live desk and the held report: new permissions for the two roles."""
    ensure_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("listening", "0006_unique_user_email"),
        ("sessions_app", "0003_live_session"),
        ("interventions", "0004_oral_channel"),
    ]

    operations = [migrations.RunPython(update_roles, migrations.RunPython.noop)]
