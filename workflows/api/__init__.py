"""/api/v1/ endpoints of workflows: tasks (inbox and queues), handoffs, and the cases API with the pathway.

Same rules as the UI: every read goes through `workflows.selectors`, every write through `workflows.services`.
"""

from workflows.api.cases import CaseLifecycleViewSet
from workflows.api.handoffs import HandoffViewSet
from workflows.api.tasks import TaskViewSet

__all__ = ["CaseLifecycleViewSet", "HandoffViewSet", "TaskViewSet"]
