"""Handoffs (referrals and transfers): the lists sent and received, reading one, and every answer to it."""

from __future__ import annotations

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from cases import selectors as case_selectors
from cases.api.case_file import CasePersonSerializer
from cases.api.common import VisibleObjectField, audit_organisation_id, is_schema_generation, parse_query
from cases.models import Case, ShareSection
from core.audit import audit_record
from core.idempotency import idempotent
from core.models import AuditAction
from partners.api import ApiViewSet, OrganisationRefSerializer, ServiceTypeSerializer, UserRefSerializer
from partners.models import Organisation, ServiceType
from partners.selectors import active_memberships, organisation_list
from workflows import selectors
from workflows.api.tasks import CaseRefSerializer
from workflows.models import DeclineReason, Handoff, HandoffKind, HandoffStatus, Outcome, Urgency
from workflows.services import handoffs as handoff_services

NOTE_MAX_LENGTH = 5000

# What a handoff says about the person: left out (null) for a reader who is at neither end (the coordinator,
# who follows every handoff up by its case code), and for its receiver once it declined or the handoff was
# withdrawn (`Handoff.receiver_sees_person`). Free text is written about the person, so it counts.
PERSON_FIELDS = ("person", "reason", "override_reason", "decline_note", "outcome_note", "revoke_reason")


# --- output ------------------------------------------------------------------------------------------


class HandoffSerializer(serializers.ModelSerializer):
    """A handoff in a list. `person` and the free-text fields are null for readers at neither end, and for a
    receiver that declined it or from which it was withdrawn."""

    case = CaseRefSerializer(read_only=True)
    person = CasePersonSerializer(source="case.person", read_only=True, allow_null=True)
    sender_organisation = OrganisationRefSerializer(read_only=True)
    receiver_organisation = OrganisationRefSerializer(read_only=True)
    sent_by = UserRefSerializer(read_only=True)
    service_type = ServiceTypeSerializer(read_only=True, allow_null=True)
    sections = serializers.ListField(child=serializers.ChoiceField(choices=ShareSection.choices), read_only=True)
    is_overdue = serializers.BooleanField(read_only=True)
    reason = serializers.CharField(read_only=True, allow_null=True)
    override_reason = serializers.CharField(read_only=True, allow_null=True)
    decline_note = serializers.CharField(read_only=True, allow_null=True)
    outcome_note = serializers.CharField(read_only=True, allow_null=True)
    revoke_reason = serializers.CharField(read_only=True, allow_null=True)

    class Meta:
        model = Handoff
        fields = [
            "id",
            "kind",
            "status",
            "case",
            "person",
            "sender_organisation",
            "receiver_organisation",
            "sent_by",
            "service_type",
            "reason",
            "sections",
            "urgency",
            "sent_at",
            "due_at",
            "is_overdue",
            "consent_override",
            "override_reason",
            "decided_at",
            "decline_reason",
            "decline_note",
            "escalated_at",
            "outcome",
            "outcome_note",
            "outcome_at",
            "revoked_at",
            "revoke_reason",
            "receivers_count",
        ]
        read_only_fields = fields

    def to_representation(self, handoff: Handoff):
        data = super().to_representation(handoff)
        user = getattr(self.context.get("request"), "user", None)
        if user is None or not selectors.handoff_shows_person(user=user, handoff=handoff):
            data.update(dict.fromkeys(PERSON_FIELDS))
        return data


class HandoffDetailSerializer(HandoffSerializer):
    """A handoff with who answered it and who reported its outcome."""

    decided_by = UserRefSerializer(read_only=True, allow_null=True)
    outcome_by = UserRefSerializer(read_only=True, allow_null=True)

    class Meta(HandoffSerializer.Meta):
        fields = [*HandoffSerializer.Meta.fields, "decided_by", "outcome_by"]
        read_only_fields = fields


# --- input -------------------------------------------------------------------------------------------


def _visible_cases(user):
    return case_selectors.case_list_for(user=user)


def _organisations(user):
    # Inactive ones too: sending to one gets the service's clear message, not a bare "not found".
    return organisation_list(active_only=False)


def _service_types(user):
    return ServiceType.objects.all()


class HandoffFilterSerializer(serializers.Serializer):
    box = serializers.ChoiceField(
        choices=[
            ("received", gettext_lazy("Received by my organisations")),
            ("sent", gettext_lazy("Sent by my organisations")),
        ],
        default="received",
    )
    status = serializers.ChoiceField(choices=HandoffStatus.choices, required=False)
    overdue = serializers.BooleanField(
        required=False,
        default=False,
        help_text=gettext_lazy("Only handoffs waiting for an answer past their deadline."),
    )
    q = serializers.CharField(
        max_length=50, required=False, allow_blank=True, help_text=gettext_lazy("Part of a case code.")
    )


