from django.db import migrations, models


def move_content_type(apps, schema_editor):
    """Keep the outbox's content type (and the permissions tied to it) under its new app."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    if ContentType.objects.filter(app_label="core", model="outboxmessage").exists():
        return
    ContentType.objects.filter(app_label="listening", model="outboxmessage").update(
        app_label="core"
    )


def restore_content_type(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if ContentType.objects.filter(app_label="listening", model="outboxmessage").exists():
        return
    ContentType.objects.filter(app_label="core", model="outboxmessage").update(
        app_label="listening"
    )


class Migration(migrations.Migration):
    """`OutboxMessage` now belongs to `core`; its table `listening_outboxmessage` is created by
    `listening`'s first migration and kept as it is, rows included."""

    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("listening", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="OutboxMessage",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("task_name", models.CharField(max_length=200, verbose_name="task")),
                        ("kwargs", models.JSONField(default=dict, verbose_name="arguments")),
                        ("status", models.CharField(choices=[("pending", "Pending"), ("running", "Running"), ("done", "Done"), ("failed", "Failed")], default="pending", max_length=16, verbose_name="status")),
                        ("attempts", models.PositiveIntegerField(default=0, verbose_name="attempts")),
                        ("last_error", models.TextField(blank=True, verbose_name="last error")),
                        ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created")),
                        ("enqueued_at", models.DateTimeField(blank=True, null=True, verbose_name="last enqueued")),
                        ("done_at", models.DateTimeField(blank=True, null=True, verbose_name="done")),
                    ],
                    options={
                        "verbose_name": "outbox message",
                        "verbose_name_plural": "outbox messages",
                        "ordering": ["created_at", "id"],
                        "db_table": "listening_outboxmessage",
                        "indexes": [models.Index(fields=["status", "created_at"], name="listening_o_status_2b6e02_idx")],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_type, restore_content_type),
    ]
