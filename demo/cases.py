"""Demo data for the Tavolo Povertà network of Cinisello Balsamo.

Three layers, each usable alone (the benchmark under ``bench/`` loads only the first two):
- the network's service catalogue (Italian names: it is seed data of an Italian network);
- the organisations of the seed CSV with their staff, through ``partners.services`` (groups in sync);
- clearly fictional people (Faker it_IT and fixed name lists) with households, consents and case files,
  through ``cases.services``, so every timeline event and audit row exists as in real use.

Simulated history: while the people are loaded, ``django.utils.timezone.now`` answers a simulated
moment (the date of the step being replayed) and a ``pre_save`` receiver dates timeline events with it.
Without this, two years of case history would all be stamped with the minute the command ran.
"""

from __future__ import annotations

import csv
import datetime
import random
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from unittest import mock
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db.models.signals import pre_save
from django.utils import timezone
from stdnum.it import codicefiscale

from partners import services as partner_services
from partners.catalogue import default_share_sections
from partners.models import NetworkRole, Organisation, OrganisationKind, ServiceType
from partners.roles import Role


class DemoError(Exception):
    """The demo cannot be loaded as configured (e.g. a partners CSV without any case manager)."""


DEMO_PASSWORD = "tavolo-demo-2026"  # noqa: S105 - the documented password of every demo login
FICTIONAL_MARK = "Dati fittizi"

# --- the service catalogue -------------------------------------------------------------------------

SERVICE_CATALOGUE: tuple[tuple[str, str, str], ...] = (
    ("food-aid", "Aiuti alimentari", "Pacchi viveri, emporio solidale, pasti."),
    ("listening-centre", "Centro di ascolto", "Primo ascolto, orientamento e accompagnamento ai servizi."),
    ("emergency-shelter", "Pronta accoglienza notturna", "Posti letto per l'emergenza e il piano freddo."),
    ("temporary-housing", "Housing temporaneo (SAT)", "Alloggi temporanei con progetto di accompagnamento."),
    ("social-housing-support", "Accompagnamento all'abitare",
     "Domande SAP, ricerca casa, mediazione con i proprietari, morosità incolpevole."),
    ("job-placement", "Inserimento lavorativo", "Orientamento, bilancio di competenze, tirocini di inclusione."),
    ("training", "Formazione professionale", "Corsi brevi e qualifiche professionali."),
    ("legal-aid", "Consulenza legale", "Sportello legale, permessi di soggiorno, sfratti."),
    ("health", "Assistenza sanitaria", "Ambulatorio, visite specialistiche, accompagnamento sanitario."),
    ("psychological-support", "Supporto psicologico", "Colloqui psicologici individuali e di gruppo."),
    ("family-support", "Sostegno alla famiglia", "Sostegno alla genitorialità e alle relazioni familiari."),
    ("debt-counselling", "Consulenza sul debito e microcredito", "Sovraindebitamento, piani di rientro."),
    ("language-courses", "Corsi di italiano L2", "Corsi di lingua italiana per stranieri."),
    ("clothing", "Guardaroba solidale", "Distribuzione di vestiario e corredini."),
    ("school-support", "Sostegno scolastico e doposcuola", "Aiuto compiti, doposcuola, materiale scolastico."),
    ("economic-support", "Contributi economici", "Buoni spesa, pagamento di utenze e affitto."),
    ("medicines", "Farmaci e presidi sanitari", "Farmaci da banco e presidi per chi non può pagarli."),
    ("maternity-support", "Sostegno alla maternità", "Accompagnamento in gravidanza e nel primo anno di vita."),
    ("disability-support", "Servizi per la disabilità", "Sostegno a persone con disabilità e famiglie."),
    ("elderly-support", "Servizi per anziani", "Compagnia, trasporto e accompagnamento di anziani soli."),
    ("volunteering", "Promozione del volontariato", "Orientamento al volontariato e supporto agli enti."),
)

# --- the organisations ------------------------------------------------------------------------------

CM, OP, VOL, ADMIN, COORD = Role.CASE_MANAGER, Role.OPERATOR, Role.VOLUNTEER, Role.ORG_ADMIN, Role.COORDINATOR


@dataclass(frozen=True)
class OrgProfile:
    slug: str
    short_name: str
    services: tuple[str, ...]
    staff: tuple[str, ...]  # roles; usernames are "<slug>.<suffix>" unless fixed in FIXED_USERNAMES
    lead_weight: int = 0  # share of the demo cases the organisation leads (needs a case manager)


