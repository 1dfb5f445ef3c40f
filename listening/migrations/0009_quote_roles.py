from django.db import migrations

from listening.roles import ensure_roles


def update_roles(apps, schema_editor):
    """Quoting, coding and the coding frame: new permissions for both roles."""
    ensure_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("listening", "0008_policy_brief_roles"),
        ("interventions", "0009_seed_analysis_codes"),
    ]

    operations = [migrations.RunPython(update_roles, migrations.RunPython.noop)]
