"""The demo data command: the seed's partners, the documented logins, fictional but valid people."""

import datetime
import random
from io import StringIO

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils import timezone
from faker import Faker
from stdnum.it import codicefiscale

from cases.models import Case, CaseEvent, CaseGroupObjectPermission, Consent, Intervention, Note, Person
from cases.validators import codice_fiscale_mismatches
from core.models import AuditEntry
from demo import identities, people, stories
from demo import network as demo_network
from partners.models import Membership, NetworkRole, Organisation
from partners.roles import Role

PEOPLE = 20


def run_demo(**options) -> str:
    out = StringIO()
    call_command("demo_network", people=PEOPLE, seed=7, stdout=out, **options)
    return out.getvalue()


@pytest.fixture(scope="module")
def _demo_once(django_db_setup, django_db_blocker):
    """Load the demo once for the module, inside a transaction rolled back at the end (like setUpTestData):
    each test runs in its own savepoint inside it."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield run_demo()
        transaction.set_rollback(True)


@pytest.fixture
def demo_loaded(_demo_once, db):
    return _demo_once


def test_organisations_are_the_csv_rows(demo_loaded):
    rows = demo_network.read_partners_csv()
    assert sorted(Organisation.objects.values_list("name", flat=True)) == sorted(row["name"] for row in rows)


def test_the_public_body_is_the_coordinator_and_adherents_adhere(demo_loaded):
    coordinator = Organisation.objects.get(network_role=NetworkRole.COORDINATOR)
    assert coordinator.kind == "public_body"
    assert set(Organisation.objects.filter(network_role=NetworkRole.ADHERENT).values_list("name", flat=True)) == {
        "Fondazione Comunitaria Nord Milano",
        "CSV Milano",
    }


def test_organisations_are_in_cinisello_with_services(demo_loaded):
    for organisation in Organisation.objects.prefetch_related("services"):
        assert organisation.city == "Cinisello Balsamo"
        assert organisation.services.exists(), organisation.name


@pytest.mark.parametrize(
    ("username", "organisation", "role"),
    [
        ("coordinatore", "Comune di Cinisello Balsamo - Servizio Centralità della Persona", Role.COORDINATOR),
        ("assistente.comune", "Comune di Cinisello Balsamo - Servizio Centralità della Persona", Role.CASE_MANAGER),
        ("caritas.cm", "Caritas Decanale di Cinisello Balsamo", Role.CASE_MANAGER),
        ("caritas.operatore", "Caritas Decanale di Cinisello Balsamo", Role.OPERATOR),
        ("caritas.volontario", "Caritas Decanale di Cinisello Balsamo", Role.VOLUNTEER),
        ("caritas.admin", "Caritas Decanale di Cinisello Balsamo", Role.ORG_ADMIN),
        ("cordata.cm", "Cooperativa La Cordata", Role.CASE_MANAGER),
        ("cordata.admin", "Cooperativa La Cordata", Role.ORG_ADMIN),
        ("banco.operatore", "Banco Alimentare Paolo Galbiati", Role.OPERATOR),
    ],
)
def test_demo_login_has_its_role(demo_loaded, username, organisation, role):
    membership = Membership.objects.active().get(user__username=username, organisation__name=organisation)
    assert membership.role == role


def test_demo_logins_share_the_documented_password(demo_loaded, settings):
    # The module's data was hashed outside pytest-django's per-test fast hasher: accept both.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    user = get_user_model().objects.get(username="caritas.cm")
    assert user.check_password(demo_network.DEMO_PASSWORD)
    assert set(get_user_model().objects.values_list("password", flat=True)) == {user.password}


def test_every_organisation_has_an_admin_and_a_worker(demo_loaded):
    for organisation in Organisation.objects.all():
        roles = set(organisation.memberships.values_list("role", flat=True))
        assert Role.ORG_ADMIN in roles, organisation.name
        assert roles & {Role.CASE_MANAGER, Role.OPERATOR, Role.VOLUNTEER}, organisation.name


def test_one_user_works_for_two_organisations(demo_loaded):
    roles = dict(Membership.objects.filter(user__username="cav.cm").values_list("organisation__short_name", "role"))
    assert roles == {"Centro Aiuto alla Vita": Role.CASE_MANAGER, "Caritas Cinisello": Role.OPERATOR}


def test_people_and_case_files_are_created(demo_loaded):
    assert Person.objects.count() == PEOPLE
    assert Case.objects.exists()
    assert Consent.objects.filter(purpose="processing").exists()
    assert Intervention.objects.exists()
    assert CaseEvent.objects.filter(kind="case_opened").count() == Case.objects.count()
    assert AuditEntry.objects.filter(object_type="cases.person", action="create").count() == PEOPLE


def test_the_history_is_dated_on_the_days_of_the_story(demo_loaded):
    """The people's history is replayed on the simulated clock (demo/clock.py): a case's opening is stamped on
    the day it opened, nothing is stamped in the future, and the real time is back once the demo is loaded."""
    now = timezone.now()

    for case in Case.objects.all():
        opened = CaseEvent.objects.get(case=case, kind="case_opened")
        assert timezone.localdate(opened.at) == case.opened_on
    assert Case.objects.filter(opened_on__lt=timezone.localdate() - datetime.timedelta(days=90)).exists()
    assert not CaseEvent.objects.filter(at__gt=now).exists()
    assert not AuditEntry.objects.filter(at__gt=now).exists()
    assert not time_machine.escape_hatch.is_travelling()


def test_codici_fiscali_are_valid_and_match_the_person(demo_loaded):
    people = list(Person.objects.exclude(codice_fiscale=None))
    assert len(people) >= PEOPLE // 2
    for person in people:
        assert codicefiscale.is_valid(person.codice_fiscale), person.codice_fiscale
        assert codice_fiscale_mismatches(person.codice_fiscale, birth_date=person.birth_date, sex=person.sex) == []


def test_people_without_codice_fiscale_have_another_identifier_or_a_birth_date(demo_loaded):
    for person in Person.objects.filter(codice_fiscale=None):
        assert person.other_id_number or person.birth_date


def test_codice_fiscale_is_computed_like_the_agenzia_delle_entrate():
    assert (
        identities.codice_fiscale(
            last_name="Rossi", first_name="Mario", birth_date=datetime.date(1980, 1, 1), sex="M", place_code="H501"
        )
        == "RSSMRA80A01H501U"
    )
    assert (
        identities.codice_fiscale(
            last_name="Bianchi", first_name="Giulia", birth_date=datetime.date(1980, 1, 1), sex="F", place_code="F205"
        )
        == "BNCGLI80A41F205F"
    )


def test_every_case_is_marked_fictional(demo_loaded):
    marked = Note.objects.filter(body__contains=stories.FICTIONAL_MARK).values_list("case_id", flat=True)
    assert set(marked) == set(Case.objects.values_list("pk", flat=True))


def test_some_cases_are_shared_read_only_with_a_second_organisation(demo_loaded):
    grants = CaseGroupObjectPermission.objects.select_related("permission", "content_object__lead_organisation")
    others = [
        grant.permission.codename
        for grant in grants
        if grant.content_object.lead_organisation.group_id != grant.group_id
    ]
    assert others
    assert set(others) == {"view_case"}


def test_some_household_gets_the_same_aid_from_two_organisations_in_a_month(demo_loaded):
    duplicates = (
        Intervention.objects.filter(household__isnull=False)
        .annotate(month=TruncMonth("delivered_on"))
        .values("household", "kind", "month")
        .annotate(organisations=Count("organisation", distinct=True))
        .filter(organisations__gte=2)
    )
    assert duplicates.exists()


def test_running_it_twice_does_not_duplicate(demo_loaded):
    counts = (
        Organisation.objects.count(),
        get_user_model().objects.count(),
        Person.objects.count(),
        Case.objects.count(),
        Intervention.objects.count(),
    )

    output = run_demo()

    assert "already exist" in output
    assert counts == (
        Organisation.objects.count(),
        get_user_model().objects.count(),
        Person.objects.count(),
        Case.objects.count(),
        Intervention.objects.count(),
    )


def write_csv(tmp_path, *rows: str):
    path = tmp_path / "partners.csv"
    path.write_text("name,kind,membership\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_a_partner_without_a_profile_gets_an_admin_a_case_manager_and_an_operator(demo_loaded, tmp_path):
    path = write_csv(tmp_path, "Associazione Nuova di Prova,association,partner")

    network = demo_network.load_network(rng=random.Random(1), faker=Faker("it_IT"), csv_path=path)

    organisation = Organisation.objects.get(name="Associazione Nuova di Prova")
    assert list(network.organisations.values()) == [organisation]
    assert set(organisation.memberships.values_list("role", flat=True)) == {
        Role.ORG_ADMIN,
        Role.CASE_MANAGER,
        Role.OPERATOR,
    }


def test_a_network_where_nobody_can_open_cases_is_a_clear_error(demo_loaded, tmp_path):
    path = write_csv(tmp_path, "Fondazione Aderente di Prova,foundation,adherent")

    with pytest.raises(demo_network.DemoError), transaction.atomic():
        people.load_demo(people=1, rng=random.Random(1), faker=Faker("it_IT"), csv_path=path)

    assert not Organisation.objects.filter(name="Fondazione Aderente di Prova").exists()
