"""The records on a case file over the API: its notes (`/cases/{case_pk}/notes/`) and the services ledger
(`/cases/{case_pk}/interventions/`, `/interventions/`)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from cases import selectors, services
from cases.api.common import VisibleObjectField, is_schema_generation, parse_query
from cases.models import Case, Intervention, Note
from cases.permissions import checks
from cases.services.records import NOTE_MAX_LENGTH
from partners.api import ApiViewSet, OrganisationRefSerializer, UserRefSerializer
from partners.models import ServiceType
from partners.roles import Capability

# --- notes -----------------------------------------------------------------------------------------

CASE_PK = OpenApiParameter("case_pk", OpenApiTypes.INT, OpenApiParameter.PATH, description=gettext_lazy("Case id"))


class NoteSerializer(serializers.ModelSerializer):
    author = UserRefSerializer(read_only=True)
    author_organisation = OrganisationRefSerializer(read_only=True)

    class Meta:
        model = Note
        fields = ["id", "case", "author", "author_organisation", "body", "is_sensitive", "created_at"]
        read_only_fields = fields


class NoteCreateSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=NOTE_MAX_LENGTH)
    is_sensitive = serializers.BooleanField(
        default=False, help_text=gettext_lazy("Health, justice...: visible only to your organisation.")
    )


class CaseChildViewSet(ApiViewSet):
    """A list under /cases/{case_pk}/: the case is looked up first, so a hidden case is a 404."""

    def get_case(self) -> Case:
        if not hasattr(self, "_case"):
            self._case = selectors.case_get_for(user=self.request.user, pk=self.kwargs["case_pk"])
        return self._case


@extend_schema(parameters=[CASE_PK])
@extend_schema_view(list=extend_schema(summary=gettext_lazy("A case's notes (others' sensitive notes left out)")))
class CaseNoteViewSet(mixins.ListModelMixin, CaseChildViewSet):
    serializer_class = NoteSerializer
    input_serializer_classes = {"create": NoteCreateSerializer}

    def get_queryset(self):
        if is_schema_generation(self):
            return Note.objects.none()
        case = self.get_case()
        caps = checks.case_capabilities(self.request.user, case)
        if Capability.READ_NOTES not in caps and Capability.ADD_NOTE not in caps:
            raise PermissionDenied(_("You may not read the notes of this case."))
        # Who may write notes reads back their own (a referral shared as summary only): the selector's rule.
        return selectors.note_list_for(user=self.request.user, case=case)

    @extend_schema(request=NoteCreateSerializer, responses={201: NoteSerializer}, summary=gettext_lazy("Add a note"))
    def create(self, request, case_pk=None):
        case = self.get_case()
        data = self.validated_input()
        note = services.note_add(actor=request.user, case=case, body=data["body"], is_sensitive=data["is_sensitive"])
        return Response(NoteSerializer(note).data, status=status.HTTP_201_CREATED)


# --- interventions (services ledger) ---------------------------------------------------------------


class InterventionSerializer(serializers.ModelSerializer):
    """One row of the services ledger. The writable fields are what recording a service takes; one
    serializer for reading and writing keeps one `kind` enum in the schema."""

    case_code = serializers.CharField(source="case.code", read_only=True)
    organisation = OrganisationRefSerializer(read_only=True)
    recorded_by = UserRefSerializer(read_only=True)
    delivered_on = serializers.DateField(required=False, allow_null=True, help_text=gettext_lazy("Defaults to today."))
    quantity = serializers.IntegerField(min_value=1, max_value=2_147_483_647, default=1)
    value = serializers.DecimalField(
        max_digits=10,
        decimal_places=2,
        min_value=0,
        required=False,
        allow_null=True,
        help_text=gettext_lazy("Value in euro."),
    )
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)
    service_type = VisibleObjectField(
        model=ServiceType, selector=lambda user: ServiceType.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = Intervention
        fields = [
            "id",
            "case",
            "case_code",
            "household",
            "organisation",
            "kind",
            "service_type",
            "delivered_on",
            "quantity",
            "value",
            "note",
            "recorded_by",
            "created_at",
        ]
        read_only_fields = ["id", "case", "household", "created_at"]


@extend_schema(parameters=[CASE_PK])
@extend_schema_view(list=extend_schema(summary=gettext_lazy("Services delivered on a case")))
class CaseInterventionViewSet(mixins.ListModelMixin, CaseChildViewSet):
    serializer_class = InterventionSerializer

    def get_queryset(self):
        if is_schema_generation(self):
            return Intervention.objects.none()
        return selectors.intervention_list_for(user=self.request.user, case=self.get_case())

    @extend_schema(
        request=InterventionSerializer,
        responses={201: InterventionSerializer},
        summary=gettext_lazy("Record a service delivered"),
    )
    def create(self, request, case_pk=None):
        case = self.get_case()
        data = self.validated_input()
        intervention = services.intervention_record(
            actor=request.user,
            case=case,
            kind=data["kind"],
            delivered_on=data.get("delivered_on"),
            quantity=data["quantity"],
            value=data.get("value"),
            note=data.get("note", ""),
            service_type=data.get("service_type"),
        )
        return Response(InterventionSerializer(intervention).data, status=status.HTTP_201_CREATED)


class InterventionFilterSerializer(serializers.Serializer):
    household = serializers.IntegerField(
        min_value=1, required=False, help_text=gettext_lazy("Only services delivered to this household.")
    )


@extend_schema_view(
    list=extend_schema(
        parameters=[InterventionFilterSerializer], summary=gettext_lazy("Services delivered on the cases you may see")
    )
)
class InterventionViewSet(mixins.ListModelMixin, ApiViewSet):
    serializer_class = InterventionSerializer

    def get_queryset(self):
        filters = parse_query(InterventionFilterSerializer, self.request)
        household = None
        if filters.get("household"):
            household = selectors.household_get_for(user=self.request.user, pk=filters["household"])
        return selectors.intervention_list_for(user=self.request.user, household=household)
