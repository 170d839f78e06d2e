"""Case list benchmark: the real selectors on 200k people, 200k cases and ~1M per-case permission rows.

Usage (from the repository root; PostgreSQL reachable, the role may create databases):

    .venv/bin/python bench/caselist.py --database-url postgres://postgres@127.0.0.1:5432/tavolo_bench

Options:
    --cases N          people and cases to load, one person per case (default 200000)
    --extra-grants N   read grants to organisations other than the lead (default 600000), on top of the
                       lead's view + change rows (2 per case): 200k cases -> 1M permission rows
    --runs N           timed runs per scenario (default 50), after --warmup N untimed ones (default 5)
    --reload           wipe the case data and load it again even when the row counts match
    --seed N           random seed of the generated data (default 2026)

What it does:
1. creates the database when missing, sets DJANGO_SETTINGS_MODULE and DATABASE_URL, django.setup(), migrate;
2. when there are no organisations: the demo network (the partners CSV, their staff) through the services
   (`demo.network.load_network`): the users measured are its logins caritas.cm, anffas.cm, coordinatore;
3. loads people, cases and permission rows with COPY (not the services: 1.4M rows in seconds), and the
   `PersonAccess` rows the grants imply (one INSERT ... SELECT), unless the row counts already match and
   `PersonAccess` agrees with the grants (reruns reuse the data), then VACUUM ANALYZE;
4. times each scenario as a request would run it: a fresh user object (memberships loaded again, one
   query), the real selector, the first page of 25 evaluated as a list. Wall time and DB time (the time
   spent inside cursor.execute) are measured separately, with the query count of one run;
5. prints p50/p95, guardian's get_objects_for_user on the same data for the ratio, and EXPLAIN ANALYZE
   of the case list query (and of the slowest query of every scenario over the target).

Target (DESIGN.md): p95 <= 50 ms of DB time, query count independent of the row count.
Results go to stdout only; nothing is written to the repository.
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
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_MS = 50.0
PAGE = 25


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--extra-grants", type=int, default=600_000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--reload", action="store_true")
    parser.add_argument("--seed", type=int, default=2026)
    return parser.parse_args()


def ensure_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    if "bench" not in name:
        raise SystemExit(f"refusing to load benchmark data into {name!r}: the database name must contain 'bench'")
    admin = psycopg.connect(host=parts.hostname, port=parts.port or 5432, user=parts.username,
                            password=parts.password, dbname="postgres", autocommit=True)
    with admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")


def setup_django(url: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DEBUG", "0")  # no query log on every cursor: it would skew the timings
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


# --- loading ---------------------------------------------------------------------------------------


def ensure_network(seed: int) -> None:
    from django.db import transaction
    from faker import Faker

    from demo import network as demo
    from partners.models import Organisation

    if Organisation.objects.exists():
        return
    started = time.perf_counter()
    faker = Faker("it_IT")
    faker.seed_instance(seed)
    with transaction.atomic():
        demo.load_network(rng=random.Random(seed), faker=faker)
    print(f"demo network loaded through the services in {time.perf_counter() - started:.1f} s")


def _cumulative(weights):
    total = 0.0
    for weight in weights:
        total += weight
        yield total


def copy_rows(table: str, columns: list[str], rows) -> int:
    from django.db import connection

    count = 0
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def expected_counts(args) -> dict[str, int]:
    return {"cases_person": args.cases, "cases_case": args.cases,
            "cases_casegroupobjectpermission": 2 * args.cases + args.extra_grants}


def current_counts() -> dict[str, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        counts = {}
        for table in ("cases_person", "cases_case", "cases_casegroupobjectpermission"):
            cursor.execute(f"SELECT count(*) FROM {table}")
            counts[table] = cursor.fetchone()[0]
    return counts


# The (person, group) rows `cases.permissions` keeps for these grants: the registering organisation's group
# and every group with view_case on a case of the person (as the migration's backfill).
PERSON_ACCESS_ROWS = """
    SELECT c.person_id, g.group_id
      FROM cases_casegroupobjectpermission g JOIN cases_case c ON c.id = g.content_object_id
     WHERE g.permission_id = (SELECT p.id FROM auth_permission p
                                JOIN django_content_type ct ON ct.id = p.content_type_id
                               WHERE p.codename = 'view_case' AND ct.app_label = 'cases' AND ct.model = 'case')
    UNION
    SELECT p.id, o.group_id FROM cases_person p JOIN partners_organisation o ON o.id = p.registered_by_id
