"""Plain HTTP conventions: HEAD wherever GET works, a meta description on public pages."""

import re

import pytest

from tests.helpers import beat_all
from tests.pages import EVERY_PAGE, PUBLIC, seed_pages_demo, visit

DESCRIPTION = re.compile(r'<meta name="description" content="([^"]+)">')


@pytest.fixture
def demo(db):
    return seed_pages_demo()


def test_healthz_answers_head(client, db):
    beat_all()  # a running platform: /healthz answers 200
    response = client.head("/healthz")
    assert response.status_code == 200
    assert response.content == b""


def test_every_page_answers_head_as_get(client, demo):
    answers = {}
    for path, response in visit(client, "en", demo):
        assert response.status_code == 200, path
        head = client.head(response.wsgi_request.path)
        answers[path] = (head.status_code, head.content)
    assert answers == dict.fromkeys(answers, (200, b""))
    assert len(answers) == len(set(EVERY_PAGE))


def test_head_works_for_the_public_pages_signed_out(client, demo):
    assert {path: client.head(f"/en{path}").status_code for path in PUBLIC} == dict.fromkeys(
        PUBLIC, 200
    )


def test_public_pages_have_a_meta_description(client, demo):
    descriptions = {}
    for path in PUBLIC:
        html = client.get(f"/fr{path}").content.decode()
        descriptions[path] = DESCRIPTION.findall(html)
    assert {path: len(found) for path, found in descriptions.items()} == dict.fromkeys(PUBLIC, 1)
    session = descriptions["/sessions/covid-19-regular-pathways/"][0]
    home = descriptions["/"][0]
    assert session != home
    assert "Réseau des Nations Unies sur les migrations" in home
