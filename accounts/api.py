"""The API's authentication endpoints: POST /api/v1/auth/token/ exchanges a username and password for a new token
(throttled per address and behind the login lockout); /api/v1/auth/logout/ and /api/v1/auth/logoutall/ revoke the
token sent, or all of its user's tokens (accounts.tokens). Logout takes token authentication only: a browser session
has no token to revoke."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from knox.auth import TokenAuthentication
from rest_framework import serializers, status
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from accounts.lockout import LockoutThrottle
from accounts.tokens import revoke_all, token_create, token_id, token_revoke
from core.audit import audit_record
from core.models import AuditAction


class LogoutView(APIView):
    """Revoke the token of this request: it stops working at once."""

    authentication_classes = (TokenAuthentication,)
    permission_classes = (IsAuthenticated,)

    @extend_schema(request=None, responses={204: None}, summary=_("Revoke this API token"), tags=["auth"])
    def post(self, request, *args, **kwargs):
        token_revoke(
            user=request.user, digest_start=token_id(request.auth), actor=request.user, request=request, reason="logout"
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutAllView(APIView):
    """Revoke every API token of this request's user (all their clients must log in again)."""

    authentication_classes = (TokenAuthentication,)
    permission_classes = (IsAuthenticated,)

    @extend_schema(request=None, responses={204: None}, summary=_("Revoke all your API tokens"), tags=["auth"])
    def post(self, request, *args, **kwargs):
        revoke_all(request.user, actor=request.user, request=request, reason="logoutall")
        return Response(status=status.HTTP_204_NO_CONTENT)


class TokenObtainThrottle(AnonRateThrottle):
    """Slows down password guessing on the token endpoint (per client address)."""

    scope = "token_obtain"
    rate = "20/minute"


class TokenObtainView(ObtainAuthToken):
    """Exchange a username and password for a new API token and its expiry (accounts.tokens.token_create).

    Send it afterwards as ``Authorization: Token <token>``. Each call makes a new token, stored only as a digest:
    it works until ``expiry``, until ``POST /api/v1/auth/logout/``, or until the user's access ends (password
    change, deactivation). The call is written to the audit log.
    """

    # A locked username or address is refused before the password is checked (accounts/lockout.py).
    throttle_classes = (TokenObtainThrottle, LockoutThrottle)

    @extend_schema(
        request=AuthTokenSerializer,
        responses={
            200: inline_serializer(
                "TokenResponse", {"token": serializers.CharField(), "expiry": serializers.DateTimeField()}
            )
        },
        auth=[],
        summary=_("Obtain an API token"),
        tags=["auth"],
    )
    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        instance, token = token_create(user=user, request=request)
        audit_record(
            actor=user,
            action=AuditAction.LOGIN,
            object_type="knox.authtoken",
            object_id=token_id(instance),
            request=request,
            detail={"via": "api_token"},
        )
        return Response({"token": token, "expiry": serializers.DateTimeField().to_representation(instance.expiry)})
