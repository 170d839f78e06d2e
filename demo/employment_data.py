"""What the employment demo (`demo.employment`) loads: the job centre and AFOL with their staff, the job centre's
service, the job opportunities and courses of the territory, and the candidates' profiles. Fictional data.
"""

from __future__ import annotations

from partners.models import OrganisationKind
from partners.roles import Role

CPI_NAME = "Centro per l'Impiego di Cinisello Balsamo (AFOL Metropolitana)"
AFOL_NAME = "AFOL Metropolitana - Formazione e Orientamento al Lavoro"

ORGANISATIONS = (
    # (name, short name, kind, services, staff: (username, role, first name, last name))
    (
        CPI_NAME,
        "CPI Cinisello",
        OrganisationKind.PUBLIC_BODY,
        ("job-centre", "job-placement"),
        (
            ("cpi.operatore", Role.OPERATOR, "Federica", "Colombo"),
            ("cpi.cm", Role.CASE_MANAGER, "Matteo", "Ferri"),
            ("cpi.admin", Role.ORG_ADMIN, "Daniela", "Mauri"),
        ),
    ),
    (
        AFOL_NAME,
        "AFOL Metropolitana",
        OrganisationKind.PUBLIC_COMPANY,
        ("training", "job-placement"),
        (
            ("afol.cm", Role.CASE_MANAGER, "Stefano", "Radaelli"),
            ("afol.operatore", Role.OPERATOR, "Irene", "Villa"),
            ("afol.admin", Role.ORG_ADMIN, "Paolo", "Brambilla"),
        ),
    ),
)

JOB_CENTRE_SERVICE = (
    "job-centre",
    "Centro per l'Impiego: DID, patto di servizio, programma GOL",
    "Dichiarazione di immediata disponibilità, patto di servizio personalizzato, percorsi GOL.",
)

OPPORTUNITIES = (
    # (publisher, employer, role, city, area, hours, days, shift, contract, days to close, skills, languages)
    (
        CPI_NAME,
        "Logistica Nord Milano Srl",
        "Carrellista / magazziniere",
        "Cinisello Balsamo",
        1,
        40,
        31,
        "day",
        "fixed_term",
        30,
        ("licence-forklift", "skill-warehouse", "cert-safety-general"),
        (("it", 2),),
    ),
    (
        CPI_NAME,
        "Pulizie Brianza Coop. Soc.",
        "Addetta/o alle pulizie uffici",
        "Sesto San Giovanni",
        2,
        20,
        31,
        "evening",
        "permanent",
        20,
        ("skill-cleaning",),
        (("it", 1),),
    ),
    (
        CPI_NAME,
        "RSA Villa Serena",
        "Ausiliario socio-assistenziale (ASA)",
        "Cinisello Balsamo",
        1,
        36,
        127,
        "day",
        "fixed_term",
        45,
        ("qual-asa",),
        (("it", 3),),
    ),
    (
        CPI_NAME,
        "Supermercati Lombardi SpA",
        "Addetto/a rifornimento scaffali",
        "Cinisello Balsamo",
        1,
        24,
        63,
        "day",
        "agency",
        15,
        ("skill-shelving", "skill-retail"),
        (("it", 2),),
    ),
    (
        AFOL_NAME,
        "Trasporti Bresso Srl",
        "Autista patente C",
        "Bresso",
        2,
        40,
        31,
        "day",
        "permanent",
        40,
        ("licence-driving-c", "licence-cqc"),
        (("it", 3),),
    ),
    (
        AFOL_NAME,
        "Ristorante La Pergola",
        "Aiuto cuoco",
        "Cinisello Balsamo",
        1,
        30,
        124,
        "evening",
        "apprenticeship",
        25,
        ("skill-kitchen-help", "cert-haccp"),
        (("it", 2),),
    ),
    (
        AFOL_NAME,
        "Hotel Milano Nord",
        "Receptionist notturno",
        "Milano",
        2,
        40,
        127,
        "night",
        "fixed_term",
        35,
        ("skill-customer-service", "skill-computer-basic"),
        (("it", 4), ("en", 3)),
    ),
    (
        AFOL_NAME,
        "Verde Pubblico Coop. Soc.",
        "Giardiniere",
        "Cusano Milanino",
        1,
        30,
        31,
        "day",
        "fixed_term",
        50,
        ("skill-gardening", "licence-driving-b"),
        (),
    ),
)

COURSES = (
    # (title, location, starts in days, lasts days, seats, qualification obtained, min Italian level)
    ("Patentino carrello elevatore (12 ore)", "AFOL - Sede di Sesto San Giovanni", 5, 3, 12, "licence-forklift", 2),
    ("Addetto alimentarista HACCP", "AFOL - Sede di Cinisello Balsamo", 10, 2, 20, "cert-haccp", 2),
    ("Ausiliario socio-assistenziale (ASA) - 800 ore", "AFOL - Sede di Milano", 20, 240, 25, "qual-asa", 3),
    ("Italiano per il lavoro (livello A2-B1)", "AFOL - Sede di Cinisello Balsamo", -10, 60, 15, None, None),
)

PROFILES = (
    # skills, languages, hours, days mask, childcare, mobility, DID, ADI/SFL
    (("licence-forklift", "skill-warehouse", "licence-driving-b"), (("it", 3),), 40, 31, False, 2, "active", "adi"),
    (("skill-cleaning", "skill-laundry"), (("it", 2), ("ar", 6)), 25, 31, True, 1, "active", "sfl"),
    (("skill-care-elderly", "skill-cleaning"), (("it", 3), ("uk", 6)), 36, 127, False, 2, "active", ""),
    (
        ("skill-warehouse", "skill-shelving", "skill-computer-basic"),
        (("it", 4), ("en", 2)),
        40,
        63,
        False,
        2,
        "active",
        "adi",
    ),
    (("skill-kitchen-help", "skill-waiting"), (("it", 2), ("wo", 6), ("fr", 4)), 30, 124, False, 1, "lapsed", ""),
    (
        ("skill-construction", "skill-painting", "licence-driving-b"),
        (("it", 3), ("sq", 6)),
        40,
        31,
        False,
        3,
        "active",
        "",
    ),
    (
        ("skill-office", "skill-spreadsheet", "skill-customer-service"),
        (("it", 5), ("en", 3)),
        30,
        31,
        True,
        2,
        "none",
        "sfl",
    ),
    (("skill-gardening",), (("it", 1), ("ti", 6)), 40, 31, False, 1, "active", "adi"),
)
