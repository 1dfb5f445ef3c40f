from django.db import migrations

from interventions.reference_data import seed_analysis_codes


def seed(apps, schema_editor):
    """Working Group 3's coding frame as it starts: the kinds the announcement names."""
    seed_analysis_codes(apps)


class Migration(migrations.Migration):
    dependencies = [("interventions", "0008_quotes_and_codes")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
