"""Each "Bad input" line of the issue: a clear translated error, nothing half-saved, never a 500."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation
from viewflow.workflow.models import Task
from viewflow.workflow.timers import fire_due_timers

from core.models import AuditEntry
from employment import services
from employment.flows import EmploymentFlow
from employment.forms import PlacementForm, ProfileForm
from employment.models import Course, EmployabilityProfile, Enrolment, FollowUp, Internship, Placement, Stage
from partners.roles import Role
from tests.factories import PASSWORD, open_case
from tests.helpers.employment import PROFILE, open_task, to_follow_up, to_training

pytestmark = pytest.mark.django_db

INTERNSHIP = {
    "host_employer": "Cooperativa Il Sole",
    "tutor": "Marta Riva",
    "weekly_hours": 20,
    "monthly_allowance": Decimal("500"),
}


def test_an_internship_ending_before_it_starts_is_refused(network, consenting_case, cpi, job_placement):
    to_training(network, consenting_case, cpi, job_placement)
    audits = AuditEntry.objects.count()

    with pytest.raises(ValidationError) as error:
        services.internship_create(
            actor=network.user("cpi", Role.OPERATOR),
            case=consenting_case,
            **INTERNSHIP,
            starts_on=datetime.date(2026, 3, 1),
            ends_on=datetime.date(2026, 2, 1),
        )

    assert error.value.message_dict == {"ends_on": ["The internship cannot end before it starts."]}
    assert not Internship.objects.exists() and AuditEntry.objects.count() == audits


def test_the_error_is_translated(network, consenting_case, cpi, job_placement):
    to_training(network, consenting_case, cpi, job_placement)
    with translation.override("it"), pytest.raises(ValidationError) as error:
        services.internship_create(
            actor=network.user("cpi", Role.OPERATOR),
            case=consenting_case,
            **INTERNSHIP,
            starts_on=datetime.date(2026, 3, 1),
            ends_on=datetime.date(2026, 2, 1),
        )
    message = error.value.message_dict["ends_on"][0]
    # The msgid goes through gettext: once locale/ has the Italian text (employment_it.json) it shows.
    assert message in (
        "The internship cannot end before it starts.",
        "Il tirocinio non può terminare prima di iniziare.",
    )


@pytest.mark.parametrize(
    "bad",
    [
        {"starts_on": "1 marzo"},
        {"weekly_hours": "venti"},
        {"weekly_hours": 80},
        {"monthly_allowance": "tanti"},
        {"monthly_allowance": "NaN"},
        {"host_employer": ""},
    ],
)
def test_other_bad_internship_fields_are_refused(client, network, consenting_case, cpi, job_placement, bad):
    # The form parses (the service takes dates, ints and a Decimal): the page answers 400 with the form again.
    to_training(network, consenting_case, cpi, job_placement)
    values = {**INTERNSHIP, "monthly_allowance": "500", "starts_on": "2026-03-01", "ends_on": "2026-06-01", **bad}
    assert client.login(username=network.user("cpi", Role.OPERATOR).username, password=PASSWORD)

    response = client.post(
        reverse("employment:case_pathway", args=[consenting_case.pk]),
        {"action": "internship", **{f"internship-{name}": value for name, value in values.items()}},
    )

    assert response.status_code == 400
    assert list(response.context["forms"]["internship"].errors) == list(bad)
    assert not Internship.objects.exists()


@pytest.mark.parametrize("status", ["boh", "", "completed;drop"])
def test_an_unknown_internship_status_is_refused_on_the_page(
    client, network, consenting_case, cpi, job_placement, status
):
    # The status is parsed by the page's form (the service takes an InternshipStatus): a clear message, nothing saved.
    to_training(network, consenting_case, cpi, job_placement)
    operator = network.user("cpi", Role.OPERATOR)
    internship = services.internship_create(
        actor=operator,
        case=consenting_case,
        **INTERNSHIP,
        starts_on=datetime.date(2026, 3, 1),
        ends_on=datetime.date(2026, 6, 1),
    )
    before = (internship.status, AuditEntry.objects.count())
    assert client.login(username=operator.username, password=PASSWORD)

    response = client.post(
        reverse("employment:case_pathway", args=[consenting_case.pk]),
        {"action": "internship_status", "pk": internship.pk, "status": status},
    )

    assert response.status_code == 400
    assert "Choose the status." in [str(message) for message in response.context["messages"]]
    internship.refresh_from_db()
    assert (internship.status, AuditEntry.objects.count()) == before


def _course(network, cpi, seats=1):
    return services.course_create(
        actor=network.user("cpi", Role.OPERATOR),
        organisation_id=cpi.pk,
        title="Carrellista - patentino muletto",
        starts_on=timezone.localdate() + datetime.timedelta(days=7),
        ends_on=timezone.localdate() + datetime.timedelta(days=14),
        seats=seats,
    )


def test_an_overbooked_course_is_refused(network, consenting_case, cpi, job_placement):
    to_training(network, consenting_case, cpi, job_placement)
    course = _course(network, cpi, seats=1)
    manager = network.user("a", Role.CASE_MANAGER)
    other_case = open_case(manager, network.org_a)
    services.course_enrol(actor=manager, course_id=course.pk, case=other_case)

    with pytest.raises(ValidationError) as error:
        services.course_enrol(actor=network.user("cpi", Role.OPERATOR), course_id=course.pk, case=consenting_case)

    assert error.value.message_dict == {"course": ["The course is full: all 1 seats are taken."]}
    assert Enrolment.objects.filter(course=course).count() == 1


def test_a_course_ending_before_it_starts_is_refused(network, cpi):
    with pytest.raises(ValidationError) as error:
        services.course_create(
            actor=network.user("cpi", Role.OPERATOR),
            organisation_id=cpi.pk,
            title="HACCP",
            starts_on=datetime.date(2026, 12, 10),
            ends_on=datetime.date(2026, 12, 1),
            seats=10,
        )
    assert "ends_on" in error.value.message_dict and not Course.objects.exists()


def test_a_placement_with_no_employer_is_refused(network, consenting_case, cpi, job_placement):
    operator = network.user("cpi", Role.OPERATOR)
    pathway = to_training(network, consenting_case, cpi, job_placement)
    services.pathway_training_done(actor=operator, task_id=open_task(pathway, EmploymentFlow.training).pk)
    task = open_task(pathway, EmploymentFlow.placement)

    for employer in ("", "   ", None):
        with pytest.raises(ValidationError) as error:
            services.placement_record(
                actor=operator,
                task_id=task.pk,
                employer=employer,
                contract_type="permanent",
                starts_on=timezone.localdate(),
            )
        assert error.value.message_dict == {"employer": ["A placement needs its employer."]}

    pathway.refresh_from_db()
    assert not Placement.objects.exists() and pathway.stage == Stage.PLACEMENT and pathway.placed_at is None
    assert open_task(pathway, EmploymentFlow.placement).pk == task.pk


@pytest.mark.parametrize(
    "bad", [{"contract_type": "a voce"}, {"starts_on": "domani"}, {"opportunity": "x"}, {"opportunity": "999999"}]
)
def test_other_bad_placements_are_refused(bad):
    # The step's form parses (the service takes a date, a contract type and an opportunity row).
    form = PlacementForm(
        data={
            "employer": "Esselunga",
            "contract_type": "permanent",
            "starts_on": timezone.localdate().isoformat(),
            **bad,
        }
    )
    assert not form.is_valid()
    assert list(form.errors) == list(bad)
    assert not Placement.objects.exists()


def test_a_follow_up_before_the_placement_is_refused(network, consenting_case, cpi, job_placement):
    operator = network.user("cpi", Role.OPERATOR)
    start = timezone.localdate()
    pathway = to_follow_up(network, consenting_case, cpi, job_placement, starts_on=start)
    timer = Task.objects.get(process_id=pathway.process_id, flow_task=EmploymentFlow.wait_3)

    with time_machine.travel(timer.scheduled + datetime.timedelta(minutes=1), tick=False):
        fire_due_timers()
        task = open_task(pathway, EmploymentFlow.follow_up_3)
        with pytest.raises(ValidationError) as error:
            services.follow_up_record(
                actor=operator, task_id=task.pk, checked_on=start - datetime.timedelta(days=1), still_employed=True
            )

    assert list(error.value.message_dict) == ["checked_on"]
    assert "cannot come before the placement" in error.value.message_dict["checked_on"][0]
    assert not FollowUp.objects.exists()
    assert open_task(pathway, EmploymentFlow.follow_up_3).pk == task.pk


def test_a_follow_up_is_not_possible_before_its_timer(network, consenting_case, cpi, job_placement):
    pathway = to_follow_up(network, consenting_case, cpi, job_placement, starts_on=timezone.localdate())
    # No follow-up task exists before 3 months: nothing to record it on.
    assert not Task.objects.filter(process_id=pathway.process_id, flow_task=EmploymentFlow.follow_up_3).exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"did_status": "active", "did_date": None}, "did_date"),
        ({"did_date": datetime.date(2999, 1, 1), "did_status": "active"}, "did_date"),
        ({"receives_adi": True, "receives_sfl": True}, "receives_sfl"),
    ],
)
def test_bad_profiles_are_refused(network, consenting_case, data, field):
    with pytest.raises(ValidationError) as error:
        services.profile_save(actor=network.user("a", Role.CASE_MANAGER), case=consenting_case, **{**PROFILE, **data})
    assert field in error.value.message_dict
    assert not EmployabilityProfile.objects.exists()


PROFILE_POST = {
    "education_level": "lower_secondary",
    "max_weekly_hours": "40",
    "days": ["mon", "tue"],
    "mobility": "2",
    "did_status": "none",
}


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"max_weekly_hours": "0"}, "max_weekly_hours"),
        ({"days": ["funday"]}, "days"),
        ({"education_level": "phd-in-life"}, "education_level"),
    ],
)
def test_profiles_of_a_bad_shape_are_refused_by_the_form(data, field):
    form = ProfileForm(data={**PROFILE_POST, **data})
    assert not form.is_valid()
    assert list(form.errors) == [field]


@pytest.mark.parametrize(
    ("rows", "field"),
    [
        ({"language_0": "xx", "level_0": "3"}, "language_0"),
        ({"language_0": "it", "level_0": "9"}, "level_0"),
        ({"language_0": "it"}, "level_0"),
        ({"level_0": "3"}, "level_0"),
    ],
)
def test_bad_languages_are_refused(rows, field):
    form = ProfileForm(data={**PROFILE_POST, **rows})
    assert not form.is_valid()
    assert field in form.errors
