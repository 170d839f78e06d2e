"""People: search, read (audited), register (with duplicate detection), edit and merge."""

from __future__ import annotations

from django.db import IntegrityError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from cases import selectors, services
from cases.api.common import VisibleObjectField, audit_organisation_id, parse_query
from cases.models import IdentifierKind, Person, PersonMerge, Sex
from cases.permissions import checks
from cases.services.persons import DuplicatePerson, PossibleDuplicates
from core.audit import audit_record
from core.errors import error_body
from core.models import AuditAction
from core.schema import ErrorDetailSerializer
from partners.api import ApiViewSet, OrganisationRefSerializer
from partners.models import Organisation
from partners.roles import Capability
from partners.selectors import organisation_list


def visible_persons(user):
    return selectors.person_search_for(user=user)


# --- output ----------------------------------------------------------------------------------------


class PersonSummarySerializer(serializers.ModelSerializer):
    """What a list row shows: who the person is, not their file."""

    registered_by = OrganisationRefSerializer(read_only=True)

    class Meta:
        model = Person
        fields = ["id", "first_name", "last_name", "birth_date", "registered_by"]
        read_only_fields = fields


class PersonDetailSerializer(serializers.ModelSerializer):
    registered_by = OrganisationRefSerializer(read_only=True)

    class Meta:
        model = Person
        fields = [
            "id",
            "first_name",
            "last_name",
            "codice_fiscale",
            "other_id_kind",
            "other_id_number",
            "birth_date",
            "birth_place",
            "sex",
            "citizenship",
            "languages",
            "phone",
            "email",
            "is_homeless",
            "address",
            "postcode",
            "city",
            "registered_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class CandidateSerializer(serializers.ModelSerializer):
    class Meta:
        model = Person
        fields = ["id", "first_name", "last_name", "birth_date"]
        read_only_fields = fields


class PersonConflictDetailSerializer(ErrorDetailSerializer):
    """409: the person may already be registered (the API's error shape, with what the client needs to go on)."""

    code = serializers.ChoiceField(choices=["cf_exists", "possible_duplicates"])
    existing_person = serializers.IntegerField(
        allow_null=True,
        required=False,
        help_text=gettext_lazy("Id of the person with this codice fiscale, when you may see them."),
    )
    candidates = CandidateSerializer(
        many=True,
        required=False,
        help_text=gettext_lazy("Similar people you may see; send `confirmed_new: true` to register anyway."),
    )


class PersonConflictSerializer(serializers.Serializer):
    error = PersonConflictDetailSerializer()


class PersonMergeSerializer(serializers.ModelSerializer):
    class Meta:
        model = PersonMerge
        fields = ["id", "kept", "merged", "reason", "moved", "at"]
        read_only_fields = fields


# --- input -----------------------------------------------------------------------------------------


class PersonInputSerializer(serializers.Serializer):
    """Registry fields. Types, lengths and choices are checked here; the rules that combine fields
    (codice fiscale against birth date and sex, birth date range, identifiers) are the service's."""

    first_name = serializers.CharField(max_length=100)
    last_name = serializers.CharField(max_length=100)
    codice_fiscale = serializers.CharField(max_length=32, required=False, allow_blank=True, allow_null=True)
    other_id_kind = serializers.ChoiceField(choices=IdentifierKind.choices, required=False, allow_blank=True)
    other_id_number = serializers.CharField(max_length=40, required=False, allow_blank=True)
    birth_date = serializers.DateField(required=False, allow_null=True)
    birth_place = serializers.CharField(max_length=100, required=False, allow_blank=True)
    sex = serializers.ChoiceField(choices=Sex.choices, required=False, allow_blank=True)
    citizenship = serializers.CharField(max_length=60, required=False, allow_blank=True)
    languages = serializers.CharField(max_length=200, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    is_homeless = serializers.BooleanField(required=False)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    postcode = serializers.CharField(max_length=10, required=False, allow_blank=True)
    city = serializers.CharField(max_length=100, required=False, allow_blank=True)


class PersonCreateSerializer(PersonInputSerializer):
    organisation = VisibleObjectField(
        model=Organisation,
        selector=lambda user: organisation_list(),
        required=False,
        allow_null=True,
        help_text=gettext_lazy(
            "The organisation registering the person; optional when you manage cases for one organisation only."
        ),
    )
    confirmed_new = serializers.BooleanField(
        default=False,
        help_text=gettext_lazy("Register even though similar people exist (after checking them)."),
    )

    def validate(self, attrs):
        user = self.context["request"].user
        if attrs.get("organisation") is None and len(checks.intake_memberships(user)) > 1:
            raise serializers.ValidationError(
                {"organisation": _("You manage cases for several organisations: choose one.")}
            )
        return attrs


class PersonMergeInputSerializer(serializers.Serializer):
    merged = VisibleObjectField(
        model=Person, selector=visible_persons, help_text=gettext_lazy("The duplicate record, merged into this one.")
    )
    reason = serializers.CharField(max_length=2000)


class PersonFilterSerializer(serializers.Serializer):
    search = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        help_text=gettext_lazy("Codice fiscale, birth date (dd/mm/yyyy) or the beginning of names."),
    )
    birth_date = serializers.DateField(required=False)


# --- viewset ---------------------------------------------------------------------------------------


def _conflict(exc: DuplicatePerson | PossibleDuplicates) -> Response:
    conflict = status.HTTP_409_CONFLICT
    if isinstance(exc, DuplicatePerson):
        body = error_body(
            status=conflict,
            code="cf_exists",
            message=exc.message_dict["codice_fiscale"][0],
            existing_person=exc.person.pk if exc.visible else None,
        )
    else:
        body = error_body(
            status=conflict,
            code="possible_duplicates",
            message=exc.messages[0],
            candidates=CandidateSerializer(exc.candidates, many=True).data,
        )
    return Response(body, status=conflict)


@extend_schema_view(
    list=extend_schema(parameters=[PersonFilterSerializer], summary=gettext_lazy("Search people")),
    retrieve=extend_schema(
        summary=gettext_lazy("Read a person's file (audited)"), responses={200: PersonDetailSerializer}
    ),
)
class PersonViewSet(mixins.ListModelMixin, ApiViewSet):
    """People the user may see: registered by one of their organisations or with a case visible to them."""

    serializer_class = PersonSummarySerializer
    input_serializer_classes = {
        "create": PersonCreateSerializer,
        "partial_update": PersonInputSerializer,
        "merge": PersonMergeInputSerializer,
    }

    def get_queryset(self):
        filters = parse_query(PersonFilterSerializer, self.request) if self.action == "list" else {}
        return selectors.person_search_for(
            user=self.request.user, query=filters.get("search", ""), birth_date=filters.get("birth_date")
        )

    def get_object(self) -> Person:
        return selectors.person_get_for(user=self.request.user, pk=self.kwargs["pk"])

    def retrieve(self, request, pk=None):
        # Reading the file needs `view_file`: as in the web UI, a person whose file the user may not read
        # answers 404 even when they appear in the user's search (a volunteer sees names only).
        person = selectors.person_get_for(user=request.user, pk=pk, capability=Capability.VIEW_FILE)
        audit_record(
            actor=request.user,
            action=AuditAction.READ,
            obj=person,
            person_id=person.pk,
            organisation_id=audit_organisation_id(request.user, person.registered_by_id),
            request=request,
            detail={"via": "api"},
        )
        return Response(PersonDetailSerializer(person).data)

    @extend_schema(
        request=PersonCreateSerializer,
        responses={
            201: PersonDetailSerializer,
            409: OpenApiResponse(
                PersonConflictSerializer, description=gettext_lazy("Already registered, or similar people exist.")
            ),
        },
        summary=gettext_lazy("Register a person"),
    )
    def create(self, request):
        data = self.validated_input()
        organisation = data.pop("organisation", None)
        confirmed_new = data.pop("confirmed_new", False)
        for attempt in range(2):
            try:
                person = services.person_register(
                    actor=request.user,
                    data=data,
                    confirmed_new=confirmed_new,
                    organisation_id=organisation.pk if organisation else None,
                )
            except (DuplicatePerson, PossibleDuplicates) as exc:
                return _conflict(exc)
            except IntegrityError:
                # Two registrations of the same codice fiscale raced past the duplicate check: the
                # unique index stopped the second one. Once more, the check reports the duplicate (409).
                if attempt:
                    raise
                continue
            return Response(PersonDetailSerializer(person).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=PersonInputSerializer(partial=True),
        responses={
            200: PersonDetailSerializer,
            409: OpenApiResponse(
                PersonConflictSerializer, description=gettext_lazy("The codice fiscale belongs to someone else.")
            ),
        },
        summary=gettext_lazy("Edit a person's registry data"),
    )
    def partial_update(self, request, pk=None):
        person = self.get_object()
        data = self.validated_input(partial=True)
        try:
            person = services.person_update(actor=request.user, person=person, data=data)
        except DuplicatePerson as exc:
            return _conflict(exc)
        return Response(PersonDetailSerializer(person).data)

    @extend_schema(
        request=PersonMergeInputSerializer,
        responses={201: PersonMergeSerializer},
        summary=gettext_lazy("Merge a duplicate record into this person"),
    )
    @action(detail=True, methods=["post"])
    def merge(self, request, pk=None):
        kept = self.get_object()
        data = self.validated_input()
        record = services.person_merge(actor=request.user, kept=kept, merged=data["merged"], reason=data["reason"])
        return Response(PersonMergeSerializer(record).data, status=status.HTTP_201_CREATED)
