"""Browser journeys: a live server and a real Chromium driven by Playwright."""

import os
import shutil

import pytest
from playwright.sync_api import sync_playwright

# Playwright's sync API runs an event loop in this thread; Django's ORM calls made by
# the test itself are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _system_chromium() -> str | None:
    for candidate in (
        "/usr/bin/chromium",
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
    ):
        if candidate and os.path.exists(candidate):
            return candidate
    return None


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        executable = _system_chromium()
        if executable:
            browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        else:  # an ordinary laptop: Playwright's own browser (`playwright install chromium`)
            browser = playwright.chromium.launch(args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def console_errors():
    return []


@pytest.fixture
def page(browser, live_server, transactional_db, console_errors, settings):
    # Links in emails are built from SITE_URL: here the site is the live server.
    settings.SITE_URL = live_server.url
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    page = context.new_page()
    page.on("console", lambda msg: console_errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: console_errors.append(str(exc)))
    page.set_default_timeout(15000)
    yield page
    context.close()
