"""Data protection: export, account deletion, and purging after a session is held."""

import json
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from briefs.models import BriefPack
from briefs.pipeline import PARTS_FOLDER
from briefs.tasks import task_build_brief_pack
from interventions.models import Intervention
from listening.privacy import delete_account, purge_personal_data
from sessions_app.models import FloorRequest, Profile, Registration
from tests.factories import (
    PASSWORD,
    BriefPackFactory,
    FloorRequestFactory,
    InterventionFactory,
    ListeningSessionFactory,
    ProfileFactory,
    RegistrationFactory,
    UserFactory,
)
from tests.helpers import pdf_text

pytestmark = pytest.mark.django_db


def test_download_my_data_contains_only_my_data(client):
    me = ProfileFactory(full_name="Ana Ruiz", organization="Red Migrante").user
    other = ProfileFactory(full_name="Someone Else").user
    RegistrationFactory(user=me, role="Coordinator", accessibility_needs="Captions")
    InterventionFactory(author=me, title="My own input")
    InterventionFactory(author=other, title="Not mine")
    client.force_login(me)

    response = client.get("/en/privacy/my-data/download/")

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="listening-my-data.json"'
    assert response["Cache-Control"] == "private, no-store"
    data = json.loads(response.content)
    assert data["account"]["email"] == me.email
    assert data["profile"]["full_name"] == "Ana Ruiz"
    assert [r["role"] for r in data["registrations"]] == ["Coordinator"]
    assert [r["accessibility_needs"] for r in data["registrations"]] == ["Captions"]
    assert [i["title"] for i in data["interventions"]] == ["My own input"]
    [mine] = data["interventions"]
    assert (mine["status"], mine["credit_choice"], mine["regions"]) == (
        "draft",
        "named",
        ["africa"],
    )
    assert "Someone Else" not in response.content.decode()