class ConsentOverrideFields(serializers.Serializer):
    override_consent = serializers.BooleanField(
        default=False,
        help_text=gettext_lazy(
            "Send although the person's consent does not cover the receiver (needs the override permission; audited)."
        ),
    )
    override_reason = serializers.CharField(max_length=NOTE_MAX_LENGTH, required=False, allow_blank=True, default="")


class HandoffSendSerializer(ConsentOverrideFields):
    case = VisibleObjectField(model=Case, selector=_visible_cases)
    kind = serializers.ChoiceField(choices=HandoffKind.choices)
    receiver_organisation = VisibleObjectField(model=Organisation, selector=_organisations)
    service_type = VisibleObjectField(
        model=ServiceType,
        selector=_service_types,
        required=False,
        allow_null=True,
        help_text=gettext_lazy("A service of the receiver's catalogue (required for a referral)."),
    )
    reason = serializers.CharField(max_length=NOTE_MAX_LENGTH, allow_blank=True)
    sections = serializers.ListField(
        child=serializers.ChoiceField(choices=ShareSection.choices),
        required=False,
        default=list,
        help_text=gettext_lazy(
            "The sections of the file a referral shares (a transfer shares all of it). Omitted or empty: the "
            "referral shares the case summary only (code, the person's name and year of birth, the reason and the "
            "requested service); the service's usual sections (`service_type.share_sections`) are not applied "
            "for you."
        ),
    )
    urgency = serializers.ChoiceField(choices=Urgency.choices, default=Urgency.NORMAL)


class HandoffAcceptSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=NOTE_MAX_LENGTH, required=False, allow_blank=True, default="")


class HandoffDeclineSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=DeclineReason.choices)
    note = serializers.CharField(
        max_length=NOTE_MAX_LENGTH,
        required=False,
        allow_blank=True,
        default="",
        help_text=gettext_lazy("Required when the reason is “other”."),
    )


class HandoffRevokeSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=NOTE_MAX_LENGTH, required=False, allow_blank=True, default="")


class HandoffRedirectSerializer(ConsentOverrideFields):
    receiver_organisation = VisibleObjectField(model=Organisation, selector=_organisations)
    service_type = VisibleObjectField(model=ServiceType, selector=_service_types, required=False, allow_null=True)
    reason = serializers.CharField(
        max_length=NOTE_MAX_LENGTH,
        required=False,
        allow_blank=True,
        default="",
        help_text=gettext_lazy("A new reason; the old one stays when left empty."),
    )


class HandoffCloseSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=NOTE_MAX_LENGTH, required=False, allow_blank=True, default="")


class HandoffOutcomeSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    note = serializers.CharField(
        max_length=NOTE_MAX_LENGTH,
        required=False,
        allow_blank=True,
        default="",
        help_text=gettext_lazy("Required unless the outcome is “completed”."),
    )


def _pk(value) -> int | None:
    return value.pk if value is not None else None