PROFILES: dict[str, OrgProfile] = {p.slug: p for p in (
    OrgProfile("comune", "Comune di Cinisello Balsamo",
               ("listening-centre", "economic-support", "social-housing-support", "temporary-housing",
                "family-support", "job-placement"), (COORD, CM, CM, ADMIN), 30),
    OrgProfile("anffas", "Anffas NordMilano", ("disability-support", "family-support"), (ADMIN, CM), 2),
    OrgProfile("anteas", "Anteas", ("elderly-support",), (ADMIN, VOL)),
    OrgProfile("bancolombardia", "Banco Alimentare Lombardia", ("food-aid",), (ADMIN, OP)),
    OrgProfile("marse", "Associazione Marse", ("school-support", "family-support"), (ADMIN, OP)),
    OrgProfile("auser", "AUSER", ("elderly-support",), (ADMIN, VOL)),
    OrgProfile("farmacie", "Farmacie comunali", ("medicines", "health"), (ADMIN, OP)),
    OrgProfile("banco", "Banco Paolo Galbiati", ("food-aid",), (ADMIN, OP, VOL)),
    OrgProfile("caritas", "Caritas Cinisello",
               ("listening-centre", "food-aid", "clothing", "economic-support", "debt-counselling"),
               (ADMIN, CM, OP, VOL), 22),
    OrgProfile("cav", "Centro Aiuto alla Vita", ("maternity-support", "family-support", "clothing"), (ADMIN, CM), 4),
    OrgProfile("torpedone", "Il Torpedone", ("job-placement", "training"), (ADMIN, CM), 2),
    OrgProfile("cordata", "La Cordata", ("temporary-housing", "social-housing-support", "emergency-shelter"),
               (ADMIN, CM, OP), 10),
    OrgProfile("integrazione", "Progetto e Integrazione", ("language-courses", "job-placement", "legal-aid"),
               (ADMIN, CM), 3),
    OrgProfile("protezionecivile", "Protezione Civile", ("food-aid",), (ADMIN, VOL)),
    OrgProfile("cri", "Croce Rossa Cinisello", ("food-aid", "clothing", "health", "emergency-shelter"),
               (ADMIN, CM, OP), 5),
    OrgProfile("equipe", "Equipe Sociale Decanato", ("listening-centre", "family-support"), (ADMIN, CM), 3),
    OrgProfile("auprema", "Fondazione Auprema", ("family-support", "school-support"), (ADMIN, OP)),
    OrgProfile("cumse", "Fondazione CUMSE", ("training", "school-support"), (ADMIN, OP)),
    OrgProfile("vincenziane", "Volontariato Vincenziano",
               ("listening-centre", "food-aid", "clothing", "economic-support"), (ADMIN, CM, VOL), 5),
    OrgProfile("officina", "Officina di Enrico", ("training", "job-placement"), (ADMIN, OP)),
    OrgProfile("ilsole", "Poliambulatorio Il Sole", ("health", "psychological-support", "medicines"), (ADMIN, OP)),
    OrgProfile("stripes", "Cooperativa Stripes", ("school-support", "family-support", "psychological-support"),
               (ADMIN, CM), 3),
    OrgProfile("prima", "Cooperativa Prima", ("job-placement", "training"), (ADMIN, CM), 2),
    OrgProfile("xsqui", "Associazione XSQUI", ("school-support", "language-courses"), (ADMIN, OP)),
    OrgProfile("edithstein", "Fondazione Edith Stein",
               ("family-support", "psychological-support", "debt-counselling"), (ADMIN, CM), 3),
    OrgProfile("lotta", "Lotta Contro l'Emarginazione", ("emergency-shelter", "psychological-support", "legal-aid"),
               (ADMIN, CM, OP), 5),
    OrgProfile("fondazionecomunitaria", "Fondazione Comunitaria Nord Milano", ("economic-support",), (ADMIN, OP)),
    OrgProfile("csv", "CSV Milano", ("volunteering",), (ADMIN, OP)),
)}

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
FIXED_USERNAMES = {("comune", COORD, 0): "coordinatore", ("comune", CM, 0): "assistente.comune",
                   ("comune", CM, 1): "assistente2.comune"}
# A user with two memberships: case manager at the CAV, operator at Caritas.
EXTRA_MEMBERSHIPS = (("cav.cm", "caritas", OP),)

STREETS = ("Via XXV Aprile", "Via Frova", "Via Libertà", "Viale Fulvio Testi", "Via Garibaldi", "Via Marconi",
           "Via Risorgimento", "Via Matteotti", "Via Sant'Ambrogio", "Via Verdi", "Via Mazzini", "Piazza Gramsci",
           "Via Cadorna", "Via Monte Ortigara", "Via Fiume", "Via Dante")


@dataclass
class DemoNetwork:
    organisations: dict[str, Organisation]  # by slug
    users: dict[str, object]  # by username
    logins: list[tuple[str, str, str]]  # (username, role, organisation short name)
    staff: dict[str, list[tuple[object, str]]] = field(default_factory=dict)  # slug -> [(user, role)]
    services: dict[str, ServiceType] = field(default_factory=dict)  # by code
    profiles: dict[str, OrgProfile] = field(default_factory=dict)  # by slug

    def members(self, slug: str, *roles: str) -> list:
        return [user for user, role in self.staff.get(slug, []) if role in roles]

    @property
    def coordinator_org(self) -> Organisation:
        return next(o for o in self.organisations.values() if o.network_role == NetworkRole.COORDINATOR)


def load_catalogue() -> dict[str, ServiceType]:
    """The catalogue is reference data, not a user action: plain rows, updated in place when re-run."""
    catalogue = {}
    for code, name, description in SERVICE_CATALOGUE:
        values = {"name": name, "description": description}
        catalogue[code], _created = ServiceType.objects.update_or_create(
            code=code, defaults=values, create_defaults={**values, "share_sections": default_share_sections(code)})
    return catalogue


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
            name=name, kind=kind if kind in OrganisationKind.values else OrganisationKind.ASSOCIATION,
            network_role=network_role, short_name=profile.short_name,
            services=[catalogue[code] for code in profile.services],
            address="Via XXV Aprile 4" if profile.slug == "comune"
            else f"{rng.choice(STREETS)} {rng.randint(1, 180)}",
            postcode="20092", city="Cinisello Balsamo", tax_code="",
            email=f"info@{profile.slug}.example.org", phone=f"+39 000 {rng.randint(1000000, 9999999)}",
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
                username=username, email=f"{username}@example.org", password=password_hash,
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


