"""The periodic sweeps: answers due soon (to the receivers) and consents expiring (to the case managers), recorded
once however often the sweep runs, with one query for the candidates."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, CaseStatus, ConsentPurpose
from cases.services import consent_record, consent_withdraw
from notifications import sweeps
from notifications.models import Notification, NotificationKind
from notifications.subscriptions import handoff_event_key
from partners.roles import Role
from tests.factories import make_member, open_case, register_person
from tests.helpers.handoffs import send
from workflows.services import handoffs as handoff_services


@pytest.fixture(autouse=True)
def _sweep_settings(settings):
    settings.TAVOLO_SLA_WARNING_HOURS = 24
    settings.TAVOLO_CONSENT_WARNING_DAYS = 30


def recipients_of(kind: str) -> set:
    return set(Notification.objects.filter(kind=kind).values_list("user__username", flat=True))


# --- answers due soon ------------------------------------------------------------------------------------------


@pytest.fixture
def referral(network, consenting_case, service):
    """A referral from A to B, waiting for B's answer (3 working days)."""
    return send(network, consenting_case, service)


def before_due(handoff, **delta) -> time_machine.travel:
    return time_machine.travel(handoff.due_at - datetime.timedelta(**delta), tick=False)


def test_an_answer_due_within_the_warning_tells_the_receivers(referral, network):
    with before_due(referral, hours=12):
        announced = sweeps.sweep_answers_due_soon()

    assert announced == 1
    assert recipients_of(NotificationKind.SLA_DUE_SOON) == {"b_case_manager", "b_operator"}
    row = Notification.objects.filter(kind=NotificationKind.SLA_DUE_SOON).first()
    assert row.event_key == handoff_event_key(referral, "due_soon")
    assert row.organisation_id == network.org_b.pk and row.case_id == referral.case_id
    assert row.url == reverse("workflows:handoff_detail", args=[referral.pk])
    assert datetime.datetime.fromisoformat(row.params["due"]) == referral.due_at


def test_an_answer_due_later_than_the_warning_tells_nobody(referral):
    with before_due(referral, hours=25):
        announced = sweeps.sweep_answers_due_soon()

    assert announced == 0
    assert not Notification.objects.filter(kind=NotificationKind.SLA_DUE_SOON).exists()


def test_an_answer_already_overdue_is_not_due_soon(referral):
    with before_due(referral, hours=-1):
        sweeps.sweep_answers_due_soon()

    assert not Notification.objects.filter(kind=NotificationKind.SLA_DUE_SOON).exists()


def test_an_answered_handoff_is_not_due_soon(referral, network):
    handoff_services.handoff_accept(actor=network.user("b", Role.OPERATOR), handoff_id=referral.pk)

    with before_due(referral, hours=12):
        sweeps.sweep_answers_due_soon()

    assert not Notification.objects.filter(kind=NotificationKind.SLA_DUE_SOON).exists()


def test_a_handoff_received_inside_the_warning_window_is_not_announced_again(referral, settings):
    # Its "handoff received" notification already gave the deadline, a moment ago.
    settings.TAVOLO_SLA_WARNING_HOURS = 24 * 10

    sweeps.sweep_answers_due_soon()

    assert not Notification.objects.filter(kind=NotificationKind.SLA_DUE_SOON).exists()


def test_sweeping_twice_announces_once(referral):
    with before_due(referral, hours=12):
        first = sweeps.sweep_answers_due_soon()
    with before_due(referral, hours=2):
        second = sweeps.sweep_answers_due_soon()

    assert (first, second) == (1, 0)
    assert Notification.objects.filter(kind=NotificationKind.SLA_DUE_SOON).count() == 2  # B's two members


def consenting_case_of(network, n: int):
    manager = network.user("a", Role.CASE_MANAGER)
    case = open_case(manager, network.org_a, register_person(manager, network.org_a, first_name=f"Persona{n}"))
    for purpose in (ConsentPurpose.PROCESSING, ConsentPurpose.SHARE_NETWORK):
        consent_record(
            actor=manager,
            person=case.person,
            purpose=purpose,
            given_on=timezone.localdate() - datetime.timedelta(days=1),
        )
    return case


def test_the_due_soon_sweep_reads_its_candidates_in_one_query(network, service, django_assert_num_queries):
    referrals = [send(network, consenting_case_of(network, n), service) for n in range(4)]
    latest_due = max(referral.due_at for referral in referrals)
    with time_machine.travel(latest_due - datetime.timedelta(hours=12), tick=False):
        assert sweeps.sweep_answers_due_soon() == 4
        # With every event recorded: the candidates, and which of them were recorded already.
        with django_assert_num_queries(2):
            assert sweeps.sweep_answers_due_soon() == 0


# --- consents expiring -----------------------------------------------------------------------------------------


def consent(case, network, *, purpose=ConsentPurpose.PROCESSING, expires_in_days: int | None = 10, **kwargs):
    today = timezone.localdate()
    expires_on = today + datetime.timedelta(days=expires_in_days) if expires_in_days is not None else None
    return consent_record(
        actor=network.user("a", Role.CASE_MANAGER),
        person=case.person,
        purpose=purpose,
        given_on=today - datetime.timedelta(days=300),
        expires_on=expires_on,
        **kwargs,
    )


