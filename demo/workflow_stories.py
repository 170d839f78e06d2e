"""The handoffs the workflow demo (`demo.workflows`) tells, each a `Story` (who sends what to whom, and what
happens to it), the answer deadlines of the catalogue's services, and the fictional newcomers the stories open
cases for when a small demo network has none to spare."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from workflows.models import HandoffKind

# The case manager who may send a handoff the consent does not cover (workflows.override_consent).
OVERRIDE_LOGIN = "assistente.comune"

# Answer deadlines of the catalogue, in working days (the others keep the default of 3).
SERVICE_SLAS = {
    "emergency-shelter": 1,
    "food-aid": 2,
    "social-housing-support": 5,
    "temporary-housing": 5,
    "job-placement": 5,
    "training": 5,
    "legal-aid": 10,
}

# Fictional people for the stories whose organisation has no open case to spare (a small demo network).
NEWCOMERS = (
    ("Lucia", "Ferraro", "F", datetime.date(1979, 3, 14)),
    ("Karim", "Benali", "M", datetime.date(1988, 7, 2)),
    ("Oksana", "Melnyk", "F", datetime.date(1991, 11, 23)),
    ("Giorgio", "Sala", "M", datetime.date(1962, 1, 8)),
    ("Awa", "Diop", "F", datetime.date(1995, 5, 30)),
    ("Mario", "Colombo", "M", datetime.date(1957, 9, 17)),
    ("Rosa", "Quispe", "F", datetime.date(1984, 2, 11)),
    ("Andrei", "Popescu", "M", datetime.date(1990, 6, 4)),
    ("Fatima", "El Idrissi", "F", datetime.date(1976, 12, 1)),
    ("Paolo", "Brambilla", "M", datetime.date(1969, 4, 26)),
    ("Elira", "Hoxha", "F", datetime.date(1993, 8, 19)),
)


@dataclass(frozen=True)
class Story:
    """One handoff of the demo: who sends what to whom, and what happens to it (the days are days ago)."""

    name: str
    sender: str  # login of a case manager of the sending (and for a transfer, leading) organisation
    receiver: str  # organisation slug (demo.network.PROFILES)
    service: str | None
    kind: str = HandoffKind.REFERRAL
    sent: int = 5
    steps: tuple[tuple[str, int, str], ...] = ()  # (action, days ago, login)
    urgent: bool = False
    override: bool = False
    reason: str = ""
    sections: tuple[str, ...] = ("file",)
    redirect_to: str | None = None
    title: str = "Sostegno"  # for a new case, when the sender has none to spare
    domain: str = "income"

    @property
    def receivers(self) -> tuple[str, ...]:
        return (self.receiver, self.redirect_to) if self.redirect_to else (self.receiver,)


STORIES = (
    Story(
        "overdue",
        "assistente.comune",
        "caritas",
        "food-aid",
        sent=9,
        title="Sostegno alimentare",
        domain="food",
        reason="Nucleo con tre minori senza reddito da due mesi: chiediamo il pacco viveri mensile.",
    ),
    Story(
        "pending, taken",
        "assistente.comune",
        "caritas",
        "economic-support",
        sent=1,
        steps=(("claim", 0, "caritas.operatore"),),
        reason="Bolletta del gas scaduta con preavviso di distacco: chiediamo un contributo.",
    ),
    Story(
        "pending",
        "cordata.cm",
        "caritas",
        "clothing",
        sent=2,
        title="Emergenza abitativa",
        domain="housing",
        reason="Persona appena entrata in housing temporaneo, senza vestiario invernale.",
    ),
    Story(
        "accepted, outcome due",
        "assistente.comune",
        "banco",
        "food-aid",
        sent=12,
        title="Sostegno alimentare",
        domain="food",
        steps=(("accept", 11, "banco.operatore"),),
        reason="Inserimento nella distribuzione mensile dei pacchi viveri.",
    ),
    Story(
        "accepted by Caritas, outcome due",
        "assistente.comune",
        "caritas",
        "listening-centre",
        sent=8,
        steps=(("accept", 6, "caritas.cm"),),
        sections=("file", "notes", "timeline"),
        reason="Accompagnamento del centro di ascolto per la ricerca di un lavoro e la gestione del bilancio.",
    ),
    Story(
        "completed",
        "assistente.comune",
        "cordata",
        "social-housing-support",
        sent=16,
        title="Emergenza abitativa",
        domain="housing",
        steps=(("accept", 14, "cordata.cm"), ("outcome", 4, "cordata.cm")),
        sections=("file", "documents"),
        reason="Sfratto per morosità incolpevole: chiediamo la mediazione con il proprietario.",
    ),
    Story(
        "declined",
        "assistente.comune",
        "torpedone",
        "job-placement",
        sent=6,
        title="Percorso di inserimento lavorativo",
        domain="work",
        steps=(("decline", 3, "torpedone.cm"),),
        reason="Disoccupato da un anno, cerca un tirocinio di inclusione.",
    ),
    Story(
        "revoked",
        "assistente.comune",
        "lotta",
        "legal-aid",
        sent=10,
        title="Regolarizzazione dei documenti",
        domain="legal",
        steps=(("revoke", 5, "assistente.comune"),),
        reason="Permesso di soggiorno in scadenza: chiediamo lo sportello legale.",
    ),
    Story(
        "redirected",
        "assistente.comune",
        "prima",
        "job-placement",
        sent=15,
        title="Percorso di inserimento lavorativo",
        domain="work",
        redirect_to="integrazione",
        steps=(
            ("decline_not_eligible", 13, "prima.cm"),
            ("redirect", 12, "assistente.comune"),
            ("accept", 11, "integrazione.cm"),
            ("outcome_partial", 2, "integrazione.cm"),
        ),
        reason="Orientamento al lavoro e corso di italiano per una persona arrivata da poco.",
    ),
    Story(
        "transfer",
        "caritas.cm",
        "cordata",
        "temporary-housing",
        kind=HandoffKind.TRANSFER,
        sent=9,
        title="Emergenza abitativa",
        domain="housing",
        steps=(("accept", 7, "cordata.cm"),),
        reason="Il bisogno principale ora è la casa: La Cordata prende la guida del percorso.",
    ),
    Story(
        "override",
        OVERRIDE_LOGIN,
        "lotta",
        "emergency-shelter",
        sent=0,
        urgent=True,
        override=True,
        title="Emergenza abitativa",
        domain="housing",
        reason="Persona senza dimora con l'ondata di freddo: serve un posto letto da stasera.",
    ),
)
