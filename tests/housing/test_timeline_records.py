"""The housing records that notify nobody are on the case timeline too (issue 17, item 3): the housing section, the
waitlist applications and a stay's accompaniment plan each write one line, by the organisation and the person who
acted — with codes only, never an amount, a protocol number, a reason or a plan that someone typed."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from cases.models import CaseEvent, TimelineKind
from housing.models import ResourceKind
from housing.services import households, placements, resources
from notifications.models import Notification
from tests.helpers.housing import record_profile

pytestmark = pytest.mark.django_db


def only_event(case, kind) -> CaseEvent:
    [event] = CaseEvent.objects.filter(case=case, kind=kind)
    return event


@pytest.fixture
def application(shared_case, lead):
    record_profile(lead, shared_case)
    return households.application_create(
        actor=lead, case=shared_case, kind=ResourceKind.SHELTER, protocol_number="PG-2026/0457"
    )


def test_saving_the_housing_section_writes_which_fields_changed_not_their_values(shared_case, lead, network):
    notified = Notification.objects.count()

    profile = record_profile(lead, shared_case, isee=Decimal("9123.45"))

    event = only_event(shared_case, TimelineKind.HOUSING_SECTION_SAVED)
    assert event.organisation_id == network.org_a.pk and event.actor == lead
    assert event.object_type == "housingprofile" and event.object_id == profile.pk
    assert "isee" in event.data["fields"] and "situation" in event.data["fields"]
    assert "9123" not in str(event.data) and "homeless" not in str(event.data)
    with translation.override("en"):
        assert event.display_summary().startswith("Changed: ") and "ISEE (€)" in event.display_summary()
    assert Notification.objects.count() == notified  # a record, not a step: nobody is told


def test_an_application_writes_its_waitlist_without_the_override_reason(shared_case, lead, network):
    record_profile(lead, shared_case)

    application = households.application_create(
        actor=lead, case=shared_case, kind=ResourceKind.SHELTER, protocol_number="PG-2026/0457"
    )

    event = only_event(shared_case, TimelineKind.WAITLIST_APPLICATION_MADE)
    assert event.organisation_id == network.org_a.pk and event.actor == lead
    assert event.object_type == "application" and event.object_id == application.pk
    assert event.data == {"date": application.applied_on.isoformat(), "waitlist": "shelter"}


def test_an_application_update_writes_one_line_without_the_protocol_number(application, lead, network):
    households.application_update(actor=lead, application=application, protocol_number="PG-2026/0999", official_rank=12)

    event = only_event(application.case, TimelineKind.WAITLIST_APPLICATION_UPDATED)
    assert event.organisation_id == network.org_a.pk and event.actor == lead and event.object_id == application.pk
    assert event.data == {"date": application.applied_on.isoformat(), "waitlist": "shelter"}  # no number, no rank


def test_a_withdrawal_writes_one_line_without_the_reason(application, lead, network):
    households.application_withdraw(actor=lead, application=application, reason="Trasferita da una parente")

    event = only_event(application.case, TimelineKind.WAITLIST_APPLICATION_WITHDRAWN)
    assert event.organisation_id == network.org_a.pk and event.actor == lead and event.object_id == application.pk
    assert event.data == {"date": timezone.localdate().isoformat(), "waitlist": "shelter"}


def test_the_accompaniment_plan_writes_one_line_by_the_provider_without_the_plan(
    shelter, shared_case, provider_op, network
):
    stay = placements.stay_start(actor=provider_op, place=shelter.places.get(label="1"), case=shared_case)
    leaving = timezone.localdate() + datetime.timedelta(days=30)
    notified = Notification.objects.count()

    placements.stay_update_plan(
        actor=provider_op, stay=stay, accompaniment_plan="Colloqui con il SerD ogni lunedì", planned_move_out=leaving
    )

    event = only_event(shared_case, TimelineKind.STAY_PLAN_UPDATED)
    assert event.organisation_id == network.org_b.pk and event.actor == provider_op and event.object_id == stay.pk
    assert event.data == {
        "resource_kind": "shelter",
        "provider_id": network.org_b.pk,
        "provider": "Cooperativa Test",
        "date": leaving.isoformat(),
    }
    assert "SerD" not in str(event.data) and "Dormitorio" not in str(event.data)
    assert Notification.objects.count() == notified


def test_the_plan_of_a_stay_in_a_shelter_for_women_leaving_violence_names_no_provider(
    network, provider_cm, shared_case
):
    refuge = resources.resource_create(
        actor=provider_cm,
        provider=network.org_b,
        data={
            "kind": ResourceKind.SHELTER,
            "name": "Casa rifugio",
            "address": "Via Segreta 1",
            "capacity": 1,
            "target_groups": ["violence"],
        },
    )
    stay = placements.stay_start(actor=provider_cm, place=refuge.places.get(), case=shared_case)

    placements.stay_update_plan(actor=provider_cm, stay=stay, accompaniment_plan="Percorso con il centro antiviolenza")

    event = only_event(shared_case, TimelineKind.STAY_PLAN_UPDATED)
    assert event.data["provider"] == "" and "Cooperativa" not in str(event.data)
    assert "Segreta" not in str(event.data) and "rifugio" not in str(event.data)
    with translation.override("en"):
        assert event.display_summary() == "Emergency shelter (dormitorio / pronto intervento)"


def timeline_html(user, case, language: str) -> str:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    response = client.get(reverse("cases:timeline", args=[case.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_timeline_page_shows_the_housing_records_in_the_readers_language(settings, shared_case, lead):
    settings.LANGUAGE_CODE = "it"
    record_profile(lead, shared_case, household_size=3)
    households.application_create(actor=lead, case=shared_case, kind=ResourceKind.PUBLIC, protocol_number="1")

    english = timeline_html(lead, shared_case, "en")
    assert "Housing section saved" in english and "household size" in english
    assert "Waitlist application made" in english and "Waitlist: Public housing (SAP)" in english

    italian = timeline_html(lead, shared_case, "it")
    # The sentences' Italian text comes with the lead's translation pass; the codes are rendered in Italian.
    assert "componenti del nucleo" in italian and "household size" not in italian
    assert "Servizi abitativi pubblici (SAP)" in italian and "Public housing (SAP)" not in italian
