"""Where a pathway app (housing, employment) plugs its flow into the shared work lists and task pages.

`workflows` never imports the pathway apps (partners ← cases ← workflows ← housing, employment): each of them
calls `register_pathway` from its `AppConfig.ready()`, before any request is served, and from then on its tasks
appear in the inbox and the queues, open on the task page (`/work/tasks/<pk>/`) with the step pages it gave,
and are routed to the members whose role works them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def register_pathway(
    *,
    flow_class,
    steps: Mapping[str, object] | None = None,
    task_roles: Mapping[str, Iterable[str]] | None = None,
) -> None:
    """Add `flow_class` to the flows of the work lists.

    `steps`: node name → a `workflows.views.tasks.Step` (its template, forms and actions) for the task page; a
    node without one gets the generic page. `task_roles`: routing key (the `.Permission(...)` of a node) → the
    roles that work tasks with that key in the organisation whose queue holds them. Registering again is harmless.
    """
    from workflows import permissions
    from workflows.flows import FLOWS
    from workflows.views import tasks

    if flow_class not in FLOWS:
        FLOWS.append(flow_class)
    for name, step in (steps or {}).items():
        tasks.STEPS[(flow_class, name)] = step
    for key, roles in (task_roles or {}).items():
        permissions.TASK_ROLES[key] = frozenset(roles)
