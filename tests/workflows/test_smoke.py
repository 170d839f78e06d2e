from viewflow.workflow.models import Task

from cases import permissions as cp
from partners.roles import Capability, Role
from workflows.models import Handoff, HandoffStatus, WorkflowEvent
from workflows.services import handoffs


def test_send_accept_outcome(network, consenting_case, service):
    sender = network.user("a", Role.CASE_MANAGER)
    receiver = network.user("b", Role.OPERATOR)
    h = handoffs.handoff_send(actor=sender, case=consenting_case, kind="referral",
                              receiver_organisation_id=network.org_b.pk, service_type_id=service.pk,
                              reason="Needs food", sections=["file"])
    print(list(Task.objects.values_list("flow_task", "status", "owner_permission", "owner_permission_obj_pk")))
    assert not cp.visible_cases(receiver).filter(pk=consenting_case.pk).exists()
    handoffs.handoff_accept(actor=receiver, handoff_id=h.pk)
    print(list(Task.objects.values_list("flow_task", "status", "owner_permission", "owner_permission_obj_pk")))
    assert cp.visible_cases(receiver).filter(pk=consenting_case.pk).exists()
    caps = cp.case_capabilities(receiver, consenting_case)
    assert Capability.VIEW_FILE in caps and Capability.READ_NOTES not in caps
    handoffs.handoff_report_outcome(actor=receiver, handoff_id=h.pk, outcome="completed")
    h.refresh_from_db()
    assert h.status == HandoffStatus.COMPLETED
    print(list(Task.objects.values_list("flow_task", "status")))
    print(list(WorkflowEvent.objects.values_list("kind", "step", "organisation_id", "partner_organisation_id")))
    assert h.process.status == "DONE"


def test_case_flow_and_escalation(network, consenting_case, service):
    import datetime

    import time_machine
    from django.utils import timezone
    from viewflow.workflow.timers import fire_due_timers

    from workflows.flows import CaseFlow, HandoffFlow
    from workflows.services import casepath, tasks

    manager = network.user("a", Role.CASE_MANAGER)
    process = casepath.case_flow_start(case=consenting_case, actor=manager)
    assess = Task.objects.get(process=process, flow_task=CaseFlow.assess)
    print(assess.status, assess.owner_id, manager.pk)
    h = handoffs.handoff_send(actor=manager, case=consenting_case, kind="referral",
                              receiver_organisation_id=network.org_b.pk, service_type_id=service.pk,
                              reason="Needs food", sections=[])
    with time_machine.travel(timezone.now() + datetime.timedelta(days=10)):
        assert fire_due_timers() == 1
    h.refresh_from_db()
    assert h.escalated_at
    esc = Task.objects.get(flow_task=HandoffFlow.escalate)
    coord = network.user("m", Role.COORDINATOR)
    tasks.task_claim(actor=coord, task_id=esc.pk)
    handoffs.handoff_decline(actor=network.user("b", Role.CASE_MANAGER), handoff_id=h.pk, reason="capacity")
    esc.refresh_from_db()
    assert esc.status == "CANCELED"
    after = Task.objects.get(flow_task=HandoffFlow.after_decline)
    assert after.owner_id == manager.pk
    handoffs.handoff_close(actor=manager, handoff_id=h.pk)
    h.refresh_from_db()
    print(h.status, h.process.status)


def test_selectors(network, consenting_case, service, django_assert_max_num_queries):
    from workflows import selectors
    manager = network.user("a", Role.CASE_MANAGER)
    h = handoffs.handoff_send(actor=manager, case=consenting_case, kind="referral",
                              receiver_organisation_id=network.org_b.pk, service_type_id=service.pk,
                              reason="Needs food", sections=[])
    op = network.user("b", Role.OPERATOR)
    with django_assert_max_num_queries(3):
        q = list(selectors.task_queue_for(user=op))
        print([(t.flow_task.name, t.due_at, selectors.task_case(t).code, selectors.task_handoff(t).receiver_organisation) for t in q])
    assert len(q) == 1
    assert len(list(selectors.task_queue_for(user=op, step="decide"))) == 1
    assert len(list(selectors.task_queue_for(user=op, step="report_outcome"))) == 0
    assert len(list(selectors.task_queue_for(user=network.user("b", Role.VOLUNTEER)))) == 0
    assert len(list(selectors.handoffs_received_for(user=op))) == 1
    assert selectors.work_counts_for(user=op) == {"inbox": 0, "queue": 1}
