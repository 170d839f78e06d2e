"""REST API of the network: organisations, obtaining a token, and the base every API viewset builds on."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from knox.auth import TokenAuthentication
from rest_framework import mixins, serializers, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import BasePermission, IsAuthenticated

from partners.middleware import membership_inactive_message, membership_lapsed
from partners.models import Organisation, ServiceType, ShareSection
from partners.selectors import organisation_list


class IsActiveMember(BasePermission):
    """Deactivation revokes a user's tokens (accounts.tokens.revoke_all), but a membership can also lapse otherwise;
    the session middleware cannot see a token request, so the API says it again: 403 ``membership_inactive`` rather
    than empty lists and 404s."""

    code = "membership_inactive"

    def has_permission(self, request, view) -> bool:
        if membership_lapsed(request.user):
            self.message = membership_inactive_message()
            return False
        return True


class ApiViewSet(viewsets.GenericViewSet):
    """What every Tavolo API viewset shares.

    Token authentication comes first so that an anonymous client gets 401 with
    ``WWW-Authenticate: Token`` (session authentication alone would answer 403). Ids in URLs are
    digits only: anything else is a 404, never a database error.
    """

    authentication_classes = (TokenAuthentication, SessionAuthentication)
    permission_classes = (IsAuthenticated, IsActiveMember)
    lookup_value_regex = "[0-9]+"
    #: The serializer validating the input of an action ("create", "partial_update", an @action); the
    #: browsable API shows its form. Output serializers are named where the response is built.
    input_serializer_classes: dict = {}

    def get_serializer_class(self):
        return self.input_serializer_classes.get(self.action, self.serializer_class)

    def validated_input(self, **kwargs) -> dict:
        """The request body checked by the action's input serializer (a 400 with field messages if not)."""
        serializer = self.get_serializer(data=self.request.data, **kwargs)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)


# --- references shared by every serializer -------------------------------------------------------


class OrganisationRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


class UserRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.SerializerMethodField()

    def get_name(self, user) -> str:
        return user.get_full_name() or user.get_username()


# --- organisations -------------------------------------------------------------------------------


class ServiceTypeSerializer(serializers.ModelSerializer):
    share_sections = serializers.ListField(
        child=serializers.ChoiceField(choices=ShareSection.choices),
        read_only=True,
        help_text=_(
            "The sections of the case file this service usually needs. The web form ticks them in advance; "
            "the API does not apply them: send them in the handoff's `sections`."
        ),
    )

    class Meta:
        model = ServiceType
        fields = ["id", "code", "name", "share_sections"]
        read_only_fields = fields


class OrganisationContactsSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ["address", "postcode", "city", "phone", "email", "website"]
        read_only_fields = fields


class OrganisationSerializer(serializers.ModelSerializer):
    services = ServiceTypeSerializer(many=True, read_only=True)
    contacts = OrganisationContactsSerializer(source="*", read_only=True)

    class Meta:
        model = Organisation
        fields = ["id", "name", "short_name", "kind", "network_role", "services", "contacts"]
        read_only_fields = fields


class OrganisationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """The network's active organisations and the services they offer (public within the network)."""

    serializer_class = OrganisationSerializer

    def get_queryset(self):
        return organisation_list(active_only=True).order_by("name", "id")
