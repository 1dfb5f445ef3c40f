"""Benchmark of the input pack: `make bench` (or `python -m bench.pack [SIZES…]`).

For each size N, a child process creates a throwaway SQLite database in a temporary folder,
migrates it, seeds N approved interventions of about 300 words (English, French and Spanish,
spread over themes and regions), then builds the pack through `build_brief_pack`, the service
the Celery task calls. It prints N, pages, the build's seconds, the seconds WeasyPrint alone
takes to lay out and write the same final HTML in a forked process (the floor), their ratio,
the database queries of the build and the peak memory of the build's process.

At the largest size it then measures the pack laid out section by section on the workers, in
the same run: a Celery worker with two processes (on a throwaway filesystem broker, database
and private storage) builds the pack from scratch, then again after one more input is approved
(only the changed sections are laid out). It prints their wall seconds against the floor's, the
peak memory of every process, the size of both PDFs, and ends with the line the team tracks:
`sectioned: parallel_ratio=… incremental_ratio=… peak_worker_mb=… size_ratio=…`.
"""

import gc
import json
import multiprocessing
import os
import random
import resource
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

DEFAULT_SIZES = (300, 1000)
WORDS_PER_INPUT = 300
TARGET_RATIO = 1.15
TARGET_MEMORY_MB = 1536
WORKER_PROCESSES = 2
TARGET_PARALLEL_RATIO = 0.5
TARGET_INCREMENTAL_RATIO = 0.1
TARGET_WORKER_MB = 400
TARGET_SIZE_RATIO = 1.15

# Words of each language, split when a text is drawn.
VOCABULARY = {
    "en": (
        "migrants regular pathways pandemic border closures residence permits expired renewal "
        "consulates online appointments workers families reunification humanitarian visas "
        "regularization schemes employers sponsorship health care access services protection "
        "local authorities civil society organizations trade unions documentation evidence "
        "deadline extension automatic fees waived digital platforms interpreters shelters "
        "seasonal agriculture domestic care students scholarships labour mobility agreements "
        "the and of to in for with on during after before many most some new policy practice"
    ),
    "fr": (
        "migrants voies régulières pandémie fermeture des frontières titres de séjour expirés "
        "renouvellement consulats rendez-vous travailleurs familles regroupement visas "
        "humanitaires régularisation employeurs accès aux soins protection collectivités "
        "société civile syndicats preuves délai prolongation automatique frais supprimés "
        "plateformes numériques interprètes hébergement saisonniers agriculture étudiants le "
        "la les des du et pour avec pendant après avant beaucoup nouvelles pratiques été déjà "
        "réponse santé sécurité démarches procédures préfecture reçu"
    ),
    "es": (
        "migrantes vías regulares pandemia cierre de fronteras permisos de residencia "
        "vencidos renovación consulados citas trabajadores familias reunificación visados "
        "humanitarios regularización empleadores acceso a la salud protección autoridades "
        "locales sociedad civil sindicatos pruebas plazo prórroga automática tasas exoneradas "
        "plataformas digitales intérpretes albergues temporeros agricultura estudiantes el la "
        "los las de y para con durante después antes muchos nuevas prácticas atención niños "
        "España México"
    ),
}


def _text(rng: random.Random, language: str, words: int) -> str:
    vocabulary = VOCABULARY[language].split()
    sentences, sentence = [], []
    for _ in range(words):
        sentence.append(rng.choice(vocabulary))
        if len(sentence) >= rng.randint(12, 24):
            sentences.append(" ".join(sentence).capitalize() + ".")
            sentence = []
    if sentence:
        sentences.append(" ".join(sentence).capitalize() + ".")
    paragraphs, size = [], rng.randint(3, 5)
    for start in range(0, len(sentences), size):
        paragraphs.append(" ".join(sentences[start : start + size]))
    return "\n\n".join(paragraphs)


