"""The life of one demo case after intake (`CaseStory`): consents, assessment and plan, notes, services delivered
by the lead and by the partners given read access (as an accepted referral would), ISEE renewals, a second case
on the same household, closure. Each step has a date; the steps are replayed in date order on the simulated
clock (`demo.clock`), everything through ``cases.services``."""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING

from demo.catalogue import DELIVERIES, DOMAIN_SERVICES
from demo.network import CM
from demo.story_texts import CASE_TITLES, GOALS, NOTES, OUTCOMES, SENSITIVE_NOTES

if TYPE_CHECKING:
    from demo.people import PeopleLoader

FICTIONAL_MARK = "Dati fittizi"


def weighted(rng: random.Random, table: dict):
    return rng.choices(list(table), weights=list(table.values()))[0]


def money(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randint(low * 100, high * 100)) / 100


class CaseStory:
    """The life of one case after intake: steps with a date, replayed in date order on the clock."""

    def __init__(
        self, loader: PeopleLoader, *, case, lead: str, actor, household, needs: dict[str, int], duplicate: bool
    ):
        self.loader, self.rng, self.net = loader, loader.rng, loader.net
        self.case, self.lead, self.actor, self.household, self.needs = case, lead, actor, household, needs
        self.duplicate = duplicate
        self.steps: list[tuple[datetime.date, int, int, Callable[[], object]]] = []
        self.end = self._fate()
        self.helpers = self._helpers()

    def at(self, day: datetime.date, priority: int, step: Callable[[], object]) -> None:
        self.steps.append((day, priority, len(self.steps), step))

    def run(self) -> None:
        for day, _priority, _n, step in sorted(self.steps, key=lambda s: s[:3]):
            self.loader.clock.set(day)
            step()

    def _fate(self) -> datetime.date:
        """Decide how the case ends: its last day of activity, and a status step."""
        from workflows.services import lifecycle

        rng, today, opened = self.rng, self.loader.today, self.case.opened_on
        age = (today - opened).days
        r = rng.random()
        self.closed = age > 90 and r < 0.25
        if self.closed:
            end = opened + datetime.timedelta(days=rng.randint(60, age))
            outcome = weighted(rng, OUTCOMES)
            self.at(
                end,
                9,
                lambda: lifecycle.case_close(
                    actor=self.actor,
                    case=self.case,
                    outcome=outcome,
                    closed_on=end,
                    note="Chiusura concordata in équipe.",
                ),
            )
            self.loader.stats["closed"] += 1
        else:
            end = today
        if self.closed or (age >= 20 and r < 0.9) or r < 0.3:
            started = self.loader.day_between(opened, end, 1, 14)
            self.at(started, 1, lambda: lifecycle.case_set_status(actor=self.actor, case=self.case, status="active"))
            if not self.closed and r > 0.8:
                day = self.loader.day_between(started, end, 30)
                self.at(day, 8, lambda: lifecycle.case_set_status(actor=self.actor, case=self.case, status="suspended"))
        return end

    def _helpers(self) -> list[str]:
        """Other partners that will get read access to deliver services (as an accepted referral would)."""
        rng, loader = self.rng, self.loader
        candidates = [
            slug
            for slug in loader.deliverers
            if slug != self.lead
            and any(
                code in loader.services_of(slug)
                for domain, severity in self.needs.items()
                if severity >= 2
                for code in DOMAIN_SERVICES[domain]
            )
        ]
        helpers = rng.sample(candidates, min(len(candidates), rng.randint(0, 2)))
        if self.duplicate:
            food = [slug for slug in loader.food if slug != self.lead and slug not in helpers]
            wanted = 1 if "food-aid" in loader.services_of(self.lead) else 2
            helpers += rng.sample(food, min(wanted, len(food)))
        return helpers

    # -- steps

    def intake(self, person) -> None:
        """Consent on the day of intake: processing, and sharing with the network or named partners."""
        from cases import services

        rng, opened, stats = self.rng, self.case.opened_on, self.loader.stats
        expires = rng.choice([None, 365, 730, 1095, 1095])
        expires_on = opened + datetime.timedelta(days=expires) if expires else None
        services.consent_record(
            actor=self.actor, person=person, purpose="processing", given_on=opened, expires_on=expires_on
        )
        stats["consents"] += 1
        scope = "network" if self.duplicate else rng.choices(["network", "named", "none"], weights=[60, 25, 15])[0]
        if scope == "none":
            self.helpers = []
        else:
            named = [self.net.organisations[s] for s in self.helpers] or [
                self.net.organisations[rng.choice([s for s in self.loader.deliverers if s != self.lead])]
            ]
            sharing = services.consent_record(
                actor=self.actor,
                person=person,
                purpose="share_network" if scope == "network" else "share_named",
                given_on=opened,
                expires_on=expires_on,
                organisations=named if scope == "named" else (),
            )
            stats["consents"] += 1
            if rng.random() < 0.06:
                withdrawn = self.loader.day_between(opened, self.loader.today, 30)
                self.at(
                    withdrawn,
                    7,
                    lambda: services.consent_withdraw(
                        actor=self.actor, consent=sharing, withdrawn_on=withdrawn, note="Revoca su richiesta."
                    ),
                )
                stats["consents_withdrawn"] += 1
        first_note = (
            f"[{FICTIONAL_MARK}] Colloquio di accoglienza con una persona inventata per la "
            f"dimostrazione di Tavolo: bisogno principale «{CASE_TITLES[next(iter(self.needs))]}»."
        )
        self.at(opened, 2, lambda: self._note(first_note, False))

    def schedule(self) -> None:
        """Everything after intake, each step on its own day."""
        self._assess_and_plan()
        self._notes()
        self._deliveries()
        self._isee_renewal()

    def _note(self, body: str, sensitive: bool) -> None:
        from cases import services

        services.note_add(actor=self.actor, case=self.case, body=body, is_sensitive=sensitive)
        self.loader.stats["notes"] += 1

    def _notes(self) -> None:
        for _n in range(self.rng.randint(0, 3)):
            sensitive = self.rng.random() < 0.2
            body = self.rng.choice(SENSITIVE_NOTES if sensitive else NOTES)
            self.at(self.loader.day_between(self.case.opened_on, self.end, 1), 5, partial(self._note, body, sensitive))

    def _assess(self, domain: str, severity: int, day: datetime.date) -> None:
        from cases import services

        services.assessment_record(actor=self.actor, case=self.case, domain=domain, severity=severity, assessed_on=day)
        self.loader.stats["assessments"] += 1

    def _assess_and_plan(self) -> None:
        from cases import services

        rng, loader = self.rng, self.loader
        for domain, severity in self.needs.items():
            day = loader.day_between(self.case.opened_on, self.end, 0, 10)
            self.at(day, 3, partial(self._assess, domain, severity, day))
        if rng.random() > 0.75 or (loader.today - self.case.opened_on).days < 10:
            return
        agreed = loader.day_between(self.case.opened_on, self.end, 5, 30)
        goals = [d for d, s in self.needs.items() if s >= 2][:3]

        def plan():
            services.plan_update(
                actor=self.actor,
                case=self.case,
                agreed_on=agreed,
                next_review_on=agreed + datetime.timedelta(days=rng.choice([90, 180])),
                summary="Patto condiviso con la persona e con gli enti coinvolti.",
            )
            for domain in goals:
                titles, actions = GOALS[domain]
                goal = services.goal_add(
                    actor=self.actor, case=self.case, domain=domain, description=rng.choice(titles)
                )
                for description in rng.sample(actions, rng.randint(1, 2)):
                    owners = [
                        s
                        for s in [self.lead, *self.helpers]
                        if set(DOMAIN_SERVICES[domain]) & set(loader.services_of(s))
                    ] or [self.lead]
                    due = agreed + datetime.timedelta(days=rng.randint(14, 180))
                    status = (
                        ("done" if rng.random() < 0.6 else "in_progress")
                        if due < loader.today
                        else rng.choice(["planned", "in_progress"])
                    )
                    services.action_add(
                        actor=self.actor,
                        goal=goal,
                        description=description,
                        due_on=due,
                        owner_organisation=self.net.organisations[rng.choice(owners)],
                        status=status,
                    )
                    loader.stats["actions"] += 1
                loader.stats["goals"] += 1

        self.at(agreed, 4, plan)

    def _count(self, key: str, obj):
        self.loader.stats[key] += 1
        return obj

    def _grant(self, slug: str) -> datetime.date:
        """Read access for a helper, as an accepted referral gives it; recorded on the timeline."""
        from cases.models import TimelineKind
        from cases.permissions.grants import grant_case_access
        from cases.services.timeline import timeline_record
        from core.models import AuditAction

        organisation = self.net.organisations[slug]
        day = self.loader.day_between(self.case.opened_on, self.end, 1, 20)

        def grant():
            grant_case_access(self.case, organisation, change=False)
            timeline_record(
                case=self.case,
                kind=TimelineKind.ACCESS_GRANTED,
                actor=self.actor,
                organisation_id=self.case.lead_organisation_id,
                obj=self.case,
                summary=f"Accesso in lettura: {organisation}",
                audit_action=AuditAction.GRANT,
                detail={"organisation": organisation.pk},
            )
            self.loader.stats["shared_cases"] += 1

        self.at(day, 2, grant)
        return day

    def _deliver(self, slug: str, day: datetime.date, *, kind: str | None = None, recorder=None, case_of=None) -> None:
        from cases import services

        rng = self.rng
        options = [(code, d) for code in self.loader.services_of(slug) for d in DELIVERIES.get(code, ())]
        if kind is not None:
            options = [(code, d) for code, d in options if d[0] == kind]
        if not options:
            return
        code, (kind, values, max_quantity) = rng.choice(options)
        value = money(rng, *values) if values else None
        recorder = self.loader.recorder(slug, recorder)
        case_of = case_of or (lambda: self.case)
        self.at(
            day,
            6,
            lambda: self._count(
                "interventions",
                services.intervention_record(
                    actor=recorder,
                    case=case_of(),
                    kind=kind,
                    delivered_on=day,
                    quantity=rng.randint(1, max_quantity),
                    value=value,
                    service_type=self.net.services.get(code),
                    note="",
                ),
            ),
        )

    def _deliveries(self) -> None:
        rng, loader, opened = self.rng, self.loader, self.case.opened_on
        for _n in range(rng.randint(0, 5)):
            self._deliver(self.lead, loader.day_between(opened, self.end), recorder=self.actor)
        access = {self.lead: opened}
        for slug in self.helpers:
            access[slug] = self._grant(slug)
            for _n in range(rng.randint(1, 4)):
                self._deliver(slug, loader.day_between(access[slug], self.end))
        food = [slug for slug in access if "food-aid" in loader.services_of(slug)]
        if self.duplicate and len(food) >= 2:
            # The same household gets a food parcel from two organisations in the same month.
            first = loader.day_between(max(access[s] for s in food[:2]), self.end, 1)
            second = min(first.replace(day=min(28, first.day + rng.randint(0, 10))), loader.today, self.end)
            for slug, day in zip(food[:2], (first, max(first, second)), strict=True):
                self._deliver(slug, day, kind="food_parcel")
            loader.stats["duplicate_aid_households"] += 1

    def _isee_renewal(self) -> None:
        from cases import services

        household, rng, today = self.household, self.rng, self.loader.today
        if household is None or household.isee_value is None or self.case.opened_on.year >= today.year:
            return
        if rng.random() < 0.45:
            year = rng.randint(self.case.opened_on.year + 1, today.year)
            day = min(datetime.date(year, rng.randint(1, 3), rng.randint(1, 28)), today)
            value = money(rng, 0, 22000)
            self.at(
                day,
                7,
                lambda: services.household_update(
                    actor=self.actor,
                    household=household,
                    name=household.name,
                    address=household.address,
                    isee_value=value,
                    isee_expires_on=datetime.date(year, 12, 31),
                ),
            )

    def second_case(self, spouse) -> None:
        """The spouse asks another partner for help: a second case on the same household (and its aid)."""
        from cases import services
        from workflows.services import lifecycle

        rng, loader = self.rng, self.loader
        leads = [s for s in loader.leads if s != self.lead]
        lead = rng.choice(leads)
        actor = rng.choice(self.net.members(lead, CM))
        day = loader.day_between(self.case.opened_on, loader.today, 30, 400)
        holder = {}

        def open_case():
            holder["case"] = lifecycle.case_open(
                actor=actor,
                organisation_id=self.net.organisations[lead].pk,
                person=spouse,
                household=self.household,
                title=CASE_TITLES["income"],
                opened_on=day,
                codice_fiscale_proof=spouse.codice_fiscale,
                with_pathway=False,
            )
            services.consent_record(actor=actor, person=spouse, purpose="processing", given_on=day)
            services.note_add(
                actor=actor,
                case=holder["case"],
                body=f"[{FICTIONAL_MARK}] Colloquio di accoglienza "
                "con una persona inventata per la dimostrazione di Tavolo.",
            )
            loader.stats["notes"] += 1
            loader.stats["cases"] += 1
            loader.stats["consents"] += 1

        self.at(day, 1, open_case)
        for _n in range(rng.randint(1, 4)):
            self._deliver(lead, loader.day_between(day, loader.today), case_of=lambda: holder["case"], recorder=actor)
        loader.stats["second_cases"] += 1
