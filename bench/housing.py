"""Housing benchmark: the ranked waitlist over 20k applications and the occupancy of 2k places, on PostgreSQL.

Usage (from the repository root; PostgreSQL reachable, the role may create databases; a database of its own whose
name contains "bench"):

    .venv/bin/python bench/housing.py --database-url postgres://postgres@127.0.0.1:5432/tavolo_bench_housing

Options:
    --applications N   waiting applications for public housing (SAP) to rank (default 20000), plus 10% more for
                       the other types and as many closed ones (placed or withdrawn) as history
    --places N         places over resources of 20 places each, across the housing providers (default 2000)
    --stays N          closed stays of the past, for the average stay (default 20000); ~70% of the places also
                       hold an open stay
    --runs N, --warmup N
                       timed and untimed runs of each scenario (default 30 and 5)
    --reload           load the synthetic rows again even when they are there
    --seed N           random seed (default 2026)

What it does:
1. creates the database when missing, migrates, loads the demo network through the services (its logins are the
   users measured: `coordinatore`, `cordata.cm`);
2. loads people, cases, housing resources, places, applications, open and closed stays with bulk_create in
   batches (not the services: ~70k rows in seconds); reruns reuse them when the counts match; VACUUM ANALYZE;
3. times each scenario as a request would run it (a fresh user, the real selector): the coordinator's ranked SAP
   waitlist (first page of 25 with its count, the window function numbering all 20k), the whole ranking
   materialised (20k scored rows), a provider's waitlist (only the households whose case it may read), the
   coordinator's occupancy by type and provider over the 2k places, the average stay, and the provider's places.
   Wall and DB time (inside cursor.execute), p50/p95, query count; then EXPLAIN ANALYZE of the ranking.

Target (issue 5): ≤ 200 ms each. Results go to stdout only.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The repository first: this folder holds scripts named like the apps (housing.py), which must not shadow them.
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))

import caselist  # noqa: E402 - the house's loaders and timers, next to this file

TARGET_MS = 200.0
PAGE = 25
MARK = "BENCH-H1"  # protocol number prefix of the synthetic applications; bumped when their shape changes


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--applications", type=int, default=20_000)
    parser.add_argument("--places", type=int, default=2_000)
    parser.add_argument("--stays", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--reload", action="store_true")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    if not args.database_url or "bench" not in args.database_url.rsplit("/", 1)[-1]:
        parser.error("--database-url must name a PostgreSQL database whose name contains 'bench'")
    return args


def loaded(args) -> bool:
    from housing.models import Application, Place

    return (
        Application.objects.filter(protocol_number__startswith=MARK, kind="public", status="waiting").count()
        == args.applications
        and Place.objects.filter(resource__name__startswith="Bench ").count() == args.places
    )


def wipe() -> None:
    from cases.models import Case, Person
    from housing.models import Application, Offer, Place, Resource, Stay

    Stay.objects.filter(place__resource__name__startswith="Bench ").delete()
    Offer.objects.filter(application__protocol_number__startswith="BENCH").delete()
    Application.objects.filter(protocol_number__startswith="BENCH").delete()
    Place.objects.filter(resource__name__startswith="Bench ").delete()
    Resource.objects.filter(name__startswith="Bench ").delete()
    cases = Case.objects.filter(code__startswith="HB")
    person_ids = list(cases.values_list("person_id", flat=True))
    cases.delete()
    Person.objects.filter(pk__in=person_ids).delete()


def load(args) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from cases.models import Case, Person
    from cases.text import name_key
    from housing.models import Application, Place, Resource, ResourceKind, Situation, Stay
    from partners.models import Organisation

    rng = random.Random(args.seed)  # synthetic data
    started = time.perf_counter()
    user = get_user_model().objects.get(username="coordinatore")
    organisations = list(Organisation.objects.order_by("pk"))
    providers = [
        o
        for o in organisations
        if o.short_name
        in ("La Cordata", "Lotta Contro l'Emarginazione", "Croce Rossa Cinisello", "Comune di Cinisello Balsamo")
    ]
    providers = providers or organisations[:4]
    today = datetime.date.today()
    extra = args.applications // 10
    closed = args.applications
    n_cases = args.applications + extra + closed
    with transaction.atomic():
        wipe()
        names = ["Rossi", "Bianchi", "Colombo", "Ferrari", "Esposito", "Ricci", "Marino", "Greco", "Bruno", "Gallo"]
        people = [
            Person(
                first_name=f"Bench{i}",
                last_name=rng.choice(names),
                first_name_key=name_key(f"Bench{i}"),
                last_name_key=name_key(rng.choice(names)),
                registered_by=rng.choice(organisations),
            )
            for i in range(n_cases)
        ]
        Person.objects.bulk_create(people, batch_size=5000)
        cases = [
            Case(
                code=f"HB{i:07d}",
                person=person,
                lead_organisation_id=person.registered_by_id,
                opened_on=today - datetime.timedelta(days=rng.randint(0, 1500)),
            )
            for i, person in enumerate(people)
        ]
        Case.objects.bulk_create(cases, batch_size=5000)
        kinds = [ResourceKind.SHELTER, ResourceKind.TEMPORARY, ResourceKind.SOCIAL, ResourceKind.PUBLIC]
        resources = [
            Resource(
                provider=providers[i % len(providers)],
                kind=kinds[i % 4],
                name=f"Bench {i:04d}",
                address=f"Via Bench {i}",
            )
            for i in range(args.places // 20)
        ]
        Resource.objects.bulk_create(resources)
        places = [Place(resource=r, label=str(n + 1)) for r in resources for n in range(20)]
        Place.objects.bulk_create(places, batch_size=5000)
        situations = [s for s in Situation.values if s != Situation.HOUSED]

        def application(case, kind, status):
            applied = today - datetime.timedelta(days=rng.randint(0, 1800))
            eviction = today + datetime.timedelta(days=rng.randint(-30, 400)) if rng.random() < 0.2 else None
            app = Application(
                case=case,
                kind=kind,
                status=status,
                applied_on=applied,
                closed_on=None
                if status == "waiting"
                else min(today, applied + datetime.timedelta(days=rng.randint(1, 400))),
                situation=rng.choice(situations),
                minors=rng.choice([0, 0, 0, 1, 2, 3, 5]),
                disabled_members=1 if rng.random() < 0.1 else 0,
                eviction_date=eviction,
                protocol_number=f"{MARK}-{case.code}",
                organisation_id=case.lead_organisation_id,
                created_by=user,
            )
            app.set_day_numbers()
            return app

        apps = [application(cases[i], ResourceKind.PUBLIC, "waiting") for i in range(args.applications)]
        apps += [application(cases[args.applications + i], rng.choice(kinds[:3]), "waiting") for i in range(extra)]
        apps += [
            application(cases[args.applications + extra + i], rng.choice(kinds), rng.choice(["placed", "withdrawn"]))
            for i in range(closed)
        ]
        Application.objects.bulk_create(apps, batch_size=5000)
        # The past: closed stays spread over the places; now: ~70% of the places hold a guest.
        stays, occupied = [], []
        for i in range(args.stays):
            place = places[i % len(places)]
            start = today - datetime.timedelta(days=3000 - (i // len(places)) * 200 + rng.randint(0, 50))
            stays.append(
                Stay(
                    place=place,
                    case=rng.choice(cases),
                    move_in=start,
                    move_out=start + datetime.timedelta(days=rng.randint(5, 150)),
                    organisation_id=place.resource.provider_id,
                    created_by=user,
                )
            )
        for place in places:
            if rng.random() < 0.7:
                stays.append(
                    Stay(
                        place=place,
                        case=rng.choice(cases),
                        move_in=today - datetime.timedelta(days=rng.randint(0, 60)),
                        planned_move_out=today + datetime.timedelta(days=rng.randint(1, 200)),
                        organisation_id=place.resource.provider_id,
                        created_by=user,
                    )
                )
                occupied.append(place.pk)
        Stay.objects.bulk_create(stays, batch_size=5000)
        Place.objects.filter(pk__in=occupied).update(status="occupied")
        closed_places = [p.pk for p in places if p.pk not in set(occupied)][::15]
        Place.objects.filter(pk__in=closed_places).update(status="closed")
    with connection.cursor() as cursor:
        for table in (
            "cases_person",
            "cases_case",
            "housing_resource",
            "housing_place",
            "housing_application",
            "housing_stay",
        ):
            cursor.execute(f"VACUUM ANALYZE {table}")
    print(
        f"loaded {n_cases} cases, {len(places)} places, {len(apps)} applications, {len(stays)} stays "
        f"in {time.perf_counter() - started:.1f} s"
    )


def scenarios():
    from django.utils import timezone

    from housing import priority, selectors
    from housing.models import Application

    def ranked_page(user):  # what the waitlist page runs: the count, the page, the page's cases
        count = selectors.waitlist_count(user=user, kind="public")
        rows = selectors.attach_case_codes(list(selectors.waitlist_for(user=user, kind="public")[:PAGE]))
        return rows if count else []

    def whole_ranking(user):
        day = timezone.localdate()
        return list(priority.ranked(Application.objects.filter(kind="public"), day=day).values_list("pk", "score"))

    def provider_page(user):
        selectors.waitlist_count(user=user, kind="public")
        qs = selectors.only_visible(selectors.waitlist_for(user=user, kind="public"))
        return selectors.attach_case_codes(list(qs[:PAGE]))

    def occupancy(user):
        return list(selectors.occupancy_by_type_and_provider())

    def average_stay(user):
        return list(selectors.average_stay_days().items())

    def provider_places(user):
        return list(selectors.resource_list_for(user=user))

    return [
        ("SAP waitlist, page + count", "coordinatore", ranked_page),
        ("whole SAP ranking (20k scored)", "coordinatore", whole_ranking),
        ("provider's visible waitlist", "cordata.cm", provider_page),
        ("occupancy by type x provider", "coordinatore", occupancy),
        ("average stay by type", "coordinatore", average_stay),
        ("provider's resources + counts", "cordata.cm", provider_places),
    ]


def explain_ranking() -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection

    from housing import selectors

    user = get_user_model().objects.get(username="coordinatore")
    qs = selectors.waitlist_for(user=user, kind="public")[:PAGE]
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        print("\nEXPLAIN ANALYZE of the ranked waitlist (first page):")
        for (line,) in cursor.fetchall():
            print("  " + line)


def main() -> None:
    args = parse_args()
    caselist.ensure_database(args.database_url)
    caselist.setup_django(args.database_url)
    caselist.ensure_network(args.seed)
    if args.reload or not loaded(args):
        load(args)
    else:
        print("synthetic housing rows already loaded: reused (--reload to load them again)")
    from housing.models import Application, Place

    print(
        f"{Application.objects.filter(kind='public', status='waiting').count()} waiting SAP applications, "
        f"{Application.objects.count()} applications, {Place.objects.count()} places"
    )
    results = [caselist.measure(label, username, run, args) for label, username, run in scenarios()]
    print(f"\n{args.runs} runs per scenario after {args.warmup} warm-up runs; target p95 <= {TARGET_MS:.0f} ms\n")
    header = (
        f"{'scenario':<34} {'user':<13} {'rows':>6} {'queries':>7} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'db p50':>8} {'db p95':>8}  target"
    )
    print(header + "\n" + "-" * len(header))
    for r in results:
        verdict = "ok" if r["p95"] <= TARGET_MS else "MISSED"
        print(
            f"{r['label']:<34} {r['username']:<13} {len(r['rows']):>6} {r['queries']:>7} {r['p50']:>8.1f} "
            f"{r['p95']:>8.1f} {r['db_p50']:>8.1f} {r['db_p95']:>8.1f}  {verdict}"
        )
    explain_ranking()


if __name__ == "__main__":
    main()
