"""Referrals and transfers through the handoff services (viewflow's activation API underneath): send, accept,
decline, redirect, close, revoke, outcome, transfer, the consent gate, bad input, and SLA escalation."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.http import Http404
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS
from viewflow.workflow.timers import fire_due_timers

from cases import services as case_services
from cases.models import Case, CaseEvent, CaseGroupObjectPermission, CaseShare, ConsentPurpose, TimelineKind
from cases.permissions import checks as case_checks
from core.models import AuditAction, AuditEntry
from partners import services as partner_services
from partners.models import Organisation, ServiceType
from partners.roles import Capability, Role
from tests.factories import make_member, make_organisation
from tests.helpers.handoffs import open_task, send, snapshot, tasks_of
from workflows import permissions, selectors
from workflows.flows import CaseFlow, HandoffFlow
from workflows.models import Handoff, HandoffStatus, HistoryKind, Outcome, WorkflowEvent
from workflows.services import casepath, handoffs, lifecycle

ROME = ZoneInfo("Europe/Rome")
ALL_SECTIONS = ["file", "notes", "documents", "timeline"]


# --- helpers ------------------------------------------------------------------------------------------


def timer_of(handoff: Handoff) -> Task:
    """The SLA boundary timer of the latest accept/decline task."""
    return Task.objects.filter(process_id=handoff.process_id, flow_task_type="TIMER").order_by("-pk").first()


def reloaded(handoff: Handoff) -> Handoff:
    return Handoff.objects.select_related("process").get(pk=handoff.pk)


def fresh_user(user):
    """The user re-read: memberships and Django permissions are remembered on the instance."""
    return get_user_model().objects.get(pk=user.pk)


def case_events(case, kind) -> list[CaseEvent]:
    return list(CaseEvent.objects.filter(case=case, kind=kind))


def handoff_audit(handoff, action) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(
            object_type="workflows.handoff", object_id=str(handoff.pk), action=action, case_id=handoff.case_id
        )
    )


def messages_of(exc_info) -> str:
    return " ".join(exc_info.value.messages)


@pytest.fixture
def org_c(network):
    """A third partner, offering the same kind of service, with a case manager and an operator."""
    org = make_organisation("Associazione Terza")
    make_member(org, Role.CASE_MANAGER, username="c_case_manager")
    make_member(org, Role.OPERATOR, username="c_operator")
    return org


@pytest.fixture
def service_c(org_c):
    service = ServiceType.objects.create(code="ascolto", name="Centro d'ascolto")
    org_c.services.add(service)
    return service


@pytest.fixture
def sent(network, consenting_case, service) -> Handoff:
    return send(network, consenting_case, service, sections=["file", "notes"])


@pytest.fixture
def accepted(network, sent) -> Handoff:
    return handoffs.handoff_accept(actor=network.user("b", Role.OPERATOR), handoff_id=sent.pk)


@pytest.fixture
def declined(network, sent) -> Handoff:
    return handoffs.handoff_decline(actor=network.user("b", Role.CASE_MANAGER), handoff_id=sent.pk, reason="capacity")


# --- send ----------------------------------------------------------------------------------------


def test_send_creates_a_pending_handoff_with_its_process(network, consenting_case, service):
    handoff = reloaded(send(network, consenting_case, service, sections=["notes", "file"]))
    assert handoff.status == HandoffStatus.PENDING
    assert handoff.kind == "referral"
    assert handoff.sender_organisation == network.org_a
    assert handoff.receiver_organisation == network.org_b
    assert handoff.sent_by == network.user("a", Role.CASE_MANAGER)
    assert handoff.service_type == service
    assert handoff.sections == ["file", "notes"]
    assert handoff.receivers_count == 1
    assert handoff.process.flow_class is HandoffFlow
    assert handoff.process.caseprocess.case == consenting_case
    assert handoff.process.status == STATUS.NEW


def test_send_puts_the_decide_task_in_the_receivers_queue(network, sent):
    task = open_task(sent, HandoffFlow.decide)
    assert task.status == STATUS.NEW and task.owner_id is None
    assert task.owner_permission == permissions.DECIDE_HANDOFF
    assert task.owner_permission_obj_pk == str(network.org_b.pk)
    assert task.owner_permission_content_type == permissions.organisation_content_type()
    assert list(selectors.task_queue_for(user=network.user("b", Role.OPERATOR))) == [task]
    assert list(selectors.task_queue_for(user=network.user("a", Role.CASE_MANAGER))) == []


def test_send_schedules_the_sla_timer_at_the_answer_deadline(network, sent):
    timer = timer_of(sent)
    assert timer.status == STATUS.SCHEDULED
    assert timer.flow_task.name == "decide__timeout"
    assert timer.scheduled == sent.due_at


def test_send_gives_the_receiver_no_access_yet(network, sent):
    for role in (Role.CASE_MANAGER, Role.OPERATOR, Role.ORG_ADMIN):
        user = network.user("b", role)
        assert not case_checks.visible_cases(user, Capability.VIEW_SUMMARY).filter(pk=sent.case_id).exists()
    assert not CaseShare.objects.filter(case_id=sent.case_id, organisation=network.org_b).exists()


def test_send_records_history_timeline_and_audit(network, sent):
    sent_event = WorkflowEvent.objects.get(handoff=sent, kind=HistoryKind.HANDOFF_SENT)
    assert (sent_event.organisation, sent_event.partner_organisation) == (network.org_a, network.org_b)
    assert sent_event.to_state == HandoffStatus.PENDING
    assert sent_event.user == network.user("a", Role.CASE_MANAGER)
    created = WorkflowEvent.objects.get(handoff=sent, kind=HistoryKind.TASK_CREATED, step="decide")
    assert (created.organisation, created.partner_organisation) == (network.org_b, network.org_a)
    (event,) = case_events(sent.case, TimelineKind.HANDOFF_SENT)
    assert event.organisation == network.org_a and event.object_id == sent.pk
    assert event.data["to"] == network.org_b.pk
    assert len(handoff_audit(sent, AuditAction.CREATE)) == 1


# --- the answer deadline in working days -------------------------------------------------------------

FRIDAY_BEFORE_REPUBLIC_DAY = datetime.datetime(2026, 5, 29, 10, 0, tzinfo=ROME)  # 2 June 2026 is a Tuesday


def _send_on(moment, network, case, service, **kwargs) -> Handoff:
    with time_machine.travel(moment, tick=False):
        manager = network.user("a", Role.CASE_MANAGER)
        for purpose in (ConsentPurpose.PROCESSING, ConsentPurpose.SHARE_NETWORK):
            case_services.consent_record(
                actor=manager, person=case.person, purpose=purpose, given_on=timezone.localdate()
            )
        return send(network, case, service, **kwargs)


@pytest.mark.parametrize(
    ("sla_days", "urgency", "expected"),
    [
        # Mon 1 June, (Tue 2 June: Festa della Repubblica), Wed 3, Thu 4.
        (3, "normal", datetime.datetime(2026, 6, 4, 10, 0, tzinfo=ROME)),
        # Urgent: one working day.
        (3, "urgent", datetime.datetime(2026, 6, 1, 10, 0, tzinfo=ROME)),
        # The service's own SLA: Mon 1, Wed 3, Thu 4, Fri 5, Mon 8.
        (5, "normal", datetime.datetime(2026, 6, 8, 10, 0, tzinfo=ROME)),
        (5, "urgent", datetime.datetime(2026, 6, 1, 10, 0, tzinfo=ROME)),
        (1, "normal", datetime.datetime(2026, 6, 1, 10, 0, tzinfo=ROME)),
    ],
    ids=["default-3", "urgent", "service-5", "service-5-urgent", "service-1"],
)
def test_the_deadline_counts_working_days(network, case_a, sla_days, urgency, expected):
    service = ServiceType.objects.create(code=f"sla-{sla_days}", name=f"SLA {sla_days}", sla_working_days=sla_days)
    network.org_b.services.add(service)
    handoff = _send_on(FRIDAY_BEFORE_REPUBLIC_DAY, network, case_a, service, urgency=urgency)
    assert handoff.due_at == expected
    assert timer_of(handoff).scheduled == expected


def test_a_transfer_without_a_service_gets_the_default_deadline(network, case_a, settings):
    settings.TAVOLO_DEFAULT_SLA_WORKING_DAYS = 2
    handoff = _send_on(FRIDAY_BEFORE_REPUBLIC_DAY, network, case_a, None, kind="transfer")
    assert handoff.due_at == datetime.datetime(2026, 6, 3, 10, 0, tzinfo=ROME)


# --- accept --------------------------------------------------------------------------------------


def test_accepting_a_referral_shares_the_chosen_sections(network, accepted):
    handoff = reloaded(accepted)
    assert handoff.status == HandoffStatus.ACCEPTED
    assert handoff.decided_by == network.user("b", Role.OPERATOR) and handoff.decided_at is not None
    share = CaseShare.objects.get(case_id=handoff.case_id, organisation=network.org_b)
    assert share.sections == ["file", "notes"] and not share.own_records_only
    caps = case_checks.case_capabilities(network.user("b", Role.OPERATOR), Case.objects.get(pk=handoff.case_id))
    assert {Capability.VIEW_FILE, Capability.READ_NOTES} <= caps
    assert Capability.DOWNLOAD_DOCUMENT not in caps and Capability.CHANGE_CASE not in caps


def test_accepting_a_referral_creates_the_outcome_task_and_cancels_the_timer(network, accepted):
    (decide,) = tasks_of(accepted, HandoffFlow.decide)
    assert decide.status == STATUS.DONE and decide.owner == network.user("b", Role.OPERATOR)
    outcome_task = open_task(accepted, HandoffFlow.report_outcome)
    assert outcome_task.status == STATUS.NEW
    assert outcome_task.owner_permission == permissions.REPORT_OUTCOME
    assert outcome_task.owner_permission_obj_pk == str(network.org_b.pk)
    assert timer_of(accepted).status == STATUS.CANCELED
    assert reloaded(accepted).process.status == STATUS.NEW  # still running: the outcome is due


def test_accepting_records_history_timeline_and_audit(network, accepted):
    event = WorkflowEvent.objects.get(handoff=accepted, kind=HistoryKind.HANDOFF_ACCEPTED)
    assert (event.organisation, event.partner_organisation) == (network.org_b, network.org_a)
    assert (event.from_state, event.to_state) == (HandoffStatus.PENDING, HandoffStatus.ACCEPTED)
    assert event.step == "decide" and event.task_created_at and event.task_finished_at
    (timeline,) = case_events(accepted.case, TimelineKind.HANDOFF_ACCEPTED)
    assert timeline.organisation == network.org_b
    assert any(
        a.detail.get("event") == TimelineKind.HANDOFF_ACCEPTED for a in handoff_audit(accepted, AuditAction.UPDATE)
    )


def test_a_decide_task_claimed_by_someone_else_cannot_be_answered(network, sent):
    from workflows.services import tasks

    tasks.task_claim(actor=network.user("b", Role.CASE_MANAGER), task_id=open_task(sent, HandoffFlow.decide).pk)
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        handoffs.handoff_accept(actor=network.user("b", Role.OPERATOR), handoff_id=sent.pk)
    assert network.user("b", Role.CASE_MANAGER).get_full_name() in messages_of(exc)
    assert snapshot() == before and reloaded(sent).status == HandoffStatus.PENDING


# --- decline -------------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["capacity", "not_eligible", "not_our_service", "unreachable", "other"])
def test_declining_with_a_coded_reason_goes_back_to_the_sender(network, sent, reason):
    # when
    handoffs.handoff_decline(
        actor=network.user("b", Role.OPERATOR), handoff_id=sent.pk, reason=reason, note="Non abbiamo posti"
    )
    # then
    handoff = reloaded(sent)
    assert handoff.status == HandoffStatus.DECLINED
    assert handoff.decline_reason == reason and handoff.decline_note == "Non abbiamo posti"
    after = open_task(handoff, HandoffFlow.after_decline)
    assert after.owner == network.user("a", Role.CASE_MANAGER) and after.status == STATUS.ASSIGNED
    assert after.owner_permission == permissions.REVIEW_DECLINE
    assert after.owner_permission_obj_pk == str(network.org_a.pk)
    assert list(selectors.task_inbox_for(user=network.user("a", Role.CASE_MANAGER))) == [after]
    assert timer_of(handoff).status == STATUS.CANCELED
    assert not CaseGroupObjectPermission.objects.filter(content_object=handoff.case, group=network.org_b.group).exists()


def test_declining_for_another_reason_needs_a_note(network, sent):
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        handoffs.handoff_decline(actor=network.user("b", Role.OPERATOR), handoff_id=sent.pk, reason="other", note="   ")
    assert "note" in exc.value.message_dict
    assert snapshot() == before and reloaded(sent).status == HandoffStatus.PENDING


def test_declining_records_history_timeline_and_audit(network, declined):
    event = WorkflowEvent.objects.get(handoff=declined, kind=HistoryKind.HANDOFF_DECLINED)
    assert (event.organisation, event.partner_organisation) == (network.org_b, network.org_a)
    assert event.detail == {"reason": "capacity"}
    (timeline,) = case_events(declined.case, TimelineKind.HANDOFF_DECLINED)
    assert timeline.data["reason"] == "capacity"
    assert any(
        a.detail.get("event") == TimelineKind.HANDOFF_DECLINED for a in handoff_audit(declined, AuditAction.UPDATE)
    )


def test_a_decline_waits_in_the_senders_queue_when_the_sender_left(network, sent):
    membership = network.user("a", Role.CASE_MANAGER).memberships.get(organisation=network.org_a)
    partner_services.membership_set_active(
        organisation=network.org_a, membership_id=membership.pk, active=False, actor=network.user("a", Role.ORG_ADMIN)
    )
    # when
    handoffs.handoff_decline(actor=network.user("b", Role.OPERATOR), handoff_id=sent.pk, reason="capacity")
    # then
    after = open_task(sent, HandoffFlow.after_decline)
    assert after.owner_id is None and after.status == STATUS.NEW
    assert after.owner_permission_obj_pk == str(network.org_a.pk)


# --- redirect and close --------------------------------------------------------------------------


def test_redirecting_sends_the_same_handoff_to_a_new_receiver(network, declined, org_c, service_c):
    # when
    handoffs.handoff_redirect(
        actor=network.user("a", Role.CASE_MANAGER),
        handoff_id=declined.pk,
        receiver_organisation_id=org_c.pk,
        service_type_id=service_c.pk,
    )
    # then
    handoff = reloaded(declined)
    assert Handoff.objects.count() == 1
    assert handoff.status == HandoffStatus.PENDING and handoff.receiver_organisation == org_c
    assert handoff.receivers_count == 2 and handoff.service_type == service_c
    assert handoff.decline_reason == "" and handoff.decided_at is None
    assert tasks_of(handoff, HandoffFlow.after_decline)[0].status == STATUS.DONE
    decide_tasks = tasks_of(handoff, HandoffFlow.decide)
    assert [t.status for t in decide_tasks] == [STATUS.DONE, STATUS.NEW]
    assert decide_tasks[-1].owner_permission_obj_pk == str(org_c.pk)
    assert timer_of(handoff).status == STATUS.SCHEDULED and timer_of(handoff).scheduled == handoff.due_at
    operator_c = org_c.memberships.get(role=Role.OPERATOR).user
    assert list(selectors.task_queue_for(user=operator_c)) == [decide_tasks[-1]]
    assert list(selectors.task_queue_for(user=network.user("b", Role.OPERATOR))) == []


def test_redirecting_records_the_previous_receiver(network, declined, org_c, service_c):
    handoffs.handoff_redirect(
        actor=network.user("a", Role.CASE_MANAGER),
        handoff_id=declined.pk,
        receiver_organisation_id=org_c.pk,
        service_type_id=service_c.pk,
    )
    event = WorkflowEvent.objects.get(handoff=declined, kind=HistoryKind.HANDOFF_REDIRECTED)
    assert event.detail == {"previous_receiver": network.org_b.pk}
    assert (event.organisation, event.partner_organisation) == (network.org_a, org_c)
    assert (event.from_state, event.to_state) == (HandoffStatus.DECLINED, HandoffStatus.PENDING)
    (timeline,) = case_events(declined.case, TimelineKind.HANDOFF_REDIRECTED)
    assert timeline.data["previous"] == network.org_b.pk and timeline.data["to"] == org_c.pk
    assert any(
        a.detail.get("event") == TimelineKind.HANDOFF_REDIRECTED for a in handoff_audit(declined, AuditAction.UPDATE)
    )


def test_redirecting_checks_the_consent_again(network, case_a, service, org_c, service_c):
    manager = network.user("a", Role.CASE_MANAGER)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    case_services.consent_record(
        actor=manager, person=case_a.person, purpose=ConsentPurpose.PROCESSING, given_on=yesterday
    )
    case_services.consent_record(
        actor=manager,
        person=case_a.person,
        purpose=ConsentPurpose.SHARE_NAMED,
        given_on=yesterday,
        organisations=[network.org_b],
    )
    handoff = send(network, case_a, service)
    handoffs.handoff_decline(actor=network.user("b", Role.OPERATOR), handoff_id=handoff.pk, reason="capacity")
    before = snapshot()
    # when
    with pytest.raises(ValidationError) as exc:
        handoffs.handoff_redirect(
            actor=manager, handoff_id=handoff.pk, receiver_organisation_id=org_c.pk, service_type_id=service_c.pk
        )
    # then
    assert org_c.name in messages_of(exc)
    assert snapshot() == before
    handoff = reloaded(handoff)
    assert handoff.status == HandoffStatus.DECLINED and handoff.receiver_organisation == network.org_b


def test_redirecting_to_the_organisation_that_declined_is_refused(network, declined, service):
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        handoffs.handoff_redirect(
            actor=network.user("a", Role.CASE_MANAGER),
            handoff_id=declined.pk,
            receiver_organisation_id=network.org_b.pk,
            service_type_id=service.pk,
        )
    assert network.org_b.name in messages_of(exc)
    assert snapshot() == before


def test_closing_a_declined_handoff_ends_it(network, declined):
    handoffs.handoff_close(actor=network.user("a", Role.CASE_MANAGER), handoff_id=declined.pk, note="Basta così")
    handoff = reloaded(declined)
    assert handoff.status == HandoffStatus.CLOSED
    assert handoff.process.status == STATUS.DONE
    assert tasks_of(handoff, HandoffFlow.after_decline)[0].status == STATUS.DONE
    event = WorkflowEvent.objects.get(handoff=handoff, kind=HistoryKind.HANDOFF_CLOSED)
    assert (event.from_state, event.to_state) == (HandoffStatus.DECLINED, HandoffStatus.CLOSED)


def test_only_the_senders_case_managers_close_a_declined_handoff(network, declined):
    before = snapshot()
    with pytest.raises(PermissionDenied):
        handoffs.handoff_close(actor=network.user("a", Role.ORG_ADMIN), handoff_id=declined.pk)
    assert snapshot() == before and reloaded(declined).status == HandoffStatus.DECLINED


# --- revoke --------------------------------------------------------------------------------------


def test_revoking_a_pending_handoff_cancels_its_tasks_and_process(network, sent):
    handoffs.handoff_revoke(actor=network.user("a", Role.CASE_MANAGER), handoff_id=sent.pk, reason="Risolto")
    handoff = reloaded(sent)
    assert handoff.status == HandoffStatus.REVOKED
    assert handoff.revoke_reason == "Risolto" and handoff.revoked_at is not None
    assert handoff.process.status == STATUS.CANCELED and handoff.process.finished is not None
    assert tasks_of(handoff, HandoffFlow.decide)[0].status == STATUS.CANCELED
    assert timer_of(handoff).status == STATUS.CANCELED
    assert not Task.objects.filter(
        process_id=handoff.process_id, status__in=[*permissions.OPEN_TASK_STATUSES, STATUS.SCHEDULED]
    ).exists()
    assert list(selectors.task_queue_for(user=network.user("b", Role.OPERATOR))) == []


def test_a_revoked_handoff_never_gave_the_receiver_access(network, sent):
    handoffs.handoff_revoke(actor=network.user("a", Role.CASE_MANAGER), handoff_id=sent.pk)
    assert not CaseShare.objects.filter(organisation=network.org_b).exists()
    assert not CaseGroupObjectPermission.objects.filter(group=network.org_b.group).exists()
    assert not case_checks.visible_cases(network.user("b", Role.OPERATOR), Capability.VIEW_SUMMARY).exists()


def test_revoking_records_history_timeline_and_audit(network, sent):
    handoffs.handoff_revoke(actor=network.user("a", Role.CASE_MANAGER), handoff_id=sent.pk, reason="Risolto")
    event = WorkflowEvent.objects.get(handoff=sent, kind=HistoryKind.HANDOFF_REVOKED)
    assert (event.organisation, event.partner_organisation) == (network.org_a, network.org_b)
    assert (event.from_state, event.to_state) == (HandoffStatus.PENDING, HandoffStatus.REVOKED)
    (timeline,) = case_events(sent.case, TimelineKind.HANDOFF_REVOKED)
    assert timeline.summary == "Risolto"
    assert any(a.detail.get("event") == TimelineKind.HANDOFF_REVOKED for a in handoff_audit(sent, AuditAction.UPDATE))
    assert WorkflowEvent.objects.filter(handoff=sent, kind=HistoryKind.TASK_CANCELED, step="decide").exists()


def test_an_accepted_handoff_cannot_be_revoked(network, accepted):
    before = snapshot()
    with pytest.raises(ValidationError):
        handoffs.handoff_revoke(actor=network.user("a", Role.CASE_MANAGER), handoff_id=accepted.pk)
    assert snapshot() == before and reloaded(accepted).status == HandoffStatus.ACCEPTED


# --- outcome -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("outcome", "note"),
    [
        ("completed", ""),
        ("partial", "Solo metà"),
        ("not_done", "Irreperibile"),
    ],
)
def test_reporting_the_outcome_closes_the_loop(network, accepted, outcome, note):
    operator = network.user("b", Role.OPERATOR)
    # when
    handoffs.handoff_report_outcome(actor=operator, handoff_id=accepted.pk, outcome=outcome, note=note)
    # then
    handoff = reloaded(accepted)
    assert handoff.status == HandoffStatus.COMPLETED
    assert (handoff.outcome, handoff.outcome_note, handoff.outcome_by) == (outcome, note, operator)
    assert handoff.process.status == STATUS.DONE and handoff.process.finished is not None
    assert tasks_of(handoff, HandoffFlow.report_outcome)[0].status == STATUS.DONE
    event = WorkflowEvent.objects.get(handoff=handoff, kind=HistoryKind.HANDOFF_OUTCOME)
    assert event.detail == {"outcome": outcome}
    assert (event.organisation, event.partner_organisation) == (network.org_b, network.org_a)
    (timeline,) = case_events(handoff.case, TimelineKind.HANDOFF_OUTCOME)
    assert timeline.data["outcome"] == outcome
    assert any(
        a.detail.get("event") == TimelineKind.HANDOFF_OUTCOME for a in handoff_audit(handoff, AuditAction.UPDATE)
    )


def test_the_sender_sees_the_outcome(network, accepted):
    handoffs.handoff_report_outcome(
        actor=network.user("b", Role.OPERATOR), handoff_id=accepted.pk, outcome=Outcome.COMPLETED
    )
    (seen,) = selectors.handoffs_sent_for(user=network.user("a", Role.CASE_MANAGER))
    assert seen.status == HandoffStatus.COMPLETED and seen.outcome == Outcome.COMPLETED


def test_an_incomplete_outcome_needs_a_note(network, accepted):
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        handoffs.handoff_report_outcome(
            actor=network.user("b", Role.OPERATOR), handoff_id=accepted.pk, outcome="partial"
        )
    assert "note" in exc.value.message_dict
    assert snapshot() == before and reloaded(accepted).status == HandoffStatus.ACCEPTED


def test_the_sender_cannot_report_the_receivers_outcome(network, accepted):
    before = snapshot()
    with pytest.raises(PermissionDenied):
        handoffs.handoff_report_outcome(
            actor=network.user("a", Role.CASE_MANAGER), handoff_id=accepted.pk, outcome="completed"
        )
    assert snapshot() == before


# --- transfer ------------------------------------------------------------------------------------


@pytest.fixture
def transfer(network, consenting_case) -> Handoff:
    casepath.case_flow_start(case=consenting_case, actor=network.user("a", Role.CASE_MANAGER))
    return send(network, consenting_case, None, kind="transfer", sections=[])


def test_a_transfer_shares_the_whole_file_and_needs_no_service(transfer):
    assert transfer.sections == ALL_SECTIONS and transfer.service_type is None


def test_accepting_a_transfer_moves_the_lead_and_the_case_manager(network, transfer):
    new_manager = network.user("b", Role.CASE_MANAGER)
    # when
    handoffs.handoff_accept(actor=new_manager, handoff_id=transfer.pk)
    # then
    case = Case.objects.get(pk=transfer.case_id)
    assert case.lead_organisation == network.org_b and case.case_manager == new_manager
    assert case_checks.case_capabilities(new_manager, case) == frozenset(Capability.values)
    old_caps = case_checks.case_capabilities(network.user("a", Role.CASE_MANAGER), case)
    assert Capability.CHANGE_CASE not in old_caps and Capability.VIEW_FILE in old_caps
    assert reloaded(transfer).process.status == STATUS.DONE


def test_accepting_a_transfer_moves_the_open_pathway_steps_to_the_new_lead(network, transfer):
    assess = Task.objects.get(process__caseprocess__case_id=transfer.case_id, flow_task=CaseFlow.assess)
    assert assess.owner == network.user("a", Role.CASE_MANAGER)
    new_manager = network.user("b", Role.CASE_MANAGER)
    # when
    handoffs.handoff_accept(actor=new_manager, handoff_id=transfer.pk)
    # then
    assess.refresh_from_db()
    assert assess.owner_permission_obj_pk == str(network.org_b.pk)
    assert assess.owner == new_manager and assess.status == STATUS.ASSIGNED
    assert list(selectors.task_inbox_for(user=new_manager)) == [assess]
    assert list(selectors.task_inbox_for(user=network.user("a", Role.CASE_MANAGER))) == []
    moved = WorkflowEvent.objects.get(task=assess, kind=HistoryKind.TASK_RELEASED)
    assert moved.detail == {"moved_to": network.org_b.pk}


def test_a_transfer_is_accepted_by_a_case_manager_only(network, transfer):
    before = snapshot()
    with pytest.raises(PermissionDenied):
        handoffs.handoff_accept(actor=network.user("b", Role.OPERATOR), handoff_id=transfer.pk)
    assert snapshot() == before
    assert Case.objects.get(pk=transfer.case_id).lead_organisation == network.org_a


def test_only_the_lead_organisation_transfers_a_case(network, accepted):
    # B reads the case through the referral but cannot hand its lead on.
    before = snapshot()
    with pytest.raises(PermissionDenied):
        send(
            network,
            accepted.case,
            None,
            actor=network.user("b", Role.CASE_MANAGER),
            receiver=network.org_a,
            kind="transfer",
        )
    assert snapshot() == before


# --- the consent gate ----------------------------------------------------------------------------


def _grant_override(user):
    user.user_permissions.add(Permission.objects.get(codename="override_consent", content_type__app_label="workflows"))
    return fresh_user(user)


def test_without_consent_a_handoff_is_refused_naming_the_receiver(network, case_a, service):
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        send(network, case_a, service)
    assert network.org_b.name in messages_of(exc)
    assert snapshot() == before


def test_a_named_consent_covers_only_the_organisations_it_names(network, case_a, service, org_c, service_c):
    manager = network.user("a", Role.CASE_MANAGER)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    case_services.consent_record(
        actor=manager, person=case_a.person, purpose=ConsentPurpose.PROCESSING, given_on=yesterday
    )
    case_services.consent_record(
        actor=manager,
        person=case_a.person,
        purpose=ConsentPurpose.SHARE_NAMED,
        given_on=yesterday,
        organisations=[network.org_b],
    )
    assert send(network, case_a, service).status == HandoffStatus.PENDING
    with pytest.raises(ValidationError):
        send(network, case_a, service_c, receiver=org_c)


def test_an_override_needs_the_override_permission(network, case_a, service):
    before = snapshot()
    with pytest.raises(PermissionDenied):
        send(network, case_a, service, override_consent=True, override_reason="Urgenza abitativa")
    assert snapshot() == before


def test_an_override_needs_a_reason(network, case_a, service):
    manager = _grant_override(network.user("a", Role.CASE_MANAGER))
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        send(network, case_a, service, actor=manager, override_consent=True, override_reason="  ")
    assert "override_reason" in exc.value.message_dict
    assert snapshot() == before


def test_an_override_with_its_reason_is_sent_and_audited(network, case_a, service):
    manager = _grant_override(network.user("a", Role.CASE_MANAGER))
    # when
    handoff = send(network, case_a, service, actor=manager, override_consent=True, override_reason="Urgenza abitativa")
    # then
    handoff = reloaded(handoff)
    assert handoff.status == HandoffStatus.PENDING
    assert handoff.consent_override and handoff.override_reason == "Urgenza abitativa"
    (audit,) = handoff_audit(handoff, AuditAction.CONSENT_OVERRIDE)
    assert audit.user == manager and audit.organisation_id == network.org_a.pk
    assert audit.detail == {"receiver": network.org_b.pk, "reason": "Urgenza abitativa"}


def test_an_override_is_not_recorded_when_the_consent_covers_the_receiver(network, consenting_case, service):
    manager = _grant_override(network.user("a", Role.CASE_MANAGER))
    handoff = send(network, consenting_case, service, actor=manager, override_consent=True, override_reason="Non serve")
    assert not reloaded(handoff).consent_override
    assert not AuditEntry.objects.filter(action=AuditAction.CONSENT_OVERRIDE).exists()


# --- bad input: a clear error and nothing half-saved --------------------------------------------------


@dataclass
class Scene:
    network: object
    case: Case
    service: ServiceType

    def user(self, org_key, role):
        return self.network.user(org_key, role)


def _inactive_org(scene):
    org = make_organisation("Chiusa")
    make_member(org, Role.OPERATOR)
    org.services.add(scene.service)
    partner_services.organisation_set_active(organisation=org, active=False)
    return {"receiver": Organisation.objects.get(pk=org.pk)}


def _org_without_members(scene):
    org = make_organisation("Senza membri")
    org.services.add(scene.service)
    return {"receiver": org}


def _closed_case(scene):
    lifecycle.case_close(actor=scene.user("a", Role.CASE_MANAGER), case=scene.case, outcome="goals_reached")
    return {}


def _duplicate(scene):
    send(scene.network, scene.case, scene.service)
    return {}


BAD_SENDS = {
    "own organisation": lambda scene: {"receiver": scene.network.org_a},
    "inactive organisation": _inactive_org,
    "organisation with no members": _org_without_members,
    "closed case": _closed_case,
    "service not in the catalogue": lambda scene: {
        "service_type_id": ServiceType.objects.create(code="altro", name="Altro").pk
    },
    "no service for a referral": lambda scene: {"service_type_id": None},
    # ids that are not numbers are refused by the form or serializer (test_api: bad fields)
    "unknown receiver": lambda scene: {"receiver_organisation_id": 999_999},
    "unknown section": lambda scene: {"sections": ["file", "health"]},
    "sections not a list": lambda scene: {"sections": 7},
    "empty reason": lambda scene: {"reason": "   "},
    "unknown kind": lambda scene: {"kind": "loan"},
    "unknown urgency": lambda scene: {"urgency": "yesterday"},
    "duplicate pending to the same organisation": _duplicate,
}


@pytest.mark.parametrize("bad", list(BAD_SENDS))
def test_a_bad_send_is_refused_and_saves_nothing(network, consenting_case, service, bad):
    scene = Scene(network, consenting_case, service)
    overrides = BAD_SENDS[bad](scene)
    receiver = overrides.pop("receiver", network.org_b)
    kwargs = {
        "actor": network.user("a", Role.CASE_MANAGER),
        "case": consenting_case,
        "kind": "referral",
        "receiver_organisation_id": receiver.pk,
        "service_type_id": service.pk,
        "reason": "Motivo",
        "sections": ["file"],
        **overrides,
    }
    before = snapshot()
    # when
    with pytest.raises(ValidationError) as exc:
        handoffs.handoff_send(**kwargs)
    # then
    assert exc.value.messages and all(message.strip() for message in exc.value.messages)
    assert snapshot() == before


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.VOLUNTEER, Role.ORG_ADMIN])
def test_only_case_managers_send_handoffs(network, consenting_case, service, role):
    before = snapshot()
    with pytest.raises(PermissionDenied):
        send(network, consenting_case, service, actor=network.user("a", role))
    assert snapshot() == before


def test_a_case_the_sender_cannot_change_is_refused(network, consenting_case, service):
    before = snapshot()
    with pytest.raises(PermissionDenied):
        send(network, consenting_case, service, actor=network.user("b", Role.CASE_MANAGER), receiver=network.org_a)
    assert snapshot() == before


def _accept_twice(network, handoff):
    handoffs.handoff_accept(actor=network.user("b", Role.OPERATOR), handoff_id=handoff.pk)
    return lambda: handoffs.handoff_accept(actor=network.user("b", Role.CASE_MANAGER), handoff_id=handoff.pk)


BAD_ACTIONS = {
    "accepted twice": (_accept_twice, ValidationError),
    "declined without a reason": (
        lambda network, handoff: (
            lambda: handoffs.handoff_decline(actor=network.user("b", Role.OPERATOR), handoff_id=handoff.pk, reason="")
        ),
        ValidationError,
    ),
    "declined with an unknown reason": (
        lambda network, handoff: (
            lambda: handoffs.handoff_decline(
                actor=network.user("b", Role.OPERATOR), handoff_id=handoff.pk, reason="lazy"
            )
        ),
        ValidationError,
    ),
    "outcome before acceptance": (
        lambda network, handoff: (
            lambda: handoffs.handoff_report_outcome(
                actor=network.user("b", Role.OPERATOR), handoff_id=handoff.pk, outcome="completed"
            )
        ),
        ValidationError,
    ),
    "unknown outcome": (
        lambda network, handoff: (
            lambda: handoffs.handoff_report_outcome(
                actor=network.user("b", Role.OPERATOR), handoff_id=handoff.pk, outcome="great"
            )
        ),
        ValidationError,
    ),
    "revoked by the receiver": (
        lambda network, handoff: (
            lambda: handoffs.handoff_revoke(actor=network.user("b", Role.CASE_MANAGER), handoff_id=handoff.pk)
        ),
        PermissionDenied,
    ),
    "revoked by the sender's administrator": (
        lambda network, handoff: (
            lambda: handoffs.handoff_revoke(actor=network.user("a", Role.ORG_ADMIN), handoff_id=handoff.pk)
        ),
        PermissionDenied,
    ),
    # The sender's operators do not see the handoffs their organisation sends: not found.
    "revoked by the sender's operator": (
        lambda network, handoff: (
            lambda: handoffs.handoff_revoke(actor=network.user("a", Role.OPERATOR), handoff_id=handoff.pk)
        ),
        Http404,
    ),
    "accepted by the sender": (
        lambda network, handoff: (
            lambda: handoffs.handoff_accept(actor=network.user("a", Role.CASE_MANAGER), handoff_id=handoff.pk)
        ),
        PermissionDenied,
    ),
    "accepted by the coordinator": (
        lambda network, handoff: (
            lambda: handoffs.handoff_accept(actor=network.user("m", Role.COORDINATOR), handoff_id=handoff.pk)
        ),
        PermissionDenied,
    ),
    "accepted by the receiver's administrator": (
        lambda network, handoff: (
            lambda: handoffs.handoff_accept(actor=network.user("b", Role.ORG_ADMIN), handoff_id=handoff.pk)
        ),
        PermissionDenied,
    ),
    # A volunteer does not see the organisation's handoffs at all: not found.
    "accepted by the receiver's volunteer": (
        lambda network, handoff: (
            lambda: handoffs.handoff_accept(actor=network.user("b", Role.VOLUNTEER), handoff_id=handoff.pk)
        ),
        Http404,
    ),
    "accepted by an outsider": (
        lambda network, handoff: (
            lambda: handoffs.handoff_accept(actor=network.user("m", Role.CASE_MANAGER), handoff_id=handoff.pk)
        ),
        Http404,
    ),
    "redirected while pending": (
        lambda network, handoff: (
            lambda: handoffs.handoff_redirect(
                actor=network.user("a", Role.CASE_MANAGER),
                handoff_id=handoff.pk,
                receiver_organisation_id=network.municipality.pk,
            )
        ),
        ValidationError,
    ),
    "closed while pending": (
        lambda network, handoff: (
            lambda: handoffs.handoff_close(actor=network.user("a", Role.CASE_MANAGER), handoff_id=handoff.pk)
        ),
        ValidationError,
    ),
}


@pytest.mark.parametrize("bad", list(BAD_ACTIONS))
def test_a_bad_action_is_refused_and_changes_nothing(network, sent, bad):
    prepare, error = BAD_ACTIONS[bad]
    action = prepare(network, sent)
    status_before = reloaded(sent).status
    before = snapshot()
    # when
    with pytest.raises(error) as exc:
        action()
    # then
    if error is not Http404:
        assert str(exc.value).strip()
    assert snapshot() == before
    assert reloaded(sent).status == status_before


# --- SLA escalation with time travel --------------------------------------------------------------


def _escalate(handoff) -> int:
    with time_machine.travel(handoff.due_at + datetime.timedelta(minutes=1), tick=False):
        return fire_due_timers()


def test_before_the_deadline_nothing_fires(network, sent):
    with time_machine.travel(sent.due_at - datetime.timedelta(minutes=1), tick=False):
        assert fire_due_timers() == 0
    assert not tasks_of(sent, HandoffFlow.escalate)
    assert reloaded(sent).escalated_at is None


def test_past_the_deadline_the_coordinator_gets_a_follow_up(network, sent):
    # when
    assert _escalate(sent) == 1
    # then
    escalation = open_task(sent, HandoffFlow.escalate)
    assert escalation.owner_permission == permissions.HANDLE_ESCALATION
    assert escalation.owner_permission_obj_pk == str(network.municipality.pk)
    assert list(selectors.task_queue_for(user=network.user("m", Role.COORDINATOR))) == [escalation]
    handoff = reloaded(sent)
    assert handoff.escalated_at is not None and handoff.status == HandoffStatus.PENDING
    # Non-interrupting: the receiver can still answer.
    assert open_task(handoff, HandoffFlow.decide).status == STATUS.NEW


def test_an_escalation_is_recorded(network, sent):
    _escalate(sent)
    event = WorkflowEvent.objects.get(handoff=sent, kind=HistoryKind.HANDOFF_ESCALATED)
    assert (event.organisation, event.partner_organisation) == (network.org_b, network.org_a)
    assert event.step == "escalate"
    (timeline,) = case_events(sent.case, TimelineKind.HANDOFF_ESCALATED)
    assert timeline.organisation == network.org_b and timeline.actor is None
    assert any(a.detail.get("event") == TimelineKind.HANDOFF_ESCALATED for a in handoff_audit(sent, AuditAction.UPDATE))


def test_the_workflow_timers_command_fires_the_escalation(network, sent, capsys):
    with time_machine.travel(sent.due_at + datetime.timedelta(hours=1), tick=False):
        call_command("workflow_timers")
    assert "1 timer(s) fired" in capsys.readouterr().out
    assert open_task(sent, HandoffFlow.escalate).status == STATUS.NEW


def test_an_answer_after_the_escalation_cancels_the_follow_up(network, sent):
    _escalate(sent)
    escalation = open_task(sent, HandoffFlow.escalate)
    # when
    handoffs.handoff_accept(actor=network.user("b", Role.OPERATOR), handoff_id=sent.pk)
    # then
    escalation.refresh_from_db()
    assert escalation.status == STATUS.CANCELED
    assert list(selectors.task_queue_for(user=network.user("m", Role.COORDINATOR))) == []


def test_a_decline_after_the_escalation_cancels_the_follow_up(network, sent):
    _escalate(sent)
    handoffs.handoff_decline(actor=network.user("b", Role.OPERATOR), handoff_id=sent.pk, reason="capacity")
    assert tasks_of(sent, HandoffFlow.escalate)[0].status == STATUS.CANCELED


def test_after_an_escalation_the_outcome_still_ends_the_process(network, sent):
    _escalate(sent)
    operator = network.user("b", Role.OPERATOR)
    handoffs.handoff_accept(actor=operator, handoff_id=sent.pk)
    # when
    handoffs.handoff_report_outcome(actor=operator, handoff_id=sent.pk, outcome="completed")
    # then
    assert reloaded(sent).process.status == STATUS.DONE


def test_the_coordinators_follow_up_completes_the_escalation_task(network, sent):
    _escalate(sent)
    escalation = open_task(sent, HandoffFlow.escalate)
    coordinator = network.user("m", Role.COORDINATOR)
    # when
    handoffs.handoff_follow_up(actor=coordinator, task_id=escalation.pk, note="Telefonato a B")
    # then
    escalation.refresh_from_db()
    assert escalation.status == STATUS.DONE and escalation.owner == coordinator
    assert escalation.data["note"] == "Telefonato a B"
    handoff = reloaded(sent)
    assert handoff.status == HandoffStatus.PENDING
    assert open_task(handoff, HandoffFlow.decide).status == STATUS.NEW


@pytest.mark.parametrize(
    ("who", "note", "error"),
    [
        (("m", Role.COORDINATOR), "", ValidationError),
        (("b", Role.OPERATOR), "Sollecito", PermissionDenied),
        (("a", Role.CASE_MANAGER), "Sollecito", PermissionDenied),
    ],
)
def test_a_bad_follow_up_is_refused(network, sent, who, note, error):
    _escalate(sent)
    escalation = open_task(sent, HandoffFlow.escalate)
    before = snapshot()
    with pytest.raises(error):
        handoffs.handoff_follow_up(actor=network.user(*who), task_id=escalation.pk, note=note)
    assert snapshot() == before
    escalation.refresh_from_db()
    assert escalation.status == STATUS.NEW


def test_revoking_after_the_escalation_cancels_everything(network, sent):
    _escalate(sent)
    handoffs.handoff_revoke(actor=network.user("a", Role.CASE_MANAGER), handoff_id=sent.pk)
    assert tasks_of(sent, HandoffFlow.escalate)[0].status == STATUS.CANCELED
    assert reloaded(sent).process.status == STATUS.CANCELED


# --- the work lists ------------------------------------------------------------------------------


def test_the_queue_filters_by_step_and_the_volunteer_has_none(network, accepted, consenting_case):
    operator = network.user("b", Role.OPERATOR)
    outcome_task = open_task(accepted, HandoffFlow.report_outcome)
    assert list(selectors.task_queue_for(user=operator, step="report_outcome")) == [outcome_task]
    assert list(selectors.task_queue_for(user=operator, step="decide")) == []
    assert list(selectors.task_queue_for(user=operator, query=consenting_case.code)) == [outcome_task]
    assert list(selectors.task_queue_for(user=network.user("b", Role.VOLUNTEER))) == []
    assert selectors.work_counts_for(user=operator) == {"inbox": 0, "queue": 1}


def test_overdue_handoffs_are_marked_and_filtered(network, sent):
    operator = network.user("b", Role.OPERATOR)
    assert list(selectors.handoffs_received_for(user=operator, overdue=True)) == []
    with time_machine.travel(sent.due_at + datetime.timedelta(minutes=1), tick=False):
        (received,) = selectors.handoffs_received_for(user=operator, overdue=True)
        (task,) = selectors.task_queue_for(user=operator, overdue=True)
        assert received.is_overdue
        assert task.due_at == sent.due_at
    assert list(selectors.handoffs_sent_for(user=network.user("a", Role.CASE_MANAGER))) == [sent]
    assert list(selectors.handoffs_sent_for(user=operator)) == []


def test_the_queue_is_one_query_whatever_its_length(network, consenting_case, service, django_assert_num_queries):
    operator = network.user("b", Role.OPERATOR)
    send(network, consenting_case, service)
    list(selectors.task_queue_for(user=operator))  # memberships and content types are read once
    for i in range(5):
        other_case = lifecycle.case_open(
            actor=network.user("a", Role.CASE_MANAGER),
            organisation_id=network.org_a.pk,
            person=consenting_case.person,
            title=f"Altro {i}",
            with_pathway=False,
        )
        send(network, other_case, service)
    # when
    with django_assert_num_queries(1):
        queue = [
            (task.pk, selectors.task_case(task).code, selectors.task_handoff(task).receiver_organisation.name)
            for task in selectors.task_queue_for(user=operator)
        ]
    # then
    assert len(queue) == 6
