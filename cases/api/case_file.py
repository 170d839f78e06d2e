"""Cases over the API: list, detail, update (their notes and services ledger are in `cases.api.records`)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.response import Response

from cases import selectors, services
from cases.api.common import VisibleObjectField, audit_organisation_id, parse_query
from cases.models import (
    Case,
    CaseStatus,
    ClosureOutcome,
    Household,
    Person,
)
from cases.permissions import checks
from core.audit import audit_record
from core.models import AuditAction
from partners.api import ApiViewSet, OrganisationRefSerializer, UserRefSerializer
from partners.models import Organisation
from partners.roles import Capability
from partners.selectors import organisation_list

# --- cases: output ---------------------------------------------------------------------------------


class CasePersonSerializer(serializers.ModelSerializer):
    """The case summary's person: who they are (code, name, birth date), not their file."""

    class Meta:
        model = Person
        fields = ["id", "first_name", "last_name", "birth_date"]
        read_only_fields = fields


class HouseholdRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


class CaseSerializer(serializers.ModelSerializer):
    person = CasePersonSerializer(read_only=True)
    household = HouseholdRefSerializer(read_only=True, allow_null=True)
    lead_organisation = OrganisationRefSerializer(read_only=True)
    case_manager = UserRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Case
        fields = [
            "id",
            "code",
            "title",
            "status",
            "opened_on",
            "closed_on",
            "closure_outcome",
            "person",
            "household",
            "lead_organisation",
            "case_manager",
        ]
        read_only_fields = fields


class ConsentSummarySerializer(serializers.Serializer):
    processing = serializers.BooleanField(help_text=gettext_lazy("A valid consent to the processing of data."))
    network = serializers.BooleanField(help_text=gettext_lazy("A valid consent to sharing with the whole network."))
    named = serializers.ListField(
        child=serializers.CharField(), help_text=gettext_lazy("Organisations named in a valid sharing consent.")
    )
    expiring_soon = serializers.BooleanField()
    any = serializers.BooleanField(help_text=gettext_lazy("Any consent was ever recorded."))


class CaseDetailSerializer(CaseSerializer):
    """The case with what the reader may do on it. `closure_note` and `consent` are null for readers
    who may not read the person's file (a volunteer sees the summary)."""

    closure_note = serializers.SerializerMethodField()
    consent = serializers.SerializerMethodField()
    capabilities = serializers.SerializerMethodField()

    class Meta(CaseSerializer.Meta):
        fields = [*CaseSerializer.Meta.fields, "closure_note", "consent", "capabilities"]
        read_only_fields = fields

    def _may_read_file(self) -> bool:
        return Capability.VIEW_FILE in self.context["capabilities"]

    def get_closure_note(self, case: Case) -> str | None:
        return case.closure_note if self._may_read_file() else None

    @extend_schema_field(ConsentSummarySerializer(allow_null=True))
    def get_consent(self, case: Case):
        return selectors.consent_summary(case.person) if self._may_read_file() else None

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=Capability.choices)))
    def get_capabilities(self, case: Case):
        return sorted(self.context["capabilities"])


# --- cases: input ----------------------------------------------------------------------------------


def _visible_households(user):
    return selectors.household_list_for(user=user)


def _case_managers(user):
    return selectors.case_manager_choices_for(user=user)


def _organisations(user):
    return organisation_list()


class CaseFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=CaseStatus.choices, required=False)
    q = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        help_text=gettext_lazy("Case code, codice fiscale, birth date or names."),
    )
    mine = serializers.BooleanField(required=False, default=False, help_text=gettext_lazy("Only the cases you manage."))


