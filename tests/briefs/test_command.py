from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.helpers import pdf_text


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
