"""Clearly fictional people for the demo network: households, consents and case files, registered by the
network's staff through ``cases.services``; each case's later history is a `demo.stories.CaseStory`.

Simulated history: the whole load runs on the simulated clock (`demo.clock`), which moves the process clock to
the day of the step being replayed; without it, two years of case history would all be stamped with the minute
the command ran.
"""

from __future__ import annotations

import datetime
import random
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from django.utils import timezone

from cases.services.persons import PersonFields
from demo.catalogue import DOMAIN_SERVICES
from demo.clock import DemoClock, simulated_time
from demo.identities import HOMELESS_ADDRESS, ITALIAN_PLACES, ORIGINS, Origin, codice_fiscale
from demo.network import CM, OP, VOL, DemoError, DemoNetwork, load_network
from demo.stories import CaseStory, money, weighted
from demo.story_texts import CASE_TITLES
from partners.models import NetworkRole

PRIMARY_NEEDS = {
    "food": 20,
    "income": 20,
    "housing": 18,
    "work": 18,
    "debts": 6,
    "family": 8,
    "health": 5,
    "legal": 3,
    "language": 2,
}


@dataclass
class Member:
    relationship: str
    sex: str
    age: int


class PeopleLoader:
    """Replays, household by household, what the network's staff would do: intake, consent, assessment,
    plan, notes, services delivered, referrals (read grants), closure. Everything through the services."""

    def __init__(self, network: DemoNetwork, *, rng: random.Random, faker, clock: DemoClock, today: datetime.date):
        from cases.models import Person

        self.net, self.rng, self.faker, self.clock, self.today = network, rng, faker, clock, today
        self.stats: Counter = Counter()
        self.used_cf = set(Person.objects.exclude(codice_fiscale=None).values_list("codice_fiscale", flat=True))
        # Lists, never sets: the iteration order must not depend on the string hash seed (--seed reproduces).
        partners = [slug for slug, org in network.organisations.items() if org.network_role != NetworkRole.ADHERENT]
        self.leads = {
            slug: network.profiles[slug].lead_weight
            for slug in partners
            if network.profiles[slug].lead_weight and network.members(slug, CM)
        }
        if not self.leads:
            raise DemoError("No partner with a case manager: nobody can open the demo cases.")
        self.deliverers = sorted(slug for slug in partners if network.members(slug, CM, OP, VOL))
        self.food = [slug for slug in self.deliverers if "food-aid" in self.services_of(slug)]

    # -- helpers

    def services_of(self, slug: str) -> tuple[str, ...]:
        return self.net.profiles[slug].services

    def day_between(self, start: datetime.date, end: datetime.date, low: int = 0, high: int | None = None):
        """A day `low..high` days after `start`, never after `end` (nor today)."""
        end = min(end, self.today)
        span = (end - start).days
        if span <= 0:
            return min(start, self.today)
        high = span if high is None else min(high, span)
        return start + datetime.timedelta(days=self.rng.randint(min(low, high), high))

    def recorder(self, slug: str, preferred=None):
        if preferred is not None:
            return preferred
        return self.rng.choice(self.net.members(slug, OP, VOL) or self.net.members(slug, CM))

    # -- one household

    def load(self, count: int) -> Counter:
        index = 0
        while self.stats["persons"] < count:
            self._household(index, count - self.stats["persons"])
            index += 1
        return self.stats

    def _compose(self, remaining: int) -> tuple[list[Member], bool]:
        rng = self.rng
        shape = weighted(
            rng, {"single": 22, "couple": 12, "single_parent": 18, "family": 30, "extended": 8, "homeless": 10}
        )
        sex = "M" if shape == "homeless" and rng.random() < 0.85 else rng.choice("MF")
        if shape == "single_parent" and rng.random() < 0.8:
            sex = "F"
        age = rng.randint(22, 70) if shape != "couple" else rng.randint(30, 85)
        members = [Member("reference", sex, age)]
        if shape in ("couple", "family", "extended"):
            members.append(Member("spouse", "F" if sex == "M" else "M", max(18, age + rng.randint(-6, 6))))
        if shape in ("single_parent", "family", "extended"):
            for _child in range(rng.randint(1, 3 if shape != "family" else 4)):
                members.append(Member("child", rng.choice("MF"), rng.randint(0, max(0, min(17, age - 18)))))
        if shape == "extended":
            members.append(
                Member(
                    rng.choice(["parent", "sibling", "other_relative"]),
                    rng.choice("MF"),
                    min(95, age + rng.randint(18, 30)) if rng.random() < 0.6 else age - 2,
                )
            )
        return members[:remaining], shape == "homeless"

    def _household(self, index: int, remaining: int) -> None:
        from cases import services
        from cases.models import Relationship
        from workflows.services import lifecycle

        rng = self.rng
        members, homeless = self._compose(remaining)
        origin = (
            None
            if rng.random() < (0.5 if homeless else 0.56)
            else rng.choices(ORIGINS, weights=[o.weight for o in ORIGINS])[0]
        )
        documents = (
            "cf"
            if origin is None
            else rng.choices(["cf", "passport", "irregular"], weights=[15 if homeless else 40, 25, 35])[0]
        )
        lead = rng.choices(list(self.leads), weights=list(self.leads.values()))[0]
        actor = rng.choice(self.net.members(lead, CM))
        lead_org = self.net.organisations[lead]
        opened_on = self.today - datetime.timedelta(days=int(rng.triangular(0, 1000, 150)))
        self.clock.set(opened_on)
        surname = self.faker.last_name() if origin is None else rng.choice(origin.surnames)
        address = HOMELESS_ADDRESS if homeless else f"{self.faker.street_name()} {rng.randint(1, 120)}"
        persons = [
            self._register(
                actor,
                lead_org,
                member,
                origin=origin,
                documents=documents,
                surname=surname,
                address=address,
                homeless=homeless,
                on=opened_on,
            )
            for member in members
        ]
        household = None
        if not homeless:
            isee = rng.random() < 0.75
            household = services.household_create(
                actor=actor,
                organisation_id=lead_org.pk,
                name=persons[0].last_name,
                address=address,
                isee_value=money(rng, 0, 22000) if isee else None,
                isee_expires_on=datetime.date(opened_on.year, 12, 31) if isee else None,
                reference_person=persons[0],
            )
            self.stats["households"] += 1
            for member, person in zip(members[1:], persons[1:], strict=True):
                relationship = member.relationship if member.relationship in Relationship.values else "other_relative"
                services.household_member_add(
                    actor=actor, household=household, person=person, relationship=relationship
                )
        needs = self._needs(homeless=homeless, foreign=origin is not None)
        primary = next(iter(needs))
        case = lifecycle.case_open(
            actor=actor,
            organisation_id=lead_org.pk,
            person=persons[0],
            household=household,
            title=CASE_TITLES[primary],
            opened_on=opened_on,
            with_pathway=False,
        )
        self.stats["cases"] += 1
        story = CaseStory(
            self,
            case=case,
            lead=lead,
            actor=actor,
            household=household,
            needs=needs,
            duplicate=household is not None and index % 4 == 1,
        )
        story.intake(persons[0])
        spouse = persons[1] if len(persons) > 1 and members[1].relationship == "spouse" else None
        story.schedule()
        if spouse is not None and spouse.codice_fiscale and not story.duplicate and rng.random() < 0.2:
            story.second_case(spouse)
        story.run()

    def _needs(self, *, homeless: bool, foreign: bool) -> dict[str, int]:
        rng = self.rng
        table = dict(PRIMARY_NEEDS)
        if homeless:
            table["housing"] += 60
        primary = weighted(rng, table)
        needs = {primary: rng.randint(3, 4)}
        others = [d for d in DOMAIN_SERVICES if d != primary]
        extra = ["language", "legal"] if foreign else []
        extra += ["housing", "health"] if homeless else []
        for domain in rng.sample(others, rng.randint(1, 4)) + extra:
            needs.setdefault(domain, rng.randint(0, 3))
        return needs

    def _register(
        self,
        actor,
        organisation,
        member: Member,
        *,
        origin: Origin | None,
        documents: str,
        surname: str,
        address: str,
        homeless: bool,
        on: datetime.date,
    ):
        from cases import services

        rng, faker = self.rng, self.faker
        female = member.sex == "F"
        if origin is None:
            first = faker.first_name_female() if female else faker.first_name_male()
        else:
            first = rng.choice(origin.female if female else origin.male)
        last = (
            surname
            if member.relationship in ("reference", "child", "grandchild", "sibling") or rng.random() < 0.3
            else (faker.last_name() if origin is None else rng.choice(origin.surnames))
        )
        birth_date = on - datetime.timedelta(days=365 * member.age + rng.randint(1, 364))
        born_here = origin is None or (member.age < 15 and rng.random() < 0.7)
        places = ITALIAN_PLACES if origin is None else ITALIAN_PLACES[:3]  # born here: near Cinisello
        code, place = rng.choices([(c, n) for c, n, _w in places], weights=[w for *_x, w in places])[0]
        if origin is not None and not born_here:
            code, place = origin.code, origin.country
        data = {
            "first_name": first,
            "last_name": last,
            "birth_date": birth_date,
            "sex": member.sex,
            "birth_place": place,
            "citizenship": "italiana" if origin is None else origin.citizenship,
            "languages": "italiano" if origin is None else origin.languages + (", italiano" if born_here else ""),
            "is_homeless": homeless,
            "address": address,
            "postcode": "" if homeless else "20092",
            "city": "Cinisello Balsamo",
        }
        if member.age >= 18 and rng.random() < 0.6:
            data["phone"] = f"+39 000 {rng.randint(1000000, 9999999)}"
        has_cf = documents == "cf" or (born_here and documents != "irregular")
        if homeless and origin is None and rng.random() < 0.25:
            has_cf = False  # arrived without documents: registered with the birth date only
        if has_cf:
            cf = codice_fiscale(
                last_name=last, first_name=first, birth_date=birth_date, sex=member.sex, place_code=code
            )
            if cf not in self.used_cf:
                self.used_cf.add(cf)
                data["codice_fiscale"] = cf
        elif documents == "passport" or (origin is not None and not homeless and rng.random() < 0.2):
            data["other_id_kind"], data["other_id_number"] = (
                "passport",
                (
                    f"{rng.choice('ABCDEFGHJKLMNPRSTUVWYZ')}{rng.choice('ABCDEFGHJKLMNPRSTUVWYZ')}"
                    f"{rng.randint(1000000, 9999999)}"
                ),
            )
        elif origin is not None:
            kind = "eni" if origin.eu else "stp"
            # STP/ENI: prefix, Lombardy's region code, the local health agency, a progressive number.
            data["other_id_kind"] = kind
            data["other_id_number"] = f"{kind.upper()}030321{rng.randint(1000000, 9999999)}"
        person = services.person_register(
            actor=actor, organisation_id=organisation.pk, data=cast(PersonFields, data), confirmed_new=True
        )
        self.stats["persons"] += 1
        self.stats["with_codice_fiscale"] += bool(person.codice_fiscale)
        self.stats["homeless"] += homeless
        return person


def load_demo(
    *, people: int, rng: random.Random, faker, csv_path: str | Path | None = None, today: datetime.date | None = None
) -> tuple[DemoNetwork, Counter]:
    """The whole demo, replayed on the simulated clock: the network about three years ago, then the people."""
    today = today or timezone.localdate()
    clock = DemoClock(rng)
    with simulated_time(clock):
        clock.set(today - datetime.timedelta(days=1100))
        network = load_network(rng=rng, faker=faker, csv_path=csv_path)
        stats = PeopleLoader(network, rng=rng, faker=faker, clock=clock, today=today).load(people)
    return network, stats
