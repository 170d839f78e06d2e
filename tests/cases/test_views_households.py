"""Households through the web pages: create, detail (ISEE, aid from every organisation), edit, members."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import Household, HouseholdMember, Relationship
from core.models import AuditEntry
from partners.roles import Role
from tests.factories import open_case, register_person
from workflows.services import lifecycle


@pytest.fixture
def manager_a(network, client):
    user = network.user("a", Role.CASE_MANAGER)
    client.force_login(user)
    return user


@pytest.fixture
def household(network, manager_a, case_a):
    return services.household_create(
        actor=manager_a,
        organisation_id=network.org_a.pk,
        name="Bianchi",
        isee_value=Decimal("8000"),
        isee_expires_on=datetime.date(2025, 1, 15),
        reference_person=case_a.person,
    )


def test_create_with_the_person_as_reference(network, client, manager_a, case_a):
    url = reverse("cases:household_create") + f"?person={case_a.person_id}"
    page = client.get(url)
    assert page.context["form"].initial["name"] == "Bianchi"
    response = client.post(
        url,
        {"organisation": network.org_a.pk, "name": "Bianchi", "isee_value": "9000.50", "isee_expires_on": "2027-01-15"},
    )
    household = Household.objects.get()
    assert response.status_code == 302
    member = HouseholdMember.objects.get(household=household)
    assert (member.person_id, member.relationship) == (case_a.person_id, Relationship.REFERENCE)
    assert household.isee_value == Decimal("9000.50")


def test_create_with_negative_isee_is_a_field_error(network, client, manager_a):
    response = client.post(
        reverse("cases:household_create"), {"organisation": network.org_a.pk, "name": "X", "isee_value": "-1"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["isee_value"]
    assert not Household.objects.exists()


def test_create_for_a_hidden_person_is_404(network, client, manager_a):
    hidden = register_person(network.user("b", Role.CASE_MANAGER), network.org_b)
    assert client.get(reverse("cases:household_create"), {"person": hidden.pk}).status_code == 404


def test_detail_shows_members_expired_isee_and_aid_from_other_organisations(
    network, client, manager_a, case_a, household
):
    # given: the household's case, and a case of org B for the same household shared with A
    services.case_update(actor=manager_a, case=case_a, household=household)
    services.intervention_record(actor=manager_a, case=case_a, kind="food_parcel", value=Decimal("25"))
    manager_b = network.user("b", Role.CASE_MANAGER)
    case_b = open_case(manager_b, network.org_b, register_person(manager_b, network.org_b, last_name="Bianchi"))
    case_b.household = household
    case_b.save()
    services.intervention_record(actor=manager_b, case=case_b, kind="voucher")
    from cases.permissions.grants import grant_case_access

    grant_case_access(case_b, network.org_a, change=False)
    # when
    response = client.get(reverse("cases:household_detail", args=[household.pk]))
    # then
    content = response.content.decode()
    assert response.status_code == 200
    assert "Giulia" in content and "Reference person" in content
    assert "€ 8,000.00" in content
    assert "expired" in content
    assert {i.organisation_id for i in response.context["aid"]} == {network.org_a.pk, network.org_b.pk}
    assert AuditEntry.objects.filter(action="read", object_type="cases.household").exists()


def test_detail_without_access_to_other_cases_shows_only_visible_aid(network, client, manager_a, case_a, household):
    services.case_update(actor=manager_a, case=case_a, household=household)
    manager_b = network.user("b", Role.CASE_MANAGER)
    case_b = open_case(manager_b, network.org_b, register_person(manager_b, network.org_b))
    case_b.household = household
    case_b.save()
    services.intervention_record(actor=manager_b, case=case_b, kind="voucher")
    response = client.get(reverse("cases:household_detail", args=[household.pk]))
    assert list(response.context["aid"]) == []


def test_valid_isee_is_not_marked_expired(network, client, manager_a, household):
    household.isee_expires_on = timezone.localdate() + datetime.timedelta(days=30)
    household.save()
    response = client.get(reverse("cases:household_detail", args=[household.pk]))
    assert response.context["isee_expired"] is False


def test_detail_is_404_for_another_organisation(network, client, household):
    client.force_login(network.user("b", Role.CASE_MANAGER))
    assert client.get(reverse("cases:household_detail", args=[household.pk])).status_code == 404


def test_edit(network, client, manager_a, household):
    url = reverse("cases:household_edit", args=[household.pk])
    assert client.get(url).context["form"].initial["name"] == "Bianchi"
    response = client.post(
        url, {"name": "Bianchi-Rossi", "address": "Via Roma 1", "isee_value": "7000", "isee_expires_on": "2027-01-15"}
    )
    assert response.status_code == 302
    household.refresh_from_db()
    assert (household.name, household.isee_value) == ("Bianchi-Rossi", Decimal("7000"))


def test_edit_is_403_for_an_operator(network, client, household):
    client.force_login(network.user("a", Role.OPERATOR))
    assert client.post(reverse("cases:household_edit", args=[household.pk]), {"name": "X"}).status_code == 403


def test_add_a_member_found_by_search(network, client, manager_a, household):
    child = register_person(
        manager_a, network.org_a, first_name="Luca", last_name="Bianchi", birth_date=datetime.date(2015, 3, 3)
    )
    url = reverse("cases:household_member_add", args=[household.pk])
    page = client.get(url, {"q": "luca"})
    assert page.context["results"] == [child]
    response = client.post(url + "?q=luca", {"person": child.pk, "relationship": Relationship.CHILD})
    assert response.status_code == 302
    assert HouseholdMember.objects.filter(household=household, person=child, relationship="child").exists()


def test_add_a_member_twice_is_a_clear_error(network, client, manager_a, case_a, household):
    response = client.post(
        reverse("cases:household_member_add", args=[household.pk]),
        {"person": case_a.person_id, "relationship": Relationship.SPOUSE},
    )
    assert response.status_code == 200
    assert b"already a member" in response.content


def test_add_a_hidden_person_is_refused(network, client, manager_a, household):
    hidden = register_person(network.user("b", Role.CASE_MANAGER), network.org_b)
    response = client.post(
        reverse("cases:household_member_add", args=[household.pk]),
        {"person": hidden.pk, "relationship": Relationship.SPOUSE},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["person"]
    assert not HouseholdMember.objects.filter(person=hidden).exists()


# --- the list and search (issue 16, item 19) ---------------------------------------------------------------


def _household(actor, organisation, name, *, address="", members=()):
    household = services.household_create(actor=actor, organisation_id=organisation.pk, name=name, address=address)
    for person in members:
        services.household_member_add(actor=actor, household=household, person=person, relationship=Relationship.SPOUSE)
    return household


def _listed(client, query=""):
    response = client.get(reverse("cases:household_list"), {"q": query} if query else {})
    assert response.status_code == 200
    return [household.name for household in response.context["page"]]


def test_list_shows_the_visible_households_with_members_address_and_open_cases(
    network, client, manager_a, case_a, household
):
    # given: A's household with its reference person's open case, another with no member, and B's household
    household.address = "Via Roma 12"
    household.save()
    services.case_update(actor=manager_a, case=case_a, household=household)
    _household(manager_a, network.org_a, "Colombo")
    manager_b = network.user("b", Role.CASE_MANAGER)
    _household(manager_b, network.org_b, "Esposito", members=[register_person(manager_b, network.org_b)])
    # when
    response = client.get(reverse("cases:household_list"))
    # then
    assert [h.name for h in response.context["page"]] == ["Bianchi", "Colombo"]
    bianchi = response.context["page"][0]
    assert (bianchi.members_count, bianchi.open_cases_count) == (1, 1)
    content = response.content.decode()
    assert reverse("cases:household_detail", args=[household.pk]) in content
    assert "Via Roma 12" in content and "Esposito" not in content
    assert 'data-label="Open cases"' in content  # stacked on a phone, each cell labelled


def test_a_closed_case_is_not_counted_as_open(network, client, manager_a, case_a, household):
    services.case_update(actor=manager_a, case=case_a, household=household)
    lifecycle.case_close(actor=manager_a, case=case_a, outcome="goals_reached")
    response = client.get(reverse("cases:household_list"))
    assert response.context["page"][0].open_cases_count == 0


@pytest.mark.parametrize("query", ["nicolo", "NICOLÒ", "icol", "Nicolò"])
def test_search_by_name_ignores_case_and_accents(network, client, manager_a, query):
    _household(manager_a, network.org_a, "Nicolò")
    _household(manager_a, network.org_a, "Rossi")
    assert _listed(client, query) == ["Nicolò"]


@pytest.mark.parametrize("query", ["via roma", "VIA  ROMA 12", "roma 12", "Via Rómà"])
def test_search_by_address(network, client, manager_a, query):
    _household(manager_a, network.org_a, "Colombo", address="Via Roma 12, Cinisello Balsamo")
    _household(manager_a, network.org_a, "Ferrari", address="Via Milano 3")
    assert _listed(client, query) == ["Colombo"]


@pytest.mark.parametrize("query", ["bianchi", "Bian", "bianchi giulia", "BNCGLI80A41F205F", "giulia"])
def test_search_by_a_member(network, client, manager_a, case_a, query):
    # given: a household named otherwise than its member's surname (the only way it was found before)
    _household(manager_a, network.org_a, "Nucleo di via Verdi", members=[case_a.person])
    _household(manager_a, network.org_a, "Ferrari")
    assert _listed(client, query) == ["Nucleo di via Verdi"]


def test_a_query_without_letters_does_not_find_every_household(network, client, manager_a, case_a):
    _household(manager_a, network.org_a, "Colombo", members=[case_a.person])
    assert _listed(client, "42") == []
    assert _listed(client, "!!") == []


def test_search_is_audited_without_its_text(network, client, manager_a):
    _listed(client, "BNCGLI80A41F205F")
    entry = AuditEntry.objects.get(action="search", object_type="cases.household")
    assert entry.detail == {"query_length": 16}


def _household_of_b_with_a_case_shared_with_a(network, sections):
    """B registers a person, opens their case, puts them in a household, and shares the case with A."""
    from cases.permissions.grants import share_case

    manager_b = network.user("b", Role.CASE_MANAGER)
    person = register_person(
        manager_b,
        network.org_b,
        first_name="Anna",
        last_name="Esposito",
        codice_fiscale="SPSNNA80A41F205P",
        birth_date=datetime.date(1980, 1, 1),
        sex="F",
    )
    case = open_case(manager_b, network.org_b, person)
    household = _household(manager_b, network.org_b, "Famiglia Esposito", address="Via Verdi 5", members=[person])
    services.case_update(actor=manager_b, case=case, household=household)
    if sections is not None:
        share_case(case, network.org_a, sections=sections)
    return household


@pytest.mark.parametrize("role", [Role.CASE_MANAGER, Role.OPERATOR, Role.ORG_ADMIN, Role.VOLUNTEER])
@pytest.mark.parametrize(
    "sections, sees",
    [
        (None, False),  # no access to the case nor to the person
        ([], False),  # a "summary only" referral: the person's file, so their household, stays hidden
        (["notes", "documents"], False),
        (["file"], True),  # the personal data were shared: the person, and their household
    ],
)
def test_permission_matrix(network, client, role, sections, sees):
    household = _household_of_b_with_a_case_shared_with_a(network, sections)
    client.force_login(network.user("a", role))
    sees = sees and role != Role.VOLUNTEER  # a volunteer reads no file
    for query in ("", "Esposito", "Famiglia", "via verdi", "anna", "SPSNNA80A41F205P"):
        assert _listed(client, query) == (["Famiglia Esposito"] if sees else []), query
    detail = client.get(reverse("cases:household_detail", args=[household.pk]))
    assert detail.status_code == (200 if sees else 404)


def test_a_member_hidden_from_the_reader_does_not_find_the_household(network, client, manager_a, case_a):
    # given: A's household holds a person B registered and never shared (added by a B manager's grant)
    manager_b = network.user("b", Role.CASE_MANAGER)
    hidden = register_person(
        manager_b,
        network.org_b,
        last_name="Segreti",
        codice_fiscale="SGRMRA80A01F205L",
        birth_date=datetime.date(1980, 1, 1),
        sex="M",
    )
    household = _household(manager_a, network.org_a, "Colombo", members=[case_a.person])
    HouseholdMember.objects.create(household=household, person=hidden, relationship=Relationship.SPOUSE)
    # when / then: the household is A's, but searching for the hidden person does not confirm they belong to it
    assert _listed(client, "Colombo") == ["Colombo"]
    assert _listed(client, "SGRMRA80A01F205L") == []
    assert _listed(client, "segreti") == []


def test_a_deactivated_member_gets_the_inactive_page(network, client, manager_a, household):
    from partners.models import Membership

    Membership.objects.filter(user=manager_a).update(is_active=False)
    response = client.get(reverse("cases:household_list"))
    assert response.status_code == 403
    assert "no longer active" in response.content.decode()
    assert "Bianchi" not in response.content.decode()
    assert client.get(reverse("cases:household_detail", args=[household.pk])).status_code == 403


def test_the_menu_and_the_person_search_link_to_the_list(network, client, manager_a):
    url = reverse("cases:household_list")
    assert f'href="{url}"' in client.get(reverse("cases:person_search")).content.decode().split("<main")[-1]
    nav = client.get(reverse("cases:case_list")).content.decode().split("<main")[0]
    assert f'href="{url}"' in nav


def test_the_list_answers_in_a_number_of_queries_that_does_not_grow_with_the_rows(network, client, manager_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(query=""):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("cases:household_list"), {"q": query}).status_code == 200
        return len(captured)

    def add(n, start):
        for i in range(start, start + n):
            person = register_person(
                manager_a,
                network.org_a,
                first_name=f"Nome{i}",
                last_name="Greco",
                birth_date=datetime.date(1970, 1, 1) + datetime.timedelta(days=i),
            )
            household = _household(
                manager_a, network.org_a, f"Greco {i:02d}", address=f"Via Roma {i}", members=[person]
            )
            case = open_case(manager_a, network.org_a, person)
            services.case_update(actor=manager_a, case=case, household=household)

    add(1, 0)
    one = (queries(), queries("greco"), queries("via roma"))
    add(29, 1)
    thirty = (queries(), queries("greco"), queries("via roma"))
    assert one == thirty
    assert client.get(reverse("cases:household_list"), {"q": "greco"}).context["page"].paginator.count == 30
