"""Processes about cases, handoffs between organisations, and the event history that oversight reads.

viewflow keeps the process and task rows (`viewflow.workflow.models.Process` / `Task`); our models link
them to cases with real foreign keys, so that every work list is one SQL query with joins.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from viewflow.workflow.models import Process, Task

from cases.models import Case
from partners.models import Organisation, ServiceType


class CaseProcess(Process):
    """A viewflow process about one case: the case's own pathway, or one handoff (then `handoff` is set)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+", verbose_name=_("case"))

    class Meta:
        verbose_name = _("case process")
        verbose_name_plural = _("case processes")


class HandoffKind(models.TextChoices):
    REFERRAL = "referral", _("Referral (the case is shared)")
    TRANSFER = "transfer", _("Transfer (the lead organisation changes)")


class HandoffStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("handoff status", "Waiting for an answer")
    ACCEPTED = "accepted", pgettext_lazy("handoff status", "Accepted")
    DECLINED = "declined", pgettext_lazy("handoff status", "Declined")
    REVOKED = "revoked", pgettext_lazy("handoff status", "Revoked")
    COMPLETED = "completed", pgettext_lazy("handoff status", "Outcome reported")
    CLOSED = "closed", pgettext_lazy("handoff status", "Closed without an outcome")


# Statuses after which nothing more happens to a handoff.
FINAL_STATUSES = frozenset({HandoffStatus.REVOKED, HandoffStatus.COMPLETED, HandoffStatus.CLOSED})


class Urgency(models.TextChoices):
    NORMAL = "normal", _("Normal")
    URGENT = "urgent", _("Urgent")


class DeclineReason(models.TextChoices):
    CAPACITY = "capacity", _("No capacity at the moment")
    NOT_ELIGIBLE = "not_eligible", _("The person is not eligible")
    NOT_OUR_SERVICE = "not_our_service", _("Not a service we offer")
    UNREACHABLE = "unreachable", _("The person could not be reached")
    OTHER = "other", _("Other (explain)")


class Outcome(models.TextChoices):
    COMPLETED = "completed", _("Completed")
    PARTIAL = "partial", _("Partially completed")
    NOT_DONE = "not_done", _("Not done")


