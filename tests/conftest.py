"""Shared actors: two partner organisations and the coordinating municipality, one member per role; case A, its
consents to sharing, and a service in B's catalogue."""

import datetime
from dataclasses import dataclass

import pytest
from django.utils import timezone

from cases.models import ConsentPurpose
from cases.services import consent_record
from partners.roles import Role
from tests.factories import ServiceTypeFactory, make_member, make_organisation, open_case, register_person

pytest_plugins = ["tests.fixtures.employment", "tests.fixtures.housing"]


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    # The real hasher costs ~0.3 s per user; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _private_media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "documents"


@pytest.fixture(autouse=True)
def _fresh_login_counts():
    # Failed logins and password-reset requests are counted per username and per address in the cache
    # (accounts/lockout.py): each test starts with none, whatever the tests before it tried.
    from django.core.cache import cache

    cache.clear()


@dataclass
class Network:
    municipality: object
    org_a: object
    org_b: object
    users: dict  # (org_key, role) -> user

    def user(self, org_key: str, role: str):
        return self.users[(org_key, role)]


@pytest.fixture
def network(db):
    municipality = make_organisation("Comune di Test", network_role="coordinator")
    org_a = make_organisation("Caritas Test")
    org_b = make_organisation("Cooperativa Test")
    users = {}
    for key, org in (("a", org_a), ("b", org_b)):
        for role in (Role.CASE_MANAGER, Role.OPERATOR, Role.VOLUNTEER, Role.ORG_ADMIN):
            users[(key, role)] = make_member(org, role, username=f"{key}_{role}")
    users[("m", Role.COORDINATOR)] = make_member(municipality, Role.COORDINATOR, username="m_coordinator")
    users[("m", Role.CASE_MANAGER)] = make_member(municipality, Role.CASE_MANAGER, username="m_case_manager")
    return Network(municipality=municipality, org_a=org_a, org_b=org_b, users=users)


@pytest.fixture
def case_a(network):
    """A case led by organisation A, with a person registered by A."""
    manager = network.user("a", Role.CASE_MANAGER)
    person = register_person(
        manager,
        network.org_a,
        first_name="Giulia",
        last_name="Bianchi",
        codice_fiscale="BNCGLI80A41F205F",
        birth_date=None,
        sex="F",
    )
    return open_case(manager, network.org_a, person, title="Sostegno abitativo")


@pytest.fixture
def consenting_case(case_a, network):
    """Case A whose person consents to processing and to sharing across the network."""
    manager = network.user("a", Role.CASE_MANAGER)
    today = timezone.localdate()
    for purpose in (ConsentPurpose.PROCESSING, ConsentPurpose.SHARE_NETWORK):
        consent_record(
            actor=manager, person=case_a.person, purpose=purpose, given_on=today - datetime.timedelta(days=1)
        )
    return case_a


@pytest.fixture
def service(network):
    """A service in organisation B's catalogue, with the default SLA of 3 working days."""
    service = ServiceTypeFactory(code="pacco-alimentare", name="Pacco alimentare")
    network.org_b.services.add(service)
    return service
