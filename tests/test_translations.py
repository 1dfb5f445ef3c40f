"""The French and Spanish catalogues are complete, reviewed and in step with the source."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ["fr", "es"]
MAKEMESSAGES = [
    "makemessages", "--locale", "fr", "--locale", "es", "--no-obsolete", "--no-location",
    "--ignore", ".venv/*", "--ignore", "var/*", "--ignore", "tests/*",
]  # fmt: skip


def catalogue(language: str) -> polib.POFile:
    return polib.pofile(str(ROOT / "locale" / language / "LC_MESSAGES" / "django.po"))


def _key(entry: polib.POEntry) -> tuple[str, str, str]:
    return (entry.msgctxt or "", entry.msgid, entry.msgid_plural or "")


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_is_fully_translated(language):
    po = catalogue(language)
    assert len(po) > 100
    assert [e.msgid for e in po.untranslated_entries()] == []
    assert [e.msgid for e in po.fuzzy_entries()] == []
    assert po.percent_translated() == 100


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_placeholders(language):
    placeholder = re.compile(r"%\(\w+\)[sd]|\{\w*\}|%[sd]")
    broken = []
    for entry in catalogue(language).translated_entries():
        translations = (
            [entry.msgstr] if not entry.msgid_plural else list(entry.msgstr_plural.values())
        )
        expected = sorted(placeholder.findall(entry.msgid_plural or entry.msgid))
        for text in translations:
            if sorted(placeholder.findall(text)) != expected and not (
                entry.msgid_plural
                and sorted(placeholder.findall(entry.msgid)) == sorted(placeholder.findall(text))
            ):
                broken.append(entry.msgid)
    assert broken == []


def test_catalogues_are_in_step_with_the_source(tmp_path):
    if shutil.which("xgettext") is None:
        if os.environ.get("CI"):
            pytest.fail("CI must install GNU gettext (xgettext) to check the catalogues")
        pytest.skip("GNU gettext is not installed on this machine")
    copy = tmp_path / "project"
    shutil.copytree(
        ROOT, copy, ignore=shutil.ignore_patterns(".venv", "var", ".git", "__pycache__", "*.mo")
    )
    subprocess.run(
        [sys.executable, "manage.py", *MAKEMESSAGES],
        cwd=copy, check=True, capture_output=True, text=True,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
             "DJANGO_SETTINGS_MODULE": "listening.settings.test"},
    )  # fmt: skip
    for language in LANGUAGES:
        fresh = polib.pofile(str(copy / "locale" / language / "LC_MESSAGES" / "django.po"))
        missing = sorted({_key(e) for e in fresh} - {_key(e) for e in catalogue(language)})
        stale = sorted({_key(e) for e in catalogue(language)} - {_key(e) for e in fresh})
        assert (language, missing, stale) == (language, [], [])
