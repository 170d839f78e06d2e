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
    --no-proposals     skip part 6

What it does:
1. creates the database when missing, sets DJANGO_SETTINGS_MODULE and DATABASE_URL, django.setup(), migrate;
2. when there are no organisations: the demo network (the partners CSV, their staff) through the services
   (`cases.demo.load_network`): the users measured are its logins caritas.cm, anffas.cm, coordinatore;
3. loads people, cases and permission rows with COPY (not the services: 1.4M rows in seconds), unless the
   row counts already match (reruns reuse the data), then VACUUM ANALYZE;
4. times each scenario as a request would run it: a fresh user object (memberships loaded again, one
   query), the real selector, the first page of 25 evaluated as a list. Wall time and DB time (the time
   spent inside cursor.execute) are measured separately, with the query count of one run;
5. prints p50/p95, guardian's get_objects_for_user on the same data for the ratio, and EXPLAIN ANALYZE
   of the case list query (and of the slowest query of every scenario over the target);
6. measures the proposed fixes the same way, inside a transaction that is rolled back (the database keeps
   the migrations' schema): PROPOSAL 1 adds an index on cases_case (opened_on DESC, id DESC); PROPOSAL 2
   also has the case selectors use `proposed_visible_cases` below (permission by id, no OR between group
   and per-user grants); visible_persons is left as it is (see bench/README.md for why).
   Once the lead has applied them, parts 1-5 measure the real thing and part 6 can be dropped.

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
    parser.add_argument("--no-proposals", action="store_true",
                        help="skip the second part (proposed index and query, in a rolled-back transaction)")
    return parser.parse_args()


def ensure_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    parts = urlparse(url)
    name = parts.path.lstrip("/")
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

    from cases import demo
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


def load_cases(args) -> None:
    """People, cases and permission rows with COPY, in one transaction."""
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, transaction
    from django.utils import timezone
    from faker.providers.person.it_IT import Provider as ItalianNames

    from cases import demo
    from cases.models import Case
    from cases.text import name_key
    from partners.models import Membership, Organisation
    from partners.roles import Role

    rng = random.Random(args.seed)
    started = time.perf_counter()
    organisations = list(Organisation.objects.order_by("pk"))
    managers: dict[int, list[int]] = {}
    for org_id, user_id in Membership.objects.filter(role=Role.CASE_MANAGER).order_by("pk").values_list(
            "organisation_id", "user_id"):
        managers.setdefault(org_id, []).append(user_id)
    slugs = demo.CSV_SLUGS
    leads = [o for o in organisations if o.pk in managers]
    weights = [max(1, demo.PROFILES[slugs[o.name]].lead_weight) if o.name in slugs else 1 for o in leads]
    ct = ContentType.objects.get_for_model(Case)
    view = Permission.objects.get(content_type=ct, codename="view_case").pk
    change = Permission.objects.get(content_type=ct, codename="change_case").pk

    surnames = list(ItalianNames.last_names) + [s for o in demo.ORIGINS for s in o.surnames]
    males = list(ItalianNames.first_names_male) + [n for o in demo.ORIGINS for n in o.male]
    females = list(ItalianNames.first_names_female) + [n for o in demo.ORIGINS for n in o.female]
    places = [(code, place) for code, place, _w in demo.ITALIAN_PLACES] + [(o.code, o.country) for o in demo.ORIGINS]
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
                cf = demo.codice_fiscale(last_name=last, first_name=first, birth_date=birth, sex=sex, place_code=code)
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
        services = demo.PROFILES[slugs[organisation.name]].services if organisation.name in slugs else ()
        if "food-aid" in services or "economic-support" in services:
            return 6.0
        return 3.0 if any(code in demo.DELIVERIES for code in services) else 1.0

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
                           "cases_caseuserobjectpermission RESTART IDENTITY CASCADE")
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
        with connection.cursor() as cursor:
            for table in ("cases_person", "cases_case"):
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    print(f"loaded with COPY in {time.perf_counter() - started:.1f} s")
    with connection.cursor() as cursor:
        for table in ("cases_person", "cases_case", "cases_casegroupobjectpermission"):
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


