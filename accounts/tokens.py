"""API tokens (django-rest-knox): created by the token endpoint, listed and revoked by their owner, revoked by an
org_admin for a member, and all of a user's revoked when their access ends (password change, deactivation).

Only a SHA-512 digest of a token is stored (knox's ``AuthToken.digest``), with the first characters of the token
(``token_key``) to find the candidate row: the database never holds a token that works. Each token has an expiry
(``REST_KNOX["TOKEN_TTL"]``, from TAVOLO_API_TOKEN_TTL_HOURS) and is not refreshed by use: like a session's absolute
lifetime, a stolen token works for at most that long. The audit log names a token by the start of its digest, never
by the token itself."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from knox import settings as knox
from knox.models import AuthToken

from core.audit import audit_record
from core.models import AuditAction
from partners.models import Membership
from partners.selectors import admin_organisation_ids

#: How a token is named in the audit log and on the tokens page: the start of its digest (not a secret).
TOKEN_ID_LENGTH = 12
OBJECT_TYPE = "knox.authtoken"


def token_id(token: AuthToken) -> str:
    return token.digest[:TOKEN_ID_LENGTH]


def token_list_for(*, user) -> QuerySet[AuthToken]:
    """The user's tokens that still work, newest first."""
    return AuthToken.objects.filter(user=user, expiry__gt=timezone.now()).order_by("-created")


@transaction.atomic
def token_create(*, user, request=None) -> tuple[AuthToken, str]:
    """A new token for ``user`` (already authenticated by the caller): returns the row and the token, which is shown
    once and never stored. The user's expired tokens are deleted on the way."""
    AuthToken.objects.filter(user=user, expiry__lte=timezone.now()).delete()
    # knox's manager takes its default TTL at import time, and knox rebinds its settings object when REST_KNOX
    # changes: read it now, through the module.
    instance, token = AuthToken.objects.create(user=user, expiry=knox.knox_settings.TOKEN_TTL)
    audit_record(
        actor=user,
        action=AuditAction.TOKEN_CREATE,
        object_type=OBJECT_TYPE,
        object_id=token_id(instance),
        request=request,
        detail={"expiry": instance.expiry.isoformat() if instance.expiry else None},
    )
    return instance, token


def _revoke(tokens: QuerySet[AuthToken], *, user, actor, reason: str, request=None, organisation_id=None) -> int:
    ids = [token_id(t) for t in tokens]
    if not ids:
        return 0
    tokens.delete()
    audit_record(
        actor=actor,
        action=AuditAction.TOKEN_REVOKE,
        object_type=OBJECT_TYPE,
        object_id=ids[0] if len(ids) == 1 else "",
        organisation_id=organisation_id,
        request=request,
        detail={"user": user.username, "tokens": ids, "reason": reason},
    )
    return len(ids)


@transaction.atomic
def token_revoke(*, user, digest_start: str, actor, request=None, reason: str = "owner") -> int:
    """Revoke one of ``user``'s tokens, named by the start of its digest. Another user's token, an unknown one or an
    ambiguous name: ValidationError (the same for all, so nobody learns whose token exists)."""
    if len(digest_start) < TOKEN_ID_LENGTH:
        raise ValidationError(_("This token does not exist or has already been revoked."))
    tokens = AuthToken.objects.filter(user=user, digest__startswith=digest_start)
    if len(tokens) != 1:
        raise ValidationError(_("This token does not exist or has already been revoked."))
    return _revoke(tokens, user=user, actor=actor, reason=reason, request=request)


@transaction.atomic
def revoke_all(user, *, actor, reason: str, request=None, organisation_id: int | None = None) -> int:
    """Revoke every token of ``user`` (logout everywhere, password change, deactivation, an org_admin's decision):
    returns how many. One audit row names them all; none when there were none."""
    return _revoke(
        AuthToken.objects.filter(user=user),
        user=user,
        actor=actor,
        reason=reason,
        request=request,
        organisation_id=organisation_id,
    )


@transaction.atomic
def member_tokens_revoke(*, organisation, membership_id: int, actor, request=None) -> int:
    """An org_admin revokes every API token of a member of their organisation (PermissionDenied otherwise)."""
    if organisation.pk not in admin_organisation_ids(actor):
        raise PermissionDenied(_("Only an administrator of this organisation can manage its members."))
    membership = Membership.objects.select_related("user").filter(pk=membership_id, organisation=organisation).first()
    if membership is None:
        raise ValidationError(_("This member does not belong to the organisation."))
    return revoke_all(
        membership.user, actor=actor, reason="org_admin", request=request, organisation_id=organisation.pk
    )
