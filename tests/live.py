"""A live session to test the live page, the desk and what follows from it."""

from datetime import timedelta

from django.utils import timezone

from interventions.models import Region
from sessions_app.enums import AgendaItemKind, Credit
from sessions_app.models import ListeningSession
from tests.factories import (
    AgendaItemFactory,
    ListeningSessionFactory,
    ProfileFactory,
    RegistrationFactory,
    UserFactory,
)


class LiveWorld:
    """A session live now: an opening, two open-floor items and a closing; the first open
    floor is running; three confirmed registrants with profiles (Amina credited by name,
    Bruno by organization, Chen anonymously)."""

    def __init__(self):
        now = timezone.now()
        self.session = ListeningSessionFactory(
            slug="live-now",
            starts_at=now - timedelta(minutes=1),
            registration_closes_at=now - timedelta(minutes=1),
            speaking_time_limit_seconds=120,
        )
        kinds = [
            ("Opening", AgendaItemKind.OPENING),
            ("Open floor: pathways", AgendaItemKind.OPEN_FLOOR),
            ("Open floor: recommendations", AgendaItemKind.OPEN_FLOOR),
            ("Closing", AgendaItemKind.CLOSING),
        ]
        self.opening, self.floor, self.second_floor, self.closing = [
            AgendaItemFactory(session=self.session, order=n, title=title, kind=kind)
            for n, (title, kind) in enumerate(kinds, start=1)
        ]
        ListeningSession.objects.filter(pk=self.session.pk).update(live_agenda_item=self.floor)
        self.session.refresh_from_db()
        people = [
            ("amina@example.org", "Amina Diallo", "Réseau Sahel", Credit.NAMED),
            ("bruno@example.org", "Bruno Costa", "Casa do Migrante", Credit.ORGANIZATION),
            ("chen@example.org", "Chen Wei", "Harbour Workers Union", Credit.ANONYMOUS),
        ]
        self.registrations = []
        for email, name, organization, credit in people:
            first, last = name.split()
            user = UserFactory(email=email, first_name=first, last_name=last)
            ProfileFactory(user=user, full_name=name, organization=organization)
            self.registrations.append(
                RegistrationFactory(
                    session=self.session,
                    user=user,
                    organization=organization,
                    speaking_credit=credit,
                    region=Region.objects.get(slug="africa"),
                )
            )
        self.amina, self.bruno, self.chen = (r.user for r in self.registrations)
        self.secretariat = UserFactory(email="desk@example.org", secretariat=True)

    def refresh(self) -> ListeningSession:
        self.session.refresh_from_db()
        return self.session
