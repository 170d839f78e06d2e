"""`{% member_access organisation membership %}`: on an org_admin's page of a member (partners:member_edit), what
Tavolo's logins know of that member — the API tokens that still work, with a button to revoke them, and a lock
after too many failed logins, with a button to lift it (accounts/views_member.py). A template tag, so that
`partners` does not import `accounts`."""

from __future__ import annotations

from django import template

from accounts.lockout import member_locked_until
from accounts.tokens import token_list_for

register = template.Library()


@register.inclusion_tag("accounts/member_access.html", takes_context=True)
def member_access(context, organisation, membership) -> dict:
    return {
        "csrf_token": context.get("csrf_token"),
        "organisation": organisation,
        "membership": membership,
        "api_tokens": token_list_for(user=membership.user).count(),
        "locked_until": member_locked_until(membership.user),
    }