def seed(count: int):
    """Create a session with `count` approved interventions and 60 consenting organizations."""
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from interventions.enums import Credit, InterventionKind, InterventionStatus
    from interventions.models import Intervention, Region, Theme, format_reference
    from interventions.search import normalize_search_text
    from sessions_app.enums import RegistrationStatus, SessionStatus, StakeholderType
    from sessions_app.models import ListeningSession, Registration

    rng = random.Random(count)
    session = ListeningSession.objects.create(
        slug=f"bench-{count}",
        title="Stakeholder Listening Session: COVID-19 and regular pathways",
        brief_title="The Impact of COVID 19 on Regular Migration Pathways: Adapting to "
        "Migrants' Needs",
        organizers="Working Group 3 of the UN Network on Migration",
        starts_at=timezone.now() - timedelta(days=3),
        status=SessionStatus.HELD,
    )
    User = get_user_model()
    users = User.objects.bulk_create(
        User(username=f"bench{n}@example.org", email=f"bench{n}@example.org") for n in range(60)
    )
    Registration.objects.bulk_create(
        Registration(
            session=session,
            user=user,
            status=RegistrationStatus.CONFIRMED,
            organization=f"Organisation pour les droits des migrants nº {n}",
            consent_to_be_listed=n % 3 != 0,
        )
        for n, user in enumerate(users)
    )
    themes = list(Theme.objects.order_by("order"))
    regions = list(Region.objects.order_by("order"))
    kinds = list(InterventionKind.values)
    stakeholder_types = list(StakeholderType.values)
    credits = list(Credit.values)
    countries = ["SN", "ML", "KE", "MX", "GT", "HT", "FR", "ES", "LB", "JO", "PH", "NP", "BD"]
    now = timezone.now()
    rows = []
    for n in range(count):
        language = ("en", "fr", "es")[n % 3]
        translated = language != "en" and n % 10 != 1
        rows.append(
            Intervention(
                session=session,
                # bulk_create skips save(), which gives source IDs one at a time.
                reference=format_reference(session_number=session.number, number=n + 1),
                kind=kinds[n % len(kinds)],
                title=_text(rng, language, 9).rstrip("."),
                body=_text(rng, language, WORDS_PER_INPUT),
                language=language,
                english_title=_text(rng, "en", 9).rstrip(".") if translated else "",
                english_text=_text(rng, "en", WORDS_PER_INPUT) if translated else "",
                primary_theme=themes[n % len(themes)],
                countries=rng.sample(countries, rng.randint(1, 3)),
                credit=credits[n % len(credits)],
                credit_name=f"Person {n}",
                credit_organization=f"Organization {n % 80}",
                stakeholder_type=stakeholder_types[n % len(stakeholder_types)],
                status=InterventionStatus.APPROVED,
                submitted_at=now,
                decided_at=now,
            )
        )
    for row in rows:  # bulk_create skips save(), which keeps the SQLite search column
        row.search_text = normalize_search_text(
            row.title, row.english_title, row.body, row.english_text
        )
    interventions = Intervention.objects.bulk_create(rows, batch_size=500)
    ListeningSession.objects.filter(pk=session.pk).update(last_intervention_number=count)
    Intervention.themes.through.objects.bulk_create(
        Intervention.themes.through(intervention=i, theme=themes[(n + 2) % len(themes)])
        for n, i in enumerate(interventions)
        if n % 2
    )
    Intervention.regions.through.objects.bulk_create(
        Intervention.regions.through(intervention=i, region=region)
        for n, i in enumerate(interventions)
        for region in {regions[n % len(regions)], regions[(n * 7) % len(regions)]}
    )
    return session


def measure_long_token(*, session) -> float:
    """Seconds to build a pack of one intervention at the character cap, in one unbroken token."""
    from django.conf import settings

    from briefs.pipeline import generate_pack_pdf
    from briefs.selectors import PackFilters
    from interventions.models import Intervention

    Intervention.objects.filter(session=session).update(status="submitted")
    Intervention.objects.filter(pk=Intervention.objects.filter(session=session).first().pk).update(
        status="approved", body="x" * settings.INTERVENTION_MAX_CHARS, language="en"
    )
    started = time.process_time()
    generate_pack_pdf(session=session, filters=PackFilters())
    return time.process_time() - started


