"""Housing steps on the case timeline and who is told (issue 16, item 10): offers made, accepted, declined and
expired, move-ins and move-outs each write a timeline line in the reader's language and notify the side that did
not act — never the actor, never by a person's name."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import formats, timezone, translation

from cases.models import CaseEvent, ShareSection, TimelineKind
from housing.models import ResourceKind
from housing.services import households, offers, placements, resources
from notifications.models import Notification, NotificationKind
from partners.roles import Role
from tests.helpers.housing import record_profile

pytestmark = pytest.mark.django_db


@pytest.fixture
def application(shared_case, lead):
    record_profile(lead, shared_case)
    return households.application_create(actor=lead, case=shared_case, kind=ResourceKind.SHELTER)


def bed(resource, n=1):
    return resource.places.get(label=str(n))


def step_event(case, kind) -> CaseEvent:
    return CaseEvent.objects.get(case=case, kind=kind)


def told(kind) -> set[str]:
    return set(Notification.objects.filter(kind=kind).values_list("user__username", flat=True))


def test_an_offer_made_by_the_provider_is_on_the_timeline_and_told_to_the_case_manager(
    shelter, application, provider_cm, network
):
    offer = offers.offer_make(actor=provider_cm, place=bed(shelter), application=application)

    event = step_event(application.case, TimelineKind.HOUSING_OFFER_MADE)
    assert event.organisation_id == network.org_b.pk and event.actor == provider_cm
    assert event.object_type == "offer" and event.object_id == offer.pk
    assert event.data == {
        "resource_kind": "shelter",
        "provider_id": network.org_b.pk,
        "provider": "Cooperativa Test",
        "date": timezone.localdate(offer.expires_at).isoformat(),
    }
    assert told(NotificationKind.HOUSING_OFFER_MADE) == {"a_case_manager"}  # not the provider's own staff
    note = Notification.objects.get(kind=NotificationKind.HOUSING_OFFER_MADE)
    assert note.case_id == application.case_id and note.organisation_id == network.org_a.pk


def test_an_offer_accepted_by_the_case_manager_is_told_to_the_provider(
    shelter, application, provider_cm, lead, network
):
    offer = offers.offer_make(actor=provider_cm, place=bed(shelter), application=application)
    day = timezone.localdate() + datetime.timedelta(days=2)

    offers.offer_accept(actor=lead, offer=offer, move_in=day)

    event = step_event(application.case, TimelineKind.HOUSING_OFFER_ACCEPTED)
    assert event.organisation_id == network.org_a.pk and event.actor == lead
    assert event.data["date"] == day.isoformat() and event.data["provider"] == "Cooperativa Test"
    # the provider's case managers and operators; the case manager acted, so is not told
    assert told(NotificationKind.HOUSING_OFFER_ACCEPTED) == {"b_case_manager", "b_operator"}


def test_an_offer_accepted_at_the_provider_is_told_to_the_case_manager(
    shelter, application, provider_cm, provider_op, network
):
    offer = offers.offer_make(actor=provider_cm, place=bed(shelter), application=application)

    offers.offer_accept(actor=provider_op, offer=offer)

    assert step_event(application.case, TimelineKind.HOUSING_OFFER_ACCEPTED).organisation_id == network.org_b.pk
    assert told(NotificationKind.HOUSING_OFFER_ACCEPTED) == {"a_case_manager"}


def test_a_declined_offer_is_told_to_the_case_manager_without_the_reason(
    shelter, application, provider_cm, provider_op, network
):
    offer = offers.offer_make(actor=provider_cm, place=bed(shelter), application=application)

    offers.offer_decline(actor=provider_op, offer=offer, reason="Problemi di salute del figlio")

    event = step_event(application.case, TimelineKind.HOUSING_OFFER_DECLINED)
    assert event.organisation_id == network.org_b.pk and event.summary == ""
    assert "salute" not in str(event.data)
    assert told(NotificationKind.HOUSING_OFFER_DECLINED) == {"a_case_manager"}
    assert "salute" not in str(Notification.objects.get(kind=NotificationKind.HOUSING_OFFER_DECLINED).params)


def test_an_expired_offer_is_told_to_both_sides(shelter, application, provider_cm, network):
    offers.offer_make(actor=provider_cm, place=bed(shelter), application=application, hold_days=1)

    assert offers.offers_expire(now=timezone.now() + datetime.timedelta(days=1, minutes=1)) == 1

    event = step_event(application.case, TimelineKind.HOUSING_OFFER_EXPIRED)
    assert event.actor is None and event.organisation_id == network.org_b.pk
    assert told(NotificationKind.HOUSING_OFFER_EXPIRED) == {"a_case_manager", "b_case_manager", "b_operator"}


def test_a_move_in_and_a_move_out_are_on_the_timeline_and_told_to_the_case_manager(
    shelter, shared_case, provider_op, network
):
    stay = placements.stay_start(actor=provider_op, place=bed(shelter), case=shared_case)

    moved_in = step_event(shared_case, TimelineKind.HOUSING_MOVED_IN)
    assert moved_in.organisation_id == network.org_b.pk and moved_in.object_id == stay.pk
    assert moved_in.data["date"] == timezone.localdate().isoformat()
    assert moved_in.data["resource_kind"] == ResourceKind.SHELTER
    assert told(NotificationKind.HOUSING_MOVED_IN) == {"a_case_manager"}

    placements.stay_end(actor=provider_op, stay=stay, exit_reason="autonomy")

    moved_out = step_event(shared_case, TimelineKind.HOUSING_MOVED_OUT)
    assert moved_out.data["exit_reason"] == "autonomy" and moved_out.organisation_id == network.org_b.pk
    assert told(NotificationKind.HOUSING_MOVED_OUT) == {"a_case_manager"}


def test_a_shelter_for_women_leaving_violence_is_not_named(network, provider_cm, shared_case):
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

    placements.stay_start(actor=provider_cm, place=bed(refuge), case=shared_case)

    event = step_event(shared_case, TimelineKind.HOUSING_MOVED_IN)
    assert event.data["provider"] == "" and "Segreta" not in str(event.data) and "rifugio" not in str(event.data)
    note = Notification.objects.get(kind=NotificationKind.HOUSING_MOVED_IN)
    assert "Cooperativa" not in str(note.params)


def test_no_notification_names_the_person(shelter, application, provider_cm, lead):
    offer = offers.offer_make(actor=provider_cm, place=bed(shelter), application=application)
    offers.offer_accept(actor=lead, offer=offer)

    notes = Notification.objects.filter(
        kind__in=[NotificationKind.HOUSING_OFFER_MADE, NotificationKind.HOUSING_OFFER_ACCEPTED]
    )
    assert notes.count() == 3  # the case manager of the offer, the provider's two workers of the acceptance
    for note in notes:
        assert "Bianchi" not in str(note.params) and "Giulia" not in str(note.params)
        assert note.case_code == application.case.code


def timeline_html(user, case, language: str) -> str:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    response = client.get(reverse("cases:timeline", args=[case.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_timeline_page_shows_the_steps_in_the_readers_language(
    settings, shelter, application, provider_cm, provider_op, lead
):
    settings.LANGUAGE_CODE = "it"
    offer = offers.offer_make(actor=provider_cm, place=bed(shelter), application=application)
    day = timezone.localdate() + datetime.timedelta(days=9)  # no other date of the page falls on it
    offers.offer_accept(actor=lead, offer=offer, move_in=day)

    english = timeline_html(lead, application.case, "en")
    assert "Housing offer made" in english and "Housing offer accepted" in english
    with translation.override("en"):
        english_day = formats.date_format(day, "SHORT_DATE_FORMAT")
    assert (
        f"Emergency shelter (dormitorio / pronto intervento) at Cooperativa Test; move-in on {english_day}" in english
    )

    italian = timeline_html(lead, application.case, "it")
    # The Italian sentences come with the lead's translation pass; the line is there, its date written in Italian.
    assert "Accoglienza di emergenza (dormitorio / pronto intervento)" in italian and "Emergency shelter" not in italian
    assert "Cooperativa Test" in italian and day.strftime("%d/%m/%Y") in italian
    assert english_day not in italian


def test_a_move_out_line_gives_the_reason_in_the_readers_language(shelter, shared_case, provider_op, lead):
    stay = placements.stay_start(actor=provider_op, place=bed(shelter), case=shared_case)
    placements.stay_end(actor=provider_op, stay=stay, exit_reason="autonomy")

    english = timeline_html(lead, shared_case, "en")
    assert "Move-in" in english and "Move-out" in english and "Autonomous housing" in english
    assert "Autonomia abitativa" in timeline_html(lead, shared_case, "it")


def test_a_partner_given_the_timeline_sees_the_steps(shelter, shared_case, provider_op, network):
    from cases.permissions import grants as case_grants
    from tests.factories import make_member, make_organisation

    placements.stay_start(actor=provider_op, place=bed(shelter), case=shared_case)
    food_bank = make_organisation("Banco Test")
    reader = make_member(food_bank, Role.OPERATOR, username="food_bank_operator")
    case_grants.share_case(shared_case, food_bank, sections=[ShareSection.TIMELINE])
    blind = make_member(make_organisation("Altro Test"), Role.OPERATOR, username="other_operator")

    assert "Cooperativa Test" in timeline_html(reader, shared_case, "en")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(blind)
    assert client.get(reverse("cases:timeline", args=[shared_case.pk])).status_code == 404


def test_accepting_a_public_home_writes_the_move_out_of_the_temporary_one_and_tells_its_provider(
    network, shared_case, lead, provider_cm, provider_op, public_unit, sap_rule
):
    # given: the household lives in a temporary flat of B and waits for public housing
    flat = resources.resource_create(
        actor=provider_cm,
        provider=network.org_b,
        data={"kind": ResourceKind.TEMPORARY, "name": "Appartamento SAT", "address": "Via Roma 2", "capacity": 1},
    )
    placements.stay_start(actor=provider_op, place=bed(flat), case=shared_case)
    record_profile(lead, shared_case)
    application = households.application_create(actor=lead, case=shared_case, kind=ResourceKind.PUBLIC)
    offer = offers.offer_make(actor=provider_cm, place=public_unit.places.get(), application=application)

    # when: the case manager records the acceptance and the move-in today
    offers.offer_accept(actor=lead, offer=offer)

    # then: the timeline says the household left the temporary flat, and its provider is told
    moved_out = step_event(shared_case, TimelineKind.HOUSING_MOVED_OUT)
    assert moved_out.organisation_id == network.org_a.pk and moved_out.actor == lead
    assert moved_out.data["resource_kind"] == ResourceKind.TEMPORARY
    assert moved_out.data["exit_reason"] == "moved_into_offer"
    assert moved_out.data["date"] == timezone.localdate().isoformat()
    assert told(NotificationKind.HOUSING_MOVED_OUT) == {"b_case_manager", "b_operator"}
    assert step_event(shared_case, TimelineKind.HOUSING_OFFER_ACCEPTED).data["resource_kind"] == ResourceKind.PUBLIC


def test_the_whole_pathway_writes_each_step_on_the_timeline(
    consenting_case, network, lead, provider_cm, provider_op, public_unit, housing_services
):
    from viewflow.workflow.models import Task
    from viewflow.workflow.status import STATUS
    from viewflow.workflow.timers import fire_due_timers

    from housing.flows import HousingFlow
    from housing.services import pathway
    from workflows.models import Handoff
    from workflows.services import handoffs

    def open_task(process, node):
        return Task.objects.get(
            process=process, flow_task=node, status__in=[STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED]
        )

    def fire(process, node):
        Task.objects.filter(process=process, flow_task=node).update(
            scheduled=timezone.now() - datetime.timedelta(minutes=1)
        )
        fire_due_timers()

    case = consenting_case
    flat_resource = resources.resource_create(
        actor=provider_cm,
        provider=network.org_b,
        data={
            "kind": ResourceKind.TEMPORARY,
            "name": "Appartamento Via Fiume",
            "address": "Via Fiume 12",
            "capacity": 1,
        },
    )
    process = pathway.pathway_start(actor=lead, case=case)
    record_profile(lead, case, situation="homeless")
    pathway.assessment_done(
        actor=lead,
        task=open_task(process, HousingFlow.assess),
        emergency_needed=False,
        temporary_provider=network.org_b,
        public_provider=network.org_b,
    )
    handoffs.handoff_accept(actor=provider_cm, handoff_id=Handoff.objects.get(case=case).pk)
    flat = placements.stay_start(
        actor=provider_op,
        place=bed(flat_resource),
        case=case,
        move_in=timezone.localdate() - datetime.timedelta(days=20),
        accompaniment_plan="Colloqui settimanali",
    )
    pathway.temporary_placement_done(actor=provider_op, task=open_task(process, HousingFlow.temporary_placement))
    pathway.public_application_done(
        actor=lead,
        task=open_task(process, HousingFlow.public_application),
        protocol_number="2026/0457",
        official_rank=12,
    )
    application = case.housing_applications.get(kind=ResourceKind.PUBLIC)
    offer = offers.offer_make(actor=provider_cm, place=public_unit.places.get(), application=application)
    placements.stay_end(actor=provider_op, stay=flat, exit_reason="next_step")
    offers.offer_accept(actor=lead, offer=offer)
    pathway.allocation_done(actor=provider_cm, task=open_task(process, HousingFlow.allocation))
    pathway.move_in_done(actor=provider_cm, task=open_task(process, HousingFlow.move_in))
    fire(process, HousingFlow.wait_first_follow_up)
    pathway.follow_up_done(
        actor=lead, task=open_task(process, HousingFlow.follow_up_3), note="Il figlio ha ripreso le cure"
    )
    fire(process, HousingFlow.wait_second_follow_up)
    pathway.follow_up_done(
        actor=lead,
        task=open_task(process, HousingFlow.follow_up_6),
        note="Affitto pagato regolarmente",
        outcome="autonomy",
    )

    steps = list(
        CaseEvent.objects.filter(case=case, kind__startswith="housing_")
        .order_by("at", "id")
        .values_list("kind", flat=True)
    )
    assert steps == [
        TimelineKind.HOUSING_MOVED_IN,
        TimelineKind.HOUSING_OFFER_MADE,
        TimelineKind.HOUSING_MOVED_OUT,
        TimelineKind.HOUSING_OFFER_ACCEPTED,
        TimelineKind.HOUSING_FOLLOW_UP_RECORDED,
        TimelineKind.HOUSING_FOLLOW_UP_RECORDED,
    ]
    last = CaseEvent.objects.filter(case=case, kind=TimelineKind.HOUSING_FOLLOW_UP_RECORDED).order_by("-id").first()
    assert last.organisation_id == network.org_a.pk
    assert last.data == {
        "provider_id": network.org_b.pk,
        "date": timezone.localdate().isoformat(),
        "months": 6,
        "outcome": "autonomy",
    }
    assert "cure" not in str(list(CaseEvent.objects.filter(case=case).values_list("data", "summary")))
    with translation.override("en"):
        assert last.display_summary().endswith(": the household is autonomous")
    # the lead's case manager recorded the follow-ups: the provider of the home is told
    assert told(NotificationKind.HOUSING_FOLLOW_UP_RECORDED) == {"b_case_manager", "b_operator"}
    assert Notification.objects.filter(kind=NotificationKind.HOUSING_FOLLOW_UP_RECORDED).count() == 4
