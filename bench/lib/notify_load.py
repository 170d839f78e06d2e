"""The notification benchmark's population and senders (bench/notify_latency.py): organisations of members with their
roles, their sessions, the handoffs to send, and the sender processes that send them at a steady rate through the
services."""

from __future__ import annotations

import logging
import math
import os
import random
import time

from lib.handoff_loops import open_cases

PREFIX = "Bench Notify"


SENDER_MANAGERS = 4


# Of each organisation's members: who is told of a handoff received (case managers, operators) and who is not.
ROLE_SHARES = (("case_manager", 0.3), ("operator", 0.3), ("volunteer", 0.3), ("org_admin", 0.1))


def role_plan(members: int) -> list[str]:
    roles: list[str] = []
    for role, share in ROLE_SHARES:
        roles += [role] * round(members * share)
    return (roles + ["volunteer"] * members)[:members]


def ensure_population(args) -> dict:
    """The receiving organisations (each offering a service) with their members, and the sending organisation
    with its case managers; created through the services when missing, reused afterwards."""
    from django.db import transaction

    from partners import services as partner_services
    from partners.models import Membership, Organisation, OrganisationKind, ServiceType

    started = time.perf_counter()
    created = 0
    receivers = []
    with transaction.atomic():
        for n in range(1, args.orgs + 1):
            name = f"{PREFIX} {n:02d}"
            organisation = Organisation.objects.filter(name=name).first()
            if organisation is None:
                service, _new = ServiceType.objects.get_or_create(
                    code=f"bench-notify-{n:02d}", defaults={"name": f"Servizio {n:02d}"}
                )
                organisation = partner_services.organisation_create(
                    name=name, kind=OrganisationKind.ASSOCIATION, services=[service]
                )
            existing = set(
                Membership.objects.filter(organisation=organisation).values_list("user__username", flat=True)
            )
            for index, role in enumerate(role_plan(args.members)):
                username = f"bn{n:02d}.{role}.{index:02d}"
                if username not in existing:
                    partner_services.membership_add(
                        organisation=organisation,
                        role=role,
                        username=username,
                        first_name="Bench",
                        last_name=f"Staff {n:02d}-{index:02d}",
                    )
                    created += 1
            receivers.append(organisation)
        sender = Organisation.objects.filter(name=f"{PREFIX} mittente").first()
        if sender is None:
            sender = partner_services.organisation_create(name=f"{PREFIX} mittente", kind=OrganisationKind.ASSOCIATION)
        existing = set(Membership.objects.filter(organisation=sender).values_list("user__username", flat=True))
        for index in range(SENDER_MANAGERS):
            username = f"bn-mittente.case_manager.{index:02d}"
            if username not in existing:
                partner_services.membership_add(
                    organisation=sender,
                    role="case_manager",
                    username=username,
                    first_name="Bench",
                    last_name=f"Mittente {index:02d}",
                )
                created += 1
    if created:
        print(f"{created} members created through the services in {time.perf_counter() - started:.1f} s")
    members = list(
        Membership.objects.active()
        .filter(organisation__in=receivers)
        .order_by("organisation_id", "user_id")
        .values_list("user_id", "organisation_id", "role")
    )
    return {
        "receivers": [
            {"org": o.pk, "service": o.services.order_by("pk").values_list("pk", flat=True).first()} for o in receivers
        ],
        "members": members,
        "sender_org": sender.pk,
        "senders": list(
            Membership.objects.active()
            .filter(organisation=sender)
            .order_by("user_id")
            .values_list("user_id", flat=True)
        ),
    }


def open_sessions(user_ids: list[int]) -> dict[int, str]:
    """A logged-in session per user, as the login view leaves it (the older bench sessions are deleted)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session

    Session.objects.all().delete()  # a database of the bench's own
    sessions = {}
    for user in get_user_model().objects.filter(pk__in=user_ids):
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.set_expiry(4 * 3600)
        store.create()
        sessions[user.pk] = store.session_key
    return sessions


def send_plan(population: dict, count: int, seed: int) -> dict:
    """Handoff k goes to receiving organisation k mod R; a case is handed to each organisation once (a second
    pending handoff of the same case to the same organisation is refused)."""
    rng = random.Random(seed)
    receivers = population["receivers"]
    cases = math.ceil(count / len(receivers))
    case_items = [
        {"index": n, "sender_org": population["sender_org"], "sender": rng.choice(population["senders"])}
        for n in range(cases)
    ]
    plan = []
    for k in range(count):
        receiver = receivers[k % len(receivers)]
        plan.append(
            {
                "k": k,
                "case_item": k // len(receivers),
                "receiver_org": receiver["org"],
                "service": receiver["service"],
                "sender": population["senders"][k % len(population["senders"])],
            }
        )
    return {"cases": case_items, "plan": plan}


class PushFailures(logging.Handler):
    """Counts the warnings of notifications.push ("push failed; browsers will get it on their next sync")."""

    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.count = 0

    def emit(self, record):
        self.count += 1


def send_one(item: dict, case) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from workflows.services import handoffs

    stamp: dict[str, float] = {}
    started = time.time()
    with transaction.atomic():
        # Registered before handoff_send's own callbacks: runs first, right after COMMIT returns.
        transaction.on_commit(lambda: stamp.setdefault("committed", time.time()))
        actor = get_user_model().objects.get(pk=item["sender"])  # as a request loads its user
        handoff = handoffs.handoff_send(
            actor=actor,
            case=case,
            kind="referral",
            receiver_organisation_id=item["receiver_org"],
            service_type_id=item["service"],
            reason="Richiesta del benchmark",
            sections=["file"],
        )
    return {"handoff": handoff.pk, "started": started, "committed": stamp["committed"], "pushed": time.time()}


def sender_main(url: str, work: dict, rate: float, duration: float, ready, go, results) -> None:
    """Opens the cases (untimed), then sends at `rate` per second for `duration` seconds once `go` is set."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["DATABASE_URL"] = url
    os.environ["DEBUG"] = "0"
    import django

    django.setup()
    from django.db import connection

    from cases.models import Case

    try:
        failures = PushFailures()
        logging.getLogger("notifications.push").addHandler(failures)
        logging.getLogger("notifications.push").propagate = False  # counted, not printed 1000 times
        open_cases(work["cases"], f"notify-{int(time.time())}")
        cases = [Case.objects.get(pk=item["case"]) for item in work["cases"]]
        ready.set()
        go.wait()
        start = time.time()
        sent = []
        for item in work["plan"]:
            due = start + item["k"] / rate
            if due >= start + duration:
                break
            pause = due - time.time()
            if pause > 0:
                time.sleep(pause)
            row = send_one(item, cases[item["case_item"]])
            row["due"] = due
            sent.append(row)
        results.put({"sent": sent, "start": start, "push_failures": failures.count})
    except BaseException as exc:
        ready.set()
        results.put({"error": repr(exc)})
        raise
    finally:
        connection.close()