"""


def person_access_matches() -> bool:
    """True when cases_personaccess holds exactly the rows the grants and registrations imply."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM ({PERSON_ACCESS_ROWS}) expected")
        expected = cursor.fetchone()[0]
        cursor.execute(f"SELECT count(*) FROM cases_personaccess a JOIN ({PERSON_ACCESS_ROWS}) expected "
                       "ON expected.person_id = a.person_id AND expected.group_id = a.group_id")
        matching = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM cases_personaccess")
        return expected == matching == cursor.fetchone()[0]


def load_cases(args) -> None:
    """People, cases and permission rows with COPY, in one transaction."""
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, transaction
    from django.utils import timezone
    from faker.providers.person.it_IT import Provider as ItalianNames

    from cases.models import Case
    from cases.text import name_key
    from demo import catalogue, identities, network
    from partners.models import Membership, Organisation
    from partners.roles import Role

    rng = random.Random(args.seed)
    started = time.perf_counter()
    organisations = list(Organisation.objects.order_by("pk"))
    managers: dict[int, list[int]] = {}
    for org_id, user_id in Membership.objects.filter(role=Role.CASE_MANAGER).order_by("pk").values_list(
            "organisation_id", "user_id"):
        managers.setdefault(org_id, []).append(user_id)
    slugs = network.CSV_SLUGS
    leads = [o for o in organisations if o.pk in managers]
    weights = [max(1, network.PROFILES[slugs[o.name]].lead_weight) if o.name in slugs else 1 for o in leads]
    ct = ContentType.objects.get_for_model(Case)
    view = Permission.objects.get(content_type=ct, codename="view_case").pk
    change = Permission.objects.get(content_type=ct, codename="change_case").pk

    surnames = list(ItalianNames.last_names) + [s for o in identities.ORIGINS for s in o.surnames]
    males = list(ItalianNames.first_names_male) + [n for o in identities.ORIGINS for n in o.male]
    females = list(ItalianNames.first_names_female) + [n for o in identities.ORIGINS for n in o.female]
    places = [(code, place) for code, place, _w in identities.ITALIAN_PLACES] + [
        (o.code, o.country) for o in identities.ORIGINS]
    now = timezone.now()
    today = timezone.localdate()
    n = args.cases
    case_leads: list[int] = []

    def people():
        used = set()
        for pk in range(1, n + 1):
            sex = rng.choice("MF")
            first = rng.choice(males if sex == "M" else females)
            last = rng.choice(surnames)
            birth = today - datetime.timedelta(days=rng.randint(18 * 365, 90 * 365))
            code, place = rng.choice(places)
            cf = None
            if rng.random() < 0.7:
                cf = identities.codice_fiscale(last_name=last, first_name=first, birth_date=birth, sex=sex,
                                               place_code=code)
                cf = None if cf in used else cf
                if cf:
                    used.add(cf)
            lead = rng.choices(leads, weights=weights)[0]
            case_leads.append(lead.pk)
            yield (pk, first, last, name_key(first), name_key(last), cf, "" if cf else "passport",
                   "" if cf else f"YA{pk:07d}", birth, place, sex, "", "", "", "", False, "", "20092",
                   "Cinisello Balsamo", lead.pk, None, now, now)

    def cases():
        outcomes = ["goals_reached", "partially_reached", "moved_away", "unreachable"]
        for pk in range(1, n + 1):
            lead = case_leads[pk - 1]
            opened = today - datetime.timedelta(days=rng.randint(0, 6 * 365))
            status = rng.choices(["open", "active", "suspended", "closed"], weights=[15, 50, 10, 25])[0]
            closed = opened + datetime.timedelta(days=rng.randint(0, (today - opened).days)) \
                if status == "closed" else None
            yield (pk, f"C{opened:%Y}-{pk:06d}", pk, None, lead, rng.choice(managers[lead]), "Sostegno",
                   status, opened, closed, rng.choice(outcomes) if closed else "", "", now, now)

    # Extra read grants go mostly to the partners that deliver aid (food banks, Caritas...), hardly ever to
    # the adherents: an adherent's operator is the very selective user of the benchmark.
    def grant_weight(organisation) -> float:
        if organisation.network_role == "adherent":
            return 0.02
        services = network.PROFILES[slugs[organisation.name]].services if organisation.name in slugs else ()
        if "food-aid" in services or "economic-support" in services:
            return 6.0
        return 3.0 if any(code in catalogue.DELIVERIES for code in services) else 1.0

    group_of = {o.pk: o.group_id for o in organisations}
    others_of = {}
    for lead in leads:
        others = [o for o in organisations if o.pk != lead.pk]
        others_of[lead.pk] = ([o.group_id for o in others], list(_cumulative(grant_weight(o) for o in others)))

    def grants():
        per_case, remainder = divmod(args.extra_grants, n)
        for pk in range(1, n + 1):
            lead = case_leads[pk - 1]
            yield (view, group_of[lead], pk)
            yield (change, group_of[lead], pk)
            others, cumulative = others_of[lead]
            wanted = min(len(others), per_case + (pk <= remainder))
            chosen: set[int] = set()
            while len(chosen) < wanted:
                chosen.update(rng.choices(others, cum_weights=cumulative, k=wanted - len(chosen)))
            for group in sorted(chosen)[:wanted]:
                yield (view, group, pk)

    with transaction.atomic():
        with connection.cursor() as cursor:
            # Bulk load: the generated rows are consistent, skip the per-row foreign key triggers.
            cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute("TRUNCATE cases_person, cases_case, cases_casegroupobjectpermission, "
                           "cases_caseuserobjectpermission, cases_personaccess RESTART IDENTITY CASCADE")
        person_columns = ["id", "first_name", "last_name", "first_name_key", "last_name_key", "codice_fiscale",
                          "other_id_kind", "other_id_number", "birth_date", "birth_place", "sex", "citizenship",
                          "languages", "phone", "email", "is_homeless", "address", "postcode", "city",
                          "registered_by_id", "merged_into_id", "created_at", "updated_at"]
        step = time.perf_counter()
        print(f"  people: {copy_rows('cases_person', person_columns, people())} rows "
              f"({time.perf_counter() - step:.1f} s)")
        case_columns = ["id", "code", "person_id", "household_id", "lead_organisation_id", "case_manager_id",
                        "title", "status", "opened_on", "closed_on", "closure_outcome", "closure_note",
                        "created_at", "updated_at"]
        step = time.perf_counter()
        print(f"  cases: {copy_rows('cases_case', case_columns, cases())} rows ({time.perf_counter() - step:.1f} s)")
        grant_columns = ["permission_id", "group_id", "content_object_id"]
        step = time.perf_counter()
        print(f"  permission rows: {copy_rows('cases_casegroupobjectpermission', grant_columns, grants())} "
              f"({time.perf_counter() - step:.1f} s)")
        step = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO cases_personaccess (person_id, group_id) {PERSON_ACCESS_ROWS}")
            print(f"  person access rows: {cursor.rowcount} ({time.perf_counter() - step:.1f} s)")
            for table in ("cases_person", "cases_case"):
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    print(f"loaded in {time.perf_counter() - started:.1f} s")
    with connection.cursor() as cursor:
        for table in ("cases_person", "cases_case", "cases_casegroupobjectpermission", "cases_personaccess"):
            cursor.execute(f"VACUUM ANALYZE {table}")


