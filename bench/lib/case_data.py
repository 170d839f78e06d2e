"""The case list's background data (bench/caselist.py; bench/handoffs.py loads it too): people, cases, permission rows
with COPY, and the PersonAccess rows those grants imply."""

from __future__ import annotations

import datetime
import random
import time

from lib.db import copy_rows
from lib.oversight_tables import CASES_PERSON_COLUMNS


def _cumulative(weights):
    total = 0.0
    for weight in weights:
        total += weight
        yield total


def expected_counts(args) -> dict[str, int]:
    return {
        "cases_person": args.cases,
        "cases_case": args.cases,
        "cases_casegroupobjectpermission": 2 * args.cases + args.extra_grants,
    }


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
        cursor.execute(
            f"SELECT count(*) FROM cases_personaccess a JOIN ({PERSON_ACCESS_ROWS}) expected "
            "ON expected.person_id = a.person_id AND expected.group_id = a.group_id"
        )
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
    for org_id, user_id in (
        Membership.objects.filter(role=Role.CASE_MANAGER).order_by("pk").values_list("organisation_id", "user_id")
    ):
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
        (o.code, o.country) for o in identities.ORIGINS
    ]
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
                cf = identities.codice_fiscale(
                    last_name=last, first_name=first, birth_date=birth, sex=sex, place_code=code
                )
                cf = None if cf in used else cf
                if cf:
                    used.add(cf)
            lead = rng.choices(leads, weights=weights)[0]
            case_leads.append(lead.pk)
            yield (
                pk,
                first,
                last,
                name_key(first),
                name_key(last),
                cf,
                "" if cf else "passport",
                "" if cf else f"YA{pk:07d}",
                birth,
                place,
                sex,
                "",
                "",
                "",
                "",
                False,
                "",
                "20092",
                "Cinisello Balsamo",
                lead.pk,
                None,
                now,
                now,
            )

    def cases():
        outcomes = ["goals_reached", "partially_reached", "moved_away", "unreachable"]
        for pk in range(1, n + 1):
            lead = case_leads[pk - 1]
            opened = today - datetime.timedelta(days=rng.randint(0, 6 * 365))
            status = rng.choices(["open", "active", "suspended", "closed"], weights=[15, 50, 10, 25])[0]
            closed = (
                opened + datetime.timedelta(days=rng.randint(0, (today - opened).days)) if status == "closed" else None
            )
            yield (
                pk,
                f"C{opened:%Y}-{pk:06d}",
                pk,
                None,
                lead,
                rng.choice(managers[lead]),
                "Sostegno",
                status,
                opened,
                closed,
                rng.choice(outcomes) if closed else "",
                "",
                now,
                now,
            )

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
            cursor.execute(
                "TRUNCATE cases_person, cases_case, cases_casegroupobjectpermission, "
                "cases_caseuserobjectpermission, cases_personaccess RESTART IDENTITY CASCADE"
            )
        step = time.perf_counter()
        copied = copy_rows("cases_person", CASES_PERSON_COLUMNS, people())
        print(f"  people: {copied} rows ({time.perf_counter() - step:.1f} s)")
        case_columns = [
            "id",
            "code",
            "person_id",
            "household_id",
            "lead_organisation_id",
            "case_manager_id",
            "title",
            "status",
            "opened_on",
            "closed_on",
            "closure_outcome",
            "closure_note",
            "created_at",
            "updated_at",
        ]
        step = time.perf_counter()
        print(f"  cases: {copy_rows('cases_case', case_columns, cases())} rows ({time.perf_counter() - step:.1f} s)")
        grant_columns = ["permission_id", "group_id", "content_object_id"]
        step = time.perf_counter()
        print(
            f"  permission rows: {copy_rows('cases_casegroupobjectpermission', grant_columns, grants())} "
            f"({time.perf_counter() - step:.1f} s)"
        )
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
