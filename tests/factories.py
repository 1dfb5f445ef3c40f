from datetime import timedelta

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from briefs.enums import PackStatus
from briefs.models import BriefPack
from interventions.enums import InterventionStatus
from interventions.models import Intervention, Region, Theme
from listening.roles import SECRETARIAT, WORKING_GROUP
from sessions_app.enums import AgendaItemKind, RegistrationStatus, SessionStatus, StakeholderType
from sessions_app.models import AgendaItem, FloorRequest, ListeningSession, Profile, Registration

PASSWORD = "a-long-test-password-42"


def _in_role_group(name: str) -> factory.PostGeneration:
    """Put the user in the group of role `name`, as `listening.roles` made it."""

    def join(user, create, extracted, **kwargs):
        if create:
            user.groups.add(Group.objects.get(name=name))

    return factory.PostGeneration(join)


class UserFactory(factory.django.DjangoModelFactory):
    """A user with a verified email. Each role is a trait, its group taken from
    `listening.roles`: `UserFactory(stakeholder=True)`, `UserFactory(secretariat=True)`,
    `UserFactory(wg3=True)`, `UserFactory(superuser=True)`."""

    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    class Params:
        # A stakeholder has a profile; pass `profile__<field>=...` to set its fields.
        stakeholder = factory.Trait(
            profile=factory.RelatedFactory(
                "tests.factories.ProfileFactory", factory_related_name="user"
            )
        )
        # The secretariat works in the Django admin.
        secretariat = factory.Trait(is_staff=True, groups=_in_role_group(SECRETARIAT))
        wg3 = factory.Trait(groups=_in_role_group(WORKING_GROUP))
        superuser = factory.Trait(is_staff=True, is_superuser=True)

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    username = factory.SelfAttribute("email")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or PASSWORD)
        if create:
            self.save(update_fields=["password"])

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        """A verified primary email unless `verified=False` is passed."""
        if create:
            EmailAddress.objects.create(
                user=self, email=self.email, primary=True, verified=extracted is not False
            )


class ProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Profile

    user = factory.SubFactory(UserFactory)
    full_name = factory.LazyAttribute(lambda o: f"{o.user.first_name} {o.user.last_name}")
    organization = factory.Sequence(lambda n: f"Organization {n}")
    stakeholder_type = StakeholderType.CIVIL_SOCIETY
    country = "KE"
    region = factory.LazyFunction(lambda: Region.objects.get(slug="africa"))
    preferred_language = "en"
    time_zone = "UTC"


class ListeningSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ListeningSession

    slug = factory.Sequence(lambda n: f"session-{n}")
    title = factory.Sequence(lambda n: f"Listening session {n}")
    summary = "A session of the series."
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=14))
    duration_minutes = 120
    capacity = 10
    registration_opens_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    registration_closes_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=13))
    intervention_deadline = factory.LazyFunction(lambda: timezone.now() + timedelta(days=10))
    join_url = "https://meet.example.org/secret-room-4242"
    status = SessionStatus.OPEN


class AgendaItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgendaItem

    session = factory.SubFactory(ListeningSessionFactory)
    order = factory.Sequence(int)
    start_offset_minutes = factory.LazyAttribute(lambda o: o.order * 10)
    duration_minutes = 10
    title = factory.Sequence(lambda n: f"Agenda item {n}")


class RegistrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Registration

    session = factory.SubFactory(ListeningSessionFactory)
    user = factory.SubFactory(UserFactory)
    status = RegistrationStatus.CONFIRMED
    organization = factory.Sequence(lambda n: f"Organization {n}")
    stakeholder_type = StakeholderType.CIVIL_SOCIETY
    country = "KE"
    privacy_consent_at = factory.LazyFunction(timezone.now)


class InterventionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Intervention
        skip_postgeneration_save = True

    session = factory.SubFactory(ListeningSessionFactory)
    author = factory.SubFactory(UserFactory)
    kind = "challenge"
    title = factory.Sequence(lambda n: f"Intervention {n}")
    body = "What we see on the ground."
    language = "en"
    primary_theme = factory.LazyFunction(lambda: Theme.objects.get(slug="regularization"))
    credit = "named"
    credit_name = factory.LazyAttribute(lambda o: f"{o.author.first_name} {o.author.last_name}")
    credit_organization = "Organization"
    status = InterventionStatus.DRAFT

    @factory.post_generation
    def regions(self, create, extracted, **kwargs):
        if create:
            self.regions.set(extracted or [Region.objects.get(slug="africa")])


class BriefPackFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BriefPack

    session = factory.SubFactory(ListeningSessionFactory)
    requested_by = factory.SubFactory(UserFactory)
    status = PackStatus.QUEUED


class FloorRequestFactory(factory.django.DjangoModelFactory):
    """A request to speak; its agenda item and registration belong to its session."""

    class Meta:
        model = FloorRequest

    session = factory.SubFactory(ListeningSessionFactory)
    agenda_item = factory.SubFactory(
        AgendaItemFactory,
        session=factory.SelfAttribute("..session"),
        kind=AgendaItemKind.OPEN_FLOOR,
    )
    registration = factory.SubFactory(
        RegistrationFactory, session=factory.SelfAttribute("..session")
    )
    position = factory.Sequence(lambda n: n + 1)
    language = "en"
    topic = "Seasonal work permits"
    credit = "organization"
    credit_name = factory.LazyAttribute(
        lambda o: f"{o.registration.user.first_name} {o.registration.user.last_name}"
    )
    credit_organization = factory.LazyAttribute(lambda o: o.registration.organization)
