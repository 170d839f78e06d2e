"""/api/v1/notifications/: the user's own notifications, rendered in the request's language, and their read state.

Same rules as the pages: reads through `notifications.selectors` (a notification received through an
organisation the user has left is no longer theirs to see), writes through `notifications.services`.
"""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from cases.api.common import is_schema_generation, parse_query
from notifications import selectors, services
from notifications.models import Notification, NotificationKind
from notifications.text import Rendered, render
from partners.api import ApiViewSet
from partners.selectors import active_memberships


def rendered(notification: Notification) -> Rendered:
    """The notification's text in the active language, rendered once per object."""
    text = getattr(notification, "_rendered", None)
    if text is None:
        text = render(kind=notification.kind, case_code=notification.case_code, params=notification.params)
        notification._rendered = text  # type: ignore[attr-defined]
    return text


class NotificationSerializer(serializers.ModelSerializer):
    """A notification: what it is about by case code and names, never who the case is about."""

    kind = serializers.ChoiceField(choices=NotificationKind.choices, read_only=True)
    title = serializers.SerializerMethodField()
    body = serializers.SerializerMethodField()
    url = serializers.CharField(read_only=True, help_text=gettext_lazy("The page the notification is about."))
    read = serializers.BooleanField(source="is_read", read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "case_code", "url", "created_at", "read", "read_at"]
        read_only_fields = fields

    def get_title(self, notification: Notification) -> str:
        return str(rendered(notification).title)

    def get_body(self, notification: Notification) -> str:
        return rendered(notification).body


class NotificationFilterSerializer(serializers.Serializer):
    unread = serializers.BooleanField(
        required=False, default=False, help_text=gettext_lazy("Only the notifications not read yet.")
    )
    after = serializers.IntegerField(
        required=False,
        min_value=0,
        help_text=gettext_lazy("Only those newer than this id, oldest first (to catch up on what was missed)."),
    )


class ReadAllSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text=gettext_lazy("How many notifications were marked read."))
    unread = serializers.IntegerField()


class UnreadCountSerializer(serializers.Serializer):
    unread = serializers.IntegerField()


def unread_of(user) -> int:
    organisation_ids = [m.organisation_id for m in active_memberships(user)]
    return selectors.unread_count_for(user_id=user.pk, organisation_ids=organisation_ids)


@extend_schema_view(
    list=extend_schema(
        parameters=[NotificationFilterSerializer],
        summary=gettext_lazy("Your notifications, newest first (oldest first with `after`)"),
    ),
    retrieve=extend_schema(summary=gettext_lazy("Read one of your notifications")),
)
class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """What you were told about handoffs, tasks and cases of your organisations, with title and text in the
    language of the request (`Accept-Language`)."""

    serializer_class = NotificationSerializer
    # No IsActiveMember: as on the /notifications/ page, a person whose memberships ended keeps what was addressed
    # to them personally (what came through an organisation is already filtered out by the selectors).
    permission_classes = (IsAuthenticated,)

    def get_queryset(self):
        if is_schema_generation(self):
            return Notification.objects.none()
        filters = parse_query(NotificationFilterSerializer, self.request)
        queryset = selectors.notification_list_for(user=self.request.user, unread_only=filters["unread"])
        if filters.get("after") is not None:
            queryset = queryset.filter(pk__gt=filters["after"]).order_by("pk")
        return queryset

    def get_object(self) -> Notification:
        try:
            return selectors.notification_get_for(user=self.request.user, pk=int(self.kwargs["pk"]))
        except Notification.DoesNotExist:
            raise Http404 from None

    @extend_schema(
        request=None,
        responses={200: NotificationSerializer},
        summary=gettext_lazy("Mark one of your notifications read"),
    )
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = self.get_object()
        services.notifications_mark_read(user=request.user, ids=[notification.pk])
        return Response(NotificationSerializer(self.get_object(), context=self.get_serializer_context()).data)

    @extend_schema(
        request=None, responses={200: ReadAllSerializer}, summary=gettext_lazy("Mark all your notifications read")
    )
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        marked = services.notifications_mark_all_read(user=request.user)
        return Response(ReadAllSerializer({"marked": marked, "unread": unread_of(request.user)}).data)

    @extend_schema(
        responses={200: UnreadCountSerializer}, summary=gettext_lazy("How many of your notifications are not read yet")
    )
    @action(detail=False, methods=["get"], url_path="unread-count")
    def unread_count(self, request):
        return Response(UnreadCountSerializer({"unread": unread_of(request.user)}).data)
