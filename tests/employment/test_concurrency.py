"""Two enrolments for the last seat of a course at the same moment: exactly one wins. Row locks only bite on
PostgreSQL:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tavolo_employment .venv/bin/pytest tests/employment
"""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from employment import services
from employment.models import Enrolment
from employment.services import enrolments, pathways
from partners.roles import Role
from tests.factories import open_case
from tests.helpers.concurrency import hold_locks, one_winner, race

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks (select_for_update) need PostgreSQL: SQLite serialises whole transactions",
    ),
    pytest.mark.django_db(transaction=True),
]


def test_two_enrolments_for_the_last_seat_exactly_one_wins(network, cpi, monkeypatch):
    manager = network.user("a", Role.CASE_MANAGER)
    course = services.course_create(
        actor=network.user("cpi", Role.OPERATOR),
        organisation_id=cpi.pk,
        **{
            "title": "Addetto HACCP",
            "starts_on": timezone.localdate() + datetime.timedelta(days=3),
            "ends_on": timezone.localdate() + datetime.timedelta(days=5),
            "seats": 1,
        },
    )
    first, second = open_case(manager, network.org_a), open_case(manager, network.org_a)
    # Whoever counts the seats first keeps the course row locked for a while.
    hold_locks(monkeypatch, enrolments, "running_pathway")

    results = race(
        lambda: services.course_enrol(actor=manager, course_id=course.pk, case=first),
        lambda: services.course_enrol(actor=manager, course_id=course.pk, case=second),
    )

    _winner, error = one_winner(results)
    assert isinstance(error, ValidationError)
    assert error.message_dict == {"course": ["The course is full: all 1 seats are taken."]}
    assert Enrolment.objects.filter(course=course).count() == 1


def test_two_starts_of_the_pathway_exactly_one_wins(network, consenting_case, monkeypatch):
    manager = network.user("a", Role.CASE_MANAGER)
    hold_locks(monkeypatch, pathways, "running_pathway")

    results = race(
        lambda: services.pathway_start(actor=manager, case=consenting_case),
        lambda: services.pathway_start(actor=manager, case=consenting_case),
    )

    _winner, error = one_winner(results)
    assert isinstance(error, ValidationError)
    from employment.models import EmploymentPathway

    assert EmploymentPathway.objects.filter(case=consenting_case).count() == 1