# --- proposals (measured inside a transaction that is rolled back: the schema stays the migrations') ----

PROPOSED_INDEX = "CREATE INDEX bench_case_recent_first ON cases_case (opened_on DESC, id DESC)"


def proposed_visible_cases(user, capability=None):
    """visible_cases as proposed: the permission by id (no join on auth_permission/django_content_type) and
    no OR between group and per-user grants (an OR of two EXISTS cannot become a semi-join, so PostgreSQL
    hashes every grant of the group first). Per-user grants are the coordinator's (permissions.py docstring):
    only a coordinator's condition includes them."""
    from django.contrib.auth.models import Permission
    from django.db.models import Exists, OuterRef, Q

    from cases import permissions
    from cases.models import Case, CaseGroupObjectPermission, CaseUserObjectPermission
    from partners.roles import Capability
    from partners.selectors import is_coordinator

    capability = capability or Capability.VIEW_FILE
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Case.objects.none()
    codename = permissions._object_perm_for(capability)
    permission_id = _PERMISSION_IDS.get(codename)
    if permission_id is None:
        permission_id = _PERMISSION_IDS[codename] = Permission.objects.get(
            codename=codename, content_type__app_label="cases", content_type__model="case").pk
    condition = None
    group_ids = permissions.group_ids_with(user, capability)
    if group_ids:
        condition = Q(Exists(CaseGroupObjectPermission.objects.filter(
            content_object=OuterRef("pk"), group_id__in=group_ids, permission_id=permission_id)))
    if is_coordinator(user):
        user_grant = Q(Exists(CaseUserObjectPermission.objects.filter(
            content_object=OuterRef("pk"), user_id=user.pk, permission_id=permission_id)))
        condition = user_grant if condition is None else condition | user_grant
    return Case.objects.filter(condition) if condition is not None else Case.objects.none()


_PERMISSION_IDS: dict[str, int] = {}


class _PermissionsForCaseLists:
    """`cases.permissions` as the case selectors would see it with the proposed visible_cases, while
    visible_persons keeps its current condition: built on the proposed one, PostgreSQL flattens it into a
    join and hashes every visible case of a big partner (person search ~10 -> ~90 ms, measured)."""

    def __getattr__(self, name):
        from cases import permissions

        return getattr(permissions, name)

    visible_cases = staticmethod(proposed_visible_cases)


def try_proposals(args) -> None:
    from unittest import mock

    from django.db import connection, transaction

    from cases import selectors

    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(PROPOSED_INDEX)
            cursor.execute("ANALYZE cases_case")
        run_all("PROPOSAL 1: + index cases_case (opened_on DESC, id DESC)", args)
        explain("case_list_for(caritas.cm)[:25] with the index", "caritas.cm")
        with mock.patch.object(selectors, "permissions", _PermissionsForCaseLists()):
            proposal = run_all("PROPOSAL 2: index + case lists through visible_cases with the permission id and "
                               "no OR (visible_persons unchanged)", args)
            explain("case_list_for(caritas.cm)[:25], index + new visible_cases", "caritas.cm")
            explain("case_list_for(csv.operatore)[:25], index + new visible_cases", "csv.operatore")
            explain_missed(proposal)
        transaction.set_rollback(True)


def main() -> None:
    args = parse_args()
    ensure_database(args.database_url)
    setup_django(args.database_url)
    from django.db import connection

    ensure_network(args.seed)
    expected = expected_counts(args)
    if args.reload or current_counts() != expected:
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

    results = run_all("AS IS: the migrations' schema, the selectors as they are", args)
    explain("case_list_for(caritas.cm)[:25]", "caritas.cm")
    explain_missed(results)
    if not args.no_proposals:
        try_proposals(args)


if __name__ == "__main__":
    main()
