"""Users, organisations and memberships. Organisations and memberships go through the services, so their groups stay
in sync."""

import factory
from django.contrib.auth import get_user_model

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


def make_organisation(
    name: str | None = None, *, network_role: str = "partner", kind: str = OrganisationKind.ASSOCIATION
) -> Organisation:
    name = name or f"Org {Organisation.objects.count() + 1}"
    return partner_services.organisation_create(name=name, kind=kind, network_role=network_role)


def make_member(organisation: Organisation, role: str = Role.CASE_MANAGER, username: str | None = None):
    user = UserFactory(username=username) if username else UserFactory()
    partner_services.membership_add(organisation=organisation, user=user, role=role)
    return user


def login(client, network, org_key: str, role: str):
    """Log the test client in as the `network` fixture's member of `org_key` with `role`."""
    user = network.user(org_key, role)
    client.force_login(user)
    return user
