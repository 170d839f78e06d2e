"""What an org_admin does about a member's access from the member's page (partners:member_edit, whose template shows
it with `{% member_access %}`, accounts/templatetags/accounts_member.py): lift the lock on their username
(accounts/lockout.py) and revoke their API tokens (accounts/tokens.py)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.lockout import member_unlock
from accounts.tokens import member_tokens_revoke
from partners.selectors import admin_organisation_ids, member_list_for


def _member_of_admin(request, org_pk: int, membership_pk: int):
    # Someone else's organisation, or a member of another one: not found, as for the member's page.
    if org_pk not in admin_organisation_ids(request.user):
        raise Http404
    return get_object_or_404(
        member_list_for(user=request.user, organisation_id=org_pk).select_related("user", "organisation"),
        pk=membership_pk,
    )


@login_required
@require_POST
def member_tokens_revoke_view(request, org_pk: int, membership_pk: int):
    membership = _member_of_admin(request, org_pk, membership_pk)
    revoked = member_tokens_revoke(
        organisation=membership.organisation, membership_id=membership.pk, actor=request.user, request=request
    )
    messages.success(
        request,
        ngettext("%(count)d API token revoked.", "%(count)d API tokens revoked.", revoked) % {"count": revoked},
    )
    return redirect("partners:member_edit", org_pk=org_pk, membership_pk=membership.pk)


@login_required
@require_POST
def member_unlock_view(request, org_pk: int, membership_pk: int):
    membership = _member_of_admin(request, org_pk, membership_pk)
    if member_unlock(membership=membership, actor=request.user, request=request):
        messages.success(request, _("The account has been unlocked: the member can log in again."))
    else:
        messages.info(request, _("The account was not locked."))
    return redirect("partners:member_edit", org_pk=org_pk, membership_pk=membership.pk)
