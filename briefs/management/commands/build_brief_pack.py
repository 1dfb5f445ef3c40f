"""Build an input pack synchronously from the command line, with progress on the terminal."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from briefs.enums import PackStage, describe
from briefs.pipeline import generate_pack_pdf
from briefs.selectors import get_pack_session
from briefs.services import validate_pack_filters
from sessions_app.models import ListeningSession


class Command(BaseCommand):
    help = "Build the input pack of a session as a PDF file (the same PDF as the site builds)."

    def add_arguments(self, parser):
        parser.add_argument("session_slug")
        parser.add_argument("--output", "-o", required=True, help="Path of the PDF to write.")
        parser.add_argument("--theme", action="append", default=[], help="Theme slug (repeat).")
        parser.add_argument("--region", action="append", default=[], help="Region slug (repeat).")
        parser.add_argument("--kind", action="append", default=[], help="Intervention kind.")

    def handle(self, *args, **options):
        try:
            session = get_pack_session(slug=options["session_slug"])
        except ListeningSession.DoesNotExist:
            raise CommandError(f"Unknown session: {options['session_slug']}")
        try:
            filters = validate_pack_filters(
                themes=options["theme"], regions=options["region"], kinds=options["kind"]
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages))
        output = Path(options["output"])
        if not output.parent.is_dir():
            raise CommandError(f"No such folder: {output.parent}")

        def progress(percent: int, stage: PackStage, **params) -> None:
            self.stdout.write(f"[{percent:3d}%] {describe(PackStage, stage, params)}")

        with translation.override("en"):
            generated = generate_pack_pdf(session=session, filters=filters, progress=progress)
        output.write_bytes(generated.pdf)
        self.stdout.write(
            self.style.SUCCESS(
                f"[100%] {output}: {generated.page_count} pages, "
                f"{generated.intervention_count} interventions, {generated.seconds:.1f} s"
            )
        )