# --- measuring -------------------------------------------------------------------------------------


class DbTimer:
    """An execute wrapper adding up the time spent inside cursor.execute (the database's share)."""

    def __init__(self):
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def measure(label: str, username: str, run, args) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    user_pk = get_user_model().objects.get(username=username).pk

    def fresh_user():  # what the auth middleware rebuilds on every request
        return get_user_model().objects.get(pk=user_pk)

    for _n in range(args.warmup):
        run(fresh_user())
    walls, dbs = [], []
    for _n in range(args.runs):
        user = fresh_user()
        timer = DbTimer()
        with connection.execute_wrapper(timer):
            started = time.perf_counter()
            rows = run(user)
            walls.append(time.perf_counter() - started)
        dbs.append(timer.seconds)
    user = fresh_user()
    with CaptureQueriesContext(connection) as captured:
        rows = run(user)
    return {"label": label, "username": username, "rows": rows, "queries": len(captured.captured_queries),
            "p50": statistics.median(walls) * 1000, "p95": percentile(walls, 0.95) * 1000,
            "db_p50": statistics.median(dbs) * 1000, "db_p95": percentile(dbs, 0.95) * 1000,
            "sql": [q["sql"] for q in captured.captured_queries]}


def scenarios():
    from guardian.shortcuts import get_objects_for_user

    from cases import selectors
    from cases.models import Case

    return [
        ("case_list_for, big partner", "caritas.cm", lambda u: list(selectors.case_list_for(user=u)[:PAGE])),
        ("case_list_for, small partner", "anffas.cm", lambda u: list(selectors.case_list_for(user=u)[:PAGE])),
        ("case_list_for, adherent", "csv.operatore", lambda u: list(selectors.case_list_for(user=u)[:PAGE])),
        ("case_list_for status=active", "caritas.cm",
         lambda u: list(selectors.case_list_for(user=u, status="active")[:PAGE])),
        ("case_list_for q=ros", "caritas.cm", lambda u: list(selectors.case_list_for(user=u, query="ros")[:PAGE])),
        ("person_search_for q=ros", "caritas.cm",
         lambda u: list(selectors.person_search_for(user=u, query="ros")[:PAGE])),
        ("person_search_for q=ros", "anffas.cm",
         lambda u: list(selectors.person_search_for(user=u, query="ros")[:PAGE])),
        ("person_search_for q=ros", "csv.operatore",
         lambda u: list(selectors.person_search_for(user=u, query="ros")[:PAGE])),
        # Last names starting "zan" sit at the end of the name order, and almost no first name does.
        ("person_search_for q=zan", "caritas.cm",
         lambda u: list(selectors.person_search_for(user=u, query="zan")[:PAGE])),
        ("person_search_for, no query", "caritas.cm", lambda u: list(selectors.person_search_for(user=u)[:PAGE])),
        ("network_case_overview", "coordinatore", lambda u: list(selectors.network_case_overview(user=u)[:PAGE])),
        ("guardian get_objects_for_user", "caritas.cm",
         lambda u: list(get_objects_for_user(u, "cases.view_case", klass=Case)[:PAGE])),
    ]


