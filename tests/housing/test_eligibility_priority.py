"""Eligibility rule by rule, and the priority score on crafted data: computed in SQL, explained, reproducible."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from core.models import AuditEntry
from housing import priority
from housing.eligibility import check_eligibility
from housing.models import Application, EligibilityRule, HousingProfile, PriorityWeights, ResourceKind
from housing.services import resources
from tests.factories import open_case

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def rules(sap_rule):
    residence = EligibilityRule.objects.create(
        kind=ResourceKind.PUBLIC,
        field="years_in_region",
        comparison="gte",
        threshold=Decimal("5"),
        message="Less than 5 years in Lombardy.",
    )
    return [sap_rule, residence]


@pytest.mark.parametrize(
    ("isee", "years", "eligible", "reasons"),
    [
        (Decimal("15999.99"), 5, True, []),
        (Decimal("16000"), 12, True, []),
        (Decimal("16000.01"), 12, False, ["ISEE above 16,000 €. (recorded: 16,000.01)"]),
        (Decimal("9000"), 4, False, ["Less than 5 years in Lombardy. (recorded: 4)"]),
        (None, 7, False, ["Not recorded in the housing section: ISEE (€)."]),
    ],
)
def test_sap_eligibility(rules, isee, years, eligible, reasons):
    profile = HousingProfile(isee=isee, years_in_region=years, household_size=1, situation="homeless")
    result = check_eligibility(profile, ResourceKind.PUBLIC)
    assert result.eligible is eligible
    assert result.reasons == reasons
    assert len(result.checks) == 2


def test_a_type_without_rules_is_open_to_everyone(rules):
    assert check_eligibility(HousingProfile(household_size=1), ResourceKind.SHELTER).eligible


def test_an_inactive_rule_is_not_applied(rules):
    EligibilityRule.objects.filter(field="years_in_region").update(is_active=False)
    profile = HousingProfile(isee=Decimal("100"), years_in_region=0, household_size=1)
    assert check_eligibility(profile, ResourceKind.PUBLIC).eligible


def test_the_seeded_sap_rule_is_the_lombardy_threshold():
    rule = EligibilityRule.objects.get(kind=ResourceKind.PUBLIC, field="isee", is_active=True)
    assert (rule.comparison, rule.threshold) == ("lte", Decimal("16000.00"))
    assert "4/2017" in rule.source


# --- priority ------------------------------------------------------------------------------------------------

WEIGHTS = {
    "homeless": 30,
    "eviction": 20,
    "violence": 30,
    "unfit": 10,
    "overcrowding": 8,
    "precarious": 6,
    "per_minor": 5,
    "minors_cap": 4,
    "disability": 10,
    "eviction_near": 15,
    "eviction_window_days": 90,
    "per_month_waiting": 1,
    "waiting_cap_months": 24,
}


def make_app(case, **fields) -> Application:
    fields.setdefault("situation", "homeless")
    app = Application(
        case=case,
        kind=ResourceKind.PUBLIC,
        organisation=case.lead_organisation,
        created_by=case.case_manager or case.person.registered_by.memberships.first().user,
        **fields,
    )
    app.save()
    return app


@pytest.fixture
def crafted(network, lead):
    PriorityWeights.objects.all().delete()
    PriorityWeights.objects.create(effective_from=D(2024, 1, 1), **WEIGHTS)
    cases = [open_case(lead, network.org_a) for _ in range(4)]
    return {
        # homeless 30 + waiting 10 months (300 days // 30) = 40
        "street": make_app(cases[0], situation="homeless", applied_on=D(2024, 3, 1)),
        # eviction 20 + 3 minors 15 + eviction in 29 days 15 + 0 months = 50
        "eviction": make_app(
            cases[1], situation="eviction", minors=3, eviction_date=D(2024, 12, 26), applied_on=D(2024, 12, 1)
        ),
        # overcrowding 8 + 6 minors capped at 4 → 20 + disability 10 + 24 months capped (≥ 720 days) = 62
        "crowded": make_app(cases[2], situation="overcrowding", minors=6, disabled_members=1, applied_on=D(2021, 1, 1)),
        # made after the ranking day: not on the list
        "later": make_app(cases[3], situation="violence", applied_on=D(2025, 1, 5)),
    }


def test_scores_are_computed_in_sql_on_crafted_data(crafted):
    day = D(2024, 11, 27)  # 271 days after 1 March: 9 months
    ranking = list(priority.ranked(Application.objects.all(), day=day))
    assert [a.pk for a in ranking] == [crafted["crowded"].pk, crafted["street"].pk]
    scores = {a.pk: a.score for a in ranking}
    assert scores[crafted["crowded"].pk] == 62
    assert scores[crafted["street"].pk] == 39
    assert crafted["eviction"].pk not in scores  # applied on 1 December, after the ranking day
    assert crafted["later"].pk not in scores


def test_ranking_order_and_explanation_match(crafted):
    day = D(2024, 12, 27)
    weights = priority.weights_on(day)
    ranking = list(priority.ranked(Application.objects.all(), day=day))
    assert [a.pk for a in ranking] == [crafted["crowded"].pk, crafted["eviction"].pk, crafted["street"].pk]
    eviction = ranking[1]
    assert (
        eviction.s_situation,
        eviction.s_minors,
        eviction.s_disability,
        eviction.s_eviction,
        eviction.s_waiting,
    ) == (20, 15, 0, 15, 0)
    criteria = priority.explain(eviction, day=day, weights=weights)
    assert sum(c.points for c in criteria) == eviction.score == 50
    assert "3 × 5 points" in criteria[1].detail
    assert "26 Dec 2024" in criteria[3].detail


def test_ties_go_to_the_older_application(network, lead):
    PriorityWeights.objects.all().delete()
    PriorityWeights.objects.create(effective_from=D(2024, 1, 1), **{**WEIGHTS, "per_month_waiting": 0})
    newer = make_app(open_case(lead, network.org_a), applied_on=D(2024, 6, 2))
    older = make_app(open_case(lead, network.org_a), applied_on=D(2024, 6, 1))
    assert [a.pk for a in priority.ranked(Application.objects.all(), day=D(2024, 7, 1))] == [older.pk, newer.pk]


def test_the_ranking_of_a_past_date_is_reproducible_after_new_weights(crafted, coordinator):
    day = D(2024, 12, 27)
    before = [(a.pk, a.score) for a in priority.ranked(Application.objects.all(), day=day)]

    resources.weights_create(
        actor=coordinator,
        effective_from=timezone.localdate(),
        values={**WEIGHTS, "homeless": 100, "per_minor": 0},
        note="Più peso ai senza dimora",
    )

    assert [(a.pk, a.score) for a in priority.ranked(Application.objects.all(), day=day)] == before
    today = [(a.pk, a.score) for a in priority.ranked(Application.objects.all(), day=timezone.localdate())]
    assert today[0][0] == crafted["street"].pk  # the new weights apply from their day on


def test_closed_applications_count_until_they_were_closed(crafted):
    Application.objects.filter(pk=crafted["street"].pk).update(status="placed", closed_on=D(2024, 12, 15))
    on_10 = {a.pk for a in priority.ranked(Application.objects.all(), day=D(2024, 12, 10))}
    on_20 = {a.pk for a in priority.ranked(Application.objects.all(), day=D(2024, 12, 20))}
    assert crafted["street"].pk in on_10 and crafted["street"].pk not in on_20


def test_only_the_coordinator_changes_weights_and_it_is_audited(coordinator, lead, network):
    with pytest.raises(PermissionDenied):
        resources.weights_create(actor=lead, effective_from=timezone.localdate(), values=WEIGHTS)
    with pytest.raises(PermissionDenied):
        resources.weights_create(
            actor=network.user("b", "org_admin"), effective_from=timezone.localdate(), values=WEIGHTS
        )
    weights = resources.weights_create(
        actor=coordinator,
        effective_from=timezone.localdate() + datetime.timedelta(days=1),
        values=WEIGHTS,
        note="Revisione annuale",
    )
    entry = AuditEntry.objects.get(object_type="housing.priorityweights", object_id=str(weights.pk))
    assert entry.user == coordinator and entry.detail["values"]["homeless"] == 30
    assert entry.detail["previous"] is not None


def test_weights_cannot_change_the_past(coordinator):
    count = PriorityWeights.objects.count()
    with pytest.raises(ValidationError, match="reproducible"):
        resources.weights_create(
            actor=coordinator, effective_from=timezone.localdate() - datetime.timedelta(days=1), values=WEIGHTS
        )
    with pytest.raises(ValidationError):
        resources.weights_create(
            actor=coordinator, effective_from=timezone.localdate(), values={**WEIGHTS, "homeless": -3}
        )
    assert PriorityWeights.objects.count() == count


def test_only_the_coordinator_edits_rules_and_it_is_audited(coordinator, lead, sap_rule):
    with pytest.raises(PermissionDenied):
        resources.rule_save(
            actor=lead,
            rule=sap_rule,
            data={
                "kind": "public",
                "field": "isee",
                "comparison": "lte",
                "threshold": Decimal("18000"),
                "message": "x",
            },
        )
    resources.rule_save(
        actor=coordinator,
        rule=sap_rule,
        data={
            "kind": "public",
            "field": "isee",
            "comparison": "lte",
            "threshold": Decimal("17000"),
            "message": "ISEE oltre soglia",
            "is_active": True,
        },
    )
    sap_rule.refresh_from_db()
    assert sap_rule.threshold == Decimal("17000")
    entry = AuditEntry.objects.get(object_type="housing.eligibilityrule", object_id=str(sap_rule.pk))
    assert entry.detail["before"]["threshold"] == "16000.00" and entry.detail["after"]["threshold"] == "17000.00"
