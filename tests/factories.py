"""factory_boy factories. Organisations and memberships go through the services, so groups stay in sync."""

import datetime

import factory
from django.contrib.auth import get_user_model

from cases import services as case_services
from cases.models import Person
from partners import services as partner_services
from partners.models import Organisation, OrganisationKind, ServiceType
from partners.roles import Role

PASSWORD = "tavolo-test-pw-2026"


class ServiceTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceType
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"service-{n}")
    name = factory.Sequence(lambda n: f"Service {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    # Fixed, unmistakable staff names: random ones could collide with the people a test looks for.
    first_name = "Operatore"
    last_name = factory.Sequence(lambda n: f"Staff{n:03d}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def make_organisation(name: str | None = None, *, network_role: str = "partner",
                      kind: str = OrganisationKind.ASSOCIATION) -> Organisation:
    name = name or f"Org {Organisation.objects.count() + 1}"
    return partner_services.organisation_create(name=name, kind=kind, network_role=network_role)


def make_member(organisation: Organisation, role: str = Role.CASE_MANAGER, username: str | None = None):
    user = UserFactory(username=username) if username else UserFactory()
    partner_services.membership_add(organisation=organisation, user=user, role=role)
    return user


class PersonFactory(factory.django.DjangoModelFactory):
    """A bare registry row (no services): use `register_person` to go through the rules."""

    class Meta:
        model = Person

    first_name = factory.Faker("first_name", locale="it_IT")
    last_name = factory.Faker("last_name", locale="it_IT")
    birth_date = factory.Faker("date_of_birth", minimum_age=18, maximum_age=90)


def register_person(actor, organisation: Organisation, **data) -> Person:
    data.setdefault("first_name", "Mario")
    data.setdefault("last_name", "Rossi")
    data.setdefault("birth_date", datetime.date(1985, 12, 10))
    return case_services.person_register(actor=actor, organisation_id=organisation.pk, data=data, confirmed_new=True)


def open_case(actor, organisation: Organisation, person: Person | None = None, **kwargs):
    person = person or register_person(actor, organisation)
    return case_services.case_open(actor=actor, organisation_id=organisation.pk, person=person, **kwargs)


def login(client, network, org_key: str, role: str):
    """Log the test client in as the `network` fixture's member of `org_key` with `role`."""
    user = network.user(org_key, role)
    client.force_login(user)
    return user