# --- codice fiscale ---------------------------------------------------------------------------------

_MONTH_LETTERS = "ABCDEHLMPRST"
_VOWELS = frozenset("AEIOU")


def _cf_letters(value: str) -> tuple[list[str], list[str]]:
    from cases.text import name_key

    letters = name_key(value).upper()
    return [c for c in letters if c not in _VOWELS], [c for c in letters if c in _VOWELS]


def codice_fiscale(*, last_name: str, first_name: str, birth_date: datetime.date, sex: str,
                   place_code: str) -> str:
    """The codice fiscale as the Agenzia delle Entrate computes it (without omocodia).

    Surname: consonants, then vowels, padded with X. Name: the same, but with four or more consonants
    the 1st, 3rd and 4th. Then year, month letter, day (+40 for women), the Belfiore code of the birth
    place (Z... for a foreign country) and python-stdnum's check character.
    """
    consonants, vowels = _cf_letters(last_name)
    surname = "".join(consonants + vowels + ["X"] * 3)[:3]
    consonants, vowels = _cf_letters(first_name)
    if len(consonants) >= 4:
        consonants = [consonants[0], consonants[2], consonants[3]]
    name = "".join(consonants + vowels + ["X"] * 3)[:3]
    day = birth_date.day + (40 if sex == "F" else 0)
    body = f"{surname}{name}{birth_date.year % 100:02d}{_MONTH_LETTERS[birth_date.month - 1]}{day:02d}{place_code}"
    return body + codicefiscale.calc_check_digit(body)


# --- the simulated clock ----------------------------------------------------------------------------


