from django.db import migrations


class Migration(migrations.Migration):
    """Hand `OutboxMessage` over to the `core` app: only Django's view of the model moves;
    the table and every row in it stay where they are."""

    dependencies = [
        ("listening", "0003_site"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="OutboxMessage")],
            database_operations=[],
        ),
    ]
