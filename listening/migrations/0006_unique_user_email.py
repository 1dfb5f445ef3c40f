import sys

from django.db import migrations
from django.db.models import Count
from django.db.models.functions import Lower

INDEX = "listening_user_email_ci_uniq"


def add_unique_email(apps, schema_editor):
    """One account per email, case-insensitively, enforced by a unique index on LOWER(email)
    (blank emails aside). Accounts already sharing an email are reported, not changed: the
    oldest of each group keeps the email under the index, the others are left out of it by
    id, so the migration does not fail and no new duplicate can be made."""
    User = apps.get_model("auth", "User")
    groups = (
        User.objects.exclude(email="")
        .annotate(key=Lower("email"))
        .values("key")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .order_by("key")
    )
    left_out = []
    for group in groups:
        accounts = list(
            User.objects.annotate(key=Lower("email"))
            .filter(key=group["key"])
            .order_by("date_joined", "id")
            .values_list("id", flat=True)
        )
        left_out += accounts[1:]
        sys.stdout.write(
            f"\n  Duplicate accounts for {group['key']}: user ids {accounts} "
            f"(kept: {accounts[0]}; merge or delete the others)"
        )
    quote = schema_editor.quote_name
    table = quote(User._meta.db_table)
    email = quote(User._meta.get_field("email").column)
    condition = f"{email} <> ''"
    if left_out:
        condition += f" AND {quote('id')} NOT IN ({', '.join(str(pk) for pk in left_out)})"
    schema_editor.execute(
        f"CREATE UNIQUE INDEX {quote(INDEX)} ON {table} (LOWER({email})) WHERE {condition}"
    )


def drop_unique_email(apps, schema_editor):
    schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(INDEX)}")


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("listening", "0005_roles_registration_history"),
    ]

    operations = [migrations.RunPython(add_unique_email, drop_unique_email)]
