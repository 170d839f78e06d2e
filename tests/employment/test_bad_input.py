"""Each "Bad input" line of the issue: a clear translated error, nothing half-saved, never a 500."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from viewflow.workflow.models import Task
from viewflow.workflow.timers import fire_due_timers

from core.models import AuditEntry
from employment import services
from employment.flows import EmploymentFlow
from employment.models import Course, Enrolment, FollowUp, Internship, Placement, Stage
from partners.roles import Role
from tests.employment.helpers import open_task, to_follow_up, to_training
from tests.factories import open_case

pytestmark = pytest.mark.django_db

INTERNSHIP = {"host_employer": "Cooperativa Il Sole", "tutor": "Marta Riva", "weekly_hours": 20,
              "monthly_allowance": "500"}


def test_an_internship_ending_before_it_starts_is_refused(network, consenting_case, cpi, job_placement):
    to_training(network, consenting_case, cpi, job_placement)
    audits = AuditEntry.objects.count()

    with pytest.raises(ValidationError) as error:
        services.internship_create(actor=network.user("cpi", Role.OPERATOR), case=consenting_case, data={
            **INTERNSHIP, "starts_on": datetime.date(2026, 3, 1), "ends_on": datetime.date(2026, 2, 1)})

    assert error.value.message_dict == {"ends_on": ["The internship cannot end before it starts."]}
    assert not Internship.objects.exists() and AuditEntry.objects.count() == audits


def test_the_error_is_translated(network, consenting_case, cpi, job_placement):
    to_training(network, consenting_case, cpi, job_placement)
    with translation.override("it"), pytest.raises(ValidationError) as error:
        services.internship_create(actor=network.user("cpi", Role.OPERATOR), case=consenting_case, data={
            **INTERNSHIP, "starts_on": "2026-03-01", "ends_on": "2026-02-01"})
    message = error.value.message_dict["ends_on"][0]
    # The msgid goes through gettext: once locale/ has the Italian text (employment_it.json) it shows.
    assert message in ("The internship cannot end before it starts.",
                       "Il tirocinio non può terminare prima di iniziare.")


@pytest.mark.parametrize("bad", [
    {"starts_on": "1 marzo"}, {"weekly_hours": "venti"}, {"weekly_hours": 80}, {"monthly_allowance": "tanti"},
    {"monthly_allowance": "NaN"}, {"host_employer": ""}, {"status": "boh"},
])
def test_other_bad_internship_fields_are_refused(network, consenting_case, cpi, job_placement, bad):
    to_training(network, consenting_case, cpi, job_placement)
    with pytest.raises(ValidationError):
        services.internship_create(actor=network.user("cpi", Role.OPERATOR), case=consenting_case, data={
            **INTERNSHIP, "starts_on": "2026-03-01", "ends_on": "2026-06-01", **bad})
    assert not Internship.objects.exists()


def _course(network, cpi, seats=1):
    return services.course_create(actor=network.user("cpi", Role.OPERATOR), organisation_id=cpi.pk, data={
        "title": "Carrellista - patentino muletto", "starts_on": timezone.localdate() + datetime.timedelta(days=7),
        "ends_on": timezone.localdate() + datetime.timedelta(days=14), "seats": seats})


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
        services.course_create(actor=network.user("cpi", Role.OPERATOR), organisation_id=cpi.pk, data={
            "title": "HACCP", "starts_on": "2026-12-10", "ends_on": "2026-12-01", "seats": 10})
    assert "ends_on" in error.value.message_dict and not Course.objects.exists()


def test_a_placement_with_no_employer_is_refused(network, consenting_case, cpi, job_placement):
    operator = network.user("cpi", Role.OPERATOR)
    pathway = to_training(network, consenting_case, cpi, job_placement)
    services.pathway_training_done(actor=operator, task_id=open_task(pathway, EmploymentFlow.training).pk)
    task = open_task(pathway, EmploymentFlow.placement)

    for employer in ("", "   ", None):
        with pytest.raises(ValidationError) as error:
            services.placement_record(actor=operator, task_id=task.pk, employer=employer, contract_type="permanent",
                                      starts_on=timezone.localdate())
        assert error.value.message_dict == {"employer": ["A placement needs its employer."]}

    pathway.refresh_from_db()
    assert not Placement.objects.exists() and pathway.stage == Stage.PLACEMENT and pathway.placed_at is None
    assert open_task(pathway, EmploymentFlow.placement).pk == task.pk


@pytest.mark.parametrize("bad", [{"contract_type": "a voce"}, {"starts_on": "domani"}, {"opportunity_id": "x"}])
def test_other_bad_placements_are_refused(network, consenting_case, cpi, job_placement, bad):
    operator = network.user("cpi", Role.OPERATOR)
    pathway = to_training(network, consenting_case, cpi, job_placement)
    services.pathway_training_done(actor=operator, task_id=open_task(pathway, EmploymentFlow.training).pk)
    values = {"employer": "Esselunga", "contract_type": "permanent", "starts_on": timezone.localdate(), **bad}
    with pytest.raises(ValidationError):
        services.placement_record(actor=operator, task_id=open_task(pathway, EmploymentFlow.placement).pk, **values)
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
            services.follow_up_record(actor=operator, task_id=task.pk, checked_on=start - datetime.timedelta(days=1),
                                      still_employed=True)

    assert list(error.value.message_dict) == ["checked_on"]
    assert "cannot come before the placement" in error.value.message_dict["checked_on"][0]
    assert not FollowUp.objects.exists()
    assert open_task(pathway, EmploymentFlow.follow_up_3).pk == task.pk


def test_a_follow_up_is_not_possible_before_its_timer(network, consenting_case, cpi, job_placement):
    pathway = to_follow_up(network, consenting_case, cpi, job_placement, starts_on=timezone.localdate())
    # No follow-up task exists before 3 months: nothing to record it on.
    assert not Task.objects.filter(process_id=pathway.process_id, flow_task=EmploymentFlow.follow_up_3).exists()


@pytest.mark.parametrize(("data", "field"), [
    ({"did_status": "active", "did_date": None}, "did_date"),
    ({"did_date": "2999-01-01", "did_status": "active"}, "did_date"),
    ({"max_weekly_hours": 0}, "max_weekly_hours"),
    ({"available_days": 500}, "available_days"),
    ({"education_level": "phd-in-life"}, "education_level"),
    ({"receives_adi": True, "receives_sfl": True}, "receives_sfl"),
])
def test_bad_profiles_are_refused(network, consenting_case, data, field):
    from employment.models import EmployabilityProfile
    from tests.employment.conftest import PROFILE

    with pytest.raises(ValidationError) as error:
        services.profile_save(actor=network.user("a", Role.CASE_MANAGER), case=consenting_case,
                              data={**PROFILE, **data})
    assert field in error.value.message_dict
    assert not EmployabilityProfile.objects.exists()


@pytest.mark.parametrize("languages", [[("xx", 3)], [("it", 9)], [("it",)], "it"])
def test_bad_languages_are_refused(network, consenting_case, languages):
    from tests.employment.conftest import PROFILE

    with pytest.raises(ValidationError):
        services.profile_save(actor=network.user("a", Role.CASE_MANAGER), case=consenting_case, data=PROFILE,
                              languages=languages)