# --- viewset -----------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        parameters=[HandoffFilterSerializer],
        summary=gettext_lazy("Handoffs received by (or sent by) your organisations"),
    ),
)
class HandoffViewSet(mixins.ListModelMixin, ApiViewSet):
    """Referrals and transfers your organisations sent or received. The coordinator reads any one of them by
    its id, without who it is about."""

    serializer_class = HandoffSerializer
    input_serializer_classes = {
        "create": HandoffSendSerializer,
        "accept": HandoffAcceptSerializer,
        "decline": HandoffDeclineSerializer,
        "revoke": HandoffRevokeSerializer,
        "redirect": HandoffRedirectSerializer,
        "close": HandoffCloseSerializer,
        "outcome": HandoffOutcomeSerializer,
    }

    def get_queryset(self):
        if is_schema_generation(self):
            return Handoff.objects.none()
        filters = parse_query(HandoffFilterSerializer, self.request)
        selector = selectors.handoffs_sent_for if filters["box"] == "sent" else selectors.handoffs_received_for
        return selector(
            user=self.request.user,
            status=filters.get("status", ""),
            overdue=filters["overdue"],
            query=filters.get("q", ""),
        )

    def get_object(self) -> Handoff:
        return selectors.handoff_get_for(user=self.request.user, pk=self.kwargs["pk"])

    def _detail(self, handoff_id: int, *, status_code: int = status.HTTP_200_OK) -> Response:
        handoff = selectors.handoff_get_for(user=self.request.user, pk=handoff_id)
        return Response(
            HandoffDetailSerializer(handoff, context=self.get_serializer_context()).data, status=status_code
        )

    @extend_schema(responses={200: HandoffDetailSerializer}, summary=gettext_lazy("Read a handoff (audited)"))
    def retrieve(self, request, pk=None):
        handoff = self.get_object()
        shows_person = selectors.handoff_shows_person(user=request.user, handoff=handoff)
        own_end = handoff.receiver_organisation_id
        if own_end not in {m.organisation_id for m in active_memberships(request.user)}:
            own_end = handoff.sender_organisation_id
        audit_record(
            actor=request.user,
            action=AuditAction.READ,
            obj=handoff,
            case_id=handoff.case_id,
            person_id=handoff.case.person_id if shows_person else None,
            request=request,
            detail={"via": "api"},
            organisation_id=audit_organisation_id(request.user, own_end),
        )
        return Response(HandoffDetailSerializer(handoff, context=self.get_serializer_context()).data)

    @idempotent
    @extend_schema(
        request=HandoffSendSerializer,
        responses={201: HandoffDetailSerializer},
        summary=gettext_lazy("Send a referral or a transfer"),
    )
    def create(self, request):
        data = self.validated_input()
        handoff = handoff_services.handoff_send(
            actor=request.user,
            case=data["case"],
            kind=data["kind"],
            receiver_organisation_id=data["receiver_organisation"].pk,
            service_type_id=_pk(data.get("service_type")),
            reason=data["reason"],
            sections=data["sections"],
            urgency=data["urgency"],
            override_consent=data["override_consent"],
            override_reason=data["override_reason"],
        )
        return self._detail(handoff.pk, status_code=status.HTTP_201_CREATED)

    @idempotent
    @extend_schema(
        request=HandoffAcceptSerializer,
        responses={200: HandoffDetailSerializer},
        summary=gettext_lazy("Accept a handoff (receiving organisation)"),
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        data = self.validated_input()
        handoff_services.handoff_accept(actor=request.user, handoff_id=int(pk), note=data["note"])
        return self._detail(int(pk))

    @idempotent
    @extend_schema(
        request=HandoffDeclineSerializer,
        responses={200: HandoffDetailSerializer},
        summary=gettext_lazy("Decline a handoff with a reason (receiving organisation)"),
    )
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        data = self.validated_input()
        handoff_services.handoff_decline(
            actor=request.user, handoff_id=int(pk), reason=data["reason"], note=data["note"]
        )
        return self._detail(int(pk))

    @idempotent
    @extend_schema(
        request=HandoffRevokeSerializer,
        responses={200: HandoffDetailSerializer},
        summary=gettext_lazy("Revoke a handoff still waiting for an answer (sender)"),
    )
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        data = self.validated_input()
        handoff_services.handoff_revoke(actor=request.user, handoff_id=int(pk), reason=data["reason"])
        return self._detail(int(pk))

    @idempotent
    @extend_schema(
        request=HandoffRedirectSerializer,
        responses={200: HandoffDetailSerializer},
        summary=gettext_lazy("Send a declined handoff to another organisation (sender)"),
    )
    @action(detail=True, methods=["post"])
    def redirect(self, request, pk=None):
        data = self.validated_input()
        handoff_services.handoff_redirect(
            actor=request.user,
            handoff_id=int(pk),
            receiver_organisation_id=data["receiver_organisation"].pk,
            service_type_id=_pk(data.get("service_type")),
            reason=data["reason"],
            override_consent=data["override_consent"],
            override_reason=data["override_reason"],
        )
        return self._detail(int(pk))

    @idempotent
    @extend_schema(
        request=HandoffCloseSerializer,
        responses={200: HandoffDetailSerializer},
        summary=gettext_lazy("Close a declined handoff without sending it elsewhere (sender)"),
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        data = self.validated_input()
        handoff_services.handoff_close(actor=request.user, handoff_id=int(pk), note=data["note"])
        return self._detail(int(pk))

    @idempotent
    @extend_schema(
        request=HandoffOutcomeSerializer,
        responses={200: HandoffDetailSerializer},
        summary=gettext_lazy("Report the outcome of an accepted referral (receiving organisation)"),
    )
    @action(detail=True, methods=["post"])
    def outcome(self, request, pk=None):
        data = self.validated_input()
        handoff_services.handoff_report_outcome(
            actor=request.user, handoff_id=int(pk), outcome=data["outcome"], note=data["note"]
        )
        return self._detail(int(pk))
