"""What the workflows pages share: the rows of a task list, organisation names, the audit of reads, `next`."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from core.audit import audit_record
from core.models import AuditAction
from core.views import apply_errors, page_view, paginate, posted
from partners.models import Organisation
from partners.selectors import active_memberships
from workflows import permissions, selectors
from workflows.models import HandoffStatus

__all__ = [
    "apply_errors",
    "page_view",
    "paginate",
    "posted",
    "TaskRow",
    "task_rows",
    "organisation_names",
    "audit_person_read",
    "safe_next",
    "PSEUDONYMOUS_STEPS",
]

# Steps whose page and rows never show who the case is about (the coordinator's follow-up of a late answer).
PSEUDONYMOUS_STEPS = frozenset({"escalate"})


def safe_next(request, default: str) -> str:
    """The `next` address posted with a list's buttons, when it points back into this site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def organisation_names(user, ids) -> dict[int, str]:
    """Names of organisations by id: the user's own from their memberships (no query), the others in one query."""
    wanted = {i for i in ids if i is not None}
    names = {m.organisation_id: m.organisation_name for m in active_memberships(user) if m.organisation_id in wanted}
    missing = wanted - names.keys()
    if missing:
        names.update(Organisation.objects.filter(pk__in=missing).values_list("pk", "name"))
    return names


@dataclass
class TaskRow:
    """One task as the lists and pages show it."""

    task: object
    case: object
    handoff: object
    organisation_id: int | None
    organisation_name: str
    shows_person: bool
    due_at: object
    is_overdue: bool
    can_claim: bool
    can_release: bool
    can_open: bool

    @property
    def step(self) -> str:
        return self.task.flow_task.task_title or self.task.flow_task.name

    @property
    def step_name(self) -> str:
        return self.task.flow_task.name


def _due_at(task, handoff):
    if hasattr(task, "due_at"):
        return task.due_at
    if handoff is not None and handoff.status == HandoffStatus.PENDING and task.flow_task.task_type == "HUMAN":
        return handoff.due_at
    return None


def task_row(user, task, *, names: dict[int, str]) -> TaskRow:
    handoff = selectors.task_handoff(task)
    organisation_id = permissions.task_organisation_id(task)
    shows_person = task.flow_task.name not in PSEUDONYMOUS_STEPS and (
        handoff is None or selectors.handoff_shows_person(user=user, handoff=handoff)
    )
    due_at = _due_at(task, handoff)
    return TaskRow(
        task=task,
        case=selectors.task_case(task),
        handoff=handoff,
        organisation_id=organisation_id,
        organisation_name=names.get(organisation_id, ""),
        shows_person=shows_person,
        due_at=due_at,
        is_overdue=bool(due_at and due_at < timezone.now()),
        can_claim=permissions.can_claim(user, task),
        can_release=permissions.can_release(user, task),
        can_open=permissions.can_see_task(user, task),
    )


def task_rows(user, tasks) -> list[TaskRow]:
    """Rows for a page of tasks fetched with `selectors.TASK_RELATED` (at most one more query, for names)."""
    tasks = [task for task in tasks if task.flow_task is not None]
    names = organisation_names(user, {permissions.task_organisation_id(task) for task in tasks})
    return [task_row(user, task, names=names) for task in tasks]


def audit_person_read(request, *, case, organisation_id: int | None, obj=None) -> None:
    """A page showed who a case is about (a task, a handoff): one READ row, like the case file's."""
    audit_record(
        actor=request.user,
        action=AuditAction.READ,
        obj=obj if obj is not None else case,
        request=request,
        organisation_id=organisation_id,
        case_id=case.pk,
        person_id=case.person_id,
    )