class Handoff(models.Model):
    """A referral or a transfer of a case from one organisation to another, with its answer and outcome.

    Written only by `workflows.services.handoffs`; the viewflow process that carries it is `process`.
    A declined handoff may be redirected by its sender: the same row gets a new receiver, and the event
    history keeps every receiver it had.
    """

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="handoffs", verbose_name=_("case"))
    process = models.OneToOneField(
        CaseProcess, on_delete=models.SET_NULL, null=True, blank=True, related_name="handoff", editable=False
    )
    kind = models.CharField(_("kind"), max_length=20, choices=HandoffKind.choices)
    status = models.CharField(_("status"), max_length=20, choices=HandoffStatus.choices, default=HandoffStatus.PENDING)
    sender_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="handoffs_sent", verbose_name=_("from")
    )
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    receiver_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="handoffs_received", verbose_name=_("to")
    )
    service_type = models.ForeignKey(
        ServiceType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested service"),
    )
    reason = models.TextField(_("reason"))
    sections = models.JSONField(_("shared sections"), default=list, blank=True)
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)
    due_at = models.DateTimeField(_("answer due by"))
    consent_override = models.BooleanField(_("sent without consent (override)"), default=False)
    override_reason = models.TextField(_("reason for the override"), blank=True)
    decided_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decline_reason = models.CharField(
        _("reason for declining"), max_length=20, choices=DeclineReason.choices, blank=True
    )
    decline_note = models.TextField(_("note on the decline"), blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    outcome_note = models.TextField(_("note on the outcome"), blank=True)
    outcome_at = models.DateTimeField(_("outcome reported at"), null=True, blank=True)
    outcome_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoke_reason = models.TextField(_("reason for revoking"), blank=True)
    receivers_count = models.PositiveSmallIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["-sent_at", "-id"]
        verbose_name = _("handoff")
        verbose_name_plural = _("handoffs")
        permissions = [("override_consent", "Can send a handoff the person's consent does not cover")]
        indexes = [
            models.Index(fields=["receiver_organisation", "status", "-sent_at"], name="handoff_received"),
            models.Index(fields=["sender_organisation", "status", "-sent_at"], name="handoff_sent"),
            models.Index(fields=["case", "-sent_at"], name="handoff_by_case"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.case_id} → {self.receiver_organisation_id}"

    @property
    def is_overdue(self) -> bool:
        return self.status == HandoffStatus.PENDING and self.due_at < timezone.now()

    @property
    def receiver_sees_person(self) -> bool:
        """Whether the receiving organisation may read who the handoff is about: while it waits for its answer
        (the consent gate let the name through, and the receiver must decide) and once it accepted (it then
        works the case). After a decline, a withdrawal, or a closure that was never accepted, the receiver sees
        the case code only. A declined handoff keeps its coded reason when it is closed, an accepted one has
        none: that is how a closed handoff tells which answer it had. The one rule every list, page, API
        response and task row reads (through `workflows.permissions.shows_handoff_person`)."""
        if self.status in (HandoffStatus.PENDING, HandoffStatus.ACCEPTED, HandoffStatus.COMPLETED):
            return True
        return self.status == HandoffStatus.CLOSED and not self.decline_reason


class HistoryKind(models.TextChoices):
    """Transitions written to the event history."""

    PROCESS_STARTED = "process_started", _("Started")
    TASK_CREATED = "task_created", _("Task created")
    TASK_CLAIMED = "task_claimed", _("Task claimed")
    TASK_RELEASED = "task_released", _("Task released")
    TASK_COMPLETED = "task_completed", _("Task completed")
    TASK_CANCELED = "task_canceled", _("Task canceled")
    HANDOFF_SENT = "handoff_sent", _("Handoff sent")
    HANDOFF_ACCEPTED = "handoff_accepted", _("Handoff accepted")
    HANDOFF_DECLINED = "handoff_declined", _("Handoff declined")
    HANDOFF_REDIRECTED = "handoff_redirected", _("Handoff redirected")
    HANDOFF_REVOKED = "handoff_revoked", _("Handoff revoked")
    HANDOFF_ESCALATED = "handoff_escalated", _("Answer overdue: escalated")
    HANDOFF_OUTCOME = "handoff_outcome", _("Outcome reported")
    HANDOFF_CLOSED = "handoff_closed", _("Handoff closed")
    PROCESS_FINISHED = "process_finished", _("Finished")


class WorkflowEvent(models.Model):
    """One transition of a workflow: what moved, where, who did it, and the timestamps of the task it concerns.

    Append-only, written in the same transaction as the transition by `workflows.services.history`. Oversight
    aggregates it in SQL: waiting time per step (`task_finished_at - task_created_at`), per organisation
    (`organisation`) and per organisation pair (`organisation` → `partner_organisation` for handoffs).
    """

    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=30, choices=HistoryKind.choices)
    flow = models.CharField(max_length=20)  # "case" or "handoff"
    step = models.CharField(max_length=50, blank=True)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    process = models.ForeignKey(Process, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    task = models.ForeignKey(Task, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    handoff = models.ForeignKey(Handoff, on_delete=models.CASCADE, null=True, blank=True, related_name="events")
    # Where the work sits (the queue's organisation) or the actor's organisation.
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # The other end of a handoff: the sender when `organisation` is the receiver, and the other way round.
    partner_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20, blank=True)
    task_created_at = models.DateTimeField(null=True, blank=True)
    task_claimed_at = models.DateTimeField(null=True, blank=True)
    task_finished_at = models.DateTimeField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["flow", "step", "kind"], name="wf_event_step"),
            models.Index(fields=["organisation", "partner_organisation"], name="wf_event_pair"),
            models.Index(fields=["case", "at"], name="wf_event_case"),
            models.Index(fields=["at"], name="wf_event_at"),
        ]

    def __str__(self) -> str:
        return f"{self.flow}.{self.step} {self.kind} {self.from_state}→{self.to_state}"

    def direction(self, *, sender_organisation_id: int) -> tuple[Organisation | None, Organisation | None]:
        """The handoff's (sender, receiver) for this row. The row stores the acting organisation first, so an
        acceptance or a decline reads receiver → sender there; people read a referral the way it went."""
        if self.partner_organisation_id is not None and self.partner_organisation_id == sender_organisation_id:
            return self.partner_organisation, self.organisation
        return self.organisation, self.partner_organisation


class SpanOutcome(models.TextChoices):
    OPEN = "", _("Waiting")
    COMPLETED = "completed", _("Completed")
    CANCELED = "canceled", _("Canceled")


class TaskSpan(models.Model):
    """One row per task of the event history: its step, the organisation whose queue holds it, when it was created
    and when (and how) it ended. A projection of `WorkflowEvent`, never written by hand: `workflows.spans` keeps
    it in step in the event's own transaction and can rebuild it from the events (`manage.py rebuild_task_spans`).

    Oversight reads the queues and waiting times from it: one narrow row per task instead of two wide events and
    an anti-join between them (ADR 0011)."""

    task = models.OneToOneField(Task, on_delete=models.CASCADE, primary_key=True, related_name="+")
    flow = models.CharField(max_length=20)
    step = models.CharField(max_length=50)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=SpanOutcome.choices, blank=True, default=SpanOutcome.OPEN)
    # ended_at - created_at in seconds, kept with the end so the finished tasks' waits are read, not computed.
    duration = models.FloatField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["ended_at"], name="wf_span_ended"),
            # The queues now: the tasks still open, by step.
            models.Index(
                fields=["flow", "step", "created_at"], name="wf_span_open", condition=models.Q(ended_at__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.flow}.{self.step} task {self.task_id} {self.outcome or 'open'}"
