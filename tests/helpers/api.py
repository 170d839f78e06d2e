"""Handoffs as the API tests send them: the JSON body of a referral, and the same referral through the service."""

from __future__ import annotations

from partners.roles import Role
from workflows.models import Handoff
from workflows.services import handoffs


def handoff_payload(for_case, receiver, service, **overrides) -> dict:
    return {
        "case": for_case.pk,
        "kind": "referral",
        "receiver_organisation": receiver.pk,
        "service_type": service.pk,
        "reason": "Needs food parcels",
        "sections": ["file"],
        **overrides,
    }


def send_referral(network, case, service) -> Handoff:
    return handoffs.handoff_send(
        actor=network.user("a", Role.CASE_MANAGER),
        case=case,
        kind="referral",
        receiver_organisation_id=network.org_b.pk,
        service_type_id=service.pk,
        reason="Needs food parcels",
        sections=["file"],
    )
