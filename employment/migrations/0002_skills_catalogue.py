"""The skills catalogue: ESCO-inspired codes, Italian labels (the territory's words)."""

from django.db import migrations

SKILLS = (
    # (code, label, kind)
    ("licence-driving-b", "Patente B", "licence"),
    ("licence-driving-c", "Patente C (mezzi pesanti)", "licence"),
    ("licence-cqc", "Carta di qualificazione del conducente (CQC)", "licence"),
    ("licence-forklift", "Patentino carrello elevatore (muletto)", "licence"),
    ("licence-ple", "Patentino piattaforme di lavoro elevabili (PLE)", "licence"),
    ("cert-haccp", "Attestato HACCP", "qualification"),
    ("cert-safety-general", "Formazione generale sicurezza sul lavoro (D.Lgs. 81/08)", "qualification"),
    ("cert-first-aid", "Addetto al primo soccorso", "qualification"),
    ("cert-fire-safety", "Addetto antincendio", "qualification"),
    ("qual-asa", "Ausiliario socio-assistenziale (ASA)", "qualification"),
    ("qual-oss", "Operatore socio-sanitario (OSS)", "qualification"),
    ("qual-cook", "Qualifica di operatore della ristorazione (cuoco)", "qualification"),
    ("qual-electrician", "Qualifica di elettricista", "qualification"),
    ("qual-hairdresser", "Qualifica di acconciatore", "qualification"),
    ("qual-accounting", "Diploma di ragioneria", "qualification"),
    ("skill-cleaning", "Pulizie civili e industriali", "skill"),
    ("skill-warehouse", "Magazzino: carico, scarico, picking", "skill"),
    ("skill-logistics-wms", "Gestione ordini con terminale (WMS)", "skill"),
    ("skill-kitchen-help", "Aiuto cuoco e lavapiatti", "skill"),
    ("skill-waiting", "Servizio in sala e bar", "skill"),
    ("skill-care-elderly", "Assistenza familiare ad anziani (badante)", "skill"),
    ("skill-childcare", "Cura dei bambini (baby-sitting)", "skill"),
    ("skill-retail", "Vendita e cassa", "skill"),
    ("skill-shelving", "Rifornimento scaffali", "skill"),
    ("skill-construction", "Edilizia: manovalanza", "skill"),
    ("skill-painting", "Imbiancatura e cartongesso", "skill"),
    ("skill-plumbing", "Idraulica di base", "skill"),
    ("skill-gardening", "Giardinaggio e manutenzione del verde", "skill"),
    ("skill-delivery", "Consegne e fattorino", "skill"),
    ("skill-driving-van", "Guida di furgoni", "skill"),
    ("skill-tailoring", "Sartoria e riparazioni", "skill"),
    ("skill-office", "Segreteria e archivio", "skill"),
    ("skill-computer-basic", "Informatica di base (e-mail, videoscrittura)", "skill"),
    ("skill-spreadsheet", "Fogli di calcolo", "skill"),
    ("skill-customer-service", "Accoglienza clienti e centralino", "skill"),
    ("skill-mechanic", "Meccanica auto", "skill"),
    ("skill-assembly", "Montaggio e assemblaggio", "skill"),
    ("skill-welding", "Saldatura", "skill"),
    ("skill-laundry", "Lavanderia e stireria", "skill"),
    ("skill-porter", "Portierato e custodia", "skill"),
)


def seed(apps, schema_editor):
    Skill = apps.get_model("employment", "Skill")
    for code, label, kind in SKILLS:
        Skill.objects.update_or_create(code=code, defaults={"label": label, "kind": kind})


def unseed(apps, schema_editor):
    apps.get_model("employment", "Skill").objects.filter(code__in=[code for code, _label, _kind in SKILLS]).delete()


class Migration(migrations.Migration):
    dependencies = [("employment", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