def _peak_rss_mb(pid: int) -> float:
    """The peak resident memory of a live process (VmHWM), in MB; 0 when it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _worker_processes(worker) -> list[int]:
    try:
        children = Path(f"/proc/{worker.pid}/task/{worker.pid}/children").read_text().split()
    except OSError:
        children = []
    return [worker.pid, *map(int, children)]


def _wait_for_pack(pack_id: int, worker, peaks: dict[int, float], timeout: float = 1800):
    """Poll until the pack is done (or failed), recording every worker process's peak memory."""
    from briefs.models import BriefPack

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for pid in _worker_processes(worker):
            peaks[pid] = max(peaks.get(pid, 0.0), _peak_rss_mb(pid))
        status = BriefPack.objects.filter(pk=pack_id).values_list("status", flat=True).first()
        if status in ("done", "failed"):
            return BriefPack.objects.get(pk=pack_id)
        time.sleep(0.05)
    raise SystemExit(f"The pack {pack_id} took longer than {timeout} s")


def measure_sectioned(*, session, folder: Path) -> dict:
    """Build the pack of `session` on a Celery worker with WORKER_PROCESSES processes: from
    scratch, then after one more approved input. Returns wall seconds, peaks and the size."""
    from django.utils import timezone

    from briefs.models import BriefPack
    from briefs.pipeline import delete_part, stored_part_keys
    from briefs.selectors import PackFilters
    from briefs.services import BUILD_TASK
    from interventions.models import Intervention
    from listening.celery import app

    # From scratch: no section stored by the builds measured before.
    for key in stored_part_keys():
        delete_part(key)
    # The broker's folders are under `folder` (CELERY_BROKER_DIR, set by `run_one`).
    for name in ("out", "processed", "control"):
        (folder / "broker" / name).mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "CELERY_TASK_SOFT_TIME_LIMIT": "3600",
        "CELERY_TASK_TIME_LIMIT": "3700",
    }
    worker = subprocess.Popen(  # our own Celery app, fixed arguments
        [sys.executable, "-m", "celery", "-A", "listening", "worker", "--pool", "prefork",
         "--concurrency", str(WORKER_PROCESSES), "--loglevel", "error", "--without-heartbeat",
         "--without-mingle", "--without-gossip"],
        env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    peaks: dict[int, float] = {}

    def build() -> tuple[float, BriefPack]:
        pack = BriefPack.objects.create(
            session=session, filters=PackFilters().as_json(), status="queued"
        )
        started = time.perf_counter()
        app.send_task(BUILD_TASK, kwargs={"pack_id": pack.pk})
        pack = _wait_for_pack(pack.pk, worker, peaks)
        if pack.status != "done":
            raise SystemExit(f"The sectioned pack failed: {pack.error_text}")
        return time.perf_counter() - started, pack

    try:
        # Wait until the worker answers (a small pack of another session warms it up too).
        warm = type(session).objects.create(
            slug="bench-warm-up", title="Warm up", starts_at=session.starts_at, status="held"
        )
        first = Intervention.objects.filter(session=session).order_by("pk").first()
        Intervention.objects.create(
            session=warm, reference="LSW-001", kind=first.kind, title="Warm up",
            body="Warm up é à ñ", language="en", primary_theme=first.primary_theme,
            status="approved", submitted_at=timezone.now(), decided_at=timezone.now(),
        )  # fmt: skip
        warm_pack = BriefPack.objects.create(session=warm, filters=PackFilters().as_json())
        app.send_task(BUILD_TASK, kwargs={"pack_id": warm_pack.pk})
        _wait_for_pack(warm_pack.pk, worker, {}, timeout=300)

        # The last input is approved only before the rebuild: only its section, the front
        # matter and the annexes change.
        last = Intervention.objects.filter(session=session).order_by("pk").last()
        Intervention.objects.filter(pk=last.pk).update(status="submitted")
        full_wall, full = build()
        Intervention.objects.filter(pk=last.pk).update(status="approved", updated_at=timezone.now())
        rebuild_wall, rebuilt = build()
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=60)
    laid_out = rebuilt.parts.filter(reused=False).count()
    return {
        "sectioned_wall": round(full_wall, 2),
        "rebuild_wall": round(rebuild_wall, 2),
        "sectioned_pages": full.page_count,
        "rebuild_sections": f"{laid_out} of {rebuilt.parts.count()}",
        "sectioned_bytes": full.pdf.size,
        "worker_peaks_mb": sorted(round(peak) for peak in peaks.values() if peak),
    }