def consent_rows():
    return Notification.objects.filter(kind=NotificationKind.CONSENT_EXPIRING)


def test_a_consent_expiring_within_the_warning_tells_the_case_manager(case_a, network):
    expiring = consent(case_a, network)

    announced = sweeps.sweep_consents_expiring()

    assert announced == 1
    row = consent_rows().get()
    assert row.user == network.user("a", Role.CASE_MANAGER)
    assert row.event_key == f"consent:{expiring.pk}:{expiring.expires_on.isoformat()}:case:{case_a.pk}"
    assert row.params == {"due": expiring.expires_on.isoformat()}
    assert row.url == reverse("cases:case_detail", args=[case_a.pk])
    assert row.case_code == case_a.code


def test_a_consent_expiring_today_is_announced(case_a, network):
    consent(case_a, network, expires_in_days=0)

    assert sweeps.sweep_consents_expiring() == 1


def test_a_consent_expiring_after_the_warning_is_not_announced(case_a, network):
    consent(case_a, network, expires_in_days=31)

    assert sweeps.sweep_consents_expiring() == 0
    assert not consent_rows().exists()


def test_a_consent_without_expiry_or_already_expired_is_not_announced(case_a, network):
    consent(case_a, network, expires_in_days=None)
    consent(case_a, network, purpose=ConsentPurpose.SHARE_NETWORK, expires_in_days=-1)

    sweeps.sweep_consents_expiring()

    assert not consent_rows().exists()


def test_a_withdrawn_consent_is_not_announced(case_a, network):
    expiring = consent(case_a, network)
    consent_withdraw(actor=network.user("a", Role.CASE_MANAGER), consent=expiring)

    sweeps.sweep_consents_expiring()

    assert not consent_rows().exists()


def test_a_renewed_consent_is_not_announced(case_a, network):
    consent(case_a, network, expires_in_days=10)
    consent(case_a, network, expires_in_days=400)

    sweeps.sweep_consents_expiring()

    assert not consent_rows().exists()


@pytest.mark.parametrize("purpose", [ConsentPurpose.SHARE_NETWORK, ConsentPurpose.SHARE_NAMED])
def test_sharing_consents_count_too(case_a, network, purpose):
    organisations = [network.org_b] if purpose == ConsentPurpose.SHARE_NAMED else []
    consent(case_a, network, purpose=purpose, organisations=organisations)

    assert sweeps.sweep_consents_expiring() == 1


def test_consents_expiring_the_same_day_make_one_notification_per_case(case_a, network):
    consent(case_a, network, purpose=ConsentPurpose.PROCESSING)
    consent(case_a, network, purpose=ConsentPurpose.SHARE_NETWORK)

    assert sweeps.sweep_consents_expiring() == 1
    assert consent_rows().count() == 1


def test_each_open_case_of_the_person_is_announced_to_its_own_manager(case_a, network):
    other_manager = make_member(network.org_a, Role.CASE_MANAGER, username="a_second_manager")
    other_case = open_case(other_manager, network.org_a, case_a.person)
    consent(case_a, network)

    assert sweeps.sweep_consents_expiring() == 2

    assert set(consent_rows().values_list("user__username", "case_id")) == {
        ("a_case_manager", case_a.pk),
        ("a_second_manager", other_case.pk),
    }


def test_a_closed_case_is_not_announced(case_a, network):
    consent(case_a, network)
    # Closing through the pathway needs a whole workflow; the sweep only reads the status.
    Case.objects.filter(pk=case_a.pk).update(
        status=CaseStatus.CLOSED, closed_on=timezone.localdate(), closure_outcome="goals_reached"
    )

    assert sweeps.sweep_consents_expiring() == 0


def test_without_a_case_manager_the_lead_organisations_case_managers_are_told(case_a, network):
    second = make_member(network.org_a, Role.CASE_MANAGER, username="a_second_manager")
    Case.objects.filter(pk=case_a.pk).update(case_manager=None)
    consent(case_a, network)

    sweeps.sweep_consents_expiring()

    assert set(consent_rows().values_list("user__username", flat=True)) == {"a_case_manager", second.username}


def test_sweeping_twice_tells_once(case_a, network):
    consent(case_a, network)

    first = sweeps.sweep_consents_expiring()
    second = sweeps.sweep_consents_expiring()

    assert (first, second) == (1, 0)
    assert consent_rows().count() == 1


def test_the_consent_sweep_reads_its_candidates_in_one_query(network, django_assert_num_queries):
    manager = network.user("a", Role.CASE_MANAGER)
    cases = [open_case(manager, network.org_a) for _n in range(4)]
    for case in cases:
        consent(case, network)
    assert sweeps.sweep_consents_expiring() == 4

    # With every event recorded: the candidates, and which of them were recorded already.
    with django_assert_num_queries(2):
        assert sweeps.sweep_consents_expiring() == 0
