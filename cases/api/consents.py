"""Consents (informativa privacy) of one person: list, read, record, withdraw."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from cases import selectors, services
from cases.api.common import VisibleObjectField, is_schema_generation, parse_query
from cases.api.persons import visible_persons
from cases.models import Consent, ConsentPurpose, Person
from partners.api import ApiViewSet, OrganisationRefSerializer
from partners.models import Organisation
from partners.roles import Capability
from partners.selectors import organisation_list


class ConsentSerializer(serializers.ModelSerializer):
    organisations = OrganisationRefSerializer(many=True, read_only=True)
    recorded_by_organisation = OrganisationRefSerializer(read_only=True)
    state = serializers.SerializerMethodField(help_text=gettext_lazy("valid, expired, withdrawn or future, today"))
    has_signed_document = serializers.SerializerMethodField()

    class Meta:
        model = Consent
        fields = [
            "id",
            "person",
            "purpose",
            "organisations",
            "given_on",
            "expires_on",
            "withdrawn_on",
            "withdrawal_note",
            "state",
            "has_signed_document",
            "recorded_by_organisation",
            "created_at",
        ]
        read_only_fields = fields

    def get_state(self, consent: Consent) -> str:
        return consent.status_on(timezone.localdate())

    def get_has_signed_document(self, consent: Consent) -> bool:
        return bool(consent.signed_document)


class ConsentCreateSerializer(serializers.Serializer):
    person = VisibleObjectField(model=Person, selector=visible_persons)
    purpose = serializers.ChoiceField(choices=ConsentPurpose.choices)
    given_on = serializers.DateField()
    expires_on = serializers.DateField(required=False, allow_null=True)
    organisations = VisibleObjectField(
        model=Organisation,
        selector=lambda user: organisation_list(),
        many=True,
        required=False,
        help_text=gettext_lazy("Ids of the organisations covered (only for sharing with named organisations)."),
    )


class ConsentWithdrawSerializer(serializers.Serializer):
    withdrawn_on = serializers.DateField(required=False, allow_null=True, help_text=gettext_lazy("Defaults to today."))
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)


class ConsentFilterSerializer(serializers.Serializer):
    person = serializers.IntegerField(min_value=1, help_text=gettext_lazy("The person whose consents to list."))


@extend_schema_view(
    list=extend_schema(parameters=[ConsentFilterSerializer], summary=gettext_lazy("A person's consents")),
    retrieve=extend_schema(summary=gettext_lazy("Read a consent")),
)
class ConsentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    serializer_class = ConsentSerializer
    input_serializer_classes = {"create": ConsentCreateSerializer, "withdraw": ConsentWithdrawSerializer}

    def get_queryset(self):
        if is_schema_generation(self):
            return Consent.objects.none()
        pk = parse_query(ConsentFilterSerializer, self.request)["person"]
        person = selectors.person_get_for(user=self.request.user, pk=pk, capability=Capability.VIEW_FILE)
        return selectors.consent_list_for(user=self.request.user, person=person).order_by("-given_on", "-id")

    def get_object(self) -> Consent:
        return selectors.consent_get_for(user=self.request.user, pk=self.kwargs["pk"])

    @extend_schema(
        request=ConsentCreateSerializer, responses={201: ConsentSerializer}, summary=gettext_lazy("Record a consent")
    )
    def create(self, request):
        data = self.validated_input()
        consent = services.consent_record(
            actor=request.user,
            person=data["person"],
            purpose=data["purpose"],
            given_on=data["given_on"],
            expires_on=data.get("expires_on"),
            organisations=data.get("organisations", []),
        )
        return Response(
            ConsentSerializer(selectors.consent_get_for(user=request.user, pk=consent.pk)).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        request=ConsentWithdrawSerializer,
        responses={200: ConsentSerializer},
        summary=gettext_lazy("Withdraw a consent"),
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        consent = self.get_object()
        data = self.validated_input()
        services.consent_withdraw(
            actor=request.user, consent=consent, withdrawn_on=data.get("withdrawn_on"), note=data.get("note", "")
        )
        return Response(ConsentSerializer(selectors.consent_get_for(user=request.user, pk=consent.pk)).data)
