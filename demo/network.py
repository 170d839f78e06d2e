"""The demo network of Tavolo Povertà (Cinisello Balsamo): the organisations of the seed CSV with their staff,
created through ``partners.services`` (groups in sync), and the documented demo logins.

The demo in layers, each usable alone (the benchmarks under ``bench/`` load only the first two):
- ``demo.catalogue``: the network's service catalogue;
- ``demo.network``: the organisations and their staff (this module);
- ``demo.people``: clearly fictional people (Faker it_IT and the fixed name lists of ``demo.identities``) with
  households, consents and case files, whose history ``demo.stories`` replays on the simulated clock
  (``demo.clock``) through ``cases.services``, so every timeline event and audit row exists as in real use.
"""

from __future__ import annotations

import csv
import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from demo.catalogue import load_catalogue
from partners import services as partner_services
from partners.models import NetworkRole, Organisation, OrganisationKind, ServiceType
from partners.roles import Role


class DemoError(Exception):
    """The demo cannot be loaded as configured (e.g. a partners CSV without any case manager)."""


DEMO_PASSWORD = "tavolo-demo-2026"  # noqa: S105 - the documented password of every demo login

# --- the organisations ------------------------------------------------------------------------------

CM, OP, VOL, ADMIN, COORD = Role.CASE_MANAGER, Role.OPERATOR, Role.VOLUNTEER, Role.ORG_ADMIN, Role.COORDINATOR


@dataclass(frozen=True)
class OrgProfile:
    slug: str
    short_name: str
    services: tuple[str, ...]
    staff: tuple[Role, ...]  # roles; usernames are "<slug>.<suffix>" unless fixed in FIXED_USERNAMES
    lead_weight: int = 0  # share of the demo cases the organisation leads (needs a case manager)


PROFILES: dict[str, OrgProfile] = {
    p.slug: p
    for p in (
        OrgProfile(
            "comune",
            "Comune di Cinisello Balsamo",
            (
                "listening-centre",
                "economic-support",
                "social-housing-support",
                "temporary-housing",
                "family-support",
                "job-placement",
            ),
            (COORD, CM, CM, ADMIN),
            30,
        ),
        OrgProfile("anffas", "Anffas NordMilano", ("disability-support", "family-support"), (ADMIN, CM), 2),
        OrgProfile("anteas", "Anteas", ("elderly-support",), (ADMIN, VOL)),
        OrgProfile("bancolombardia", "Banco Alimentare Lombardia", ("food-aid",), (ADMIN, OP)),
        OrgProfile("marse", "Associazione Marse", ("school-support", "family-support"), (ADMIN, OP)),
        OrgProfile("auser", "AUSER", ("elderly-support",), (ADMIN, VOL)),
        OrgProfile("farmacie", "Farmacie comunali", ("medicines", "health"), (ADMIN, OP)),
        OrgProfile("banco", "Banco Paolo Galbiati", ("food-aid",), (ADMIN, OP, VOL)),
        OrgProfile(
            "caritas",
            "Caritas Cinisello",
            ("listening-centre", "food-aid", "clothing", "economic-support", "debt-counselling"),
            (ADMIN, CM, OP, VOL),
            22,
        ),
        OrgProfile(
            "cav", "Centro Aiuto alla Vita", ("maternity-support", "family-support", "clothing"), (ADMIN, CM), 4
        ),
        OrgProfile("torpedone", "Il Torpedone", ("job-placement", "training"), (ADMIN, CM), 2),
        OrgProfile(
            "cordata",
            "La Cordata",
            ("temporary-housing", "social-housing-support", "emergency-shelter"),
            (ADMIN, CM, OP),
            10,
        ),
        OrgProfile(
            "integrazione",
            "Progetto e Integrazione",
            ("language-courses", "job-placement", "legal-aid"),
            (ADMIN, CM),
            3,
        ),
        OrgProfile("protezionecivile", "Protezione Civile", ("food-aid",), (ADMIN, VOL)),
        OrgProfile(
            "cri", "Croce Rossa Cinisello", ("food-aid", "clothing", "health", "emergency-shelter"), (ADMIN, CM, OP), 5
        ),
        OrgProfile("equipe", "Equipe Sociale Decanato", ("listening-centre", "family-support"), (ADMIN, CM), 3),
        OrgProfile("auprema", "Fondazione Auprema", ("family-support", "school-support"), (ADMIN, OP)),
        OrgProfile("cumse", "Fondazione CUMSE", ("training", "school-support"), (ADMIN, OP)),
        OrgProfile(
            "vincenziane",
            "Volontariato Vincenziano",
            ("listening-centre", "food-aid", "clothing", "economic-support"),
            (ADMIN, CM, VOL),
            5,
        ),
        OrgProfile("officina", "Officina di Enrico", ("training", "job-placement"), (ADMIN, OP)),
        OrgProfile("ilsole", "Poliambulatorio Il Sole", ("health", "psychological-support", "medicines"), (ADMIN, OP)),
        OrgProfile(
            "stripes",
            "Cooperativa Stripes",
            ("school-support", "family-support", "psychological-support"),
            (ADMIN, CM),
            3,
        ),
        OrgProfile("prima", "Cooperativa Prima", ("job-placement", "training"), (ADMIN, CM), 2),
        OrgProfile("xsqui", "Associazione XSQUI", ("school-support", "language-courses"), (ADMIN, OP)),
        OrgProfile(
            "edithstein",
            "Fondazione Edith Stein",
            ("family-support", "psychological-support", "debt-counselling"),
            (ADMIN, CM),
            3,
        ),
        OrgProfile(
            "lotta",
            "Lotta Contro l'Emarginazione",
            ("emergency-shelter", "psychological-support", "legal-aid"),
            (ADMIN, CM, OP),
            5,
        ),
        OrgProfile("fondazionecomunitaria", "Fondazione Comunitaria Nord Milano", ("economic-support",), (ADMIN, OP)),
        OrgProfile("csv", "CSV Milano", ("volunteering",), (ADMIN, OP)),
    )
}

