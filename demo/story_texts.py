"""What the demo cases' stories say (`demo.stories`, `demo.people`): case titles and goals per need, notes,
sensitive notes, and the closure outcomes with their weights. Fictional, in Italian like the demo's users."""

CASE_TITLES = {
    "housing": "Emergenza abitativa",
    "work": "Percorso di inserimento lavorativo",
    "income": "Sostegno al reddito",
    "food": "Sostegno alimentare",
    "health": "Accompagnamento sanitario",
    "family": "Sostegno alla famiglia",
    "debts": "Sovraindebitamento",
    "legal": "Regolarizzazione dei documenti",
    "language": "Integrazione linguistica",
}
GOALS = {
    "housing": (
        (
            "Trovare una soluzione abitativa stabile",
            "Presentare la domanda di alloggio SAP",
            "Evitare lo sfratto con un piano di rientro",
        ),
        (
            "Colloquio con lo sportello casa",
            "Raccolta documenti per la domanda SAP",
            "Inserimento in housing temporaneo",
            "Mediazione con il proprietario",
        ),
    ),
    "work": (
        ("Ricerca attiva di lavoro", "Avviare un tirocinio di inclusione", "Ottenere una qualifica"),
        (
            "Iscrizione al Centro per l'Impiego",
            "Invio ad AFOL per il programma GOL",
            "Redazione del curriculum",
            "Colloquio di orientamento",
        ),
    ),
    "income": (
        ("Stabilizzare il reddito familiare", "Accedere all'Assegno di inclusione"),
        (
            "Verifica dei requisiti per l'Assegno di inclusione",
            "Domanda di contributo economico comunale",
            "Aggiornamento dell'ISEE",
        ),
    ),
    "food": (
        ("Garantire l'accesso agli aiuti alimentari",),
        ("Inserimento nella distribuzione dei pacchi viveri", "Tessera per l'emporio solidale"),
    ),
    "health": (
        ("Garantire l'accesso alle cure",),
        (
            "Iscrizione al Servizio Sanitario Nazionale",
            "Prenotazione di una visita al poliambulatorio",
            "Accompagnamento ai servizi specialistici",
        ),
    ),
    "family": (
        ("Sostenere la genitorialità", "Inserire i figli al doposcuola"),
        ("Colloquio con la scuola", "Iscrizione al doposcuola", "Incontri di sostegno alla genitorialità"),
    ),
    "debts": (
        ("Definire un piano di rientro dei debiti",),
        ("Consulenza sul sovraindebitamento", "Richiesta di microcredito", "Rateizzazione delle utenze"),
    ),
    "legal": (
        ("Regolarizzare i documenti di soggiorno",),
        ("Appuntamento con lo sportello legale", "Rinnovo del permesso di soggiorno"),
    ),
    "language": (
        ("Migliorare la conoscenza dell'italiano",),
        ("Iscrizione al corso di italiano L2", "Test di livello della lingua"),
    ),
}
NOTES = (
    "Colloquio di verifica: la situazione è stabile, concordato nuovo appuntamento.",
    "Consegnato l'elenco dei documenti per l'ISEE.",
    "Telefonata: la persona riferisce ritardi nel pagamento dell'affitto.",
    "Incontro di rete con gli altri enti per coordinare gli aiuti.",
    "La persona non si è presentata all'appuntamento; ricontattata telefonicamente.",
    "Aggiornato il progetto con la persona: obiettivi confermati.",
)
SENSITIVE_NOTES = (
    "Riferisce problemi di salute che limitano la ricerca di lavoro.",
    "È in corso un procedimento penale a carico di un familiare.",
    "Seguito dal servizio per le dipendenze: aggiornamento del referente.",
    "Segnalata una situazione di violenza domestica: attivato il centro antiviolenza.",
)
OUTCOMES = {
    "goals_reached": 35,
    "partially_reached": 25,
    "transferred_out": 10,
    "moved_away": 10,
    "withdrew": 8,
    "unreachable": 10,
    "other": 2,
}