def test_my_data_pages_need_sign_in(client):
    for url in (
        "/en/privacy/my-data/",
        "/en/privacy/my-data/download/",
        "/en/privacy/delete-account/",
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/en/accounts/login/")


def test_delete_account_keeps_approved_interventions_anonymously(client):
    profile = ProfileFactory(full_name="Ana Ruiz", organization="Red Migrante")
    me = profile.user
    RegistrationFactory(user=me)
    approved = InterventionFactory(
        author=me, status="approved", credit="named", credit_name="Ana Ruiz",
        credit_organization="Red Migrante",
    )  # fmt: skip
    InterventionFactory(author=me, status="draft", title="Unfinished")
    InterventionFactory(author=me, status="submitted", title="Waiting")
    client.force_login(me)

    response = client.post("/en/privacy/delete-account/", {"password": PASSWORD, "confirm": "on"})

    assert response.status_code == 302
    assert response["Location"] == "/en/"
    assert not get_user_model().objects.filter(pk=me.pk).exists()
    assert not Profile.objects.filter(pk=profile.pk).exists()
    assert Registration.objects.filter(user_id=me.pk).count() == 0
    assert list(Intervention.objects.values_list("pk", flat=True)) == [approved.pk]
    approved.refresh_from_db()
    kept = (approved.author, approved.credit, approved.credit_name, approved.credit_organization)
    assert kept == (None, "anonymous", "", "")
    assert approved.public_credit == "Anonymous participant"
    assert "_auth_user_id" not in client.session


def test_delete_account_with_a_wrong_password_changes_nothing(client):
    me = UserFactory(stakeholder=True)
    InterventionFactory(author=me, status="approved")
    client.force_login(me)

    response = client.post("/en/privacy/delete-account/", {"password": "wrong", "confirm": "on"})

    assert response.status_code == 200
    assert "This password is not correct." in response.text
    assert get_user_model().objects.filter(pk=me.pk).exists()
    assert Intervention.objects.get().author == me


def test_purge_clears_details_after_the_retention_period():
    long_ago = timezone.now() - timedelta(days=400)
    held = ListeningSessionFactory(status="held", starts_at=long_ago)
    recent = ListeningSessionFactory(status="held", starts_at=timezone.now() - timedelta(days=10))
    listed = RegistrationFactory(
        session=held, organization="Listed org", consent_to_be_listed=True,
        role="Director", accessibility_needs="Sign language", wishes_to_speak=True,
    )  # fmt: skip
    unlisted = RegistrationFactory(
        session=held, organization="Unlisted org", consent_to_be_listed=False, role="Officer"
    )
    kept = RegistrationFactory(session=recent, role="Kept role", accessibility_needs="Captions")

    call_command("purge_personal_data", "--days", "365", stdout=open("/dev/null", "w"))  # noqa: SIM115

    listed.refresh_from_db()
    unlisted.refresh_from_db()
    kept.refresh_from_db()
    assert (listed.role, listed.accessibility_needs, listed.wishes_to_speak) == ("", "", False)
    assert listed.organization == "Listed org"
    assert (unlisted.role, unlisted.organization, str(unlisted.country)) == ("", "", "")
    assert (kept.role, kept.accessibility_needs) == ("Kept role", "Captions")

    assert purge_personal_data(retention_days=365) == 0


def test_purge_clears_what_speakers_said_they_would_speak_about():
    long_ago = timezone.now() - timedelta(days=400)
    held = ListeningSessionFactory(status="held", starts_at=long_ago)
    recent = ListeningSessionFactory(status="held", starts_at=timezone.now() - timedelta(days=9))
    named = FloorRequestFactory(session=held, credit="named", topic="Shelter in Calais")
    anonymous = FloorRequestFactory(session=held, credit="anonymous", topic="Camps")
    by_organization = FloorRequestFactory(session=held, credit="organization", topic="")
    kept = FloorRequestFactory(session=recent, credit="anonymous", topic="Kept topic")

    assert purge_personal_data(retention_days=365) == 3
    rows = {
        fr.pk: (fr.topic, fr.credit_name != "", fr.credit_organization != "")
        for fr in FloorRequest.objects.all()
    }
    assert rows == {
        named.pk: ("", True, True),
        anonymous.pk: ("", False, False),
        by_organization.pk: ("", False, True),
        kept.pk: ("Kept topic", True, True),
    }
    assert purge_personal_data(retention_days=365) == 0


def test_deleting_an_account_gives_its_seat_to_the_waitlist(
    client, django_capture_on_commit_callbacks
):
    session = ListeningSessionFactory(capacity=1)
    me = UserFactory(stakeholder=True)
    RegistrationFactory(session=session, user=me, status="confirmed")
    waiting = RegistrationFactory(session=session, status="waitlisted")
    client.force_login(me)

    with django_capture_on_commit_callbacks(execute=False):
        client.post("/en/privacy/delete-account/", {"password": PASSWORD, "confirm": "on"})

    waiting.refresh_from_db()
    assert waiting.status == "confirmed"


def stored_pack_texts() -> dict[str, str]:
    """The text of every pack and section in private storage (pdftotext over each stored PDF,
    a section's layout record as it is)."""
    root = Path(settings.STORAGES["private"]["OPTIONS"]["location"])
    texts = {str(p.relative_to(root)): pdf_text(p.read_bytes()) for p in root.rglob("*.pdf")}
    texts.update({str(p.relative_to(root)): p.read_text() for p in root.rglob("*.json")})
    return texts


def stored_packs() -> set[str]:
    """The names of the packs in private storage (not their stored sections)."""
    return {name for name in stored_pack_texts() if not name.startswith(PARTS_FOLDER)}


def test_delete_account_withdraws_stored_packs_and_the_download_gives_the_anonymous_rebuild(
    client, wg3, django_capture_on_commit_callbacks
):
    # Earlier tests in this process may have left packs in the private folder: start empty.
    root = Path(settings.STORAGES["private"]["OPTIONS"]["location"])
    for path in root.rglob("*.pdf"):
        path.unlink()
    profile = ProfileFactory(full_name="Ana Ruizpack", organization="Red Migrantepack")
    me = profile.user
    session = ListeningSessionFactory()
    RegistrationFactory(user=me, session=session, status="confirmed", consent_to_be_listed=True,
                        organization="Red Migrantepack")  # fmt: skip
    InterventionFactory(
        author=me, session=session, status="approved", credit="named",
        credit_name="Ana Ruizpack", credit_organization="Red Migrantepack",
    )  # fmt: skip
    pack = BriefPackFactory(session=session, requested_by=wg3)
    task_build_brief_pack(pack_id=pack.pk)
    pack.refresh_from_db()
    old_file = pack.pdf.name
    assert "Ana Ruizpack" in stored_pack_texts()[old_file]
    sections = {n: t for n, t in stored_pack_texts().items() if n.startswith(PARTS_FOLDER)}
    assert any("Ana Ruizpack" in text for text in sections.values())

    with django_capture_on_commit_callbacks(execute=True):
        delete_account(user=me)

    pack.refresh_from_db()
    assert (pack.status, pack.pdf.name) == ("queued", "")
    for text in stored_pack_texts().values():
        assert "Ruizpack" not in text and "Migrantepack" not in text
    client.force_login(wg3)
    assert client.get(pack.download_url)["Location"] == pack.get_absolute_url()

    task_build_brief_pack(pack_id=pack.pk)  # what the worker does with the re-sent task

    response = client.get(pack.download_url)
    assert response.status_code == 200
    text = pdf_text(b"".join(response.streaming_content))
    assert "Ruizpack" not in text and "Migrantepack" not in text
    assert "Anonymous participant" in text
    assert stored_packs() == {BriefPack.objects.get(pk=pack.pk).pdf.name}
    for text in stored_pack_texts().values():
        assert "Ruizpack" not in text and "Migrantepack" not in text


def pdftotext_every_stored_file() -> dict[str, str]:
    """pdftotext over every file in private storage, whatever its name."""
    root = Path(settings.STORAGES["private"]["OPTIONS"]["location"])
    texts = {}
    for path in root.rglob("*"):
        if path.suffix == ".json":
            texts[str(path.relative_to(root))] = path.read_text()
        elif path.is_file():
            done = subprocess.run(
                ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
            )
            texts[str(path.relative_to(root))] = " ".join(done.stdout.split())
    return texts


def test_the_retention_purge_withdraws_packs_that_show_what_it_clears(
    client, wg3, django_capture_on_commit_callbacks
):
    root = Path(settings.STORAGES["private"]["OPTIONS"]["location"])
    for path in root.rglob("*.pdf"):
        path.unlink()
    session = ListeningSessionFactory(status="held", starts_at=timezone.now() - timedelta(days=400))
    recent = ListeningSessionFactory(status="held", starts_at=timezone.now() - timedelta(days=5))
    for held in (session, recent):
        InterventionFactory(session=held, status="approved", body="Sentinelretained input.")
    listed = RegistrationFactory(
        session=session, status="confirmed", consent_to_be_listed=True,
        organization="Red Purgeable Collective",
    )  # fmt: skip
    RegistrationFactory(session=recent, status="confirmed", consent_to_be_listed=True,
                        organization="Recent Listed Union")  # fmt: skip
    old_pack = BriefPackFactory(session=session, requested_by=wg3)
    recent_pack = BriefPackFactory(session=recent, requested_by=wg3)
    for pack in (old_pack, recent_pack):
        task_build_brief_pack(pack_id=pack.pk)
    old_pack.refresh_from_db()
    assert "Red Purgeable Collective" in pdftotext_every_stored_file()[old_pack.pdf.name]
    # The organization withdrew its consent to be listed after the pack was built.
    Registration.objects.filter(pk=listed.pk).update(consent_to_be_listed=False)

    with django_capture_on_commit_callbacks(execute=True):
        assert purge_personal_data(retention_days=365) == 1

    old_pack.refresh_from_db()
    recent_pack.refresh_from_db()
    assert (old_pack.status, old_pack.pdf.name) == ("queued", "")
    assert recent_pack.status == "done"  # a session inside the retention period is untouched
    texts = pdftotext_every_stored_file()
    assert [name for name in texts if not name.startswith(PARTS_FOLDER)] == [recent_pack.pdf.name]
    assert all("Red Purgeable" not in text for text in texts.values())
    client.force_login(wg3)
    assert client.get(old_pack.download_url)["Location"] == old_pack.get_absolute_url()

    task_build_brief_pack(pack_id=old_pack.pk)  # the worker builds it again

    response = client.get(old_pack.download_url)
    assert response.status_code == 200
    assert "Sentinelretained" in pdf_text(b"".join(response.streaming_content))
    texts = pdftotext_every_stored_file()
    assert len([name for name in texts if not name.startswith(PARTS_FOLDER)]) == 2
    assert all("Red Purgeable" not in text for text in texts.values())
    with django_capture_on_commit_callbacks(execute=True):
        assert purge_personal_data(retention_days=365) == 0
    assert BriefPack.objects.get(pk=old_pack.pk).status == "done"
