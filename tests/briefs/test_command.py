import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from pypdf import PdfReader

from briefs import pipeline
from briefs.pipeline import delete_part, stored_part_keys
from interventions.models import Theme
from tests.helpers import pdf_text

GENERATED = re.compile(r"Generated .{10,40}? UTC")


def test_command_writes_the_pack_with_progress(tmp_path, pack_session, approved):
    approved(kind="challenge", body="Sentinelcommandkept")
    approved(kind="recommendation", body="Sentinelcommanddropped")
    output = tmp_path / "pack.pdf"
    stdout = StringIO()

    call_command(
        "build_brief_pack",
        pack_session.slug,
        "--output",
        str(output),
        "--kind",
        "challenge",
        "--region",
        "africa",
        "--theme",
        "regularization",
        stdout=stdout,
    )

    text = pdf_text(output.read_bytes())
    assert "Sentinelcommandkept" in text
    assert "Sentinelcommanddropped" not in text
    lines = stdout.getvalue().splitlines()
    assert lines[0] == "[  2%] collecting inputs"
    assert "[ 92%] merging the sections into one PDF" in lines
    assert lines[-1].startswith(f"[100%] {output}: ")
    assert "1 interventions" in lines[-1]


def test_without_a_worker_the_command_lays_sections_out_in_a_process_pool(
    tmp_path, pack_session, approved, settings, monkeypatch
):
    """Two processes of a local pool lay the sections out; the pack is the same as laid out
    in this process alone."""
    for slug in ("regularization", "labour-pathways", "family-reunification"):
        approved(
            body=f"Sentinelpool{slug} " + "Permits lapsed. " * 80,
            primary_theme=Theme.objects.get(slug=slug),
        )
    laid_out_here = []
    real = pipeline.render_part

    def counting(**kwargs):
        laid_out_here.append(1)
        return real(**kwargs)

    monkeypatch.setattr(pipeline, "render_part", counting)
    pages, counts = {}, {}
    for processes in (2, 1):
        for key in stored_part_keys():
            delete_part(key)
        settings.PACK_LOCAL_PROCESSES = processes
        laid_out_here.clear()
        output = tmp_path / f"pack-{processes}.pdf"
        call_command(
            "build_brief_pack", pack_session.slug, "--output", str(output), stdout=StringIO()
        )
        counts[processes] = len(laid_out_here)
        # The cover says when each build ran, which may be a minute apart.
        pages[processes] = [
            GENERATED.sub("", " ".join(p.extract_text().split())) for p in PdfReader(output).pages
        ]
    # With the pool, only the contents is laid out in this process; alone, all 7 sections.
    assert counts == {2: 1, 1: 7}
    assert pages[2] == pages[1]
    assert "Sentinelpoolfamily-reunification" in " ".join(pages[2])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["no-such-session"], "Unknown session: no-such-session"),
        (["{slug}", "--theme", "nope"], "Unknown theme: nope"),
        (["{slug}", "--region", "atlantis"], "Unknown region: atlantis"),
        (["{slug}", "--kind", "gossip"], "Unknown type: gossip"),
    ],
)
def test_command_names_unknown_slugs(tmp_path, pack_session, args, message):
    args = [arg.format(slug=pack_session.slug) for arg in args]
    with pytest.raises(CommandError) as error:
        call_command("build_brief_pack", *args, "--output", str(tmp_path / "p.pdf"))
    assert str(error.value) == message
    assert not (tmp_path / "p.pdf").exists()
