"""Households (nuclei familiari): list, read, create, edit, add members."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from cases import selectors, services
from cases.api.common import VisibleObjectField, audit_organisation_id
from cases.api.persons import visible_persons
from cases.models import Household, HouseholdMember, Person, Relationship
from cases.permissions import checks
from core.audit import audit_record
from core.models import AuditAction
from partners.api import ApiViewSet, OrganisationRefSerializer
from partners.models import Organisation
from partners.roles import Capability
from partners.selectors import organisation_list


class HouseholdMemberSerializer(serializers.ModelSerializer):
    """A member; `person` and the names are null for someone the reader may not see."""

    person = serializers.SerializerMethodField()
    first_name = serializers.SerializerMethodField()
    last_name = serializers.SerializerMethodField()

    class Meta:
        model = HouseholdMember
        fields = ["id", "person", "first_name", "last_name", "relationship"]
        read_only_fields = fields

    def _visible(self, member: HouseholdMember) -> bool:
        return member.person_id in self.context.get("visible_person_ids", ())

    def get_person(self, member: HouseholdMember) -> int | None:
        return member.person_id if self._visible(member) else None

    def get_first_name(self, member: HouseholdMember) -> str | None:
        return member.person.first_name if self._visible(member) else None

    def get_last_name(self, member: HouseholdMember) -> str | None:
        return member.person.last_name if self._visible(member) else None


class HouseholdSerializer(serializers.ModelSerializer):
    registered_by = OrganisationRefSerializer(read_only=True)
    members = HouseholdMemberSerializer(many=True, read_only=True)
    isee_is_valid = serializers.BooleanField(read_only=True)

    class Meta:
        model = Household
        fields = [
            "id",
            "name",
            "address",
            "isee_value",
            "isee_expires_on",
            "isee_is_valid",
            "registered_by",
            "members",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class HouseholdInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    isee_value = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=0, required=False, allow_null=True)
    isee_expires_on = serializers.DateField(required=False, allow_null=True)


class HouseholdCreateSerializer(HouseholdInputSerializer):
    organisation = VisibleObjectField(
        model=Organisation,
        selector=lambda user: organisation_list(),
        required=False,
        allow_null=True,
        help_text=gettext_lazy("Optional when you manage cases for one organisation only."),
    )
    reference_person = VisibleObjectField(model=Person, selector=visible_persons, required=False, allow_null=True)

    def validate(self, attrs):
        user = self.context["request"].user
        if attrs.get("organisation") is None and len(checks.intake_memberships(user)) > 1:
            raise serializers.ValidationError(
                {"organisation": _("You manage cases for several organisations: choose one.")}
            )
        return attrs


class HouseholdMemberInputSerializer(serializers.Serializer):
    person = VisibleObjectField(model=Person, selector=visible_persons)
    relationship = serializers.ChoiceField(choices=Relationship.choices)


@extend_schema_view(
    list=extend_schema(summary=gettext_lazy("List households")),
)
class HouseholdViewSet(mixins.ListModelMixin, ApiViewSet):
    serializer_class = HouseholdSerializer
    input_serializer_classes = {
        "create": HouseholdCreateSerializer,
        "partial_update": HouseholdInputSerializer,
        "members": HouseholdMemberInputSerializer,
    }

    def get_queryset(self):
        return (
            selectors.household_list_for(user=self.request.user).select_related("registered_by").order_by("name", "id")
        )

    def get_object(self) -> Household:
        return selectors.household_get_for(user=self.request.user, pk=self.kwargs["pk"])

    def get_serializer(self, *args, **kwargs):
        if self.get_serializer_class() is HouseholdSerializer and args:
            kwargs["context"] = {
                **self.get_serializer_context(),
                "visible_person_ids": self._visible_member_ids(args[0]),
            }
        return super().get_serializer(*args, **kwargs)

    def _visible_member_ids(self, households) -> set[int]:
        """One query for the whole page: which members the reader may see by name."""
        if isinstance(households, Household):
            households = [households]
        ids = {member.person_id for household in households for member in household.members.all()}
        if not ids:
            return set()
        return set(
            checks.visible_persons(self.request.user, Capability.VIEW_SUMMARY)
            .filter(pk__in=ids)
            .values_list("pk", flat=True)
        )

    @extend_schema(summary=gettext_lazy("Read a household (audited)"))
    def retrieve(self, request, pk=None):
        household = self.get_object()
        audit_record(
            actor=request.user,
            action=AuditAction.READ,
            obj=household,
            request=request,
            organisation_id=audit_organisation_id(request.user, household.registered_by_id),
            detail={"via": "api"},
        )
        return Response(self.get_serializer(household).data)

    def _output(self, household: Household, status_code: int = status.HTTP_200_OK) -> Response:
        household = selectors.household_get_for(user=self.request.user, pk=household.pk)
        context = {**self.get_serializer_context(), "visible_person_ids": self._visible_member_ids(household)}
        return Response(HouseholdSerializer(household, context=context).data, status=status_code)

    @extend_schema(
        request=HouseholdCreateSerializer,
        responses={201: HouseholdSerializer},
        summary=gettext_lazy("Create a household"),
    )
    def create(self, request):
        data = self.validated_input()
        organisation = data.get("organisation")
        household = services.household_create(
            actor=request.user,
            organisation_id=organisation.pk if organisation else None,
            name=data["name"],
            address=data.get("address", ""),
            isee_value=data.get("isee_value"),
            isee_expires_on=data.get("isee_expires_on"),
            reference_person=data.get("reference_person"),
        )
        return self._output(household, status.HTTP_201_CREATED)

    @extend_schema(
        request=HouseholdInputSerializer(partial=True),
        responses={200: HouseholdSerializer},
        summary=gettext_lazy("Edit a household"),
    )
    def partial_update(self, request, pk=None):
        household = self.get_object()
        values = {
            "name": household.name,
            "address": household.address,
            "isee_value": household.isee_value,
            "isee_expires_on": household.isee_expires_on,
            **self.validated_input(partial=True),
        }
        services.household_update(actor=request.user, household=household, **values)
        return self._output(household)

    @extend_schema(
        request=HouseholdMemberInputSerializer,
        responses={201: HouseholdSerializer},
        summary=gettext_lazy("Add a member to a household"),
    )
    @action(detail=True, methods=["post"])
    def members(self, request, pk=None):
        household = self.get_object()
        data = self.validated_input()
        services.household_member_add(
            actor=request.user, household=household, person=data["person"], relationship=data["relationship"]
        )
        return self._output(household, status.HTTP_201_CREATED)
