"""The dashboard's figures against crafted data: caseload, months, SLA, referral loops, duplicate aid."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from cases.models import Case, CaseStatus, Household, Intervention, InterventionKind
from partners.roles import Role
from reports.periods import Period
from reports.permissions import Scope
from reports.selectors import (
    caseload_by_case_manager,
    caseload_by_organisation,
    caseload_by_pathway,
    cases_per_month,
    duplicate_aid_signals,
    referral_loops,
    sla_breaches,
)
from tests.factories import make_organisation, open_case
from tests.helpers.reports import PERIOD, at
from workflows.flows import CaseFlow, HandoffFlow
from workflows.models import CaseProcess, DeclineReason, Handoff, HistoryKind

NETWORK = Scope(is_network=True, organisation_ids=None, acting_organisation_id=None)


def only(org) -> Scope:
    return Scope(is_network=False, organisation_ids=(org.pk,), acting_organisation_id=org.pk)


def _case(network, org_key, *, opened, closed=None):
    org = network.org_a if org_key == "a" else network.org_b
    case = open_case(network.user(org_key, Role.CASE_MANAGER), org)
    Case.objects.filter(pk=case.pk).update(
        opened_on=opened,
        closed_on=closed,
        status=CaseStatus.CLOSED if closed else CaseStatus.OPEN,
        closure_outcome="goals_reached" if closed else "",
    )
    case.refresh_from_db()
    return case


@pytest.fixture
def caseload(network):
    d = datetime.date
    return {
        "a_open_2024": _case(network, "a", opened=d(2024, 11, 5)),
        "a_open_mar": _case(network, "a", opened=d(2025, 3, 10)),
        "a_closed_apr": _case(network, "a", opened=d(2025, 3, 12), closed=d(2025, 4, 2)),
        "a_closed_2026": _case(network, "a", opened=d(2025, 6, 1), closed=d(2026, 2, 1)),
        "b_open_mar": _case(network, "b", opened=d(2025, 3, 20)),
        "b_old_closed": _case(network, "b", opened=d(2023, 1, 1), closed=d(2024, 1, 1)),
    }


def test_caseload_by_organisation_counts_open_opened_and_closed(caseload, network):
    rows = {r["organisation_id"]: r for r in caseload_by_organisation(scope=NETWORK, period=PERIOD)}
    # A: open at the end of 2025 = the 2024 one, March's, and the one closed only in 2026
    assert rows[network.org_a.pk] == {
        "organisation_id": network.org_a.pk,
        "organisation": "Caritas Test",
        "open": 3,
        "opened": 3,
        "closed": 1,
    }
    assert rows[network.org_b.pk]["open"] == 1 and rows[network.org_b.pk]["opened"] == 1
    assert rows[network.org_b.pk]["closed"] == 0


def test_caseload_for_an_org_admin_scope_is_its_own(caseload, network):
    rows = caseload_by_organisation(scope=only(network.org_b), period=PERIOD)
    assert [r["organisation_id"] for r in rows] == [network.org_b.pk]


def test_caseload_by_case_manager(caseload, network):
    rows = caseload_by_case_manager(scope=NETWORK, period=PERIOD)
    manager_a = network.user("a", Role.CASE_MANAGER)
    row = next(r for r in rows if r["case_manager_id"] == manager_a.pk)
    assert row["open"] == 3 and row["organisation"] == "Caritas Test"


def test_cases_opened_and_closed_per_month(caseload):
    rows = {r["month"]: r for r in cases_per_month(scope=NETWORK, period=PERIOD)}
    assert len(rows) == 12
    assert rows[datetime.date(2025, 3, 1)] == {"month": datetime.date(2025, 3, 1), "opened": 3, "closed": 0}
    assert rows[datetime.date(2025, 4, 1)]["closed"] == 1
    assert rows[datetime.date(2025, 6, 1)]["opened"] == 1
    assert sum(r["opened"] for r in rows.values()) == 4


def test_caseload_by_pathway_counts_running_processes(caseload, network):
    CaseProcess.objects.create(flow_class=CaseFlow, case=caseload["a_open_mar"])
    CaseProcess.objects.create(flow_class=CaseFlow, case=caseload["b_open_mar"])
    finished = CaseProcess.objects.create(flow_class=CaseFlow, case=caseload["a_closed_apr"])
    CaseProcess.objects.filter(pk=finished.pk).update(finished=timezone.now() - datetime.timedelta(days=1))
    CaseProcess.objects.create(flow_class=HandoffFlow, case=caseload["a_open_mar"])
    today = Period(start=datetime.date(2025, 1, 1), end=timezone.localdate())
    rows = {r["flow"]: r for r in caseload_by_pathway(scope=NETWORK, period=today)}
    assert rows["case"]["cases"] == 2
    assert rows["handoff"]["cases"] == 1
    assert {r["flow"]: r["cases"] for r in caseload_by_pathway(scope=only(network.org_b), period=today)} == {"case": 1}


# --- handoffs ----------------------------------------------------------------------------------------------------


def _handoff(case, sender, receiver, *, sent, due, decided=None, status="pending", escalated=None):
    return Handoff.objects.create(
        case=case,
        kind="referral",
        status=status,
        sender_organisation=sender,
        receiver_organisation=receiver,
        sent_by=case.case_manager,
        reason="test",
        sent_at=sent,
        due_at=due,
        decided_at=decided,
        escalated_at=escalated,
    )


def test_sla_breaches_per_receiver(network, caseload):
    case = caseload["a_open_mar"]
    a, b = network.org_a, network.org_b
    _handoff(case, a, b, sent=at(5, 1), due=at(5, 4), decided=at(5, 2), status="accepted")  # in time
    _handoff(case, a, b, sent=at(5, 1), due=at(5, 4), decided=at(5, 9), status="declined")  # late
    _handoff(case, a, b, sent=at(6, 1), due=at(6, 4), escalated=at(6, 5))  # unanswered, past due
    _handoff(case, a, b, sent=at(12, 30), due=at(12, 30) + datetime.timedelta(days=3))  # not due by year end
    _handoff(case, b, a, sent=at(7, 1), due=at(7, 3), decided=at(7, 2), status="accepted")
    _handoff(case, a, b, sent=at(1, 1) - datetime.timedelta(days=30), due=at(1, 2))  # sent before the period
    rows = {r["organisation_id"]: r for r in sla_breaches(scope=NETWORK, period=PERIOD)}
    assert rows[b.pk] | {} == {
        "organisation_id": b.pk,
        "organisation": "Cooperativa Test",
        "sent": 4,
        "on_time": 1,
        "late": 1,
        "overdue": 1,
        "escalated": 1,
        "breaches": 2,
    }
    assert rows[a.pk]["breaches"] == 0
    assert [r["organisation_id"] for r in sla_breaches(scope=only(a), period=PERIOD)] == [a.pk]


def test_referral_loops_per_pair_with_reasons_and_time_to_accept(network, history, caseload):
    case = caseload["a_open_mar"]
    a, b = network.org_a, network.org_b
    c = make_organisation("Banco Test")
    hours = [2, 4, 30]
    for n, h in enumerate(hours):
        history.handoff_event(case, kind=HistoryKind.HANDOFF_SENT, acting=a, partner=b, when=at(3, 1 + n))
        history.handoff_event(
            case,
            kind=HistoryKind.HANDOFF_ACCEPTED,
            acting=b,
            partner=a,
            when=at(3, 1 + n) + datetime.timedelta(hours=h),
            task_created_at=at(3, 1 + n),
        )
    history.handoff_event(
        case, kind=HistoryKind.HANDOFF_OUTCOME, acting=b, partner=a, when=at(4, 1), detail={"outcome": "completed"}
    )
    history.handoff_event(
        case, kind=HistoryKind.HANDOFF_OUTCOME, acting=b, partner=a, when=at(4, 2), detail={"outcome": "not_done"}
    )
    # A sends to C, C declines for capacity, A redirects to B (a second sending to B), B declines: not eligible
    history.handoff_event(case, kind=HistoryKind.HANDOFF_SENT, acting=a, partner=c, when=at(5, 1))
    history.handoff_event(
        case,
        kind=HistoryKind.HANDOFF_DECLINED,
        acting=c,
        partner=a,
        when=at(5, 2),
        task_created_at=at(5, 1),
        detail={"reason": DeclineReason.CAPACITY},
    )
    history.handoff_event(case, kind=HistoryKind.HANDOFF_REDIRECTED, acting=a, partner=b, when=at(5, 3))
    history.handoff_event(
        case,
        kind=HistoryKind.HANDOFF_DECLINED,
        acting=b,
        partner=a,
        when=at(5, 4),
        task_created_at=at(5, 3),
        detail={"reason": DeclineReason.NOT_ELIGIBLE},
    )
    pairs = {(p.sender_id, p.receiver_id): p for p in referral_loops(scope=NETWORK, period=PERIOD)}
    ab = pairs[(a.pk, b.pk)]
    assert (ab.sent, ab.accepted, ab.declined, ab.completed) == (4, 3, 1, 1)
    assert ab.declined_by_reason == {"not_eligible": 1}
    assert ab.time_to_accept.count == 3
    assert ab.time_to_accept.p50 == pytest.approx(4 * 3600, abs=1)
    assert ab.time_to_accept.p90 == pytest.approx((4 + 0.8 * 26) * 3600, abs=1)
    ac = pairs[(a.pk, c.pk)]
    assert (ac.sent, ac.accepted, ac.declined, ac.declined_by_reason) == (1, 0, 1, {"capacity": 1})
    assert (ab.sender, ab.receiver) == ("Caritas Test", "Cooperativa Test")
    # C's admin sees only the pairs C is part of
    assert [(p.sender_id, p.receiver_id) for p in referral_loops(scope=only(c), period=PERIOD)] == [(a.pk, c.pk)]


# --- duplicate aid ------------------------------------------------------------------------------------------------


def _aid(case, org, kind, day, *, household=None, quantity=1):
    return Intervention.objects.create(
        case=case,
        household=household,
        organisation=org,
        kind=kind,
        delivered_on=day,
        quantity=quantity,
        recorded_by=case.case_manager,
    )


@pytest.fixture
def aid(network, caseload):
    a, b = network.org_a, network.org_b
    c = make_organisation("Banco Test")
    d = datetime.date
    family = Household.objects.create(name="Esposito", registered_by=a)
    case_a = caseload["a_open_mar"]
    case_b = caseload["b_open_mar"]
    Case.objects.filter(pk__in=[case_a.pk, case_b.pk]).update(household=family)
    case_a.refresh_from_db()
    case_b.refresh_from_db()
    # the household gets food parcels from A (its case), B (another member's case) and C (recorded on A's case)
    _aid(case_a, a, InterventionKind.FOOD_PARCEL, d(2025, 3, 15))
    _aid(case_a, a, InterventionKind.FOOD_PARCEL, d(2025, 4, 15), quantity=2)
    _aid(case_b, b, InterventionKind.FOOD_PARCEL, d(2025, 3, 20))
    _aid(case_a, c, InterventionKind.FOOD_PARCEL, d(2025, 5, 2), household=family)
    # vouchers from A only: no signal; a bill from B in 2024 and from A in 2025: not the same period
    _aid(case_a, a, InterventionKind.VOUCHER, d(2025, 3, 15))
    _aid(case_a, a, InterventionKind.BILL_PAYMENT, d(2025, 3, 15))
    _aid(case_b, b, InterventionKind.BILL_PAYMENT, d(2024, 3, 15))
    # a person without a household: meals from A and B on the same case
    lonely = caseload["a_open_2024"]
    _aid(lonely, a, InterventionKind.MEAL, d(2025, 7, 1))
    _aid(lonely, b, InterventionKind.MEAL, d(2025, 7, 2))
    return {"family": family, "c": c, "case_a": case_a, "case_b": case_b, "lonely": lonely}


def test_duplicate_aid_signals_for_the_network(aid, network):
    signals = duplicate_aid_signals(scope=NETWORK, period=PERIOD)
    assert [(s.household_key, s.kind, s.organisations, s.deliveries) for s in signals] == [
        (aid["family"].pk, InterventionKind.FOOD_PARCEL, 3, 4),
        (-aid["lonely"].person_id, InterventionKind.MEAL, 2, 2),
    ]
    food = signals[0]
    assert food.quantity == 5
    assert (food.first_on, food.last_on) == (datetime.date(2025, 3, 15), datetime.date(2025, 5, 2))
    assert sorted(food.organisation_names) == ["Banco Test", "Caritas Test", "Cooperativa Test"]
    assert sorted(food.case_codes) == sorted([aid["case_a"].code, aid["case_b"].code])
    assert signals[1].is_person


def test_duplicate_aid_for_an_org_admin_shows_its_signals_and_only_its_case_codes(aid, network):
    signals = duplicate_aid_signals(scope=only(aid["c"]), period=PERIOD)
    assert [(s.kind, s.organisations) for s in signals] == [(InterventionKind.FOOD_PARCEL, 3)]
    assert signals[0].case_codes == [] and signals[0].hidden_cases == 2
    signals_b = duplicate_aid_signals(scope=only(network.org_b), period=PERIOD)
    assert {s.kind for s in signals_b} == {InterventionKind.FOOD_PARCEL, InterventionKind.MEAL}
    food = next(s for s in signals_b if s.kind == InterventionKind.FOOD_PARCEL)
    assert food.case_codes == [aid["case_b"].code] and food.hidden_cases == 1


def test_duplicate_aid_respects_the_period(aid):
    spring = Period(start=datetime.date(2025, 3, 1), end=datetime.date(2025, 3, 31))
    (signal,) = duplicate_aid_signals(scope=NETWORK, period=spring)
    assert (signal.kind, signal.organisations, signal.deliveries) == (InterventionKind.FOOD_PARCEL, 2, 2)


def test_deliveries_follow_their_case_into_a_household_and_through_a_person_merge(network, caseload):
    from cases.services import case_update, person_merge

    a, b = network.org_a, network.org_b
    d = datetime.date
    lonely, other = caseload["a_open_2024"], caseload["a_open_mar"]
    _aid(lonely, a, InterventionKind.MEAL, d(2025, 7, 1))  # recorded while the person had no household
    family = Household.objects.create(name="Rossi", registered_by=a)
    other_person_meal = _aid(other, b, InterventionKind.MEAL, d(2025, 7, 3), household=family)
    assert duplicate_aid_signals(scope=NETWORK, period=PERIOD) == []
    # The case joins the household: its earlier meal now counts for the household, as if recorded there.
    case_update(actor=lonely.case_manager, case=lonely, household=family)
    (signal,) = duplicate_aid_signals(scope=NETWORK, period=PERIOD)
    assert (signal.household_key, signal.organisations, signal.deliveries) == (family.pk, 2, 2)
    # A delivery recorded with its own household keeps it.
    other_person_meal.refresh_from_db()
    assert other_person_meal.recipient_key == family.pk
    # A person merged into another: the deliveries of the moved cases without a household follow the kept person.
    case_update(actor=lonely.case_manager, case=lonely, household=None)
    kept = other.person
    person_merge(
        actor=network.user("a", Role.CASE_MANAGER),
        kept=kept,
        merged=lonely.person,
        reason="Stessa persona registrata due volte",
    )
    assert set(Intervention.objects.filter(case=lonely).values_list("recipient_key", flat=True)) == {-kept.pk}


def test_figures_query_counts_are_fixed(aid, network, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        duplicate_aid_signals(scope=NETWORK, period=PERIOD)
    # PostgreSQL adds a savepoint and SET LOCAL work_mem around the percentile query
    with django_assert_max_num_queries(7):
        referral_loops(scope=NETWORK, period=PERIOD)
    with django_assert_max_num_queries(1):
        sla_breaches(scope=NETWORK, period=PERIOD)
    with django_assert_max_num_queries(2):
        cases_per_month(scope=NETWORK, period=PERIOD)