def run_all(title: str, args) -> list[dict]:
    results = [measure(label, username, run, args) for label, username, run in scenarios()]
    print(f"\n== {title}\n{args.runs} runs per scenario after {args.warmup} warm-up runs; first page of {PAGE}; "
          f"target p95 <= {TARGET_MS:.0f} ms of DB time\n")
    header = f"{'scenario':<32} {'user':<13} {'rows':>4} {'queries':>7} {'p50 ms':>8} {'p95 ms':>8} " \
             f"{'db p50':>8} {'db p95':>8}  target"
    print(header + "\n" + "-" * len(header))
    for r in results:
        verdict = "ok" if r["db_p95"] <= TARGET_MS else "MISSED"
        print(f"{r['label']:<32} {r['username']:<13} {len(r['rows']):>4} {r['queries']:>7} {r['p50']:>8.1f} "
              f"{r['p95']:>8.1f} {r['db_p50']:>8.1f} {r['db_p95']:>8.1f}  {verdict}")
    ours, guardian = results[0], results[-1]
    same = [c.pk for c in ours["rows"]] == [c.pk for c in guardian["rows"]]
    print(f"\nguardian get_objects_for_user / case_list_for (big partner): p50 x{guardian['p50'] / ours['p50']:.2f}, "
          f"p95 x{guardian['p95'] / ours['p95']:.2f}; the same {PAGE} cases: {'yes' if same else 'NO'}")
    return results


def explain(title: str, username: str) -> None:
    from django.contrib.auth import get_user_model

    from cases import selectors

    user = get_user_model().objects.get(username=username)
    print(f"\nEXPLAIN (ANALYZE, BUFFERS) {title}\n" + "-" * 100)
    print(selectors.case_list_for(user=user)[:PAGE].explain(analyze=True, buffers=True))


def explain_missed(results: list[dict]) -> None:
    from django.db import connection

    for r in results:
        if r["db_p95"] > TARGET_MS and "case_list_for, big" not in r["label"]:
            print(f"\nEXPLAIN (ANALYZE, BUFFERS) of the list query of {r['label']} ({r['username']}), "
                  "over the target\n" + "-" * 100)
            with connection.cursor() as cursor:  # the list query is the last one (memberships come first)
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {r['sql'][-1]}")
                print("\n".join(row[0] for row in cursor.fetchall()))


def main() -> None:
    args = parse_args()
    ensure_database(args.database_url)
    setup_django(args.database_url)
    from django.db import connection

    ensure_network(args.seed)
    expected = expected_counts(args)
    if args.reload or current_counts() != expected or not person_access_matches():
        print(f"loading {args.cases} people and cases, {expected['cases_casegroupobjectpermission']} permission rows")
        load_cases(args)
    else:
        print("reusing the data already loaded (row counts match; --reload to load again)")
    print(", ".join(f"{table}: {count}" for table, count in current_counts().items()))
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        print(cursor.fetchone()[0])
        cursor.execute("SELECT name, setting FROM pg_settings WHERE name IN "
                       "('jit', 'shared_buffers', 'work_mem', 'random_page_cost') ORDER BY name")
        print(", ".join(f"{name}={setting}" for name, setting in cursor.fetchall()))

    results = run_all("The migrations' schema, the selectors as they are", args)
    explain("case_list_for(caritas.cm)[:25]", "caritas.cm")
    explain_missed(results)


if __name__ == "__main__":
    main()
