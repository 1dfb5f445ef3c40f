from django.db import migrations

from listening.roles import ensure_site


def name_site(apps, schema_editor):
    ensure_site(apps)


class Migration(migrations.Migration):
    dependencies = [("listening", "0002_roles"), ("sites", "0002_alter_domain_unique")]

    operations = [migrations.RunPython(name_site, migrations.RunPython.noop)]
