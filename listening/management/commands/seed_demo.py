"""Load the demo: the seed announcement's session with its agenda, one account per role and
sample interventions in three languages. Running it twice changes nothing."""

import uuid
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from interventions.enums import InterventionKind as K
from interventions.enums import InterventionStatus as S
from interventions.models import AnalysisCode, Intervention, Quote, Region, Theme
from interventions.services import (
    AUTHOR,
    MODERATOR,
    create_intervention,
    save_quote,
    save_staff_edits,
    set_intervention_status,
)
from listening import demo_content as demo
from sessions_app.enums import AgendaItemKind, Credit, SessionStatus
from sessions_app.models import AgendaItem, ListeningSession, Profile, Registration, Series
from sessions_app.services import register_for_session, save_profile

DEMO_PASSWORD = "listening-demo"  # noqa: S105  # nosec B105: published demo credential

ACCOUNTS = [
    # (email, role label, staff, superuser, group)
    ("secretariat@example.org", "Secretariat staff", True, False, "Secretariat"),
    ("wg3@example.org", "Working Group 3 member", False, False, "Working Group 3"),
    ("admin@example.org", "Superuser", True, True, None),
]

# The path each demo status takes through the transition table.
PATHS = {
    S.DRAFT: [],
    S.SUBMITTED: [(S.SUBMITTED, AUTHOR)],
    S.APPROVED: [(S.SUBMITTED, AUTHOR), (S.APPROVED, MODERATOR)],
    S.CHANGES_REQUESTED: [(S.SUBMITTED, AUTHOR), (S.CHANGES_REQUESTED, MODERATOR)],
    S.REJECTED: [(S.SUBMITTED, AUTHOR), (S.REJECTED, MODERATOR)],
    S.WITHDRAWN: [(S.SUBMITTED, AUTHOR), (S.WITHDRAWN, AUTHOR)],
}

# The code a demo quote gets from the type of its input.
KIND_CODES = {
    K.CHALLENGE: "challenges",
    K.NEW_AVENUE: "new-avenues",
    K.PROMISING_PRACTICE: "promising-practices",
    K.COLLABORATION: "collaboration",
    K.POLICY: "policy-operational",
    K.RECOMMENDATION: "recommendations",
}


