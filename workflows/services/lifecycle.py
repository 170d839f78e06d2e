"""The case lifecycle: opening, closing and reopening a case, and changing its status — the only public services
for these (the views, the API, the pathway apps, the demo and the tests all call them).

Each is one transaction and keeps the case file and its pathway together: opening starts the case pathway,
closing ends it (its open steps canceled), ends the open handoffs and lets shared access decay, reopening gives
the access back and starts a new pathway. The file's own rows (status, timeline, audit) are written by the
file-only helpers of `cases.services.case_file`, which nothing else calls.

Lock order (core.locks): the case pathway's process (`CaseFlow.lock`), the open handoffs' processes, then the
case row.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.exceptions import FlowLockFailed
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from cases.models import Case, CaseStatus, Household, Person
from cases.permissions import checks as case_checks
from cases.permissions import grants as case_grants
from cases.services.case_file import open_file, set_file_status
from partners.roles import Capability
from workflows.flows import CaseFlow
from workflows.models import HistoryKind
from workflows.services import history
from workflows.services.casepath import case_flow_start, case_process, close_case_with_handoffs
from workflows.services.tasks import task_cancel

_ENDED = [STATUS.DONE, STATUS.CANCELED, STATUS.REVIVED, STATUS.ERROR]


def case_open(
    *,
    actor,
    organisation_id: int | None,
    person: Person,
    household: Household | None = None,
    title: str = "",
    case_manager=None,
    opened_on: datetime.date | None = None,
    codice_fiscale_proof: str = "",
    with_pathway: bool = True,
) -> Case:
    """Open a case for a person, led by one of the actor's organisations, and start its pathway.

    `with_pathway=False` opens a case without one (a case carried over from another system, whose pathway its
    lead starts later from the case page). Raises Http404 (a person the actor may not see, without the
    codice fiscale proof), PermissionDenied (not a case manager) or ValidationError (see `open_file`)."""
    with transaction.atomic():
        case = open_file(
            actor=actor,
            organisation_id=organisation_id,
            person=person,
            household=household,
            title=title,
            case_manager=case_manager,
            opened_on=opened_on,
            codice_fiscale_proof=codice_fiscale_proof,
        )
        if with_pathway:
            case_flow_start(case=case, actor=actor)
        return case


def case_close(*, actor, case: Case, outcome: str, note: str = "", closed_on: datetime.date | None = None) -> Case:
    """Close a case with its outcome, outside the pathway's closure step (the case manager decides it is over):
    the pathway's open steps are canceled and it ends, open handoffs end, and shared access starts to decay.
    Raises PermissionDenied (no change rights) or ValidationError (bad outcome or date, already closed, the
    pathway locked by someone else)."""
    case_checks.require_case_capability(actor, case, Capability.CHANGE_CASE)
    process = case_process(case)
    with transaction.atomic():
        if process is None or process.finished is not None:
            close_case_with_handoffs(actor=actor, case=case, outcome=outcome, note=note, closed_on=closed_on)
            return case
        try:
            with CaseFlow.lock(process.pk):
                close_case_with_handoffs(actor=actor, case=case, outcome=outcome, note=note, closed_on=closed_on)
                for task in Task.objects.filter(process=process).exclude(status__in=_ENDED):
                    task_cancel(task, actor=actor)
                process.status = STATUS.DONE
                process.finished = timezone.now()
                process.save(update_fields=["status", "finished"])
                history.record_process(
                    kind=HistoryKind.PROCESS_FINISHED,
                    flow="case",
                    step="close",
                    case_id=case.pk,
                    process_id=process.pk,
                    organisation_id=case.lead_organisation_id,
                    user=actor,
                    to_state=CaseStatus.CLOSED,
                )
        except FlowLockFailed:
            raise ValidationError(_("Someone else is working on this case right now: try again in a moment.")) from None
    return case


def case_reopen(*, actor, case: Case) -> Case:
    """Reopen a closed case: shared access comes back and a new pathway starts at the assessment."""
    with transaction.atomic():
        case = set_file_status(actor=actor, case=case, status=CaseStatus.OPEN)
        case_grants.restore_shared_access(case)
        case_flow_start(case=case, actor=actor)
        return case


def case_set_status(*, actor, case: Case, status: str) -> Case:
    """Move a case between open, active and suspended; a closed case is reopened first (`case_reopen`).
    Closing is `case_close`."""
    with transaction.atomic():
        if case.status == CaseStatus.CLOSED:
            case = case_reopen(actor=actor, case=case)
            if status == CaseStatus.OPEN:
                return case
        return set_file_status(actor=actor, case=case, status=status)
