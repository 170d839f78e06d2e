"""Handoff loops through the services (bench/handoffs.py, bench/notify_latency.py): who sends what to whom, the cases
opened for them, send -> accept -> outcome timed per step, and the worker process running them."""

from __future__ import annotations

import datetime
import os
import random
import time


def handoff_plan(count: int, seed: int) -> list[dict]:
    """Who sends what to whom: senders are the organisations with case managers, receivers those that answer
    referrals (a case manager or an operator) and offer a service."""
    from partners.models import Membership, Organisation
    from partners.roles import Role

    rng = random.Random(seed)
    managers: dict[int, list[int]] = {}
    answerers: dict[int, list[int]] = {}
    for org_id, user_id, role in (
        Membership.objects.active().order_by("pk").values_list("organisation_id", "user_id", "role")
    ):
        if role == Role.CASE_MANAGER:
            managers.setdefault(org_id, []).append(user_id)
        if role in (Role.CASE_MANAGER, Role.OPERATOR):
            answerers.setdefault(org_id, []).append(user_id)
    offers = {
        o.pk: [s.pk for s in o.services.all()]
        for o in Organisation.objects.filter(is_active=True).prefetch_related("services")
    }
    senders = sorted(managers)
    receivers = sorted(org for org in answerers if offers.get(org))
    plan = []
    for index in range(count):
        sender = senders[index % len(senders)]
        receiver = rng.choice([org for org in receivers if org != sender])
        plan.append(
            {
                "index": index,
                "sender_org": sender,
                "sender": rng.choice(managers[sender]),
                "receiver_org": receiver,
                "receiver": rng.choice(answerers[receiver]),
                "service": rng.choice(offers[receiver]),
            }
        )
    return plan


def open_cases(items: list[dict], tag: str) -> None:
    """A person, a case and the consents (processing, sharing with the network) for each item, through the
    services (untimed)."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from cases import services as case_services
    from workflows.services import lifecycle

    User = get_user_model()
    today = timezone.localdate()
    for item in items:
        actor = User.objects.get(pk=item["sender"])
        person = case_services.person_register(
            actor=actor,
            organisation_id=item["sender_org"],
            confirmed_new=True,
            data={
                "first_name": "Bench",
                "last_name": f"Persona {tag}-{item['index']}",
                "sex": "F",
                "birth_date": datetime.date(1980, 1, 1) + datetime.timedelta(days=item["index"]),
            },
        )
        case = lifecycle.case_open(
            actor=actor, organisation_id=item["sender_org"], person=person, title="Benchmark", with_pathway=False
        )
        for purpose in ("processing", "share_network"):
            case_services.consent_record(actor=actor, person=person, purpose=purpose, given_on=today)
        item["case"] = case.pk


def run_loops(items: list[dict]) -> dict[str, list[float]]:
    """send -> accept -> outcome for each item; each step loads its actor as a request would."""
    from django.contrib.auth import get_user_model

    from cases.models import Case
    from workflows.models import HandoffStatus
    from workflows.services import handoffs

    User = get_user_model()
    timings: dict[str, list[float]] = {"send": [], "accept": [], "outcome": [], "loop": []}
    for item in items:
        loop_started = time.perf_counter()

        started = time.perf_counter()
        handoff = handoffs.handoff_send(
            actor=User.objects.get(pk=item["sender"]),
            case=Case.objects.get(pk=item["case"]),
            kind="referral",
            receiver_organisation_id=item["receiver_org"],
            service_type_id=item["service"],
            reason="Richiesta del benchmark",
            sections=["file"],
        )
        timings["send"].append(time.perf_counter() - started)

        started = time.perf_counter()
        handoffs.handoff_accept(actor=User.objects.get(pk=item["receiver"]), handoff_id=handoff.pk)
        timings["accept"].append(time.perf_counter() - started)

        started = time.perf_counter()
        done = handoffs.handoff_report_outcome(
            actor=User.objects.get(pk=item["receiver"]), handoff_id=handoff.pk, outcome="completed"
        )
        timings["outcome"].append(time.perf_counter() - started)
        assert done.status == HandoffStatus.COMPLETED
        timings["loop"].append(time.perf_counter() - loop_started)
    return timings


def worker(url: str, items: list[dict], tag: str, barrier, results) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DEBUG", "0")
    import django

    django.setup()
    from django.db import connection

    try:
        open_cases(items, tag)
        barrier.wait()
        started = time.perf_counter()
        timings = run_loops(items)
        results.put({"timings": timings, "started": started, "ended": time.perf_counter()})
    except BaseException as exc:  # reported by the parent
        barrier.abort()
        results.put({"error": repr(exc)})
        raise
    finally:
        connection.close()
