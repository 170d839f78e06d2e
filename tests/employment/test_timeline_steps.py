"""Employment steps on the case timeline and who is told (issue 16, item 10): the referral to the job centre, the
enrolment in a course, the internship, the placement and the follow-ups each write a timeline line in the reader's
language and notify the side that did not act — never the actor, never with a person's or an employer's name."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import formats, timezone, translation
from viewflow.workflow.models import Task
from viewflow.workflow.timers import fire_due_timers

from cases.models import CaseEvent, TimelineKind
from employment import services
from employment.flows import EmploymentFlow
from notifications.models import Notification, NotificationKind
from partners.roles import Role
from tests.helpers.employment import open_task, to_follow_up, to_referral, to_training

pytestmark = pytest.mark.django_db

INTERNSHIP = {
    "host_employer": "Cooperativa Il Sole",
    "tutor": "Marta Riva",
    "weekly_hours": 20,
    "monthly_allowance": Decimal("500"),
}


def told(kind) -> set[str]:
    return set(Notification.objects.filter(kind=kind).values_list("user__username", flat=True))


def test_the_referral_to_the_job_centre_is_on_the_timeline_and_told_to_the_job_centre(
    network, consenting_case, cpi, job_placement
):
    to_referral(network, consenting_case, cpi, job_placement)

    event = CaseEvent.objects.get(case=consenting_case, kind=TimelineKind.HANDOFF_SENT)
    assert event.organisation_id == network.org_a.pk and event.data["to_name"] == cpi.name
    assert told(NotificationKind.HANDOFF_RECEIVED) == {"cpi_operator", "cpi_cm"}


def test_an_enrolment_by_the_job_centre_is_told_to_the_case_manager(network, consenting_case, cpi, job_placement):
    to_training(network, consenting_case, cpi, job_placement)
    course = services.course_create(
        actor=network.user("cpi", Role.OPERATOR),
        organisation_id=cpi.pk,
        **{
            "title": "Carrellista - patentino muletto",
            "starts_on": timezone.localdate() + datetime.timedelta(days=7),
            "ends_on": timezone.localdate() + datetime.timedelta(days=14),
            "seats": 3,
        },
    )

    enrolment = services.course_enrol(
        actor=network.user("cpi", Role.OPERATOR), course_id=course.pk, case=consenting_case
    )

    event = CaseEvent.objects.get(case=consenting_case, kind=TimelineKind.COURSE_ENROLLED)
    assert event.organisation_id == cpi.pk and event.object_id == enrolment.pk
    assert event.data == {
        "provider_id": cpi.pk,
        "provider": cpi.name,
        "course": "Carrellista - patentino muletto",
        "date": course.starts_on.isoformat(),
    }
    assert told(NotificationKind.COURSE_ENROLLED) == {"a_case_manager"}


def test_an_enrolment_by_the_case_manager_is_told_to_the_job_centre(network, consenting_case, cpi, job_placement):
    to_training(network, consenting_case, cpi, job_placement)
    course = services.course_create(
        actor=network.user("cpi", Role.OPERATOR),
        organisation_id=cpi.pk,
        **{
            "title": "Italiano per il lavoro",
            "starts_on": timezone.localdate() + datetime.timedelta(days=7),
            "ends_on": timezone.localdate() + datetime.timedelta(days=14),
            "seats": 3,
        },
    )

    services.course_enrol(actor=network.user("a", Role.CASE_MANAGER), course_id=course.pk, case=consenting_case)

    assert (
        CaseEvent.objects.get(case=consenting_case, kind=TimelineKind.COURSE_ENROLLED).organisation_id
        == network.org_a.pk
    )
    assert told(NotificationKind.COURSE_ENROLLED) == {"cpi_operator", "cpi_cm"}


def test_an_internship_is_on_the_timeline_without_the_tutor_or_the_employer(
    network, consenting_case, cpi, job_placement
):
    to_training(network, consenting_case, cpi, job_placement)
    starts, ends = datetime.date(2026, 3, 1), datetime.date(2026, 6, 1)

    services.internship_create(
        actor=network.user("cpi", Role.OPERATOR),
        case=consenting_case,
        **{**INTERNSHIP, "starts_on": starts, "ends_on": ends},
    )

    event = CaseEvent.objects.get(case=consenting_case, kind=TimelineKind.INTERNSHIP_RECORDED)
    assert event.organisation_id == cpi.pk
    assert event.data == {"provider_id": cpi.pk, "date": "2026-03-01", "end": "2026-06-01"}
    assert told(NotificationKind.INTERNSHIP_RECORDED) == {"a_case_manager"}
    params = str(Notification.objects.get(kind=NotificationKind.INTERNSHIP_RECORDED).params)
    assert "Marta" not in params and "Sole" not in params
    with translation.override("en"):
        assert event.display_summary() == "Internship from 1 Mar 2026 to 1 Jun 2026"


def test_a_placement_and_its_follow_ups_are_on_the_timeline_and_told_to_the_case_manager(
    network, consenting_case, cpi, job_placement
):
    operator = network.user("cpi", Role.OPERATOR)
    start = timezone.localdate()
    pathway = to_follow_up(network, consenting_case, cpi, job_placement, starts_on=start)

    placed = CaseEvent.objects.get(case=consenting_case, kind=TimelineKind.JOB_PLACEMENT_RECORDED)
    assert placed.organisation_id == cpi.pk and placed.actor == operator
    assert placed.data == {"provider_id": cpi.pk, "date": start.isoformat(), "contract_type": "fixed_term"}
    assert "Logistica" not in str(placed.data)
    assert told(NotificationKind.JOB_PLACEMENT_RECORDED) == {"a_case_manager"}

    timer = Task.objects.get(process_id=pathway.process_id, flow_task=EmploymentFlow.wait_3)
    with time_machine.travel(timer.scheduled + datetime.timedelta(minutes=1), tick=False):
        fire_due_timers()
        services.follow_up_record(
            actor=operator,
            task_id=open_task(pathway, EmploymentFlow.follow_up_3).pk,
            checked_on=timezone.localdate(),
            still_employed=False,
            note="Contratto non rinnovato",
        )
        checked = timezone.localdate()

    followed = CaseEvent.objects.get(case=consenting_case, kind=TimelineKind.JOB_FOLLOW_UP_RECORDED)
    assert followed.data == {"provider_id": cpi.pk, "date": checked.isoformat(), "months": 3, "still_employed": False}
    assert told(NotificationKind.JOB_FOLLOW_UP_RECORDED) == {"a_case_manager"}
    with translation.override("en"):
        assert followed.display_summary() == (
            f"3-month check on {formats.date_format(checked, 'SHORT_DATE_FORMAT')}: no longer employed"
        )


def test_the_timeline_page_shows_the_employment_steps_in_the_readers_language(
    settings, network, consenting_case, cpi, job_placement
):
    settings.LANGUAGE_CODE = "it"
    start = timezone.localdate() + datetime.timedelta(days=11)  # no other date of the page falls on it
    to_follow_up(network, consenting_case, cpi, job_placement, starts_on=start)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(network.user("a", Role.CASE_MANAGER))

    english = client.get(reverse("cases:timeline", args=[consenting_case.pk])).content.decode()
    with translation.override("en"):
        english_day = formats.date_format(start, "SHORT_DATE_FORMAT")
    assert "Job placement recorded" in english and f"Fixed term (tempo determinato) from {english_day}" in english

    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "it"
    italian = client.get(reverse("cases:timeline", args=[consenting_case.pk])).content.decode()
    # The sentence's Italian text comes with the lead's translation pass; the contract type and date are Italian.
    assert start.strftime("%d/%m/%Y") in italian and english_day not in italian
    assert "Tempo determinato" in italian and "Fixed term" not in italian