class DemoClock:
    """A clock set to the day being replayed; every reading moves a little forward (stable ordering)."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.day: datetime.date | None = None
        self.tz = ZoneInfo(settings.TIME_ZONE)
        self._base = datetime.datetime.now(tz=self.tz)
        self._ticks = 0

    def set(self, day: datetime.date) -> None:
        if day != self.day:
            self.day = day
            start = datetime.time(8, 30 + self.rng.randint(0, 29))
            self._base = datetime.datetime.combine(day, start, tzinfo=self.tz)
            real_now = datetime.datetime.now(tz=self.tz)
            if day == real_now.date():  # today: stay (nearly) in the past, and on the same date
                midnight = datetime.datetime.combine(day, datetime.time(0), tzinfo=self.tz)
                self._base = max(midnight, min(self._base, real_now - datetime.timedelta(minutes=15)))
            self._ticks = 0

    def now(self) -> datetime.datetime:
        self._ticks += 1
        return self._base + datetime.timedelta(seconds=2 * self._ticks)


@contextmanager
def simulated_time(clock: DemoClock):
    from cases.models import CaseEvent

    def date_event(sender, instance, **kwargs):
        if instance._state.adding:
            instance.at = clock.now()

    pre_save.connect(date_event, sender=CaseEvent, dispatch_uid="tavolo-demo-clock")
    try:
        with mock.patch.object(timezone, "now", clock.now):
            yield clock
    finally:
        pre_save.disconnect(sender=CaseEvent, dispatch_uid="tavolo-demo-clock")


def money(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randint(low * 100, high * 100)) / 100


# --- fictional people -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Origin:
    country: str
    code: str  # Belfiore code of the country of birth
    citizenship: str
    languages: str
    eu: bool
    male: tuple[str, ...]
    female: tuple[str, ...]
    surnames: tuple[str, ...]
    weight: int


ORIGINS = (
    Origin("Marocco", "Z330", "marocchina", "arabo, francese", False, ("Mohamed", "Youssef", "Rachid", "Hicham"),
           ("Fatima", "Khadija", "Samira", "Naima"), ("El Idrissi", "Benali", "Amrani", "Bouzid", "Tahiri"), 16),
    Origin("Romania", "Z129", "romena", "romeno", True, ("Andrei", "Ionut", "Mihai", "Florin"),
           ("Elena", "Ioana", "Mariana", "Andreea"), ("Popescu", "Ionescu", "Dumitru", "Munteanu", "Stan"), 12),
    Origin("Albania", "Z100", "albanese", "albanese", False, ("Arben", "Gentian", "Ilir", "Besnik"),
           ("Elira", "Merita", "Blerina", "Anila"), ("Hoxha", "Shehu", "Leka", "Gjoka", "Dervishi"), 9),
    Origin("Perù", "Z611", "peruviana", "spagnolo", False, ("Luis", "José", "Carlos", "Jorge"),
           ("Rosa", "María", "Carmen", "Rosario"), ("Quispe", "Huamán", "Flores", "Mamani", "Rojas"), 9),
    Origin("Egitto", "Z336", "egiziana", "arabo", False, ("Ahmed", "Mahmoud", "Omar", "Tarek"),
           ("Mona", "Amina", "Rania", "Yasmin"), ("Hassan", "Abdelrahman", "Saleh", "Farouk", "Mansour"), 9),
    Origin("Ucraina", "Z138", "ucraina", "ucraino, russo", False, ("Oleksandr", "Andriy", "Serhiy", "Dmytro"),
           ("Olena", "Iryna", "Oksana", "Tetiana"), ("Kovalenko", "Shevchenko", "Bondarenko", "Melnyk"), 7),
    Origin("Senegal", "Z343", "senegalese", "wolof, francese", False, ("Mamadou", "Cheikh", "Ousmane", "Modou"),
           ("Awa", "Fatou", "Aminata", "Khady"), ("Diop", "Ndiaye", "Fall", "Sow", "Gueye"), 6),
    Origin("Ecuador", "Z605", "ecuadoriana", "spagnolo", False, ("Segundo", "Wilson", "Darwin", "Fabián"),
           ("Gladys", "Narcisa", "Rosa", "Jessica"), ("Cedeño", "Zambrano", "Vera", "Mendoza", "Rosales"), 5),
    Origin("Bangladesh", "Z249", "bengalese", "bengali, inglese", False, ("Mohammad", "Rahim", "Kamal", "Sumon"),
           ("Nasrin", "Shirin", "Ruma", "Taslima"), ("Hossain", "Rahman", "Islam", "Akter", "Uddin"), 5),
    Origin("Tunisia", "Z352", "tunisina", "arabo, francese", False, ("Sami", "Mehdi", "Nizar", "Walid"),
           ("Sonia", "Ines", "Hela", "Rim"), ("Ben Salah", "Trabelsi", "Jebali", "Gharbi", "Mejri"), 4),
    Origin("Bulgaria", "Z104", "bulgara", "bulgaro", True, ("Georgi", "Ivan", "Dimitar", "Nikolai"),
           ("Maria", "Desislava", "Ivanka", "Rositsa"), ("Ivanov", "Petrov", "Georgiev", "Dimitrov"), 3),
    Origin("Nigeria", "Z335", "nigeriana", "inglese", False, ("Chinedu", "Emeka", "Tunde", "Samuel"),
           ("Blessing", "Joy", "Precious", "Ngozi"), ("Okafor", "Adeyemi", "Eze", "Okonkwo", "Bello"), 4),
)
# Italian birth places: (Belfiore code, name, weight).
ITALIAN_PLACES = (("F205", "Milano", 40), ("C707", "Cinisello Balsamo", 25), ("F704", "Monza", 5),
                  ("F839", "Napoli", 8), ("G273", "Palermo", 6), ("A662", "Bari", 4), ("C351", "Catania", 4),
                  ("H224", "Reggio Calabria", 3), ("D643", "Foggia", 3), ("H501", "Roma", 2))
HOMELESS_ADDRESS = "Via della Casa Comunale 1"  # the registry address municipalities give to people without a home

# service code -> what it delivers: (intervention kind, value range in euros or None, maximum quantity)
DELIVERIES: dict[str, tuple[tuple[str, tuple[int, int] | None, int], ...]] = {
    "food-aid": (("food_parcel", (25, 60), 2), ("food_parcel", (25, 60), 1), ("meal", None, 10)),
    "clothing": (("clothing", None, 3),),
    "economic-support": (("voucher", (50, 150), 1), ("bill_payment", (80, 400), 1), ("rent_support", (200, 700), 1),
                         ("subsidy", (100, 500), 1)),
    "medicines": (("medicines", (10, 90), 3),),
    "listening-centre": (("counselling", None, 1),),
    "psychological-support": (("counselling", None, 1),),
    "debt-counselling": (("counselling", None, 1),),
    "legal-aid": (("legal_advice", None, 1),),
    "emergency-shelter": (("shelter_night", None, 14),),
    "maternity-support": (("voucher", (50, 150), 1),),
}
DOMAIN_SERVICES = {
    "housing": ("social-housing-support", "temporary-housing", "emergency-shelter"),
    "work": ("job-placement", "training"),
    "income": ("economic-support",),
    "food": ("food-aid",),
    "health": ("health", "medicines", "psychological-support"),
    "family": ("family-support", "school-support", "maternity-support"),
    "debts": ("debt-counselling", "economic-support"),
    "legal": ("legal-aid",),
    "language": ("language-courses",),
}
PRIMARY_NEEDS = {"food": 20, "income": 20, "housing": 18, "work": 18, "debts": 6, "family": 8, "health": 5,
                 "legal": 3, "language": 2}
CASE_TITLES = {"housing": "Emergenza abitativa", "work": "Percorso di inserimento lavorativo",
               "income": "Sostegno al reddito", "food": "Sostegno alimentare", "health": "Accompagnamento sanitario",
               "family": "Sostegno alla famiglia", "debts": "Sovraindebitamento",
               "legal": "Regolarizzazione dei documenti", "language": "Integrazione linguistica"}
GOALS = {
    "housing": (("Trovare una soluzione abitativa stabile", "Presentare la domanda di alloggio SAP",
                 "Evitare lo sfratto con un piano di rientro"),
                ("Colloquio con lo sportello casa", "Raccolta documenti per la domanda SAP",
                 "Inserimento in housing temporaneo", "Mediazione con il proprietario")),
    "work": (("Ricerca attiva di lavoro", "Avviare un tirocinio di inclusione", "Ottenere una qualifica"),
             ("Iscrizione al Centro per l'Impiego", "Invio ad AFOL per il programma GOL",
              "Redazione del curriculum", "Colloquio di orientamento")),
    "income": (("Stabilizzare il reddito familiare", "Accedere all'Assegno di inclusione"),
               ("Verifica dei requisiti per l'Assegno di inclusione", "Domanda di contributo economico comunale",
                "Aggiornamento dell'ISEE")),
    "food": (("Garantire l'accesso agli aiuti alimentari",),
             ("Inserimento nella distribuzione dei pacchi viveri", "Tessera per l'emporio solidale")),
    "health": (("Garantire l'accesso alle cure",),
               ("Iscrizione al Servizio Sanitario Nazionale", "Prenotazione di una visita al poliambulatorio",
                "Accompagnamento ai servizi specialistici")),
    "family": (("Sostenere la genitorialità", "Inserire i figli al doposcuola"),
               ("Colloquio con la scuola", "Iscrizione al doposcuola", "Incontri di sostegno alla genitorialità")),
    "debts": (("Definire un piano di rientro dei debiti",),
              ("Consulenza sul sovraindebitamento", "Richiesta di microcredito", "Rateizzazione delle utenze")),
    "legal": (("Regolarizzare i documenti di soggiorno",),
              ("Appuntamento con lo sportello legale", "Rinnovo del permesso di soggiorno")),
    "language": (("Migliorare la conoscenza dell'italiano",),
                 ("Iscrizione al corso di italiano L2", "Test di livello della lingua")),
}
NOTES = ("Colloquio di verifica: la situazione è stabile, concordato nuovo appuntamento.",
         "Consegnato l'elenco dei documenti per l'ISEE.",
         "Telefonata: la persona riferisce ritardi nel pagamento dell'affitto.",
         "Incontro di rete con gli altri enti per coordinare gli aiuti.",
         "La persona non si è presentata all'appuntamento; ricontattata telefonicamente.",
         "Aggiornato il progetto con la persona: obiettivi confermati.")
SENSITIVE_NOTES = ("Riferisce problemi di salute che limitano la ricerca di lavoro.",
                   "È in corso un procedimento penale a carico di un familiare.",
                   "Seguito dal servizio per le dipendenze: aggiornamento del referente.",
                   "Segnalata una situazione di violenza domestica: attivato il centro antiviolenza.")
OUTCOMES = {"goals_reached": 35, "partially_reached": 25, "transferred_out": 10, "moved_away": 10,
            "withdrew": 8, "unreachable": 10, "other": 2}


def _weighted(rng: random.Random, table: dict):
    return rng.choices(list(table), weights=list(table.values()))[0]


@dataclass
class Member:
    relationship: str
    sex: str
    age: int


class PeopleLoader:
    """Replays, household by household, what the network's staff would do: intake, consent, assessment,
    plan, notes, services delivered, referrals (read grants), closure. Everything through the services."""

    def __init__(self, network: DemoNetwork, *, rng: random.Random, faker, clock: DemoClock,
                 today: datetime.date):
        from cases.models import Person

        self.net, self.rng, self.faker, self.clock, self.today = network, rng, faker, clock, today
        self.stats: Counter = Counter()
        self.used_cf = set(Person.objects.exclude(codice_fiscale=None).values_list("codice_fiscale", flat=True))
        # Lists, never sets: the iteration order must not depend on the string hash seed (--seed reproduces).
        partners = [slug for slug, org in network.organisations.items() if org.network_role != NetworkRole.ADHERENT]
        self.leads = {slug: network.profiles[slug].lead_weight for slug in partners
                      if network.profiles[slug].lead_weight and network.members(slug, CM)}
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
        shape = _weighted(rng, {"single": 22, "couple": 12, "single_parent": 18, "family": 30, "extended": 8,
                                "homeless": 10})
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
            members.append(Member(rng.choice(["parent", "sibling", "other_relative"]), rng.choice("MF"),
                                  min(95, age + rng.randint(18, 30)) if rng.random() < 0.6 else age - 2))
        return members[:remaining], shape == "homeless"

    def _household(self, index: int, remaining: int) -> None:
        from cases import services
        from cases.models import Relationship

        rng = self.rng
        members, homeless = self._compose(remaining)
        origin = None if rng.random() < (0.5 if homeless else 0.56) else rng.choices(
            ORIGINS, weights=[o.weight for o in ORIGINS])[0]
        documents = "cf" if origin is None else rng.choices(
            ["cf", "passport", "irregular"], weights=[15 if homeless else 40, 25, 35])[0]
        lead = rng.choices(list(self.leads), weights=list(self.leads.values()))[0]
        actor = rng.choice(self.net.members(lead, CM))
        lead_org = self.net.organisations[lead]
        opened_on = self.today - datetime.timedelta(days=int(rng.triangular(0, 1000, 150)))
        self.clock.set(opened_on)
        surname = self.faker.last_name() if origin is None else rng.choice(origin.surnames)
        address = HOMELESS_ADDRESS if homeless else f"{self.faker.street_name()} {rng.randint(1, 120)}"
        persons = [self._register(actor, lead_org, member, origin=origin, documents=documents, surname=surname,
                                  address=address, homeless=homeless, on=opened_on) for member in members]
        household = None
        if not homeless:
            isee = rng.random() < 0.75
            household = services.household_create(
                actor=actor, organisation_id=lead_org.pk, name=persons[0].last_name, address=address,
                isee_value=money(rng, 0, 22000) if isee else None,
                isee_expires_on=datetime.date(opened_on.year, 12, 31) if isee else None,
                reference_person=persons[0])
            self.stats["households"] += 1
            for member, person in zip(members[1:], persons[1:], strict=True):
                relationship = member.relationship if member.relationship in Relationship.values else "other_relative"
                services.household_member_add(actor=actor, household=household, person=person,
                                              relationship=relationship)
        needs = self._needs(homeless=homeless, foreign=origin is not None)
        primary = next(iter(needs))
        case = services.case_open(actor=actor, organisation_id=lead_org.pk, person=persons[0], household=household,
                                  title=CASE_TITLES[primary], opened_on=opened_on)
        self.stats["cases"] += 1
        story = _Story(self, case=case, lead=lead, actor=actor, household=household, needs=needs,
                       duplicate=household is not None and index % 4 == 1)
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
        primary = _weighted(rng, table)
        needs = {primary: rng.randint(3, 4)}
        others = [d for d in DOMAIN_SERVICES if d != primary]
        extra = ["language", "legal"] if foreign else []
        extra += ["housing", "health"] if homeless else []
        for domain in rng.sample(others, rng.randint(1, 4)) + extra:
            needs.setdefault(domain, rng.randint(0, 3))
        return needs

    def _register(self, actor, organisation, member: Member, *, origin: Origin | None, documents: str, surname: str,
                  address: str, homeless: bool, on: datetime.date):
        from cases import services

        rng, faker = self.rng, self.faker
        female = member.sex == "F"
        if origin is None:
            first = faker.first_name_female() if female else faker.first_name_male()
        else:
            first = rng.choice(origin.female if female else origin.male)
        last = surname if member.relationship in ("reference", "child", "grandchild", "sibling") or rng.random() < 0.3 \
            else (faker.last_name() if origin is None else rng.choice(origin.surnames))
        birth_date = on - datetime.timedelta(days=365 * member.age + rng.randint(1, 364))
        born_here = origin is None or (member.age < 15 and rng.random() < 0.7)
        places = ITALIAN_PLACES if origin is None else ITALIAN_PLACES[:3]  # born here: near Cinisello
        code, place = rng.choices([(c, n) for c, n, _w in places], weights=[w for *_x, w in places])[0]
        if not born_here:
            code, place = origin.code, origin.country
        data = {
            "first_name": first, "last_name": last, "birth_date": birth_date, "sex": member.sex,
            "birth_place": place, "citizenship": "italiana" if origin is None else origin.citizenship,
            "languages": "italiano" if origin is None else origin.languages + (", italiano" if born_here else ""),
            "is_homeless": homeless, "address": address, "postcode": "" if homeless else "20092",
            "city": "Cinisello Balsamo",
        }
        if member.age >= 18 and rng.random() < 0.6:
            data["phone"] = f"+39 000 {rng.randint(1000000, 9999999)}"
        has_cf = documents == "cf" or (born_here and documents != "irregular")
        if homeless and origin is None and rng.random() < 0.25:
            has_cf = False  # arrived without documents: registered with the birth date only
        if has_cf:
            cf = codice_fiscale(last_name=last, first_name=first, birth_date=birth_date, sex=member.sex,
                                place_code=code)
            if cf not in self.used_cf:
                self.used_cf.add(cf)
                data["codice_fiscale"] = cf
        elif documents == "passport" or (origin is not None and not homeless and rng.random() < 0.2):
            data["other_id_kind"], data["other_id_number"] = "passport", (
                f"{rng.choice('ABCDEFGHJKLMNPRSTUVWYZ')}{rng.choice('ABCDEFGHJKLMNPRSTUVWYZ')}"
                f"{rng.randint(1000000, 9999999)}")
        elif origin is not None:
            kind = "eni" if origin.eu else "stp"
            # STP/ENI: prefix, Lombardy's region code, the local health agency, a progressive number.
            data["other_id_kind"] = kind
            data["other_id_number"] = f"{kind.upper()}030321{rng.randint(1000000, 9999999)}"
        person = services.person_register(actor=actor, organisation_id=organisation.pk, data=data, confirmed_new=True)
        self.stats["persons"] += 1
        self.stats["with_codice_fiscale"] += bool(person.codice_fiscale)
        self.stats["homeless"] += homeless
        return person


class _Story:
    """The life of one case after intake: steps with a date, replayed in date order on the clock."""

    def __init__(self, loader: PeopleLoader, *, case, lead: str, actor, household, needs: dict[str, int],
                 duplicate: bool):
        self.loader, self.rng, self.net = loader, loader.rng, loader.net
        self.case, self.lead, self.actor, self.household, self.needs = case, lead, actor, household, needs
        self.duplicate = duplicate
        self.steps: list[tuple[datetime.date, int, int, object]] = []
        self.end = self._fate()
        self.helpers = self._helpers()

    def at(self, day: datetime.date, priority: int, step) -> None:
        self.steps.append((day, priority, len(self.steps), step))

    def run(self) -> None:
        for day, _priority, _n, step in sorted(self.steps, key=lambda s: s[:3]):
            self.loader.clock.set(day)
            step()

    def _fate(self) -> datetime.date:
        """Decide how the case ends: its last day of activity, and a status step."""
        from cases import services

        rng, today, opened = self.rng, self.loader.today, self.case.opened_on
        age = (today - opened).days
        r = rng.random()
        self.closed = age > 90 and r < 0.25
        if self.closed:
            end = opened + datetime.timedelta(days=rng.randint(60, age))
            outcome = _weighted(rng, OUTCOMES)
            self.at(end, 9, lambda: services.case_close(actor=self.actor, case=self.case, outcome=outcome,
                                                         closed_on=end, note="Chiusura concordata in équipe."))
            self.loader.stats["closed"] += 1
        else:
            end = today
        if self.closed or (age >= 20 and r < 0.9) or r < 0.3:
            started = self.loader.day_between(opened, end, 1, 14)
            self.at(started, 1, lambda: services.case_set_status(actor=self.actor, case=self.case, status="active"))
            if not self.closed and r > 0.8:
                day = self.loader.day_between(started, end, 30)
                self.at(day, 8, lambda: services.case_set_status(actor=self.actor, case=self.case,
                                                                 status="suspended"))
        return end

    def _helpers(self) -> list[str]:
        """Other partners that will get read access to deliver services (as an accepted referral would)."""
        rng, loader = self.rng, self.loader
        candidates = [slug for slug in loader.deliverers if slug != self.lead and any(
            code in loader.services_of(slug) for domain, severity in self.needs.items() if severity >= 2
            for code in DOMAIN_SERVICES[domain])]
        helpers = rng.sample(candidates, min(len(candidates), rng.randint(0, 2)))
        if self.duplicate:
            food = [slug for slug in loader.food if slug != self.lead and slug not in helpers]
            wanted = 1 if "food-aid" in loader.services_of(self.lead) else 2
            helpers += rng.sample(food, min(wanted, len(food)))
        return helpers

    # -- steps

    def intake(self, person) -> None:
        """Consent on the day of intake: processing, and sharing with the network or named partners."""
        from cases import services

        rng, opened, stats = self.rng, self.case.opened_on, self.loader.stats
        expires = rng.choice([None, 365, 730, 1095, 1095])
        expires_on = opened + datetime.timedelta(days=expires) if expires else None
        services.consent_record(actor=self.actor, person=person, purpose="processing", given_on=opened,
                                expires_on=expires_on)
        stats["consents"] += 1
        scope = "network" if self.duplicate else rng.choices(["network", "named", "none"], weights=[60, 25, 15])[0]
        if scope == "none":
            self.helpers = []
        else:
            named = [self.net.organisations[s] for s in self.helpers] or [
                self.net.organisations[rng.choice([s for s in self.loader.deliverers if s != self.lead])]]
            sharing = services.consent_record(
                actor=self.actor, person=person, purpose="share_network" if scope == "network" else "share_named",
                given_on=opened, expires_on=expires_on, organisations=named if scope == "named" else ())
            stats["consents"] += 1
            if rng.random() < 0.06:
                withdrawn = self.loader.day_between(opened, self.loader.today, 30)
                self.at(withdrawn, 7, lambda: services.consent_withdraw(
                    actor=self.actor, consent=sharing, withdrawn_on=withdrawn, note="Revoca su richiesta."))
                stats["consents_withdrawn"] += 1
        first_note = (f"[{FICTIONAL_MARK}] Colloquio di accoglienza con una persona inventata per la "
                      f"dimostrazione di Tavolo: bisogno principale «{CASE_TITLES[next(iter(self.needs))]}».")
        self.at(opened, 2, lambda: self._note(first_note, False))

    def schedule(self) -> None:
        """Everything after intake, each step on its own day."""
        self._assess_and_plan()
        self._notes()
        self._deliveries()
        self._isee_renewal()

    def _note(self, body: str, sensitive: bool) -> None:
        from cases import services

        services.note_add(actor=self.actor, case=self.case, body=body, is_sensitive=sensitive)
        self.loader.stats["notes"] += 1

    def _notes(self) -> None:
        for _n in range(self.rng.randint(0, 3)):
            sensitive = self.rng.random() < 0.2
            body = self.rng.choice(SENSITIVE_NOTES if sensitive else NOTES)
            self.at(self.loader.day_between(self.case.opened_on, self.end, 1), 5,
                    lambda b=body, s=sensitive: self._note(b, s))

    def _assess_and_plan(self) -> None:
        from cases import services

        rng, loader = self.rng, self.loader
        for domain, severity in self.needs.items():
            day = loader.day_between(self.case.opened_on, self.end, 0, 10)
            self.at(day, 3, lambda d=domain, s=severity, day=day: self._count("assessments", services.assessment_record(
                actor=self.actor, case=self.case, domain=d, severity=s, assessed_on=day)))
        if rng.random() > 0.75 or (loader.today - self.case.opened_on).days < 10:
            return
        agreed = loader.day_between(self.case.opened_on, self.end, 5, 30)
        goals = [d for d, s in self.needs.items() if s >= 2][:3]

        def plan():
            services.plan_update(actor=self.actor, case=self.case, agreed_on=agreed,
                                 next_review_on=agreed + datetime.timedelta(days=rng.choice([90, 180])),
                                 summary="Patto condiviso con la persona e con gli enti coinvolti.")
            for domain in goals:
                titles, actions = GOALS[domain]
                goal = services.goal_add(actor=self.actor, case=self.case, domain=domain,
                                         description=rng.choice(titles))
                for description in rng.sample(actions, rng.randint(1, 2)):
                    owners = [s for s in [self.lead, *self.helpers] if set(DOMAIN_SERVICES[domain])
                              & set(loader.services_of(s))] or [self.lead]
                    due = agreed + datetime.timedelta(days=rng.randint(14, 180))
                    status = ("done" if rng.random() < 0.6 else "in_progress") if due < loader.today else \
                        rng.choice(["planned", "in_progress"])
                    services.action_add(actor=self.actor, goal=goal, description=description, due_on=due,
                                        owner_organisation=self.net.organisations[rng.choice(owners)], status=status)
                    loader.stats["actions"] += 1
                loader.stats["goals"] += 1

        self.at(agreed, 4, plan)

    def _count(self, key: str, obj):
        self.loader.stats[key] += 1
        return obj

    def _grant(self, slug: str) -> datetime.date:
        """Read access for a helper, as an accepted referral gives it; recorded on the timeline."""
        from cases.models import EventKind
        from cases.permissions import grant_case_access
        from cases.services.events import event_record
        from partners.models import AuditAction

        organisation = self.net.organisations[slug]
        day = self.loader.day_between(self.case.opened_on, self.end, 1, 20)

        def grant():
            grant_case_access(self.case, organisation, change=False)
            event_record(case=self.case, kind=EventKind.ACCESS_GRANTED, actor=self.actor,
                         organisation_id=self.case.lead_organisation_id, obj=self.case,
                         summary=f"Accesso in lettura: {organisation}", audit_action=AuditAction.GRANT,
                         detail={"organisation": organisation.pk})
            self.loader.stats["shared_cases"] += 1

        self.at(day, 2, grant)
        return day

    def _deliver(self, slug: str, day: datetime.date, *, kind: str | None = None, recorder=None,
                 case_of=None) -> None:
        from cases import services

        rng = self.rng
        options = [(code, d) for code in self.loader.services_of(slug) for d in DELIVERIES.get(code, ())]
        if kind is not None:
            options = [(code, d) for code, d in options if d[0] == kind]
        if not options:
            return
        code, (kind, values, max_quantity) = rng.choice(options)
        value = money(rng, *values) if values else None
        recorder = self.loader.recorder(slug, recorder)
        case_of = case_of or (lambda: self.case)
        self.at(day, 6, lambda: self._count("interventions", services.intervention_record(
            actor=recorder, case=case_of(), kind=kind, delivered_on=day, quantity=rng.randint(1, max_quantity),
            value=value, service_type=self.net.services.get(code), note="")))

    def _deliveries(self) -> None:
        rng, loader, opened = self.rng, self.loader, self.case.opened_on
        for _n in range(rng.randint(0, 5)):
            self._deliver(self.lead, loader.day_between(opened, self.end), recorder=self.actor)
        access = {self.lead: opened}
        for slug in self.helpers:
            access[slug] = self._grant(slug)
            for _n in range(rng.randint(1, 4)):
                self._deliver(slug, loader.day_between(access[slug], self.end))
        food = [slug for slug in access if "food-aid" in loader.services_of(slug)]
        if self.duplicate and len(food) >= 2:
            # The same household gets a food parcel from two organisations in the same month.
            first = loader.day_between(max(access[s] for s in food[:2]), self.end, 1)
            second = min(first.replace(day=min(28, first.day + rng.randint(0, 10))), loader.today, self.end)
            for slug, day in zip(food[:2], (first, max(first, second)), strict=True):
                self._deliver(slug, day, kind="food_parcel")
            loader.stats["duplicate_aid_households"] += 1

    def _isee_renewal(self) -> None:
        from cases import services

        household, rng, today = self.household, self.rng, self.loader.today
        if household is None or household.isee_value is None or self.case.opened_on.year >= today.year:
            return
        if rng.random() < 0.45:
            year = rng.randint(self.case.opened_on.year + 1, today.year)
            day = min(datetime.date(year, rng.randint(1, 3), rng.randint(1, 28)), today)
            value = money(rng, 0, 22000)
            self.at(day, 7, lambda: services.household_update(
                actor=self.actor, household=household, name=household.name, address=household.address,
                isee_value=value, isee_expires_on=datetime.date(year, 12, 31)))

    def second_case(self, spouse) -> None:
        """The spouse asks another partner for help: a second case on the same household (and its aid)."""
        from cases import services

        rng, loader = self.rng, self.loader
        leads = [s for s in loader.leads if s != self.lead]
        lead = rng.choice(leads)
        actor = rng.choice(self.net.members(lead, CM))
        day = loader.day_between(self.case.opened_on, loader.today, 30, 400)
        holder = {}

        def open_case():
            holder["case"] = services.case_open(
                actor=actor, organisation_id=self.net.organisations[lead].pk, person=spouse,
                household=self.household, title=CASE_TITLES["income"], opened_on=day,
                codice_fiscale_proof=spouse.codice_fiscale)
            services.consent_record(actor=actor, person=spouse, purpose="processing", given_on=day)
            services.note_add(actor=actor, case=holder["case"], body=f"[{FICTIONAL_MARK}] Colloquio di accoglienza "
                              "con una persona inventata per la dimostrazione di Tavolo.")
            loader.stats["notes"] += 1
            loader.stats["cases"] += 1
            loader.stats["consents"] += 1

        self.at(day, 1, open_case)
        for _n in range(rng.randint(1, 4)):
            self._deliver(lead, loader.day_between(day, loader.today), case_of=lambda: holder["case"], recorder=actor)
        loader.stats["second_cases"] += 1


def load_demo(*, people: int, rng: random.Random, faker, csv_path: str | Path | None = None,
              today: datetime.date | None = None) -> tuple[DemoNetwork, Counter]:
    """The whole demo, replayed on the simulated clock: the network about three years ago, then the people."""
    today = today or timezone.localdate()
    clock = DemoClock(rng)
    with simulated_time(clock):
        clock.set(today - datetime.timedelta(days=1100))
        network = load_network(rng=rng, faker=faker, csv_path=csv_path)
        stats = PeopleLoader(network, rng=rng, faker=faker, clock=clock, today=today).load(people)
    return network, stats
