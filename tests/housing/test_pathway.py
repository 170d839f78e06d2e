"""The housing pathway from the case's plan to autonomy: each step in the queue of the organisation that provides
it, placements through a referral that shares the case, follow-ups fired by timers at 3 and 6 months."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS
from viewflow.workflow.timers import fire_due_timers

from housing import permissions
from housing.flows import HousingFlow, add_months
from housing.models import HousingPathway, ResourceKind
from housing.services import households, offers, pathway, placements, resources
from partners.roles import Role
from tests.helpers.housing import record_profile
from workflows import selectors as wf_selectors
from workflows.models import Handoff, HandoffStatus, HistoryKind, WorkflowEvent
from workflows.services import handoffs

pytestmark = pytest.mark.django_db


def open_task(process, node) -> Task:
    return Task.objects.get(process=process, flow_task=node, status__in=[STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED])


def queue_org(task) -> int:
    from workflows.permissions import task_organisation_id

    return task_organisation_id(task)


@pytest.fixture
def temporary(network, provider_cm):
    return resources.resource_create(
        actor=provider_cm,
        provider=network.org_b,
        data={
            "kind": ResourceKind.TEMPORARY,
            "name": "Appartamento Via Fiume",
            "address": "Via Fiume 12",
            "capacity": 2,
            "max_stay_days": 540,
        },
    )


def test_only_the_lead_case_managers_start_the_pathway(consenting_case, network, lead):
    with pytest.raises(PermissionDenied):
        pathway.pathway_start(actor=network.user("a", Role.OPERATOR), case=consenting_case)
    process = pathway.pathway_start(actor=lead, case=consenting_case)
    with pytest.raises(ValidationError, match="already running"):
        pathway.pathway_start(actor=lead, case=consenting_case)
    task = open_task(process, HousingFlow.assess)
    assert queue_org(task) == network.org_a.pk and task.owner_permission == permissions.WORK_HOUSING_CASE
    assert WorkflowEvent.objects.filter(flow="housing", step="assess", kind=HistoryKind.TASK_CREATED).exists()
    assert WorkflowEvent.objects.filter(flow="housing", kind=HistoryKind.PROCESS_STARTED, case=consenting_case).exists()


def test_the_start_button_on_the_case_panel(client, consenting_case, lead, network):
    client.force_login(lead)
    assert (
        "Start the housing pathway"
        in client.get(reverse("housing:case_panel", args=[consenting_case.pk])).content.decode()
    )
    client.post(reverse("housing:pathway_start", args=[consenting_case.pk]))
    assert pathway.housing_process(consenting_case) is not None
    client.force_login(network.user("a", Role.OPERATOR))
    assert (
        "Start the housing pathway"
        not in client.get(reverse("housing:case_panel", args=[consenting_case.pk])).content.decode()
    )


def test_the_whole_pathway(
    consenting_case, network, lead, provider_cm, provider_op, shelter, temporary, public_unit, housing_services, client
):
    case = consenting_case
    process = pathway.pathway_start(actor=lead, case=case)
    assess = open_task(process, HousingFlow.assess)

    # the assessment needs the housing section
    with pytest.raises(ValidationError, match="housing section"):
        pathway.assessment_done(
            actor=lead,
            task=assess,
            emergency_needed=True,
            emergency_provider=network.org_b,
            temporary_provider=network.org_b,
            public_provider=network.org_b,
        )
    record_profile(lead, case, situation="homeless")
    pathway.assessment_done(
        actor=lead,
        task=assess,
        emergency_needed=True,
        emergency_provider=network.org_b,
        temporary_provider=network.org_b,
        public_provider=network.org_b,
    )

    # one referral to the provider; the emergency step waits in its queue
    handoff = Handoff.objects.get(case=case, receiver_organisation=network.org_b)
    assert handoff.status == HandoffStatus.PENDING and handoff.sections == ["file"]
    emergency = open_task(process, HousingFlow.emergency_placement)
    assert queue_org(emergency) == network.org_b.pk
    assert emergency in wf_selectors.task_queue_for(user=provider_op)

    # before the referral is accepted the provider cannot place the person
    bed = shelter.places.get(label="1")
    from django.http import Http404

    with pytest.raises(Http404):
        placements.stay_start(actor=provider_op, place=bed, case=case)
    handoffs.handoff_accept(actor=provider_cm, handoff_id=handoff.pk)
    with pytest.raises(ValidationError, match="move-in"):
        pathway.emergency_placement_done(actor=provider_op, task=emergency)
    today = timezone.localdate()
    night = placements.stay_start(actor=provider_op, place=bed, case=case, move_in=today - datetime.timedelta(days=30))
    # the task page of a housing step renders and works
    client.force_login(provider_op)
    page = client.get(reverse("workflows:task_detail", args=[emergency.pk]))
    assert page.status_code == 200 and "Emergency placement" in page.content.decode()
    response = client.post(reverse("workflows:task_detail", args=[emergency.pk]), {"action": "done"})
    assert response.status_code == 302
    emergency.refresh_from_db()
    assert emergency.status == STATUS.DONE

    # temporary placement with its accompaniment plan
    temp_task = open_task(process, HousingFlow.temporary_placement)
    placements.stay_end(
        actor=provider_op, stay=night, move_out=today - datetime.timedelta(days=20), exit_reason="next_step"
    )
    flat = placements.stay_start(
        actor=provider_op, place=temporary.places.get(label="1"), case=case, move_in=today - datetime.timedelta(days=20)
    )
    with pytest.raises(ValidationError, match="accompaniment plan"):
        pathway.temporary_placement_done(actor=provider_op, task=temp_task)
    placements.stay_update_plan(
        actor=provider_op, stay=flat, accompaniment_plan="Colloqui settimanali, ricerca lavoro, educazione finanziaria"
    )
    pathway.temporary_placement_done(actor=provider_op, task=temp_task)

    # the SAP application
    application_task = open_task(process, HousingFlow.public_application)
    assert queue_org(application_task) == network.org_a.pk
    with pytest.raises(ValidationError):
        pathway.public_application_done(actor=lead, task=application_task, protocol_number="")
    pathway.public_application_done(actor=lead, task=application_task, protocol_number="2026/0457", official_rank=12)
    application = case.housing_applications.get(kind=ResourceKind.PUBLIC)
    assert (application.protocol_number, application.official_rank) == ("2026/0457", 12)

    # allocation: an offer accepted; the household moves out of the temporary flat into the home
    allocation = open_task(process, HousingFlow.allocation)
    with pytest.raises(ValidationError):
        pathway.allocation_done(actor=provider_cm, task=allocation)
    offer = offers.offer_make(actor=provider_cm, place=public_unit.places.get(), application=application)
    placements.stay_end(actor=provider_op, stay=flat, exit_reason="next_step")
    offers.offer_accept(actor=lead, offer=offer)
    pathway.allocation_done(actor=provider_cm, task=allocation)
    pathway.move_in_done(actor=provider_cm, task=open_task(process, HousingFlow.move_in))

    # the follow-ups: timers at 3 and 6 months after the move-in
    timer = Task.objects.get(process=process, flow_task=HousingFlow.wait_first_follow_up)
    assert timezone.localtime(timer.scheduled).date() == add_months(today, 3)
    assert fire_due_timers() == 0
    Task.objects.filter(pk=timer.pk).update(scheduled=timezone.now() - datetime.timedelta(minutes=1))
    assert fire_due_timers() == 1
    pathway.follow_up_done(
        actor=lead, task=open_task(process, HousingFlow.follow_up_3), note="La famiglia si è ambientata"
    )
    second = Task.objects.get(process=process, flow_task=HousingFlow.wait_second_follow_up)
    assert timezone.localtime(second.scheduled).date() == add_months(today, 6)
    Task.objects.filter(pk=second.pk).update(scheduled=timezone.now() - datetime.timedelta(minutes=1))
    fire_due_timers()
    final = open_task(process, HousingFlow.follow_up_6)
    with pytest.raises(ValidationError):
        pathway.follow_up_done(actor=lead, task=final, note="Bene", outcome="")
    pathway.follow_up_done(actor=lead, task=final, note="Affitto pagato regolarmente", outcome="autonomy")

    process.refresh_from_db()
    assert process.finished is not None
    assert HousingPathway.objects.get(process=process).outcome == "autonomy"
    assert WorkflowEvent.objects.filter(process=process, kind=HistoryKind.PROCESS_FINISHED, flow="housing").exists()
    steps = set(
        WorkflowEvent.objects.filter(process=process, kind=HistoryKind.TASK_CREATED).values_list("step", flat=True)
    )
    assert steps >= {
        "assess",
        "emergency_placement",
        "temporary_placement",
        "public_application",
        "allocation",
        "move_in",
        "follow_up_3",
        "follow_up_6",
    }


def test_a_return_goes_back_to_the_assessment(consenting_case, lead, network, housing_services):
    process = pathway.pathway_start(actor=lead, case=consenting_case)
    record_profile(lead, consenting_case)
    hp = HousingPathway.objects.get(process=process)
    hp.outcome = "return"
    hp.save()
    assert HousingFlow.instance.is_autonomous(type("A", (), {"process": process})()) is False


def test_no_emergency_goes_straight_to_temporary_housing(consenting_case, lead, network, housing_services):
    process = pathway.pathway_start(actor=lead, case=consenting_case)
    record_profile(lead, consenting_case, situation="eviction", eviction_date=timezone.localdate())
    pathway.assessment_done(
        actor=lead,
        task=open_task(process, HousingFlow.assess),
        emergency_needed=False,
        temporary_provider=network.org_b,
        public_provider=network.org_b,
    )
    assert not Task.objects.filter(process=process, flow_task=HousingFlow.emergency_placement).exists()
    assert queue_org(open_task(process, HousingFlow.temporary_placement)) == network.org_b.pk


def test_a_refused_referral_leaves_the_assessment_open(case_a, lead, network, housing_services):
    """No consent covers the provider: the referral is refused, the step stays open and nothing is saved."""
    process = pathway.pathway_start(actor=lead, case=case_a)
    record_profile(lead, case_a)
    assess = open_task(process, HousingFlow.assess)
    with pytest.raises(ValidationError, match="consent"):
        pathway.assessment_done(
            actor=lead,
            task=assess,
            emergency_needed=True,
            emergency_provider=network.org_b,
            temporary_provider=network.org_b,
            public_provider=network.org_b,
        )
    assess.refresh_from_db()
    assert assess.status in (STATUS.NEW, STATUS.ASSIGNED) and not Handoff.objects.exists()
    assert HousingPathway.objects.get(process=process).assessed_at is None


def test_add_months_clamps_to_the_month_end():
    assert add_months(datetime.date(2026, 11, 30), 3) == datetime.date(2027, 2, 28)
    assert add_months(datetime.date(2026, 1, 31), 6) == datetime.date(2026, 7, 31)
    assert households  # the module is the one the flow's steps call
