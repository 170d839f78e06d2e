"""The employment API (/api/v1/employment/...): opportunities with their candidates, courses and enrolments, the
profile of a case and its matching opportunities. Same rules as the pages (`employment.selectors`,
`employment.matching`, `cases.permissions`); bad payloads answer 400 with the message of the service."""

from __future__ import annotations

from django.http import Http404
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from cases import selectors as case_selectors
from cases.api.common import audit_organisation_id, parse_query
from core.audit import audit_record
from core.models import AuditAction
from core.parsing import posted_id_or_zero
from employment import matching, selectors, services
from employment.models import Course, EmployabilityProfile, Enrolment, Opportunity
from partners.api import ApiViewSet, OrganisationRefSerializer
from partners.roles import Capability


class OpportunitySerializer(serializers.ModelSerializer):
    organisation = OrganisationRefSerializer(read_only=True)
    # The mobility scale (1 local, 2 metro area, 3 own vehicle), as integers: one enum name in the schema.
    area = serializers.IntegerField(read_only=True)
    required_skills = serializers.SerializerMethodField()
    required_languages = serializers.SerializerMethodField()

    class Meta:
        model = Opportunity
        fields = [
            "id",
            "organisation",
            "employer",
            "role",
            "description",
            "city",
            "area",
            "weekly_hours",
            "days",
            "shift",
            "contract_type",
            "closing_on",
            "requirement_count",
            "required_skills",
            "required_languages",
        ]
        read_only_fields = fields

    def get_required_skills(self, opportunity) -> list[str]:
        return [item.skill.code for item in opportunity.skill_requirements.all()]

    def get_required_languages(self, opportunity) -> list[dict]:
        return [
            {"language": item.language, "min_level": item.min_level} for item in opportunity.language_requirements.all()
        ]


class ExplainedSerializer(serializers.Serializer):
    """A ranked row: the numbers of the rank and its explanation."""

    rank = serializers.IntegerField()
    met = serializers.IntegerField()
    missing = serializers.IntegerField()
    constraints_failed = serializers.IntegerField()
    explanation = serializers.CharField()


class CandidateSerializer(ExplainedSerializer):
    case = serializers.IntegerField()
    case_code = serializers.CharField()
    person = serializers.CharField()


class MatchSerializer(ExplainedSerializer):
    opportunity = OpportunitySerializer()


class CourseSerializer(serializers.ModelSerializer):
    organisation = OrganisationRefSerializer(read_only=True)
    seats_taken = serializers.IntegerField(read_only=True)

    class Meta:
        model = Course
        fields = [
            "id",
            "organisation",
            "title",
            "description",
            "location",
            "starts_on",
            "ends_on",
            "seats",
            "seats_taken",
            "min_italian_level",
        ]
        read_only_fields = fields


class EnrolInputSerializer(serializers.Serializer):
    case = serializers.IntegerField(min_value=1, max_value=2**53)


class EnrolmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Enrolment
        fields = ["id", "course", "case", "status", "enrolled_at"]
        read_only_fields = fields


class ProfileSerializer(serializers.ModelSerializer):
    mobility = serializers.IntegerField(read_only=True)
    skills = serializers.SerializerMethodField()
    languages = serializers.SerializerMethodField()

    class Meta:
        model = EmployabilityProfile
        fields = [
            "case",
            "education_level",
            "qualifications",
            "work_history",
            "skills",
            "languages",
            "max_weekly_hours",
            "available_days",
            "childcare_constraint",
            "mobility",
            "did_status",
            "did_date",
            "receives_adi",
            "receives_sfl",
            "updated_at",
        ]
        read_only_fields = fields

    def get_skills(self, profile) -> list[str]:
        return [item.skill.code for item in profile.profile_skills.all()]

    def get_languages(self, profile) -> list[dict]:
        return [{"language": item.language, "level": item.level} for item in profile.languages.all()]


class OpenOnlySerializer(serializers.Serializer):
    closed = serializers.BooleanField(required=False, default=False)


