"""Households through the web pages: create, detail (ISEE, aid from every organisation), edit, members."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import Household, HouseholdMember, Relationship
from partners.models import AuditEntry
from partners.roles import Role
from tests.factories import open_case, register_person


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
    from cases.permissions import grant_case_access

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
