import datetime

from django.urls import reverse

from cases.models import Case, Person, PersonMerge
from core.models import AuditEntry
from partners.roles import Role
from partners.services import membership_add
from tests.factories import open_case, register_person

CF = "RSSMRA85T10A562S"  # Mario Rossi, 10/12/1985, male


def _register(client, **data):
    payload = {"first_name": "Mario", "last_name": "Rossi", "birth_date": "1985-12-10", **data}
    return client.post(reverse("api-person-list"), payload, format="json")


def test_register_person_for_the_single_organisation(network, client_for):
    # given a case manager of one organisation only
    client = client_for(network.user("a", Role.CASE_MANAGER))
    # when
    response = _register(client, codice_fiscale=CF.lower(), sex="M")
    # then
    assert response.status_code == 201, response.content
    person = Person.objects.get(pk=response.json()["id"])
    assert person.registered_by == network.org_a
    assert person.codice_fiscale == CF
    assert response.json()["registered_by"] == {"id": network.org_a.pk, "name": network.org_a.name}
    assert AuditEntry.objects.filter(action="create", object_type="cases.person", object_id=str(person.pk)).exists()


def test_register_needs_the_organisation_when_the_user_manages_cases_for_several(network, client_for):
    manager = network.user("a", Role.CASE_MANAGER)
    membership_add(organisation=network.org_b, user=manager, role=Role.CASE_MANAGER)
    client = client_for(manager)
    response = _register(client)
    assert response.status_code == 400
    assert "organisation" in response.json()["error"]["fields"]
    assert _register(client, organisation=network.org_b.pk).status_code == 201
    assert Person.objects.get().registered_by == network.org_b


def test_register_for_an_organisation_where_the_user_is_not_case_manager_is_forbidden(network, client_for):
    client = client_for(network.user("a", Role.CASE_MANAGER))
    response = _register(client, organisation=network.org_b.pk)
    assert response.status_code == 403
    assert not Person.objects.exists()


def test_operator_cannot_register(network, client_for):
    response = _register(client_for(network.user("a", Role.OPERATOR)))
    assert response.status_code == 403
    assert not Person.objects.exists()


def test_duplicate_codice_fiscale_visible_gives_409_with_the_id(network, client_for):
    existing = register_person(network.user("a", Role.CASE_MANAGER), network.org_a, codice_fiscale=CF)
    response = _register(client_for(network.user("a", Role.CASE_MANAGER)), first_name="M.", codice_fiscale=CF)
    assert response.status_code == 409
    body = response.json()["error"]
    assert (body["status"], body["code"], body["existing_person"]) == (409, "cf_exists", existing.pk)
    assert body["message"]
    assert Person.objects.count() == 1


def test_duplicate_codice_fiscale_registered_elsewhere_gives_409_without_the_id(network, client_for):
    existing = register_person(network.user("a", Role.CASE_MANAGER), network.org_a, codice_fiscale=CF)
    response = _register(client_for(network.user("b", Role.CASE_MANAGER)), codice_fiscale=CF)
    assert response.status_code == 409
    body = response.json()["error"]
    assert body["code"] == "cf_exists"
    assert body["existing_person"] is None
    assert str(existing.pk) not in response.content.decode().replace('"existing_person":null', "")
    assert "Rossi" not in response.content.decode()


