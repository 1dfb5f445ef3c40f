"""A pack's sections as the site builds them: a row per section, each laid out on its own (as
a task of its own on the workers), stored and reused by later packs, with the pack's progress
counting them; duplicate deliveries, failing and lost sections, and the cleanup of old ones."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from briefs import services
from briefs.models import BriefPack, PackPart
from briefs.pipeline import delete_part, stored_part_keys
from briefs.services import (
    build_brief_pack,
    claim_brief_pack,
    delete_unused_pack_parts,
    lay_out_pack_part,
    request_brief_pack,
    requeue_stuck_packs,
)
from interventions.models import Theme

WORDS = "Migrants lost their permits when the offices closed. " * 10


@pytest.fixture(autouse=True)
def no_stored_sections():
    """Start without stored sections (an earlier test may have stored the same ones)."""
    for key in stored_part_keys():
        delete_part(key)


@pytest.fixture
def themed(pack_session, approved):
    for n, slug in enumerate(["regularization", "labour-pathways", "regularization"]):
        approved(title=f"Input {n}", body=WORDS, primary_theme=Theme.objects.get(slug=slug))
    return pack_session


def claimed_pack(session, user, **filters) -> BriefPack:
    pack = request_brief_pack(session=session, user=user, **filters).pack
    assert claim_brief_pack(pack_id=pack.pk)
    return pack


@pytest.fixture
def layouts(monkeypatch):
    """The sections laid out, by key, as WeasyPrint is called for them."""
    calls = []
    real = services.lay_out_part

    def counting(html, link_targets=None):
        calls.append(html)
        return real(html, link_targets)

    monkeypatch.setattr(services, "lay_out_part", counting)
    return calls


def test_a_pack_is_built_from_its_sections(themed, wg3):
    pack = claimed_pack(themed, wg3)
    with translation.override("en"):
        built = build_brief_pack(pack_id=pack.pk)
    assert (built.status, built.progress, built.stage_text) == ("done", 100, "ready")
    parts = list(built.parts.values_list("key", "status", "reused"))
    assert parts == [
        ("cover", "done", False),
        ("contents", "done", False),
        ("figures", "done", False),
        ("theme-regularization", "done", False),
        ("theme-labour-pathways", "done", False),
        ("annexes", "done", False),
    ]
    assert sum(built.parts.exclude(key="contents").values_list("page_count", flat=True)) + 1 == (
        built.page_count
    )
    assert not built.parts.exclude(html="").exclude(key="contents").exists()


def test_a_later_pack_reuses_the_unchanged_sections(themed, wg3, layouts):
    first = claimed_pack(themed, wg3)
    with translation.override("en"):
        build_brief_pack(pack_id=first.pk)
        layouts.clear()
        # Another filter: the front matter and annexes name it; the themes are unchanged.
        second = claimed_pack(themed, wg3, kinds=["challenge", "new_avenue", "promising_practice"])
        built = build_brief_pack(pack_id=second.pk)
    assert built.status == "done"
    reused = set(built.parts.filter(reused=True).values_list("key", flat=True))
    assert reused == {"theme-regularization", "theme-labour-pathways"}
    assert len(layouts) == 3  # cover, figures, annexes (the contents is laid out at the merge)


def test_progress_counts_the_sections_laid_out_and_a_duplicate_delivery_does_nothing(
    themed, wg3, layouts
):
    pack = claimed_pack(themed, wg3)
    with translation.override("en"):
        # As on a worker: the sections go to the broker, nobody lays them out yet.
        build_brief_pack(pack_id=pack.pk, fan_out=True)
        pack.refresh_from_db()
        assert (pack.status, pack.stage_text) == ("running", "laid out 0 of 5 sections")
        pending = list(
            pack.parts.filter(status="pending", is_contents=False).values_list("pk", flat=True)
        )
        assert len(pending) == 5
        assert lay_out_pack_part(part_id=pending[0]) is True
        pack.refresh_from_db()
        assert pack.stage_text == "laid out 1 of 5 sections"
        first_progress = pack.progress
        # A second delivery of the same section lays nothing out.
        assert lay_out_pack_part(part_id=pending[0]) is False
        assert len(layouts) == 1
        for part_id in pending[1:]:
            lay_out_pack_part(part_id=part_id)
            pack.refresh_from_db()
            assert pack.progress >= first_progress
    pack.refresh_from_db()
    assert (pack.status, pack.progress) == ("done", 100)
    assert lay_out_pack_part(part_id=pending[0]) is False
    assert len(layouts) == 5


def test_a_section_that_keeps_failing_fails_the_pack_with_its_name(
    themed, wg3, monkeypatch, settings
):
    settings.PACK_PART_MAX_ATTEMPTS = 3
    real = services.lay_out_part

    def failing(html, link_targets=None):
        if "2. Labour migration pathways" in html:
            raise ValueError("no room for this table")
        return real(html, link_targets)

    monkeypatch.setattr(services, "lay_out_part", failing)
    pack = claimed_pack(themed, wg3)
    with translation.override("en"):
        build_brief_pack(pack_id=pack.pk, fan_out=True)
        part = PackPart.objects.get(pack=pack, key="theme-labour-pathways")
        lay_out_pack_part(part_id=part.pk)
        # Failed once: sent again, the pack goes on.
        part.refresh_from_db()
        assert (part.status, part.attempts) == ("pending", 1)
        assert BriefPack.objects.get(pk=pack.pk).status == "running"
        lay_out_pack_part(part_id=part.pk)
        assert BriefPack.objects.get(pk=pack.pk).status == "running"
        lay_out_pack_part(part_id=part.pk)
    pack.refresh_from_db()
    assert (pack.status, pack.error_code) == ("failed", "part")
    assert pack.error_text == (
        "The section “Labour migration pathways” could not be laid out after 3 attempts "
        "(ValueError: no room for this table)."
    )
    assert not pack.pdf


def test_a_section_whose_worker_was_lost_is_sent_again_then_fails_the_pack(themed, wg3, settings):
    settings.PACK_PART_MAX_ATTEMPTS = 2
    pack = claimed_pack(themed, wg3)
    with translation.override("en"):
        build_brief_pack(pack_id=pack.pk, fan_out=True)
    part = pack.parts.get(key="annexes")
    long_ago = timezone.now() - timedelta(minutes=10)
    PackPart.objects.filter(pk=part.pk).update(
        status="running", attempts=1, started_at=long_ago, heartbeat_at=long_ago
    )
    # The pack itself still beats: other workers lay out its other sections.
    BriefPack.objects.filter(pk=pack.pk).update(heartbeat_at=timezone.now())
    assert requeue_stuck_packs() == 1
    part.refresh_from_db()
    assert (part.status, part.attempts) == ("pending", 1)

    PackPart.objects.filter(pk=part.pk).update(status="running", attempts=2, heartbeat_at=long_ago)
    assert requeue_stuck_packs() == 1
    pack.refresh_from_db()
    assert pack.status == "failed"
    assert pack.error_text == (
        "The section “Annexes” could not be laid out after 2 attempts (its worker was lost)."
    )


def test_sections_no_pack_used_for_a_while_are_deleted(themed, wg3, settings):
    settings.PACK_PART_KEEP_DAYS = 30
    pack = claimed_pack(themed, wg3)
    with translation.override("en"):
        build_brief_pack(pack_id=pack.pk)
    keys = set(pack.parts.exclude(key="contents").values_list("cache_key", flat=True))
    assert keys <= stored_part_keys()

    assert delete_unused_pack_parts(now=timezone.now() + timedelta(days=29)) == 0
    assert keys <= stored_part_keys()
    delete_unused_pack_parts(now=timezone.now() + timedelta(days=31))
    assert keys & stored_part_keys() == set()
