"""Every public and stakeholder page, crawled in French and Spanish: the right `lang`, and no
interface string left in English."""

import re
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.contrib.auth import get_user_model

from tests.pages import PUBLIC, STAKEHOLDER, WORKING_GROUP, seed_pages_demo

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"%\(|%[sd]|\{")


class TextNodes(HTMLParser):
    """Visible text nodes and the human-facing attributes of a page, leaving out scripts and
    elements marked as another language (the switcher names each language in itself)."""

    def __init__(self, language: str):
        super().__init__()
        self.language = language
        self.skipping: list[str] = []
        self.texts: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        foreign = attributes.get("lang") not in (None, self.language) and tag != "html"
        if tag in ("script", "style") or foreign:
            self.skipping.append(tag)
            return
        for name in ("placeholder", "aria-label", "title", "alt"):
            if attributes.get(name):
                self.texts.append(" ".join(attributes[name].split()))

    def handle_endtag(self, tag):
        if self.skipping and self.skipping[-1] == tag:
            self.skipping.pop()

    def handle_data(self, data):
        text = " ".join(data.split())
        if text and not self.skipping:
            self.texts.append(text)


def english_interface_strings(language: str) -> set[str]:
    """Our msgids whose translation differs from the English (so English on the page is a
    leftover), without placeholders (those never appear verbatim)."""
    po = polib.pofile(str(ROOT / "locale" / language / "LC_MESSAGES" / "django.po"))
    return {
        entry.msgid
        for entry in po.translated_entries()
        if not entry.msgid_plural
        and entry.msgstr != entry.msgid
        and not PLACEHOLDER.search(entry.msgid)
        and len(entry.msgid) > 2
    }


def texts(html: str, language: str) -> list[str]:
    parser = TextNodes(language)
    parser.feed(html)
    return parser.texts


@pytest.fixture
def demo(db):
    return seed_pages_demo()


def crawl(client, pages, language, demo):
    leftovers = {}
    english = english_interface_strings(language)
    for path in pages:
        response = client.get(f"/{language}{path.format(**demo)}")
        assert response.status_code == 200, path
        html = response.content.decode()
        assert f'<html lang="{language}">' in html, path
        found = sorted(set(texts(html, language)) & english)
        if found:
            leftovers[path] = found
    return leftovers


@pytest.mark.parametrize("language", ["fr", "es"])
def test_pages_have_no_english_left(client, demo, language):
    User = get_user_model()
    results = {"public": crawl(client, PUBLIC, language, demo)}
    client.force_login(User.objects.get(email="stakeholder@example.org"))
    results["stakeholder"] = crawl(client, STAKEHOLDER, language, demo)
    client.force_login(User.objects.get(email="wg3@example.org"))
    results["working group"] = crawl(client, WORKING_GROUP, language, demo)
    assert results == {"public": {}, "stakeholder": {}, "working group": {}}


def test_the_crawl_notices_english(client, demo):
    """The check itself works: the English page is full of strings it would flag."""
    english = english_interface_strings("fr")
    html = client.get("/en/sessions/covid-19-regular-pathways/").content.decode()
    assert len(set(texts(html, "en")) & english) > 5