def test_possible_duplicates_give_409_with_visible_candidates_then_confirmed_new_registers(network, client_for):
    manager = network.user("a", Role.CASE_MANAGER)
    existing = register_person(
        manager, network.org_a, first_name="Giuseppe", last_name="Esposito", birth_date=datetime.date(1970, 3, 4)
    )
    client = client_for(manager)
    payload = {"first_name": "Giusepe", "last_name": "Esposito", "birth_date": "1970-03-04"}
    response = client.post(reverse("api-person-list"), payload, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "possible_duplicates"
    assert response.json()["error"]["candidates"] == [
        {"id": existing.pk, "first_name": "Giuseppe", "last_name": "Esposito", "birth_date": "1970-03-04"}
    ]
    response = client.post(reverse("api-person-list"), {**payload, "confirmed_new": True}, format="json")
    assert response.status_code == 201
    assert Person.objects.count() == 2


def test_possible_duplicates_registered_elsewhere_are_not_shown(network, client_for):
    register_person(
        network.user("a", Role.CASE_MANAGER),
        network.org_a,
        first_name="Giuseppe",
        last_name="Esposito",
        birth_date=datetime.date(1970, 3, 4),
    )
    payload = {"first_name": "Giusepe", "last_name": "Esposito", "birth_date": "1970-03-04"}
    response = client_for(network.user("b", Role.CASE_MANAGER)).post(reverse("api-person-list"), payload, format="json")
    assert response.status_code == 201


def test_search_by_name_and_codice_fiscale(network, client_for):
    manager = network.user("a", Role.CASE_MANAGER)
    rossi = register_person(manager, network.org_a, codice_fiscale=CF)
    register_person(manager, network.org_a, first_name="Anna", last_name="Verdi")
    client = client_for(manager)
    by_name = client.get(reverse("api-person-list"), {"search": "ros mar"}).json()["results"]
    by_cf = client.get(reverse("api-person-list"), {"search": CF}).json()["results"]
    assert [row["id"] for row in by_name] == [rossi.pk]
    assert [row["id"] for row in by_cf] == [rossi.pk]


def test_search_does_not_find_people_of_other_organisations(network, client_for):
    register_person(network.user("a", Role.CASE_MANAGER), network.org_a, codice_fiscale=CF)
    response = client_for(network.user("b", Role.CASE_MANAGER)).get(reverse("api-person-list"), {"search": CF})
    assert response.json()["count"] == 0


def test_person_detail_writes_a_read_audit_row(network, client_for):
    manager = network.user("a", Role.CASE_MANAGER)
    person = register_person(manager, network.org_a, codice_fiscale=CF)
    response = client_for(manager).get(reverse("api-person-detail", args=[person.pk]))
    assert response.status_code == 200
    assert response.json()["codice_fiscale"] == CF
    entry = AuditEntry.objects.get(action="read", object_type="cases.person", object_id=str(person.pk))
    assert entry.user == manager
    assert entry.person_id == person.pk
    assert entry.organisation == network.org_a


def test_hidden_person_detail_is_404_and_not_audited(network, client_for):
    person = register_person(network.user("a", Role.CASE_MANAGER), network.org_a)
    response = client_for(network.user("b", Role.CASE_MANAGER)).get(reverse("api-person-detail", args=[person.pk]))
    assert response.status_code == 404
    assert not AuditEntry.objects.filter(action="read").exists()


def test_nonexistent_and_hidden_person_answer_the_same(network, client_for):
    person = register_person(network.user("a", Role.CASE_MANAGER), network.org_a)
    client = client_for(network.user("b", Role.CASE_MANAGER))
    hidden = client.get(reverse("api-person-detail", args=[person.pk]))
    missing = client.get(reverse("api-person-detail", args=[person.pk + 1000]))
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()


def test_partial_update_changes_only_the_given_fields(network, client_for):
    manager = network.user("a", Role.CASE_MANAGER)
    person = register_person(manager, network.org_a, codice_fiscale=CF, phone="02 1234")
    response = client_for(manager).patch(
        reverse("api-person-detail", args=[person.pk]), {"city": "Cinisello"}, format="json"
    )
    assert response.status_code == 200, response.content
    person.refresh_from_db()
    assert (person.city, person.phone, person.codice_fiscale) == ("Cinisello", "02 1234", CF)
    assert AuditEntry.objects.filter(action="update", object_type="cases.person", detail__fields=["city"]).exists()


def test_partial_update_by_operator_is_forbidden(network, client_for):
    person = register_person(network.user("a", Role.CASE_MANAGER), network.org_a)
    response = client_for(network.user("a", Role.OPERATOR)).patch(
        reverse("api-person-detail", args=[person.pk]), {"city": "Milano"}, format="json"
    )
    assert response.status_code == 403
    person.refresh_from_db()
    assert person.city == ""


def test_partial_update_of_hidden_person_is_404(network, client_for):
    person = register_person(network.user("a", Role.CASE_MANAGER), network.org_a)
    response = client_for(network.user("b", Role.CASE_MANAGER)).patch(
        reverse("api-person-detail", args=[person.pk]), {"city": "Milano"}, format="json"
    )
    assert response.status_code == 404


def test_partial_update_to_a_codice_fiscale_of_someone_else_is_409(network, client_for):
    manager = network.user("a", Role.CASE_MANAGER)
    owner = register_person(manager, network.org_a, codice_fiscale=CF)
    other = register_person(manager, network.org_a, first_name="Mario", last_name="Rossetti")
    response = client_for(manager).patch(
        reverse("api-person-detail", args=[other.pk]), {"codice_fiscale": CF}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["error"]["existing_person"] == owner.pk
    other.refresh_from_db()
    assert other.codice_fiscale is None


def test_merge_moves_cases_to_the_kept_person(network, client_for):
    manager = network.user("a", Role.CASE_MANAGER)
    kept = register_person(manager, network.org_a, codice_fiscale=CF)
    duplicate = register_person(manager, network.org_a, first_name="Mario", last_name="Rosi")
    case = open_case(manager, network.org_a, duplicate)
    response = client_for(manager).post(
        reverse("api-person-merge", args=[kept.pk]),
        {"merged": duplicate.pk, "reason": "Same person, typo"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["kept"] == kept.pk
    assert Case.objects.get(pk=case.pk).person == kept
    duplicate.refresh_from_db()
    assert duplicate.merged_into == kept
    assert PersonMerge.objects.filter(kept=kept, merged=duplicate).exists()


def test_merge_with_a_hidden_person_is_not_found(network, client_for):
    manager = network.user("a", Role.CASE_MANAGER)
    kept = register_person(manager, network.org_a)
    hidden = register_person(network.user("b", Role.CASE_MANAGER), network.org_b, first_name="Mario", last_name="Rosi")
    response = client_for(manager).post(
        reverse("api-person-merge", args=[kept.pk]), {"merged": hidden.pk, "reason": "x"}, format="json"
    )
    assert response.status_code == 400
    assert "merged" in response.json()["error"]["fields"]
    hidden.refresh_from_db()
    assert hidden.merged_into is None


def test_merge_without_reason_is_400(network, client_for):
    manager = network.user("a", Role.CASE_MANAGER)
    kept = register_person(manager, network.org_a)
    other = register_person(manager, network.org_a, first_name="Mario", last_name="Rosi")
    response = client_for(manager).post(
        reverse("api-person-merge", args=[kept.pk]), {"merged": other.pk}, format="json"
    )
    assert response.status_code == 400
    assert "reason" in response.json()["error"]["fields"]
    assert not PersonMerge.objects.exists()


def test_merge_of_a_person_with_itself_is_400(network, client_for):
    manager = network.user("a", Role.CASE_MANAGER)
    kept = register_person(manager, network.org_a)
    response = client_for(manager).post(
        reverse("api-person-merge", args=[kept.pk]), {"merged": kept.pk, "reason": "x"}, format="json"
    )
    assert response.status_code == 400
    assert not PersonMerge.objects.exists()


def test_registration_racing_another_one_with_the_same_codice_fiscale_is_409(network, client_for, monkeypatch):
    # given another registration of the same codice fiscale that commits between our check and our insert
    from django.db import IntegrityError

    from cases.api import persons as person_api

    manager = network.user("a", Role.CASE_MANAGER)
    real_register = person_api.services.person_register
    calls = []

    def racing_register(**kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            real_register(
                actor=manager,
                organisation_id=network.org_a.pk,
                confirmed_new=True,
                data={"first_name": "Mario", "last_name": "Rossi", "codice_fiscale": CF},
            )
            raise IntegrityError("UNIQUE constraint failed: cases_person.codice_fiscale")
        return real_register(**kwargs)

    monkeypatch.setattr(person_api.services, "person_register", racing_register)
    # when
    response = _register(client_for(manager), codice_fiscale=CF)
    # then
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "cf_exists"
    assert len(calls) == 2
    assert Person.objects.filter(codice_fiscale=CF).count() == 1
