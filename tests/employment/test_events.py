"""Every employment operation publishes its domain event (`employment/events.py`) in its transaction, and its
history rows go through `workflows.services.history` (so they are published too); a refused one publishes
nothing."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from core import bus
from employment import events, services
from employment.models import PathwayOutcome
from partners.roles import Role
from tests.helpers.employment import to_training
from workflows.events import WorkflowEventRecorded
from workflows.models import HistoryKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard(monkeypatch):
    """The events of the given types published from now on, in order."""
    seen: list = []

    def listen(*event_types):
        for event_type in event_types:
            monkeypatch.setitem(bus._subscribers, event_type, [*bus.subscribers_of(event_type), seen.append])
        return seen

    return listen


def test_a_pathway_start_publishes_its_event_and_its_history_row(network, consenting_case, heard):
    seen = heard(events.EmploymentPathwayStarted, WorkflowEventRecorded)

    pathway = services.pathway_start(actor=network.user("a", Role.CASE_MANAGER), case=consenting_case)

    started = [event for event in seen if isinstance(event, events.EmploymentPathwayStarted)]
    assert [(event.pathway.pk, event.actor_id) for event in started] == [
        (pathway.pk, network.user("a", Role.CASE_MANAGER).pk)
    ]
    rows = [
        event.event
        for event in seen
        if isinstance(event, WorkflowEventRecorded) and event.event.kind == HistoryKind.PROCESS_STARTED
    ]
    assert [(row.flow, row.process_id, row.organisation_id) for row in rows] == [
        ("employment", pathway.process_id, network.org_a.pk)
    ]


def test_a_drop_out_publishes_the_end_and_the_canceled_process(network, consenting_case, cpi, job_placement, heard):
    pathway = to_training(network, consenting_case, cpi, job_placement)
    seen = heard(events.EmploymentPathwayEnded, WorkflowEventRecorded)

    services.pathway_drop_out(
        actor=network.user("cpi", Role.OPERATOR), pathway_id=pathway.pk, note="Trasferito in un'altra regione"
    )

    ended = [event for event in seen if isinstance(event, events.EmploymentPathwayEnded)]
    assert [(event.pathway.pk, event.outcome) for event in ended] == [(pathway.pk, PathwayOutcome.DROPPED_OUT)]
    finished = [
        event.event
        for event in seen
        if isinstance(event, WorkflowEventRecorded) and event.event.kind == HistoryKind.PROCESS_FINISHED
    ]
    assert [(row.step, row.to_state, row.organisation_id) for row in finished] == [("drop_out", "CANCELED", cpi.pk)]


def test_a_step_publishes_its_completion(network, consenting_case, cpi, job_placement, heard):
    seen = heard(events.EmploymentStepCompleted)

    pathway = to_training(network, consenting_case, cpi, job_placement)

    assert [(event.pathway.pk, event.step) for event in seen] == [
        (pathway.pk, "profile"),
        (pathway.pk, "refer"),
        (pathway.pk, "agree"),
    ]


def test_an_enrolment_is_published_and_a_refused_one_is_not(network, consenting_case, cpi, job_placement, heard):
    to_training(network, consenting_case, cpi, job_placement)
    operator = network.user("cpi", Role.OPERATOR)
    course = services.course_create(
        actor=operator,
        organisation_id=cpi.pk,
        title="Addetto HACCP",
        starts_on=timezone.localdate() + datetime.timedelta(days=3),
        ends_on=timezone.localdate() + datetime.timedelta(days=5),
        seats=1,
    )
    seen = heard(events.CourseEnrolled)

    enrolment = services.course_enrol(actor=operator, course_id=course.pk, case=consenting_case)
    with pytest.raises(ValidationError):
        services.course_enrol(actor=operator, course_id=course.pk, case=consenting_case)

    assert [(event.enrolment.pk, event.actor_id) for event in seen] == [(enrolment.pk, operator.pk)]