def run_one(count: int, *, sectioned: bool = False) -> dict:
    """Seed, build and measure in this process (a fresh child of `main`)."""
    folder = Path(tempfile.mkdtemp(prefix="listening-bench-"))
    os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'bench.sqlite3'}"
    os.environ["PRIVATE_STORAGE_ROOT"] = str(folder / "private")
    os.environ["CELERY_BROKER_DIR"] = str(folder / "broker")
    os.environ["DJANGO_SETTINGS_MODULE"] = "listening.settings.local"
    os.environ["DEBUG"] = "false"
    os.environ["LOG_LEVEL"] = "WARNING"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone, translation

    from briefs.models import BriefPack
    from briefs.pipeline import compose_pack_html
    from briefs.rendering import render_pdf_plain
    from briefs.selectors import PackFilters
    from briefs.services import build_brief_pack, claim_brief_pack

    call_command("migrate", verbosity=0)
    session = seed(count)
    with translation.override("en"):
        # Warm up fonts and caches once, so that neither measurement pays for them.
        render_pdf_plain(html="<p>warm up é à ñ</p>")
        pack = BriefPack.objects.create(session=session, filters=PackFilters().as_json())
        now = timezone.now()
        # The floor runs first, on the HTML the build will produce (same inputs, same time).
        html = compose_pack_html(session=session, filters=PackFilters(), now=now).html
        # In a forked child, so that its memory is not counted as the build's.
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as pool:
            single_bytes, floor_wall, floor_seconds, floor_peak_mb = pool.submit(
                _floor, html
            ).result()
        del html
        gc.collect()
        with CaptureQueriesContext(connection) as queries:
            started, started_cpu = time.perf_counter(), time.process_time()
            claim_brief_pack(pack_id=pack.pk)
            pack = build_brief_pack(pack_id=pack.pk, now=now)
            build_wall = time.perf_counter() - started
            build_seconds = time.process_time() - started_cpu
        if pack.status != "done":
            raise SystemExit(f"The pack failed: {pack.error}")
        extra = {}
        if sectioned:
            extra = measure_sectioned(session=session, folder=folder)
            extra["single_bytes"] = single_bytes
        long_token_seconds = measure_long_token(session=session)
    return {
        **extra,
        "long_token_seconds": round(long_token_seconds, 2),
        "n": count,
        "pages": pack.page_count,
        "seconds": round(build_seconds, 2),
        "floor": round(floor_seconds, 2),
        "ratio": round(build_seconds / floor_seconds, 3),
        "wall_seconds": round(build_wall, 2),
        "wall_floor": round(floor_wall, 2),
        "queries": len(queries),
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "floor_peak_mb": floor_peak_mb,
    }


