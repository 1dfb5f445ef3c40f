from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from listening.backups import BackupError, backup_data, prune_backups


class Command(BaseCommand):
    help = (
        "Back up the database and the private files (packs) into one archive, then delete "
        "archives older than the retention period."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output-dir", default=settings.BACKUP_DIR, help="Archive folder.")
        parser.add_argument(
            "--keep-days",
            type=int,
            default=settings.PERSONAL_DATA_RETENTION_DAYS,
            help="Delete archives older than this (default: the personal-data retention).",
        )

    def handle(self, *args, output_dir, keep_days, **options):
        try:
            result = backup_data(output_dir=Path(output_dir))
        except BackupError as exc:
            raise CommandError(str(exc))
        self.stdout.write(f"{result.path} ({result.files} private files)")
        for path in prune_backups(backup_dir=Path(output_dir), keep_days=keep_days):
            self.stdout.write(f"deleted {path} (older than {keep_days} days)")
