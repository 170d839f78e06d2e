"""Load the demo network: the Tavolo Povertà partners, their staff and fictional people with case files."""

from __future__ import annotations

import random
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from demo import network as demo
from demo import require_extra
from partners.models import Organisation

LOGINS_HELP = (
    "coordinatore (coordinator, Comune), assistente.comune (case manager, Comune), caritas.cm, "
    "caritas.operatore, caritas.volontario, caritas.admin (Caritas), cordata.cm, cordata.admin (La Cordata), "
    "banco.operatore (Banco Alimentare Paolo Galbiati), cav.cm (case manager at CAV and operator at Caritas), "
    "and <partner>.admin / <partner>.cm / <partner>.operatore for every other partner"
)


class Command(BaseCommand):
    help = (
        "Load demo data: the service catalogue, the organisations of the partners CSV with their staff, and "
        "clearly fictional people (households, consents, cases, assessments, plans, notes, services delivered), "
        "everything through the services so timeline events and audit rows exist. Does nothing when "
        f"organisations already exist (safe on every start). Demo logins, password '{demo.DEMO_PASSWORD}': "
        f"{LOGINS_HELP}."
    )

    def add_arguments(self, parser):
        parser.add_argument("--people", type=int, default=300, help="How many fictional people (default 300).")
        parser.add_argument("--seed", type=int, default=2026, help="Random seed: same seed and day, same data.")
        parser.add_argument("--csv", default=None, help="Partners CSV (default: settings.TAVOLO['PARTNERS_CSV']).")
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Empty the WHOLE database (manage.py flush) first, then load. Refused in production.",
        )

    def handle(self, *args, people: int, seed: int, csv: str | None, reset: bool, **options):
        if people < 0:
            raise CommandError("--people must be zero or more.")
        csv_path = Path(csv or settings.TAVOLO["PARTNERS_CSV"])
        if not csv_path.is_file():  # checked before --reset empties anything
            raise CommandError(f"Partners CSV not found: {csv_path}")
        if reset:
            if getattr(settings, "PRODUCTION", False):
                raise CommandError("--reset empties the database: refused with DJANGO_ENV=production.")
            call_command("flush", interactive=False, verbosity=0)
            self.stdout.write("Database emptied.")
        if Organisation.objects.exists():
            self.stdout.write("Organisations already exist: demo data not loaded (use --reset to start over).")
            return
        require_extra()
        from faker import Faker

        from demo.people import load_demo

        started = time.perf_counter()
        rng = random.Random(seed)
        faker = Faker("it_IT")
        faker.seed_instance(seed)
        try:
            with transaction.atomic():
                network, stats = load_demo(people=people, rng=rng, faker=faker, csv_path=csv_path)
        except (OSError, demo.DemoError) as exc:  # a missing or unusable partners CSV: nothing was saved
            raise CommandError(f"Demo data not loaded: {exc}") from exc
        elapsed = time.perf_counter() - started

        self.stdout.write(
            self.style.SUCCESS(
                f"Demo network loaded in {elapsed:.1f} s: {len(network.organisations)} organisations, "
                f"{len(network.users)} users, {stats['persons']} fictional people "
                f"({stats['with_codice_fiscale']} with codice fiscale, {stats['homeless']} senza dimora), "
                f"{stats['households']} households, {stats['cases']} cases ({stats['closed']} closed), "
                f"{stats['consents']} consents ({stats['consents_withdrawn']} withdrawn), "
                f"{stats['interventions']} services delivered, {stats['shared_cases']} read grants to partners, "
                f"{stats['duplicate_aid_households']} households with the same aid from two organisations in a month."
            )
        )
        self.stdout.write(f"\nDemo logins (password: {demo.DEMO_PASSWORD}):")
        width = max(len(username) for username, _role, _org in network.logins)
        for username, role, organisation in network.logins:
            self.stdout.write(f"  {username:<{width}}  {role:<13} {organisation}")
