from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from listening.backups import BackupError, restore_data


class Command(BaseCommand):
    help = (
        "Restore an archive made by backup_data: replaces the database's tables and the "
        "private files. Stop the web, worker, beat and relay processes first."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="A listening-backup-….tar.gz file.")
        parser.add_argument("--yes", action="store_true", help="Do not ask for confirmation.")

    def handle(self, *args, archive, yes, **options):
        if not yes:
            answer = input("This replaces the database and the private files. Type 'yes': ")
            if answer.strip() != "yes":
                raise CommandError("Restore cancelled.")
        connections.close_all()
        try:
            files = restore_data(archive=Path(archive))
        except BackupError as exc:
            raise CommandError(str(exc))
        self.stdout.write(f"restored {archive} ({files} private files)")
