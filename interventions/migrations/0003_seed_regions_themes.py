from django.db import migrations

from interventions.reference_data import seed_regions_and_themes


def seed(apps, schema_editor):
    seed_regions_and_themes(apps)


class Migration(migrations.Migration):
    dependencies = [("interventions", "0002_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
