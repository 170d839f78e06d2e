"""Pathway steps (issue 16, item 10): what their notifications say, and the rule of who is told
(`notifications.subscriptions.on_step_event`): the side that did not act, only organisations that can open the
case, never the actor."""

from __future__ import annotations

import pytest
from django.utils import translation

from cases.models import TimelineKind
from cases.services.timeline import timeline_record
from notifications.models import Notification, NotificationKind
from notifications.text import render
from partners.roles import Role
from tests.factories import make_member, make_organisation

pytestmark = pytest.mark.django_db

MOVED_IN = {"resource_kind": "shelter", "provider_id": 1, "provider": "Cooperativa Test", "date": "2026-12-05"}


def test_a_step_notification_says_what_its_timeline_line_says_after_the_case_code():
    with translation.override("en"):
        text = render(kind=NotificationKind.HOUSING_MOVED_IN, case_code="C2026-000042", params=MOVED_IN)
    assert text.title == "Move-in"
    assert text.body == (
        "Case C2026-000042: Emergency shelter (dormitorio / pronto intervento) at Cooperativa Test, from 5 Dec 2026."
    )


def test_a_step_notification_writes_codes_and_dates_in_italian():
    with translation.override("it"):
        body = render(kind=NotificationKind.HOUSING_MOVED_IN, case_code="C2026-000042", params=MOVED_IN).body
    assert "Accoglienza di emergenza" in body and "05/12/2026" in body and "C2026-000042" in body


def step(case, *, actor, organisation, provider, kind=TimelineKind.HOUSING_MOVED_IN):
    return timeline_record(
        case=case,
        kind=kind,
        actor=actor,
        organisation_id=organisation.pk,
        data={**MOVED_IN, "provider_id": provider.pk},
    )


def told() -> set[str]:
    return set(Notification.objects.values_list("user__username", flat=True))


def test_a_partner_that_cannot_open_the_case_is_not_told(network, case_a):
    # organisation B has no grant on case A: it is not told, even as the step's provider
    step(case_a, actor=network.user("a", Role.CASE_MANAGER), organisation=network.org_a, provider=network.org_b)

    assert told() == set()


def test_the_lead_stands_in_for_a_missing_case_manager_when_a_partner_acted(network, case_a):
    from cases.permissions import grants as case_grants

    case_grants.share_case(case_a, network.org_b, sections=["file"])
    second = make_member(network.org_a, Role.CASE_MANAGER, username="a_second_manager")
    case_a.case_manager = None
    case_a.save(update_fields=["case_manager"])

    step(case_a, actor=network.user("b", Role.OPERATOR), organisation=network.org_b, provider=network.org_b)

    assert told() == {"a_case_manager", second.username}
    assert set(Notification.objects.values_list("kind", flat=True)) == {NotificationKind.HOUSING_MOVED_IN}


def test_a_step_of_the_lead_itself_tells_only_its_case_manager(network, case_a):
    # the lead organisation provides the place itself: its colleagues are not told of their own work
    other = make_organisation("Altro Test")
    make_member(other, Role.OPERATOR, username="other_operator")

    step(case_a, actor=network.user("a", Role.OPERATOR), organisation=network.org_a, provider=network.org_a)

    assert told() == {"a_case_manager"}
