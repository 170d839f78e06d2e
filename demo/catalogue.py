"""The demo network's service catalogue (Italian names: it is seed data of an Italian network), and what each
service delivers and which needs it answers (used by the people's stories, `demo.stories`)."""

from __future__ import annotations

from partners.catalogue import default_share_sections
from partners.models import ServiceType

SERVICE_CATALOGUE: tuple[tuple[str, str, str], ...] = (
    ("food-aid", "Aiuti alimentari", "Pacchi viveri, emporio solidale, pasti."),
    ("listening-centre", "Centro di ascolto", "Primo ascolto, orientamento e accompagnamento ai servizi."),
    ("emergency-shelter", "Pronta accoglienza notturna", "Posti letto per l'emergenza e il piano freddo."),
    ("temporary-housing", "Housing temporaneo (SAT)", "Alloggi temporanei con progetto di accompagnamento."),
    (
        "social-housing-support",
        "Accompagnamento all'abitare",
        "Domande SAP, ricerca casa, mediazione con i proprietari, morosità incolpevole.",
    ),
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

DELIVERIES: dict[str, tuple[tuple[str, tuple[int, int] | None, int], ...]] = {
    "food-aid": (("food_parcel", (25, 60), 2), ("food_parcel", (25, 60), 1), ("meal", None, 10)),
    "clothing": (("clothing", None, 3),),
    "economic-support": (
        ("voucher", (50, 150), 1),
        ("bill_payment", (80, 400), 1),
        ("rent_support", (200, 700), 1),
        ("subsidy", (100, 500), 1),
    ),
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


def load_catalogue() -> dict[str, ServiceType]:
    """The catalogue is reference data, not a user action: plain rows, updated in place when re-run."""
    catalogue = {}
    for code, name, description in SERVICE_CATALOGUE:
        values = {"name": name, "description": description}
        catalogue[code], _created = ServiceType.objects.update_or_create(
            code=code, defaults=values, create_defaults={**values, "share_sections": default_share_sections(code)}
        )
    return catalogue