# CSV name (as in partners/data/partners.csv) -> profile slug.
CSV_SLUGS = {
    "Comune di Cinisello Balsamo - Servizio Centralità della Persona": "comune",
    "Anffas NordMilano": "anffas",
    "Anteas": "anteas",
    'Associazione Banco Alimentare della Lombardia "Danilo Fossati" Onlus': "bancolombardia",
    "Associazione Marse": "marse",
    "AUSER": "auser",
    "Azienda Multiservizi Farmacie": "farmacie",
    "Banco Alimentare Paolo Galbiati": "banco",
    "Caritas Decanale di Cinisello Balsamo": "caritas",
    "Centro Aiuto alla Vita": "cav",
    "Cooperativa Il Torpedone": "torpedone",
    "Cooperativa La Cordata": "cordata",
    "Cooperativa Progetto e Integrazione": "integrazione",
    "Corpo Volontari Protezione Civile": "protezionecivile",
    "Croce Rossa Italiana - Comitato Locale di Cinisello Balsamo": "cri",
    "Equipe Sociale Decanato Cinisello Balsamo": "equipe",
    "Fondazione Auprema": "auprema",
    "Fondazione CUMSE": "cumse",
    "Gruppi di Volontariato Vincenziano - AIC Italia": "vincenziane",
    "Officina di Enrico": "officina",
    "Consorzio Il Sole - Poliambulatorio": "ilsole",
    "Cooperativa Stripes": "stripes",
    "Cooperativa Sociale Prima": "prima",
    "Associazione XSQUI": "xsqui",
    "Fondazione per la Famiglia Edith Stein": "edithstein",
    "Cooperativa Lotta Contro l'Emarginazione": "lotta",
    "Fondazione Comunitaria Nord Milano": "fondazionecomunitaria",
    "CSV Milano": "csv",
}

ROLE_SUFFIX = {CM: "cm", OP: "operatore", VOL: "volontario", ADMIN: "admin", COORD: "coordinatore"}
# (slug, role, occurrence) -> username, where the demo promises a fixed login.
FIXED_USERNAMES = {
    ("comune", COORD, 0): "coordinatore",
    ("comune", CM, 0): "assistente.comune",
    ("comune", CM, 1): "assistente2.comune",
}
# A user with two memberships: case manager at the CAV, operator at Caritas.
EXTRA_MEMBERSHIPS = (("cav.cm", "caritas", OP),)

STREETS = (
    "Via XXV Aprile",
    "Via Frova",
    "Via Libertà",
    "Viale Fulvio Testi",
    "Via Garibaldi",
    "Via Marconi",
    "Via Risorgimento",
    "Via Matteotti",
    "Via Sant'Ambrogio",
    "Via Verdi",
    "Via Mazzini",
    "Piazza Gramsci",
    "Via Cadorna",
    "Via Monte Ortigara",
    "Via Fiume",
    "Via Dante",
)


