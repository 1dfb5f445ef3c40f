"""Benchmark of the input pack: `make bench` (or `python -m bench.pack [SIZES…]`).

For each size N, a child process creates a throwaway SQLite database in a temporary folder,
migrates it, seeds N approved interventions of about 300 words (English, French and Spanish,
spread over themes and regions), then builds the pack through `build_brief_pack`, the service
the Celery task calls. It prints N, pages, the build's seconds, the seconds WeasyPrint alone
takes to lay out and write the same final HTML in the same process (the floor), their ratio,
the database queries of the build and the process's peak memory.
"""

import gc
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_SIZES = (300, 1000)
WORDS_PER_INPUT = 300
TARGET_RATIO = 1.15
TARGET_MEMORY_MB = 1536

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


def run_one(count: int) -> dict:
    """Seed, build and measure in this process (a fresh child of `main`)."""
    folder = Path(tempfile.mkdtemp(prefix="listening-bench-"))
    os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'bench.sqlite3'}"
    os.environ["PRIVATE_STORAGE_ROOT"] = str(folder / "private")
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
        started, started_cpu = time.perf_counter(), time.process_time()
        render_pdf_plain(html=html)
        floor_wall = time.perf_counter() - started
        floor_seconds = time.process_time() - started_cpu
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
        long_token_seconds = measure_long_token(session=session)
    return {
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
    }


def main(argv: list[str]) -> int:
    if argv[:1] == ["--one"]:
        print(json.dumps(run_one(int(argv[1]))))
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
        child = subprocess.run(  # our own module, fixed arguments
            [sys.executable, "-m", "bench.pack", "--one", str(count)],
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
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
