import partners.models
from django.db import migrations, models

# The sections of the case file each service of the network's catalogue needs, by service code. Data
# minimisation: the personal data, assessment and plan ("file") where the service works on the person's
# situation, documents where it checks papers (ISEE, contracts, permits, CV), notes where it takes over the
# accompaniment; the case summary alone where a name and a reason are enough. Rows a manager already edited
# (non-empty) are left alone.
DEFAULTS = {
    "food-aid": ["file"],
    "listening-centre": ["file", "notes"],
    "emergency-shelter": ["file"],
    "temporary-housing": ["file", "documents"],
    "social-housing-support": ["file", "documents"],
    "job-placement": ["file", "documents"],
    "job-centre": ["file", "documents"],
    "training": ["file"],
    "legal-aid": ["file", "documents"],
    "health": ["file"],
    "psychological-support": ["file", "notes"],
    "family-support": ["file", "notes"],
    "debt-counselling": ["file", "documents"],
    "school-support": ["file"],
    "economic-support": ["file", "documents"],
    "medicines": ["file"],
    "maternity-support": ["file", "notes"],
    "disability-support": ["file", "documents"],
    "elderly-support": ["file"],
    # language-courses, clothing, volunteering: the case summary is enough.
}


def set_defaults(apps, schema_editor):
    ServiceType = apps.get_model("partners", "ServiceType")
    for service in ServiceType.objects.filter(code__in=DEFAULTS):
        if not service.share_sections:
            service.share_sections = DEFAULTS[service.code]
            service.save(update_fields=["share_sections"])


class Migration(migrations.Migration):

    dependencies = [
        ('partners', '0002_servicetype_sla_working_days_alter_auditentry_action'),
    ]

    operations = [
        migrations.AddField(
            model_name='servicetype',
            name='share_sections',
            field=models.JSONField(blank=True, default=list, help_text='Ticked in advance on the referral form when this service is chosen.', validators=[partners.models.validate_share_sections], verbose_name='sections of the file this service needs'),
        ),
        migrations.RunPython(set_defaults, migrations.RunPython.noop),
    ]