@dataclass
class DemoNetwork:
    organisations: dict[str, Organisation]  # by slug
    users: dict[str, Any]  # by username
    logins: list[tuple[str, str, str]]  # (username, role, organisation short name)
    staff: dict[str, list[tuple[Any, str]]] = field(default_factory=dict)  # slug -> [(user, role)]
    services: dict[str, ServiceType] = field(default_factory=dict)  # by code
    profiles: dict[str, OrgProfile] = field(default_factory=dict)  # by slug

    def members(self, slug: str, *roles: str) -> list:
        return [user for user, role in self.staff.get(slug, []) if role in roles]

    @property
    def coordinator_org(self) -> Organisation:
        return next(o for o in self.organisations.values() if o.network_role == NetworkRole.COORDINATOR)


def read_partners_csv(path: str | Path | None = None) -> list[dict[str, str]]:
    path = Path(path or settings.TAVOLO["PARTNERS_CSV"])
    with path.open(encoding="utf-8", newline="") as handle:
        return [row for row in csv.DictReader(handle) if (row.get("name") or "").strip()]


def _profile_for(name: str) -> OrgProfile:
    slug = CSV_SLUGS.get(name)
    if slug:
        return PROFILES[slug]
    # A partner added to the CSV later: a generic profile, so the demo still loads.
    from django.utils.text import slugify

    slug = slugify(name).replace("-", "")[:20] or "ente"
    return OrgProfile(slug, name[:60], ("listening-centre",), (ADMIN, CM, OP), 1)


def load_network(*, rng: random.Random, faker, csv_path: str | Path | None = None) -> DemoNetwork:
    """Organisations of the CSV and their staff, through the partner services (actor None: system)."""
    catalogue = load_catalogue()
    password_hash = make_password(DEMO_PASSWORD)  # hashed once: PBKDF2 per user would take seconds
    User = get_user_model()
    network = DemoNetwork(organisations={}, users={}, logins=[], services=catalogue)
    for row in read_partners_csv(csv_path):
        name = row["name"].strip()
        profile = _profile_for(name)
        network_role = row.get("membership", "").strip() or NetworkRole.PARTNER
        if network_role not in NetworkRole.values:
            network_role = NetworkRole.PARTNER
        kind = row.get("kind", "").strip()
        organisation = partner_services.organisation_create(
            name=name,
            kind=kind if kind in OrganisationKind.values else OrganisationKind.ASSOCIATION,
            network_role=network_role,
            short_name=profile.short_name,
            services=[catalogue[code] for code in profile.services],
            address="Via XXV Aprile 4" if profile.slug == "comune" else f"{rng.choice(STREETS)} {rng.randint(1, 180)}",
            postcode="20092",
            city="Cinisello Balsamo",
            tax_code="",
            email=f"info@{profile.slug}.example.org",
            phone=f"+39 000 {rng.randint(1000000, 9999999)}",
        )
        network.organisations[profile.slug] = organisation
        network.profiles[profile.slug] = profile
        seen: Counter = Counter()
        for role in profile.staff:
            username = FIXED_USERNAMES.get((profile.slug, role, seen[role]))
            if username is None:
                suffix = ROLE_SUFFIX[role] + (str(seen[role] + 1) if seen[role] else "")
                username = f"{profile.slug}.{suffix}"
            seen[role] += 1
            female = rng.random() < 0.6
            user = User.objects.create(
                username=username,
                email=f"{username}@example.org",
                password=password_hash,
                first_name=faker.first_name_female() if female else faker.first_name_male(),
                last_name=faker.last_name(),
            )
            partner_services.membership_add(organisation=organisation, role=role, user=user)
            network.users[username] = user
            network.staff.setdefault(profile.slug, []).append((user, role))
            network.logins.append((username, role, profile.short_name))
    for username, slug, role in EXTRA_MEMBERSHIPS:
        if username in network.users and slug in network.organisations:
            user = network.users[username]
            partner_services.membership_add(organisation=network.organisations[slug], role=role, user=user)
            network.staff[slug].append((user, role))
            network.logins.append((username, role, network.organisations[slug].short_name))
    return network
