"""A case manager registers a person, opens a case and writes a note; another organisation's operator
can neither find the person nor open the case's address."""

import re

from cases.models import Case, Note, Person
from partners.roles import Role
from tests.factories import PASSWORD
from tests.helpers.browser import login


def submit(page, form_selector: str) -> None:
    with page.expect_navigation():
        page.click(f"{form_selector} [type=submit]")


def test_register_open_case_note_and_other_org_cannot_see(network, new_page, live_server):
    # given: a case manager of organisation A
    page = new_page()
    login(page, "a_case_manager", PASSWORD)

    # when: they register a person
    page.goto(_url("cases:person_register"))
    page.fill("main input[name=first_name]", "Fatima")
    page.fill("main input[name=last_name]", "El Amrani")
    page.fill("main input[name=birth_date]", "1990-05-17")
    page.select_option("main select[name=other_id_kind]", "passport")
    page.fill("main input[name=other_id_number]", "YA1234567")
    submit(page, "main form[method=post]:not([action])")
    person = Person.objects.get(last_name="El Amrani")
    assert re.search(rf"/{person.pk}/", page.url)

    # ... open a case for them
    page.goto(_url("cases:case_open") + f"?person={person.pk}")
    page.fill("main input[name=title]", "Ricerca lavoro e alloggio")
    submit(page, "main form:has(input[name=title])")
    case = Case.objects.get(person=person)
    assert page.url.endswith(_url("cases:case_detail", case.pk))
    assert case.code in page.content()

    # ... and add a note
    page.fill("textarea[name=body]", "Primo colloquio: cerca un lavoro part-time.")
    submit(page, f"form[action='{_url('cases:note_add', case.pk)}']")

    # then: the note is saved and shown
    note = Note.objects.get(case=case)
    assert note.author.username == "a_case_manager"
    assert page.locator("#notes").get_by_text("Primo colloquio").count() == 1

    # when: an operator of organisation B looks for the person and the case
    other = new_page()
    login(other, network.user("b", Role.OPERATOR).username, PASSWORD)
    other.goto(_url("cases:person_search") + "?q=El+Amrani")
    # then: nothing is found
    assert "El Amrani" not in other.locator("main").inner_text()
    response = other.goto(_url("cases:case_detail", case.pk))
    assert response.status == 404
    assert case.code not in other.content()
    response = other.goto(_url("cases:person_detail", person.pk))
    assert response.status == 404


def _url(name: str, *args) -> str:
    from django.urls import reverse

    return reverse(name, args=args)
