from django.db import migrations, models


def give_references(apps, schema_editor):
    """Give every existing intervention its source ID (`LS3-017`): numbered within its session
    in the order they were created, the session's counter left at the last number given."""
    Intervention = apps.get_model("interventions", "Intervention")
    ListeningSession = apps.get_model("sessions_app", "ListeningSession")
    for session in ListeningSession.objects.order_by("number"):
        rows = Intervention.objects.filter(session=session).order_by("created_at", "id")
        number = 0
        for number, intervention in enumerate(rows, 1):
            intervention.reference = f"LS{session.number}-{number:03d}"
            intervention.save(update_fields=["reference"])
        session.last_intervention_number = number
        session.save(update_fields=["last_intervention_number"])


class Migration(migrations.Migration):
    dependencies = [
        ("interventions", "0004_oral_channel"),
        ("sessions_app", "0004_series_and_numbers"),
    ]

    operations = [
        migrations.AddField(
            model_name="intervention",
            name="reference",
            field=models.CharField(
                blank=True, editable=False, max_length=24, null=True, verbose_name="source ID"
            ),
        ),
        migrations.RunPython(give_references, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="intervention",
            name="reference",
            field=models.CharField(
                blank=True, editable=False, max_length=24, unique=True, verbose_name="source ID"
            ),
        ),
    ]
