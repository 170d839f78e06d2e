"""Tasks: my inbox and my organisations' queues; claiming and releasing."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response
from viewflow.workflow.models import Task

from cases.api.common import is_schema_generation, parse_query
from core.idempotency import idempotent
from partners.api import ApiViewSet, UserRefSerializer
from workflows import permissions, selectors
from workflows.flows import FLOWS
from workflows.models import HandoffStatus
from workflows.nodes import OrgTask
from workflows.services import tasks as task_services
from workflows.services.history import flow_label_of

# The human steps of every flow, by node name (the `step` of a task and of its filter).
STEPS = sorted({node.name for flow_class in FLOWS for node in flow_class.instance.nodes() if isinstance(node, OrgTask)})


class CaseRefSerializer(serializers.Serializer):
    """A case by its id and code: no one's name."""

    id = serializers.IntegerField(read_only=True)
    code = serializers.CharField(read_only=True)


def task_due_at(task: Task):
    """The answer deadline of the handoff a task belongs to while the handoff waits for its answer. The lists
    annotate it in SQL (`selectors._with_due`); a single task read for a claim or a release computes it here."""
    if hasattr(task, "due_at"):
        return task.due_at
    handoff = selectors.task_handoff(task)
    if task.flow_task_type == "HUMAN" and handoff is not None and handoff.status == HandoffStatus.PENDING:
        return handoff.due_at
    return None


class TaskSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    step = serializers.SerializerMethodField(help_text=gettext_lazy("The step of the flow, e.g. decide, assess."))
    title = serializers.SerializerMethodField()
    flow = serializers.SerializerMethodField()
    status = serializers.CharField(read_only=True, help_text=gettext_lazy("NEW (in the queue), ASSIGNED, STARTED..."))
    organisation = serializers.SerializerMethodField(
        help_text=gettext_lazy("The id of the organisation whose queue holds the task.")
    )
    case = serializers.SerializerMethodField()
    handoff = serializers.SerializerMethodField(help_text=gettext_lazy("The handoff the task is about, if any."))
    created = serializers.DateTimeField(read_only=True)
    due_at = serializers.SerializerMethodField(
        help_text=gettext_lazy("The answer deadline, while a handoff waits for an answer.")
    )
    is_overdue = serializers.SerializerMethodField()
    owner = UserRefSerializer(read_only=True, allow_null=True)

    @extend_schema_field(serializers.ChoiceField(choices=STEPS))
    def get_step(self, task: Task) -> str:
        return task.flow_task.name

    def get_title(self, task: Task) -> str:
        return str(task.flow_task.task_title or task.flow_task.name)

    @extend_schema_field(serializers.ChoiceField(choices=sorted(flow_label_of(flow_class) for flow_class in FLOWS)))
    def get_flow(self, task: Task) -> str:
        return flow_label_of(task.flow_task.flow_class)

    def get_organisation(self, task: Task) -> int | None:
        return permissions.task_organisation_id(task)

    @extend_schema_field(CaseRefSerializer(allow_null=True))
    def get_case(self, task: Task):
        case = selectors.task_case(task)
        return {"id": case.pk, "code": case.code} if case is not None else None

    def get_handoff(self, task: Task) -> int | None:
        handoff = selectors.task_handoff(task)
        return handoff.pk if handoff is not None else None

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_due_at(self, task: Task):
        due_at = task_due_at(task)
        return serializers.DateTimeField().to_representation(due_at) if due_at else None

    def get_is_overdue(self, task: Task) -> bool:
        due_at = task_due_at(task)
        return bool(due_at and due_at < timezone.now())


class TaskFilterSerializer(serializers.Serializer):
    scope = serializers.ChoiceField(
        choices=[("mine", gettext_lazy("My tasks")), ("queue", gettext_lazy("My organisations' queues"))],
        default="mine",
        help_text=gettext_lazy("mine: assigned to you; queue: waiting for someone to take them."),
    )
    step = serializers.ChoiceField(choices=STEPS, required=False)
    overdue = serializers.BooleanField(
        required=False, default=False, help_text=gettext_lazy("Only tasks past their deadline.")
    )
    q = serializers.CharField(
        max_length=50, required=False, allow_blank=True, help_text=gettext_lazy("Part of a case code.")
    )


@extend_schema_view(
    list=extend_schema(
        parameters=[TaskFilterSerializer],
        summary=gettext_lazy("My tasks, or my organisations' queues (most urgent first)"),
    ),
    retrieve=extend_schema(summary=gettext_lazy("Read a task")),
)
class TaskViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Human tasks of the case pathways and of the handoffs, as the user's organisations route them."""

    serializer_class = TaskSerializer

    def get_queryset(self):
        if is_schema_generation(self):
            return Task.objects.none()
        filters = parse_query(TaskFilterSerializer, self.request)
        selector = selectors.task_queue_for if filters["scope"] == "queue" else selectors.task_inbox_for
        return selector(
            user=self.request.user, step=filters.get("step", ""), overdue=filters["overdue"], query=filters.get("q", "")
        )

    def get_object(self) -> Task:
        return selectors.task_get_for(user=self.request.user, pk=self.kwargs["pk"])

    def _detail(self, task_id: int) -> Response:
        task = selectors.task_get_for(user=self.request.user, pk=task_id)
        return Response(TaskSerializer(task, context=self.get_serializer_context()).data)

    @idempotent
    @extend_schema(
        request=None,
        responses={200: TaskSerializer},
        summary=gettext_lazy("Take a task from your organisation's queue"),
    )
    @action(detail=True, methods=["post"])
    def claim(self, request, pk=None):
        task = task_services.task_claim(actor=request.user, task_id=int(pk))
        return self._detail(task.pk)

    @idempotent
    @extend_schema(
        request=None,
        responses={200: TaskSerializer},
        summary=gettext_lazy("Put a task back in its organisation's queue"),
    )
    @action(detail=True, methods=["post"])
    def release(self, request, pk=None):
        task = task_services.task_release(actor=request.user, task_id=int(pk))
        return self._detail(task.pk)