def _floor(html: str) -> tuple[int, float, float, int]:
    """WeasyPrint alone on the whole document: (PDF bytes, wall and CPU seconds, this
    process's peak memory in MB)."""
    from briefs.rendering import render_pdf_plain

    started, started_cpu = time.perf_counter(), time.process_time()
    size = len(render_pdf_plain(html=html))
    wall, cpu = time.perf_counter() - started, time.process_time() - started_cpu
    return size, wall, cpu, round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def main(argv: list[str]) -> int:
    if argv[:1] == ["--one"]:
        print(json.dumps(run_one(int(argv[1]), sectioned="--sectioned" in argv)))
        return 0
    sizes = [int(arg) for arg in argv] or list(DEFAULT_SIZES)
    print("Seconds are CPU seconds of this process (wall-clock seconds in brackets): other")
    print("programs on the machine change the wall clock, not the work done.")
    header = (
        f"{'N':>6} {'pages':>6} {'seconds':>17} {'floor':>17} {'ratio':>6} {'queries':>8} "
        f"{'peak MB':>8}"
    )
    print(header)
    results = []
    for count in sizes:
        sectioned = ["--sectioned"] if count == max(sizes) else []
        child = subprocess.run(  # our own module, fixed arguments
            [sys.executable, "-m", "bench.pack", "--one", str(count), *sectioned],
            capture_output=True,
            text=True,
            check=False,
        )
        if child.returncode != 0:
            print(child.stderr, file=sys.stderr)
            return child.returncode
        row = json.loads(child.stdout.strip().splitlines()[-1])
        results.append(row)
        seconds = f"{row['seconds']:.2f} ({row['wall_seconds']:.2f})"
        floor = f"{row['floor']:.2f} ({row['wall_floor']:.2f})"
        print(
            f"{row['n']:>6} {row['pages']:>6} {seconds:>17} {floor:>17} "
            f"{row['ratio']:>6.3f} {row['queries']:>8} {row['peak_mb']:>8}",
            flush=True,
        )
    print(
        "One intervention at the character cap made of a single unbroken token: "
        f"{results[0]['long_token_seconds']:.2f} s"
    )
    largest = results[-1]
    same_queries = len({row["queries"] for row in results}) == 1
    print(
        f"\nTargets: ratio at N={largest['n']} <= {TARGET_RATIO} "
        f"({'met' if largest['ratio'] <= TARGET_RATIO else 'MISSED'}); "
        f"same query count at every N ({'met' if same_queries else 'MISSED'}); "
        f"peak memory < {TARGET_MEMORY_MB} MB "
        f"({'met' if max(r['peak_mb'] for r in results) < TARGET_MEMORY_MB else 'MISSED'})."
    )
    print_sectioned(max(results, key=lambda row: row["n"]))
    return 0


def print_sectioned(row: dict) -> None:
    """The sectioned build's table and the line the team tracks."""
    floor = row["wall_floor"]
    parallel = row["sectioned_wall"] / floor
    incremental = row["rebuild_wall"] / floor
    peak = max(row["worker_peaks_mb"])
    size = row["sectioned_bytes"] / row["single_bytes"]
    print(
        f"\nSectioned pack at N={row['n']} on a worker with {WORKER_PROCESSES} processes "
        "(wall seconds; the machine's other programs change them):"
    )
    print(f"  {'single document, WeasyPrint alone (floor)':<48} {floor:>9.2f} s")
    print(f"  {'sectioned, from scratch':<48} {row['sectioned_wall']:>9.2f} s")
    print(
        f"  {'sectioned, after one more approval':<48} {row['rebuild_wall']:>9.2f} s"
        f"  ({row['rebuild_sections']} sections laid out)"
    )
    print(
        f"  {'peak memory: worker processes':<48} "
        + ", ".join(f"{mb} MB" for mb in row["worker_peaks_mb"])
    )
    print(
        f"  {'peak memory: this process (seeding, build)':<48} {row['peak_mb']:>9} MB"
        f"  (the floor's own process: {row['floor_peak_mb']} MB)"
    )
    print(
        f"  {'PDF size: single document / sectioned':<48} {row['single_bytes']:>9} B / "
        f"{row['sectioned_bytes']} B ({row['sectioned_pages']} pages)"
    )
    print(
        f"Targets: parallel_ratio <= {TARGET_PARALLEL_RATIO}, incremental_ratio <= "
        f"{TARGET_INCREMENTAL_RATIO}, peak_worker_mb < {TARGET_WORKER_MB}, size_ratio <= "
        f"{TARGET_SIZE_RATIO}."
    )
    print(
        f"sectioned: parallel_ratio={parallel:.3f} incremental_ratio={incremental:.3f} "
        f"peak_worker_mb={peak:.0f} size_ratio={size:.3f}"
    )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
