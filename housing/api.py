"""The housing API: the network's resources with their availability, and the housing section of a case under the
same rules as the pages (the case's file capability; hidden cases are 404)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from cases import selectors as case_selectors
from core.audit import audit_record
from core.models import AuditAction
from housing import selectors
from housing.models import Resource, ResourceKind, Situation
from housing.services import households
from partners.api import ApiViewSet, OrganisationRefSerializer
from partners.selectors import active_memberships


class HousingResourceSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    kind = serializers.CharField(read_only=True)
    provider = OrganisationRefSerializer(read_only=True)
    address = serializers.CharField(read_only=True)
    city = serializers.CharField(read_only=True)
    target_groups = serializers.ListField(child=serializers.CharField(), read_only=True)
    max_stay_days = serializers.IntegerField(read_only=True, allow_null=True)
    capacity = serializers.IntegerField(read_only=True)
    free = serializers.IntegerField(read_only=True)
    held = serializers.IntegerField(read_only=True)
    occupied = serializers.IntegerField(read_only=True)


class ResourceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Active housing resources of the network with their free, held and occupied places (no person data)."""

    serializer_class = HousingResourceSerializer

    def get_queryset(self):
        kind = self.request.query_params.get("kind", "")
        if kind and kind not in ResourceKind.values:
            raise serializers.ValidationError({"kind": [str(_("Unknown resource type."))]})
        if not active_memberships(self.request.user):
            return Resource.objects.none()  # members of the network only
        return selectors.network_availability(kind=kind).order_by("kind", "name", "pk")


class HousingProfileSerializer(serializers.Serializer):
    situation = serializers.ChoiceField(choices=Situation.choices)
    eviction_date = serializers.DateField(required=False, allow_null=True)
    household_size = serializers.IntegerField(min_value=1, max_value=30, default=1)
    minors = serializers.IntegerField(min_value=0, max_value=29, default=0)
    disabled_members = serializers.IntegerField(min_value=0, max_value=30, default=0)
    isee = serializers.DecimalField(max_digits=10, decimal_places=2, required=False, allow_null=True)
    isee_erp = serializers.DecimalField(max_digits=10, decimal_places=2, required=False, allow_null=True)
    income = serializers.DecimalField(max_digits=10, decimal_places=2, required=False, allow_null=True)
    years_in_region = serializers.IntegerField(min_value=0, max_value=120, required=False, allow_null=True)
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    assessed_on = serializers.DateField(required=False, allow_null=True)


class HousingApplicationSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    kind = serializers.CharField(read_only=True)
    status = serializers.CharField(read_only=True)
    applied_on = serializers.DateField(read_only=True)
    protocol_number = serializers.CharField(read_only=True)
    official_rank = serializers.IntegerField(read_only=True, allow_null=True)
    eligibility_override = serializers.BooleanField(read_only=True)


class HousingStaySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    place = serializers.CharField(source="place.label", read_only=True)
    resource = serializers.CharField(source="place.resource.name", read_only=True)
    provider = OrganisationRefSerializer(source="place.resource.provider", read_only=True)
    move_in = serializers.DateField(read_only=True)
    planned_move_out = serializers.DateField(read_only=True, allow_null=True)
    move_out = serializers.DateField(read_only=True, allow_null=True)


class HousingCaseViewSet(mixins.RetrieveModelMixin, ApiViewSet):
    """`/housing/cases/<case id>/`: the housing section of a case, its applications and stays. POST
    `.../profile/` records the section (the case's change right)."""

    serializer_class = HousingProfileSerializer
    input_serializer_classes = {"profile": HousingProfileSerializer}

    def _case(self, pk):
        return case_selectors.case_get_for(user=self.request.user, pk=pk)

    def retrieve(self, request, pk=None):
        case = self._case(pk)
        profile = selectors.housing_profile_for(user=request.user, case=case)
        audit_record(
            actor=request.user,
            action=AuditAction.READ,
            obj=case,
            case_id=case.pk,
            person_id=case.person_id,
            request=request,
            detail={"section": "housing"},
        )
        return Response(
            {
                "case": case.pk,
                "code": case.code,
                "profile": HousingProfileSerializer(profile).data if profile else None,
                "applications": HousingApplicationSerializer(
                    selectors.case_applications_for(user=request.user, case=case), many=True
                ).data,
                "stays": HousingStaySerializer(selectors.case_stays_for(user=request.user, case=case), many=True).data,
            }
        )

    @action(detail=True, methods=["post"])
    def profile(self, request, pk=None):
        case = self._case(pk)
        selectors.housing_profile_for(user=request.user, case=case)  # 404 without the file
        data = self.validated_input()
        profile = households.housing_profile_save(actor=request.user, case=case, data=data)
        return Response(HousingProfileSerializer(profile).data, status=200)


def register_api_routes(router) -> None:
    """Called by config/api_urls.py with the /api/v1/ router."""
    router.register("housing/resources", ResourceViewSet, basename="api-housing-resource")
    router.register("housing/cases", HousingCaseViewSet, basename="api-housing-case")
