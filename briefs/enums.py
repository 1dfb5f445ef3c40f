from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy, pgettext_lazy


class PackStatus(models.TextChoices):
    QUEUED = "queued", pgettext_lazy("pack status", "Queued")
    RUNNING = "running", pgettext_lazy("pack status", "Building")
    DONE = "done", pgettext_lazy("pack status", "Ready")
    FAILED = "failed", pgettext_lazy("pack status", "Failed")


class PackStage(models.TextChoices):
    """Where a pack's build is, stored as a code with its parameters (`BriefPack.stage_params`)
    and put into words only when shown, in the reader's language."""

    WAITING = "waiting", _("waiting for a worker")
    RESTARTING = (
        "restarting",
        _("waiting for a worker: the previous one was lost, so the build restarts"),
    )
    COLLECTING = "collecting", _("collecting inputs")
    # Translators: %(title)s is the title of a section of the input pack.
    SECTION = "section", _("rendering section “%(title)s”")
    LAYOUT = "layout", _("laying out page %(page)d")
    # Translators: sections of the input pack, laid out one by one (in parallel).
    PARTS = "parts", _("laid out %(done)d of %(total)d sections")
    MERGING = "merging", _("merging the sections into one PDF")
    WRITING = "writing", _("writing PDF")
    READY = "ready", _("ready")
    WITHDRAWN = "withdrawn", _("withdrawn: being built again without removed personal data")
    FAILED = "failed", _("failed")


class PackError(models.TextChoices):
    """Why a pack failed, stored as a code with its parameters (`BriefPack.error_params`)."""

    TIME_LIMIT = (
        "time_limit",
        ngettext_lazy(
            "The build took longer than the time limit of %(minutes)d minute. "
            "Try again, or narrow the pack with filters.",
            "The build took longer than the time limit of %(minutes)d minutes. "
            "Try again, or narrow the pack with filters.",
            "minutes",
        ),
    )
    BUILD = "build", _("The PDF could not be built (%(error)s).")
    PART = (
        "part",
        _("The section “%(title)s” could not be laid out after %(attempts)d attempts (%(error)s)."),
    )
    WORKER_LOST = (
        "worker_lost",
        _(
            "The build stopped without finishing %(attempts)d times: its worker was lost "
            "(stopped, restarted or out of memory). Try again, or narrow the pack with "
            "filters."
        ),
    )


def describe(choices: type[models.TextChoices], code: str, params: dict) -> str:
    """The words for a stored code in the active language; an unknown code reads as itself."""
    try:
        label = choices(code).label
    except ValueError:
        return code
    # A plural label (ngettext_lazy) picks its form from the parameters.
    return str(label % params) if params else str(label)


class MatrixView(models.TextChoices):
    """What the evidence matrix crosses."""

    THEME_CODE = "theme-code", _("Theme × code")
    REGION_THEME = "region-theme", _("Region × theme")


class PartStatus(models.TextChoices):
    """Where one section of a pack's build is (`PackPart`)."""

    PENDING = "pending", pgettext_lazy("pack section status", "Waiting")
    RUNNING = "running", pgettext_lazy("pack section status", "Being laid out")
    DONE = "done", pgettext_lazy("pack section status", "Laid out")
