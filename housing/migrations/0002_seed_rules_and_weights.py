"""The first eligibility rules and priority weights (the coordinator edits them afterwards).

Lombardy's public housing (SAP): L.R. 8 luglio 2016 n. 16 and R.R. 4 agosto 2017 n. 4, art. 7 c. 1 (requisiti
per l'accesso): ISEE of the household not above 16,000 € (lett. c). The law also asked for five years of
residence or work in Lombardy; the Constitutional Court struck that down (sentenza n. 44/2020), and the rule now
asks only for residence or work in Lombardy when applying: the five-year rule is seeded switched off, so that
the coordinator sees it and why, and the current requirement is checked by whoever records the application.
"""

import datetime
from decimal import Decimal

from django.db import migrations

RULES = [
    {"kind": "public", "field": "isee", "comparison": "lte", "threshold": Decimal("16000"),
     "message": "ISEE del nucleo superiore alla soglia di 16.000 € per i servizi abitativi pubblici (SAP).",
     "source": "L.R. Lombardia 16/2016; R.R. 4/2017, art. 7 c. 1 lett. c", "is_active": True},
    {"kind": "public", "field": "years_in_region", "comparison": "gte", "threshold": Decimal("5"),
     "message": "Meno di 5 anni di residenza in Lombardia.",
     "source": "L.R. 16/2016 art. 22 c. 1 lett. b: dichiarato illegittimo da Corte cost. 44/2020 (disattivata)",
     "is_active": False},
]


def seed(apps, schema_editor):
    EligibilityRule = apps.get_model("housing", "EligibilityRule")
    PriorityWeights = apps.get_model("housing", "PriorityWeights")
    for rule in RULES:
        EligibilityRule.objects.get_or_create(kind=rule["kind"], field=rule["field"], comparison=rule["comparison"],
                                              defaults=rule)
    PriorityWeights.objects.get_or_create(effective_from=datetime.date(2020, 1, 1),
                                          defaults={"note": "Pesi iniziali del Tavolo"})


class Migration(migrations.Migration):
    dependencies = [("housing", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
