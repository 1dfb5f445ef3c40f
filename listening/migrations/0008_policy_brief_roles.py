from django.db import migrations

from listening.roles import ensure_roles


def update_roles(apps, schema_editor):
    """The published brief: Working Group 3 and the secretariat may see it."""
    ensure_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("listening", "0007_live_roles"),
        ("briefs", "0005_series_packs_and_policy_brief"),
    ]

    operations = [migrations.RunPython(update_roles, migrations.RunPython.noop)]
