"""Build an input pack synchronously from the command line, with progress on the terminal."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from briefs.enums import PackStage, describe
from briefs.pipeline import generate_pack_pdf
from briefs.selectors import PackScope, get_pack_series, get_pack_session
from briefs.services import validate_pack_filters, validate_pack_scope
from sessions_app.models import ListeningSession, Series


class Command(BaseCommand):
    help = (
        "Build the input pack of a session, of a series or of several sessions as a PDF file "
        "(the same PDF as the site builds)."
    )

    def add_arguments(self, parser):
        parser.add_argument("session_slug", nargs="?", help="The session (or use --series).")
        parser.add_argument(
            "--series", help="A pack of the series' public sessions (or those --session names)."
        )
        parser.add_argument(
            "--session",
            action="append",
            default=[],
            dest="sessions",
            help="With --series, or alone: a session of a pack of several (repeat).",
        )
        parser.add_argument("--output", "-o", required=True, help="Path of the PDF to write.")
        parser.add_argument("--theme", action="append", default=[], help="Theme slug (repeat).")
        parser.add_argument("--region", action="append", default=[], help="Region slug (repeat).")
        parser.add_argument("--kind", action="append", default=[], help="Intervention kind.")

    def scope(self, options) -> PackScope:
        slugs = [options["session_slug"], *options["sessions"]]
        slugs = [slug for slug in slugs if slug]
        if not slugs and not options["series"]:
            raise CommandError("Name a session, or a series with --series.")
        sessions = []
        for slug in slugs:
            try:
                sessions.append(get_pack_session(slug=slug))
            except ListeningSession.DoesNotExist:
                raise CommandError(f"Unknown session: {slug}")
        series = None
        if options["series"]:
            try:
                series = get_pack_series(slug=options["series"])
            except Series.DoesNotExist:
                raise CommandError(f"Unknown series: {options['series']}")
        try:
            return validate_pack_scope(sessions=sessions, series=series)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages))

    def handle(self, *args, **options):
        scope = self.scope(options)
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
            generated = generate_pack_pdf(scope=scope, filters=filters, progress=progress)
        output.write_bytes(generated.pdf)
        self.stdout.write(
            self.style.SUCCESS(
                f"[100%] {output}: {generated.page_count} pages, "
                f"{generated.intervention_count} interventions, {generated.seconds:.1f} s"
            )
        )