class Command(BaseCommand):
    help = "Load demo data (idempotent): session, agenda, accounts, interventions."

    def handle(self, *args, **options):
        with transaction.atomic():
            session = self.seed_session()
            moderator = self.seed_staff_accounts()
            authors = self.seed_stakeholders(session)
            self.seed_interventions(session, authors, moderator)
            self.seed_quotes(session)
            live = self.seed_live_session(authors)
        self.stdout.write(self.style.SUCCESS(f"Demo session: {session.get_absolute_url()}"))
        self.stdout.write(
            f"Live demo: {live.get_live_url()} (desk: {live.get_desk_url()}, as secretariat)"
        )
        self.stdout.write(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
        self.stdout.write("  stakeholder@example.org   stakeholder (registered, confirmed)")
        for email, label, *_ in ACCOUNTS:
            self.stdout.write(f"  {email:<25} {label}")

    def seed_series(self) -> Series:
        values = {}
        for field, texts in demo.SERIES.items():
            values[field] = texts["en"]
            for lang, text in texts.items():
                values[f"{field}_{lang}"] = text
        series, _created = Series.objects.get_or_create(slug=demo.SERIES_SLUG, defaults=values)
        return series

    def seed_session(self) -> ListeningSession:
        existing = ListeningSession.objects.filter(slug=demo.SESSION_SLUG).first()
        if existing:
            return existing
        now = timezone.now().replace(minute=0, second=0, microsecond=0)
        starts_at = (now + timedelta(days=21)).replace(hour=13)
        values = {}
        for field, texts in demo.SESSION.items():
            values[field] = texts["en"]
            for lang, text in texts.items():
                values[f"{field}_{lang}"] = text
        session = ListeningSession.objects.create(
            slug=demo.SESSION_SLUG,
            series=self.seed_series(),
            starts_at=starts_at,
            duration_minutes=120,
            capacity=150,
            registration_opens_at=now - timedelta(days=7),
            registration_closes_at=starts_at - timedelta(days=1),
            intervention_deadline=starts_at - timedelta(days=3),
            word_limit=500,
            join_url="https://meet.example.org/un-network-listening-session",
            status=SessionStatus.OPEN,
            **values,
        )
        themes = {t.slug: t for t in Theme.objects.all()}
        for order, offset, duration, kind, titles, speakers in demo.AGENDA:
            AgendaItem.objects.create(
                session=session,
                order=order,
                start_offset_minutes=offset,
                duration_minutes=duration,
                kind=kind,
                title=titles[0],
                title_en=titles[0],
                title_fr=titles[1],
                title_es=titles[2],
                speakers=speakers,
                theme=themes.get("regularization") if order == 3 else None,
            )
        return session

    def _user(self, email: str, *, staff=False, superuser=False):
        User = get_user_model()
        user, created = User.objects.get_or_create(
            email=email,
            defaults={"username": email, "is_staff": staff, "is_superuser": superuser},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        return user

    def seed_staff_accounts(self):
        moderator = None
        for email, _label, staff, superuser, group in ACCOUNTS:
            user = self._user(email, staff=staff, superuser=superuser)
            if group:
                user.groups.add(Group.objects.get(name=group))
            if group == "Secretariat":
                moderator = user
        return moderator

    def seed_stakeholders(self, session: ListeningSession) -> list:
        regions = {r.slug: r for r in Region.objects.all()}
        authors = []
        for email, name, org, kind, country, region, lang in demo.STAKEHOLDERS:
            user = self._user(email)
            first, _, last = name.partition(" ")
            if not user.first_name:
                user.first_name, user.last_name = first, last
                user.save(update_fields=["first_name", "last_name"])
            if not Profile.objects.filter(user=user).exists():
                save_profile(
                    user=user,
                    full_name=name,
                    organization=org,
                    stakeholder_type=kind,
                    country=country,
                    region=regions[region],
                    preferred_language=lang,
                    time_zone="UTC",
                )
            if not Registration.objects.filter(session=session, user=user).exists():
                register_for_session(
                    session=session,
                    user=user,
                    privacy_consent=True,
                    role="Programme officer",
                    consent_to_be_listed=True,
                    notify=False,
                )
            authors.append(user)
        return authors

    def seed_interventions(self, session, authors, moderator) -> None:
        if Intervention.objects.filter(session=session).exists():
            return
        themes = {t.slug: t for t in Theme.objects.all()}
        regions = {r.slug: r for r in Region.objects.all()}
        open_floor = session.agenda_items.filter(kind=AgendaItemKind.OPEN_FLOOR).first()
        speakers = 0
        for row in demo.INTERVENTIONS:
            (author_index, kind, lang, status, primary, others, region_slugs, countries, credit,
             orally, title, body, english_title, english_text) = row  # fmt: skip
            author = authors[author_index]
            intervention, _created = create_intervention(
                session=session,
                author=author,
                data={
                    "kind": kind,
                    "language": lang,
                    "title": title,
                    "body": body,
                    "primary_theme": themes[primary],
                    "countries": countries,
                    "credit": credit,
                    "deliver_orally": orally,
                    "themes": [themes[s] for s in others],
                    "regions": [regions[s] for s in region_slugs],
                },
                submission_token=uuid.uuid4(),
                submit=False,
            )
            if english_title or english_text:
                save_staff_edits(
                    intervention=intervention,
                    actor=moderator,
                    data={"english_title": english_title, "english_text": english_text},
                )
            for to_status, role in PATHS[status]:
                actor = author if role == AUTHOR else moderator
                set_intervention_status(
                    intervention=intervention,
                    to_status=to_status,
                    actor=actor,
                    role=role,
                    feedback=demo.FEEDBACK.get(to_status),
                    notify=False,
                )
            if status == S.APPROVED and orally and open_floor is not None:
                speakers += 1
                save_staff_edits(
                    intervention=intervention,
                    actor=moderator,
                    data={"agenda_item": open_floor, "speaking_order": speakers},
                )

    def seed_quotes(self, session) -> None:
        """Working Group 3's first quotes: the opening words of some approved inputs, coded
        by their type (and "Recommendations" for every other one), so that the quote bank and
        the evidence matrix have something to show."""
        if Quote.objects.filter(intervention__session=session).exists():
            return
        wg3 = get_user_model().objects.get(email="wg3@example.org")
        codes = {code.slug: code for code in AnalysisCode.objects.all()}
        approved = Intervention.objects.filter(session=session, status=S.APPROVED).order_by("pk")
        for number, intervention in enumerate(approved[:8]):
            slugs = {KIND_CODES[intervention.kind]}
            if number % 2:
                slugs.add("recommendations")
            save_quote(
                intervention=intervention,
                source="original",
                text=" ".join(intervention.body.split()[:14]),
                codes=[codes[slug] for slug in sorted(slugs) if slug in codes],
                actor=wg3,
            )

    def seed_live_session(self, authors) -> ListeningSession:
        """A short practice session that is live from now on, so the live page and the desk
        can be tried at once; every demo stakeholder is a confirmed registrant."""
        existing = ListeningSession.objects.filter(slug=demo.LIVE_SESSION_SLUG).first()
        if existing:
            return existing
        now = timezone.now().replace(second=0, microsecond=0)
        values = {}
        for field, texts in demo.LIVE_SESSION.items():
            values[field] = texts["en"]
            for lang, text in texts.items():
                values[f"{field}_{lang}"] = text
        session = ListeningSession.objects.create(
            slug=demo.LIVE_SESSION_SLUG,
            starts_at=now,
            duration_minutes=60,
            capacity=150,
            registration_opens_at=now - timedelta(days=7),
            # Late registrations are welcome at a practice session.
            registration_closes_at=now + timedelta(hours=1),
            join_url="https://meet.example.org/un-network-practice-open-floor",
            status=SessionStatus.OPEN,
            **values,
        )
        for order, offset, duration, kind, titles in demo.LIVE_AGENDA:
            AgendaItem.objects.create(
                session=session,
                order=order,
                start_offset_minutes=offset,
                duration_minutes=duration,
                kind=kind,
                title=titles[0],
                title_en=titles[0],
                title_fr=titles[1],
                title_es=titles[2],
            )
        for user in authors:
            register_for_session(
                session=session,
                user=user,
                privacy_consent=True,
                role="Programme officer",
                consent_to_be_listed=True,
                speaking_credit=Credit.NAMED,
                notify=False,
            )
        return session