def _ranked(rows, explanations, offset: int) -> list[dict]:
    return [
        {
            "rank": offset + index + 1,
            "met": row.met,
            "missing": explanations[row.pk].total - explanations[row.pk].met,
            "constraints_failed": row.constraints_failed,
            "explanation": explanations[row.pk].text,
            "row": row,
        }
        for index, row in enumerate(rows)
    ]


class OpportunityViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Job opportunities of the territory (public offers). `candidates`: the ranked people, among those whose
    file the caller may read."""

    serializer_class = OpportunitySerializer

    def get_queryset(self):
        closed = parse_query(OpenOnlySerializer, self.request)["closed"] if self.action == "list" else True
        return selectors.opportunity_list(open_only=not closed).prefetch_related(
            "skill_requirements__skill", "language_requirements"
        )

    @action(detail=True, methods=["get"])
    def candidates(self, request, pk=None):
        opportunity = selectors.opportunity_get(pk=int(pk))
        page = self.paginate_queryset(matching.candidates_for(user=request.user, opportunity=opportunity))
        rows = list(page or [])
        explanations = matching.explain_candidates(opportunity=opportunity, rows=rows)
        offset = (self.paginator.page.start_index() - 1) if rows else 0
        data = []
        for item in _ranked(rows, explanations, offset):
            profile = item.pop("row")
            audit_record(
                actor=request.user,
                action=AuditAction.READ,
                obj=profile,
                case_id=profile.case_id,
                person_id=profile.case.person_id,
                request=request,
                organisation_id=audit_organisation_id(request.user),
                detail={"via": "api.candidates"},
            )
            data.append(
                {
                    **item,
                    "case": profile.case_id,
                    "case_code": profile.case.code,
                    "person": profile.case.person.full_name,
                }
            )
        return self.get_paginated_response(CandidateSerializer(data, many=True).data)


class CourseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Training courses with their seats; `enrol` a person whose case the caller works."""

    serializer_class = CourseSerializer
    input_serializer_classes = {"enrol": EnrolInputSerializer}

    def get_queryset(self):
        return selectors.course_list(open_only=self.action == "list")

    @action(detail=True, methods=["post"])
    def enrol(self, request, pk=None):
        serializer = EnrolInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        case = case_selectors.case_get_for(user=request.user, pk=serializer.validated_data["case"])
        enrolment = services.course_enrol(actor=request.user, course_id=posted_id_or_zero(pk), case=case)
        return Response(EnrolmentSerializer(enrolment).data, status=status.HTTP_201_CREATED)


class ProfileViewSet(ApiViewSet):
    """The employability profile of a case (by case id), for who may read the file; `opportunities`: ranked."""

    serializer_class = ProfileSerializer

    def _profile(self, request, pk):
        case = case_selectors.case_get_for(user=request.user, pk=int(pk), capability=Capability.VIEW_FILE)
        profile = selectors.profile_get_for(user=request.user, case=case)
        if profile is None:
            raise Http404
        audit_record(
            actor=request.user,
            action=AuditAction.READ,
            obj=profile,
            case_id=case.pk,
            person_id=case.person_id,
            request=request,
            organisation_id=audit_organisation_id(request.user, case.lead_organisation_id),
        )
        return profile

    def retrieve(self, request, pk=None):
        return Response(ProfileSerializer(self._profile(request, pk)).data)

    @action(detail=True, methods=["get"])
    def opportunities(self, request, pk=None):
        profile = self._profile(request, pk)
        page = self.paginate_queryset(
            matching.opportunities_for(profile=profile).prefetch_related(
                "skill_requirements__skill", "language_requirements"
            )
        )
        rows = list(page or [])
        explanations = matching.explain_opportunities(profile=profile, rows=rows)
        offset = (self.paginator.page.start_index() - 1) if rows else 0
        data = []
        for item in _ranked(rows, explanations, offset):
            item["opportunity"] = item.pop("row")
            data.append(item)
        return self.get_paginated_response(MatchSerializer(data, many=True).data)


def register_api_routes(router) -> None:
    """Called by config/api_urls.py with the /api/v1/ router."""
    router.register("employment/opportunities", OpportunityViewSet, basename="api-employment-opportunity")
    router.register("employment/courses", CourseViewSet, basename="api-employment-course")
    router.register("employment/profiles", ProfileViewSet, basename="api-employment-profile")
