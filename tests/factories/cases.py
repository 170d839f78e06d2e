"""People and cases: `PersonFactory` for a bare registry row, `register_person` and `open_case` through the services."""

import datetime

import factory

from cases import services as case_services
from cases.models import Person
from partners.models import Organisation
from workflows.services import lifecycle


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
    """A case opened through the lifecycle, without its pathway unless `with_pathway=True` (the tests start it
    when they need it)."""
    person = person or register_person(actor, organisation)
    kwargs.setdefault("with_pathway", False)
    return lifecycle.case_open(actor=actor, organisation_id=organisation.pk, person=person, **kwargs)
