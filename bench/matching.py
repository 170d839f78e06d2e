"""Matching benchmark: 10k employability profiles against 1k job opportunities on PostgreSQL.

Usage (from the repository root; PostgreSQL reachable, the role may create databases; use a database of its
own, whose name contains "bench": the script bulk-loads synthetic rows into it):

    .venv/bin/python bench/matching.py --database-url postgres://postgres@127.0.0.1:5432/tavolo_bench_employment

Options:
    --profiles N       profiles (people, open cases led by Caritas, their grants), default 10000
    --opportunities N  open job opportunities, default 1000
    --top N            candidates kept per opportunity in the full ranking, default 10
    --runs N, --warmup N
                       timed and untimed runs of each scenario (default 10 and 2)
    --reload           load the synthetic rows again even when they are there
    --seed N           random seed (default 2026)

What it does:
1. creates the database when missing, migrates it (the skills catalogue comes with the migrations), loads the demo
   network through the services (bench/caselist.py's `ensure_network`);
2. loads `--profiles` people with an open case each, led by Caritas (view and change granted to its group, the
   PersonAccess rows), each with an employability profile: 2-7 skills of the catalogue (weighted: common skills such
   as cleaning and warehouse more often), Italian at A1-C2 and 0-2 other languages, hours, days, mobility,
   childcare; and `--opportunities` open opportunities with 1-5 required skills and 0-2 languages. bulk_create in
   batches; reused when the counts match (--reload forces a new load);
3. measures, as `caritas.cm` (who may read all 10k files), p50/p95 of wall and DB time over --runs runs after
   --warmup runs:
   a. candidates of one opportunity: the first page (25) with its explanations, as the opportunity page does;
   b. the complete ranked candidate list of one opportunity (every candidate among the 10k, in rank order);
   c. opportunities of one person: the first page with explanations; d. the complete ranked list among the 1k;
   e. with --full, once (it takes minutes, see bench/README.md): the best --top candidates of every one of the 1k
      opportunities among the 10k profiles, in one statement (`employment.matching.full_ranking`).
   Then EXPLAIN (ANALYZE, BUFFERS) of (b).

Target (issue 6): <= 1 s "for a full ranking". Results go to stdout only.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The repository first: this folder holds scripts named like the apps (housing.py), which must not shadow them.
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))

import caselist  # noqa: E402 - the house's loaders and timers, next to this file

TARGET_MS = 1000.0
PAGE = 25
VIEWER = "caritas.cm"
MARK = "BENCHMATCH"  # the surname of the synthetic people: finds them again


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--profiles", type=int, default=10_000)
    parser.add_argument("--opportunities", type=int, default=1_000)
    parser.add_argument("--top", type=int, default=10)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--reload", action="store_true")
    parser.add_argument("--full", action="store_true", help="also time the all-pairs ranking (e), once")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    if not args.database_url or "bench" not in args.database_url.rsplit("/", 1)[-1]:
        parser.error("give --database-url of a PostgreSQL database whose name contains 'bench'")
    return args


def counts() -> tuple[int, int]:
    from employment.models import EmployabilityProfile, Opportunity

    return (
        EmployabilityProfile.objects.filter(case__person__last_name=MARK).count(),
        Opportunity.objects.filter(employer__startswith=MARK).count(),
    )


def clear() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE employment_opportunityskill, employment_opportunitylanguage, employment_opportunity, "
            "employment_profileskill, employment_profilelanguage, employment_employabilityprofile "
            "RESTART IDENTITY CASCADE"
        )
    from cases.models import Case, CaseGroupObjectPermission, Person, PersonAccess

    cases = Case.objects.filter(person__last_name=MARK)
    CaseGroupObjectPermission.objects.filter(content_object__in=cases).delete()
    PersonAccess.objects.filter(person__last_name=MARK).delete()
    cases.delete()
    Person.objects.filter(last_name=MARK).delete()


def load(args) -> None:
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction
    from django.utils import timezone

    from cases.models import Case, CaseGroupObjectPermission, Person, PersonAccess
    from employment.models import (
        EmployabilityProfile,
        Opportunity,
        OpportunityLanguage,
        OpportunitySkill,
        ProfileLanguage,
        ProfileSkill,
        Skill,
    )
    from partners.models import Organisation

    rng = random.Random(args.seed)
    started = time.perf_counter()
    caritas = Organisation.objects.get(short_name="Caritas Cinisello")
    publisher = caritas.memberships.first().user
    skills = list(Skill.objects.order_by("pk").values_list("pk", flat=True))
    # Common skills more often: the first ten of the catalogue's order by id weigh 4, the rest 1.
    weights = [4 if index < 10 else 1 for index in range(len(skills))]
    others = ["en", "fr", "ar", "ro", "uk", "es", "sq", "zh"]
    ct = ContentType.objects.get_for_model(Case)
    perms = list(Permission.objects.filter(content_type=ct, codename__in=["view_case", "change_case"]))
    today = timezone.localdate()
    batch = 2000

    def pick(k):
        chosen = set()
        while len(chosen) < k:
            chosen.add(rng.choices(skills, weights=weights)[0])
        return chosen

    with transaction.atomic():
        clear()
        for offset in range(0, args.profiles, batch):
            size = min(batch, args.profiles - offset)
            people = Person.objects.bulk_create(
                [
                    Person(
                        first_name=f"P{offset + i:05d}",
                        last_name=MARK,
                        first_name_key=f"p{offset + i:05d}",
                        last_name_key=MARK.lower(),
                        registered_by=caritas,
                        birth_date=today - datetime.timedelta(days=rng.randint(18 * 365, 64 * 365)),
                    )
                    for i in range(size)
                ]
            )
            cases = Case.objects.bulk_create(
                [
                    Case(
                        code=f"BM-{offset + i:06d}",
                        person=person,
                        lead_organisation=caritas,
                        status="open",
                        title="Bench",
                    )
                    for i, person in enumerate(people)
                ]
            )
            CaseGroupObjectPermission.objects.bulk_create(
                [
                    CaseGroupObjectPermission(content_object=case, group_id=caritas.group_id, permission=perm)
                    for case in cases
                    for perm in perms
                ]
            )
            PersonAccess.objects.bulk_create([PersonAccess(person=p, group_id=caritas.group_id) for p in people])
            profiles = EmployabilityProfile.objects.bulk_create(
                [
                    EmployabilityProfile(
                        case=case,
                        max_weekly_hours=rng.choice([20, 25, 30, 36, 40, 40, 40]),
                        available_days=rng.choice([31, 31, 31, 63, 127, 7]),
                        childcare_constraint=rng.random() < 0.25,
                        mobility=rng.choice([1, 2, 2, 3]),
                    )
                    for case in cases
                ]
            )
            ProfileSkill.objects.bulk_create(
                [
                    ProfileSkill(profile=profile, skill_id=skill)
                    for profile in profiles
                    for skill in pick(rng.randint(2, 7))
                ]
            )
            ProfileLanguage.objects.bulk_create(
                [
                    ProfileLanguage(profile=profile, language=language, level=level)
                    for profile in profiles
                    for language, level in [("it", rng.randint(1, 6))]
                    + [(code, rng.randint(1, 6)) for code in rng.sample(others, rng.randint(0, 2))]
                ]
            )
        for offset in range(0, args.opportunities, batch):
            size = min(batch, args.opportunities - offset)
            requirements = [
                (
                    pick(rng.randint(1, 5)),
                    [("it", rng.randint(1, 4))] + ([("en", rng.randint(2, 5))] if rng.random() < 0.3 else []),
                )
                for _i in range(size)
            ]
            opportunities = Opportunity.objects.bulk_create(
                [
                    Opportunity(
                        organisation=caritas,
                        employer=f"{MARK} {offset + i}",
                        role=f"Ruolo {offset + i}",
                        city="Cinisello Balsamo",
                        area=rng.choice([1, 1, 2, 3]),
                        weekly_hours=rng.choice([20, 24, 30, 36, 40]),
                        days=rng.choice([31, 31, 63, 127]),
                        shift=rng.choice(["day", "day", "day", "evening", "night"]),
                        contract_type=rng.choice(["permanent", "fixed_term", "agency"]),
                        closing_on=today + datetime.timedelta(days=rng.randint(1, 60)),
                        requirement_count=len(req[0]) + len(req[1]),
                        created_by=publisher,
                    )
                    for i, req in enumerate(requirements)
                ]
            )
            OpportunitySkill.objects.bulk_create(
                [
                    OpportunitySkill(opportunity=opportunity, skill_id=skill)
                    for opportunity, req in zip(opportunities, requirements, strict=True)
                    for skill in req[0]
                ]
            )
            OpportunityLanguage.objects.bulk_create(
                [
                    OpportunityLanguage(opportunity=opportunity, language=code, min_level=level)
                    for opportunity, req in zip(opportunities, requirements, strict=True)
                    for code, level in req[1]
                ]
            )
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"loaded {args.profiles} profiles and {args.opportunities} opportunities in "
        f"{time.perf_counter() - started:.1f} s"
    )


def measure(label: str, run, args) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    user_pk = get_user_model().objects.get(username=VIEWER).pk

    def fresh_user():  # what the auth middleware rebuilds on every request
        return get_user_model().objects.get(pk=user_pk)

    for _n in range(args.warmup):
        run(fresh_user())
    walls, dbs = [], []
    rows = 0
    for _n in range(args.runs):
        user = fresh_user()
        timer = caselist.DbTimer()
        with connection.execute_wrapper(timer):
            started = time.perf_counter()
            rows = run(user)
            walls.append(time.perf_counter() - started)
        dbs.append(timer.seconds)
    with CaptureQueriesContext(connection) as captured:
        run(fresh_user())
    return {
        "label": label,
        "rows": rows,
        "queries": len(captured.captured_queries),
        "p50": statistics.median(walls) * 1000,
        "p95": caselist.percentile(walls, 0.95) * 1000,
        "db_p50": statistics.median(dbs) * 1000,
        "db_p95": caselist.percentile(dbs, 0.95) * 1000,
    }


def scenarios(args):
    from employment import matching
    from employment.models import EmployabilityProfile, Opportunity

    # The opportunity with the most requirements among the commonest skills: the largest candidate list.
    opportunity = Opportunity.objects.filter(employer__startswith=MARK).order_by("-requirement_count", "pk").first()
    profile = EmployabilityProfile.objects.filter(case__person__last_name=MARK).order_by("pk").first()

    def candidates_page(user):
        rows = list(matching.candidates_for(user=user, opportunity=opportunity)[:PAGE])
        matching.explain_candidates(opportunity=opportunity, rows=rows)
        return len(rows)

    def candidates_all(user):
        return len(list(matching.candidates_for(user=user, opportunity=opportunity).values_list("pk", "met")))

    def opportunities_page(user):
        rows = list(matching.opportunities_for(profile=profile)[:PAGE])
        matching.explain_opportunities(profile=profile, rows=rows)
        return len(rows)

    def opportunities_all(user):
        return len(list(matching.opportunities_for(profile=profile).values_list("pk", "met")))

    def full(user):
        from django.db import connection, transaction

        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL work_mem = '256MB'")
            return len(matching.full_ranking(user=user, top=args.top))

    runs = [
        ("a. candidates of one opportunity, page of 25 + explanations", candidates_page),
        ("b. candidates of one opportunity, complete ranked list", candidates_all),
        ("c. opportunities of one person, page of 25 + explanations", opportunities_page),
        ("d. opportunities of one person, complete ranked list", opportunities_all),
    ]
    if args.full:
        runs.append((f"e. full ranking: top {args.top} of every opportunity (all pairs)", full))
    return opportunity, runs


def explain(opportunity, args) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection

    from employment import matching

    user = get_user_model().objects.get(username=VIEWER)
    sql, params = (
        matching.candidates_for(user=user, opportunity=opportunity).values_list("pk", "met").query.sql_with_params()
    )
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        print("\nEXPLAIN (b):\n" + "\n".join(row[0] for row in cursor.fetchall()))


def main() -> None:
    args = parse_args()
    caselist.ensure_database(args.database_url)
    caselist.setup_django(args.database_url)
    caselist.ensure_network(args.seed)
    if args.reload or counts() != (args.profiles, args.opportunities):
        load(args)
    else:
        print(f"reusing {args.profiles} profiles and {args.opportunities} opportunities")
    opportunity, runs = scenarios(args)
    print(f"\nviewer {VIEWER}; {args.warmup} warm-up + {args.runs} timed runs; target {TARGET_MS:.0f} ms\n")
    print(f"{'scenario':<68} {'rows':>6} {'q':>3} {'p50 ms':>8} {'p95 ms':>8} {'db p50':>8} {'db p95':>8}")
    for label, run in runs:
        once = argparse.Namespace(**{**vars(args), "runs": 1, "warmup": 0})
        result = measure(label, run, once if label.startswith("e.") else args)
        print(
            f"{label:<68} {result['rows']:>6} {result['queries']:>3} {result['p50']:>8.1f} {result['p95']:>8.1f} "
            f"{result['db_p50']:>8.1f} {result['db_p95']:>8.1f}"
        )
    explain(opportunity, args)


if __name__ == "__main__":
    main()
