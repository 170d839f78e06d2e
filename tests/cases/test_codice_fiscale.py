import datetime

import pytest
from django.core.exceptions import ValidationError

from cases.models import Person
from cases.services import person_register
from cases.validators import codice_fiscale_mismatches, normalise_codice_fiscale
from partners.roles import Role


def test_valid_code_is_normalised_to_upper_case_without_spaces():
    assert normalise_codice_fiscale(" rssmra85t10a562s ") == "RSSMRA85T10A562S"


def test_valid_omocodic_code_is_accepted():
    # Omocodia: the Agenzia delle Entrate replaces digits with letters L-V when two people collide.
    assert normalise_codice_fiscale("RSSMRA85T10A56NH") == "RSSMRA85T10A56NH"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("RSSMRA85T10A562X", "cf_checksum"),  # wrong check character
        ("RSSMRA85T10A56AB", "cf_format"),  # 'A' is not an omocodia substitution letter
        ("RSSMRA85", "cf_length"),
        ("00727780967", "cf_length"),  # a partita IVA is not a person's code
        ("RSSMRA85T99A562", "cf_length"),
    ],
)
def test_invalid_codes_are_refused_with_a_reason(value, code):
    with pytest.raises(ValidationError) as exc:
        normalise_codice_fiscale(value)
    assert exc.value.code == code


def test_impossible_birth_day_is_refused():
    from stdnum.it import codicefiscale

    base = "RSSMRA85T32A562"  # 32 December
    with pytest.raises(ValidationError):
        normalise_codice_fiscale(base + codicefiscale.calc_check_digit(base))


def test_birth_date_and_sex_must_match_the_code():
    problems = codice_fiscale_mismatches("RSSMRA85T10A562S", birth_date=datetime.date(1985, 12, 11), sex="F")
    assert len(problems) == 2
    assert codice_fiscale_mismatches("RSSMRA85T10A562S", birth_date=datetime.date(1985, 12, 10), sex="M") == []


def test_registration_with_invalid_code_saves_nothing(network):
    manager = network.user("a", Role.CASE_MANAGER)
    with pytest.raises(ValidationError) as exc:
        person_register(
            actor=manager,
            organisation_id=network.org_a.pk,
            data={"first_name": "Mario", "last_name": "Rossi", "codice_fiscale": "RSSMRA85T10A562X"},
        )
    assert "codice_fiscale" in exc.value.message_dict
    assert Person.objects.count() == 0


def test_future_birth_date_is_refused(network):
    manager = network.user("a", Role.CASE_MANAGER)
    with pytest.raises(ValidationError) as exc:
        person_register(
            actor=manager,
            organisation_id=network.org_a.pk,
            data={
                "first_name": "Mario",
                "last_name": "Rossi",
                "birth_date": datetime.date.today() + datetime.timedelta(days=1),
            },
        )
    assert "birth_date" in exc.value.message_dict


def test_person_without_any_identifier_needs_a_birth_date(network):
    manager = network.user("a", Role.CASE_MANAGER)
    with pytest.raises(ValidationError):
        person_register(
            actor=manager, organisation_id=network.org_a.pk, data={"first_name": "Ana", "last_name": "Popescu"}
        )
    person = person_register(
        actor=manager,
        organisation_id=network.org_a.pk,
        confirmed_new=True,
        data={
            "first_name": "Ana",
            "last_name": "Popescu",
            "other_id_kind": "stp",
            "other_id_number": "STP0301500012345",
        },
    )
    assert person.codice_fiscale is None
