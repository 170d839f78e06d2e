"""Actors of the employment tests: the network of `tests/conftest.py` plus the job centre (CPI), an employment
service of the network with an operator and a case manager, and case A whose person consents to sharing."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from cases.models import ConsentPurpose
from cases.services import consent_record
from employment import services
from employment.models import Skill
from partners.models import OrganisationKind, ServiceType
from partners.roles import Role
from tests.factories import make_member, make_organisation


@pytest.fixture
def job_placement(db):
    return ServiceType.objects.get_or_create(code="job-placement", defaults={"name": "Inserimento lavorativo"})[0]


@pytest.fixture
def cpi(network, job_placement):
    """The Centro per l'Impiego: an employment service of the network."""
    organisation = make_organisation("Centro per l'Impiego di Cinisello Balsamo", kind=OrganisationKind.PUBLIC_BODY)
    organisation.services.add(job_placement)
    network.users[("cpi", Role.OPERATOR)] = make_member(organisation, Role.OPERATOR, username="cpi_operator")
    network.users[("cpi", Role.CASE_MANAGER)] = make_member(organisation, Role.CASE_MANAGER, username="cpi_cm")
    network.users[("cpi", Role.VOLUNTEER)] = make_member(organisation, Role.VOLUNTEER, username="cpi_volunteer")
    return organisation


@pytest.fixture
def consenting_case(case_a, network):
    manager = network.user("a", Role.CASE_MANAGER)
    today = timezone.localdate()
    for purpose in (ConsentPurpose.PROCESSING, ConsentPurpose.SHARE_NETWORK):
        consent_record(actor=manager, person=case_a.person, purpose=purpose,
                       given_on=today - datetime.timedelta(days=1))
    return case_a


def skill(code: str) -> Skill:
    return Skill.objects.get(code=code)


def skills(*codes: str) -> list[int]:
    return list(Skill.objects.filter(code__in=codes).values_list("pk", flat=True))


PROFILE = {"education_level": "lower_secondary", "max_weekly_hours": 40, "available_days": 31, "mobility": 2,
           "did_status": "active", "did_date": datetime.date(2026, 1, 10), "work_history": "Magazziniere 2019-2023"}


def save_profile(actor, case, *, data=None, skill_codes=("licence-forklift", "skill-warehouse"),
                 languages=(("it", 3),)):
    return services.profile_save(actor=actor, case=case, data={**PROFILE, **(data or {})},
                                 skill_ids=skills(*skill_codes), languages=languages)


@pytest.fixture(autouse=True)
def _english():
    """Messages asserted in English (the msgids); the Italian ones come from locale/ once merged."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client