class CaseCreateSerializer(serializers.Serializer):
    organisation = VisibleObjectField(
        model=Organisation,
        selector=_organisations,
        required=False,
        allow_null=True,
        help_text=gettext_lazy("The lead organisation; optional when you manage cases for one organisation only."),
    )
    person = serializers.IntegerField(
        min_value=1, required=False, allow_null=True, help_text=gettext_lazy("The person's id.")
    )
    codice_fiscale_proof = serializers.CharField(
        max_length=32,
        required=False,
        allow_blank=True,
        help_text=gettext_lazy(
            "For a person registered by another organisation: their codice fiscale, "
            "typed at intake (alone, or with `person`)."
        ),
    )
    household = VisibleObjectField(model=Household, selector=_visible_households, required=False, allow_null=True)
    title = serializers.CharField(max_length=160, required=False, allow_blank=True)
    case_manager = VisibleObjectField(
        model=get_user_model(),
        selector=_case_managers,
        required=False,
        allow_null=True,
        help_text=gettext_lazy("Defaults to you."),
    )
    opened_on = serializers.DateField(required=False, allow_null=True)

    def validate(self, attrs):
        user = self.context["request"].user
        if attrs.get("organisation") is None and len(checks.intake_memberships(user)) > 1:
            raise serializers.ValidationError(
                {"organisation": _("You manage cases for several organisations: choose one.")}
            )
        pk, proof = attrs.get("person"), attrs.get("codice_fiscale_proof", "")
        if pk is None and not proof:
            raise serializers.ValidationError(
                {"person": _("Give the person's id, or their codice fiscale for a person registered elsewhere.")}
            )
        try:
            attrs["person"] = selectors.person_get_for_intake(user=user, pk=pk, codice_fiscale=proof)
        except Http404 as exc:
            raise serializers.ValidationError({"person": _("Not found.")}) from exc
        return attrs


class CaseUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=160, required=False, allow_blank=True)
    household = VisibleObjectField(
        model=Household,
        selector=_visible_households,
        required=False,
        allow_null=True,
        help_text=gettext_lazy("null unlinks the household."),
    )
    case_manager = VisibleObjectField(model=get_user_model(), selector=_case_managers, required=False)


class CaseStatusInputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=CaseStatus.choices, help_text=gettext_lazy("open, active or suspended (use `close` to close).")
    )


class CaseCloseInputSerializer(serializers.Serializer):
    # Named like the fields of the case they set.
    closure_outcome = serializers.ChoiceField(choices=ClosureOutcome.choices)
    closure_note = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    closed_on = serializers.DateField(required=False, allow_null=True, help_text=gettext_lazy("Defaults to today."))


# --- cases: viewset --------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(parameters=[CaseFilterSerializer], summary=gettext_lazy("List the cases you may see")),
)
class CaseViewSet(mixins.ListModelMixin, ApiViewSet):
    """Cases visible to the user through their organisations' grants (or a per-user grant): list, read, edit.

    Opening, closing and the status of a case are the actions of `workflows.api.cases.CaseLifecycleViewSet`,
    which adds them to these and is the one routed at /api/v1/cases/ (they run the case pathway)."""

    serializer_class = CaseSerializer
    input_serializer_classes = {"partial_update": CaseUpdateSerializer}

    def get_queryset(self):
        filters = parse_query(CaseFilterSerializer, self.request) if self.action == "list" else {}
        return selectors.case_list_for(
            user=self.request.user,
            status=filters.get("status"),
            query=filters.get("q", ""),
            mine=filters.get("mine", False),
        )

    def get_object(self) -> Case:
        return selectors.case_get_for(user=self.request.user, pk=self.kwargs["pk"])

    def _detail(self, case: Case, *, status_code: int = status.HTTP_200_OK) -> Response:
        case = selectors.case_get_for(user=self.request.user, pk=case.pk)
        context = {**self.get_serializer_context(), "capabilities": checks.case_capabilities(self.request.user, case)}
        return Response(CaseDetailSerializer(case, context=context).data, status=status_code)

    @extend_schema(
        responses={200: CaseDetailSerializer},
        summary=gettext_lazy("Read a case, its consent summary and what you may do on it (audited)"),
    )
    def retrieve(self, request, pk=None):
        case = self.get_object()
        audit_record(
            actor=request.user,
            action=AuditAction.READ,
            obj=case,
            case_id=case.pk,
            person_id=case.person_id,
            request=request,
            detail={"via": "api"},
            organisation_id=audit_organisation_id(request.user, case.lead_organisation_id),
        )
        return self._detail(case)

    @extend_schema(
        request=CaseUpdateSerializer,
        responses={200: CaseDetailSerializer},
        summary=gettext_lazy("Edit the title, household or case manager"),
    )
    def partial_update(self, request, pk=None):
        case = self.get_object()
        changes = self.validated_input()  # household=None (unlink) differs from no household key
        services.case_update(actor=request.user, case=case, **changes)
        return self._detail(case)
