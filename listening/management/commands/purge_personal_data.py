from django.conf import settings
from django.core.management.base import BaseCommand

from listening.privacy import purge_personal_data


class Command(BaseCommand):
    help = (
        "Clear registrations' personal details for sessions held more than "
        "PERSONAL_DATA_RETENTION_DAYS ago (run daily; idempotent)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=settings.PERSONAL_DATA_RETENTION_DAYS,
            help="Retention period in days (default: PERSONAL_DATA_RETENTION_DAYS).",
        )

    def handle(self, *args, days: int, **options):
        purged = purge_personal_data(retention_days=days)
        self.stdout.write(f"Purged personal details of {purged} registration(s).")
