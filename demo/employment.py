"""Demo data of the employment pathway, on top of the demo network and workflows (`demo.network`,
`demo.workflows`).

The job centre (Centro per l'Impiego di Cinisello Balsamo, run by AFOL Metropolitana) and AFOL's training
service are not partners of the Tavolo's CSV: they join the network here as organisations with their staff
(`cpi.operatore`, `cpi.cm`, `cpi.admin`, `afol.cm`, `afol.operatore`, `afol.admin`). They publish job
opportunities and courses of the territory; the Comune's case managers run the pathways of five people:
one at profiling, one referred to the CPI (waiting in its queue), one in training (a course at AFOL and an
internship), one placed three weeks ago (the 3-month follow-up is scheduled), one who dropped out. A few more
cases get a profile, so that the opportunities have candidates. Everything goes through the services, dated on
the demo's clock (`demo.clock.travel`). Running it twice changes nothing.
"""

from __future__ import annotations

import datetime
from collections import Counter
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from viewflow.workflow.models import Task

from cases.models import Case, CaseStatus, ConsentPurpose
from cases.selectors import consent_covers
from cases.services import consent_record
from demo.clock import travel
from demo.employment_data import (
    AFOL_NAME,
    COURSES,
    CPI_NAME,
    JOB_CENTRE_SERVICE,
    OPPORTUNITIES,
    ORGANISATIONS,
    PROFILES,
)
from demo.network import DEMO_PASSWORD
from employment import services
from employment.flows import EmploymentFlow
from employment.models import (
    Course,
    EmployabilityProfile,
    EmploymentPathway,
    InternshipStatus,
    Opportunity,
    Skill,
)
from partners import services as partner_services
from partners.catalogue import default_share_sections
from partners.models import Membership, Organisation, ServiceType
from partners.roles import Role
from workflows import permissions as workflow_permissions
from workflows.services import handoffs


def employment_loaded() -> bool:
    return Organisation.objects.filter(name=CPI_NAME).exists() and EmploymentPathway.objects.exists()


def _at(days_ago: float):
    return travel(timezone.now() - datetime.timedelta(days=days_ago), tick=False)


def _organisations() -> dict[str, Organisation]:
    job_centre, _created = ServiceType.objects.update_or_create(
        code=JOB_CENTRE_SERVICE[0],
        defaults={"name": JOB_CENTRE_SERVICE[1], "description": JOB_CENTRE_SERVICE[2], "sla_working_days": 5},
        create_defaults={
            "name": JOB_CENTRE_SERVICE[1],
            "description": JOB_CENTRE_SERVICE[2],
            "sla_working_days": 5,
            "share_sections": default_share_sections(JOB_CENTRE_SERVICE[0]),
        },
    )
    User = get_user_model()
    password = make_password(DEMO_PASSWORD)
    result = {}
    for name, short_name, kind, codes, staff in ORGANISATIONS:
        organisation = Organisation.objects.filter(name=name).first()
        services_ = list(ServiceType.objects.filter(code__in=codes))
        if organisation is None:
            organisation = partner_services.organisation_create(
                name=name,
                kind=kind,
                short_name=short_name,
                services=services_,
                city="Cinisello Balsamo",
                postcode="20092",
                email=f"info@{short_name.split()[0].lower()}.example.org",
            )
        else:
            organisation.services.add(*services_)
        for username, role, first_name, last_name in staff:
            user, _created = User.objects.get_or_create(
                username=username,
                defaults={
                    "email": f"{username}@example.org",
                    "password": password,
                    "first_name": first_name,
                    "last_name": last_name,
                },
            )
            if not Membership.objects.filter(user=user, organisation=organisation).exists():
                partner_services.membership_add(organisation=organisation, role=role, user=user)
        result[name] = organisation
    del job_centre
    return result


def _publisher(organisation: Organisation):
    return Membership.objects.active().filter(organisation=organisation, role=Role.OPERATOR).first().user


def _offers(organisations: dict[str, Organisation]) -> dict[str, Course]:
    skill_ids = dict(Skill.objects.values_list("code", "pk"))
    today = timezone.localdate()
    for publisher, employer, role, city, area, hours, days, shift, contract, closes, skills, languages in OPPORTUNITIES:
        if Opportunity.objects.filter(employer=employer, role=role).exists():
            continue
        organisation = organisations[publisher]
        services.opportunity_create(
            actor=_publisher(organisation),
            organisation_id=organisation.pk,
            employer=employer,
            role=role,
            city=city,
            area=area,
            weekly_hours=hours,
            days=days,
            shift=shift,
            contract_type=contract,
            closing_on=today + datetime.timedelta(days=closes),
            description=f"{role} presso {employer}, {city}.",
            skills=list(Skill.objects.filter(code__in=skills)),
            languages=dict(languages),
        )
    courses = {}
    afol = organisations[AFOL_NAME]
    for title, location, starts_in, lasts, seats, teaches, italian in COURSES:
        course = Course.objects.filter(title=title).first()
        if course is None:
            starts = today + datetime.timedelta(days=starts_in)
            with _at(max(0, -starts_in) + 5):  # published before it starts
                course = services.course_create(
                    actor=_publisher(afol),
                    organisation_id=afol.pk,
                    title=title,
                    location=location,
                    starts_on=starts,
                    ends_on=starts + datetime.timedelta(days=lasts),
                    seats=seats,
                    min_italian_level=italian,
                )
            if teaches:
                Course.objects.filter(pk=course.pk).update(teaches_id=skill_ids[teaches])
        courses[title] = course
    return courses


def _candidate_cases(lead: Organisation) -> list[Case]:
    """Open cases of the Comune whose case manager still works there, oldest first."""
    managers = Membership.objects.active().filter(organisation=lead, role=Role.CASE_MANAGER).values("user_id")
    return list(
        Case.objects.filter(lead_organisation=lead, case_manager_id__in=managers)
        .exclude(status=CaseStatus.CLOSED)
        .select_related("person", "case_manager")
        .order_by("pk")[:12]
    )


def _consent(case: Case, organisation: Organisation) -> None:
    if not consent_covers(person=case.person, organisation_id=organisation.pk):
        day = timezone.localdate() - datetime.timedelta(days=90)
        for purpose in (ConsentPurpose.PROCESSING, ConsentPurpose.SHARE_NETWORK):
            consent_record(actor=case.case_manager, person=case.person, purpose=purpose, given_on=day)


def _profile(case: Case, index: int) -> None:
    skills, languages, hours, days, childcare, mobility, did, support = PROFILES[index % len(PROFILES)]
    services.profile_save(
        actor=case.case_manager,
        case=case,
        skills=list(Skill.objects.filter(code__in=skills)),
        languages=dict(languages),
        education_level=("lower_secondary", "foreign", "upper_secondary", "vocational")[index % 4],
        work_history=(
            "Magazziniere presso una cooperativa di logistica (2018-2023).",
            "Collaboratrice domestica e addetta alle pulizie, lavori saltuari.",
            "Assistente familiare in Ucraina e in Italia.",
            "Commesso in un supermercato, contratti a termine.",
        )[index % 4],
        max_weekly_hours=hours,
        available_days=days,
        childcare_constraint=childcare,
        mobility=mobility,
        did_status=did,
        did_date=timezone.localdate() - datetime.timedelta(days=120) if did != "none" else None,
        receives_adi=support == "adi",
        receives_sfl=support == "sfl",
    )


def _task(pathway: EmploymentPathway, step) -> Task:
    return Task.objects.filter(
        process_id=pathway.process_id, flow_task=step, status__in=workflow_permissions.OPEN_TASK_STATUSES
    ).get()


def _to_referral(case: Case, cpi: Organisation, index: int, days_ago: int) -> EmploymentPathway:
    manager = case.case_manager
    job_placement = ServiceType.objects.get(code="job-placement")
    with _at(days_ago):
        pathway = services.pathway_start(actor=manager, case=case)
        _profile(case, index)
    with _at(days_ago - 2):
        services.pathway_profile_done(actor=manager, task_id=_task(pathway, EmploymentFlow.profile).pk)
    _consent(case, cpi)
    with _at(days_ago - 3):
        services.pathway_refer(
            actor=manager,
            task_id=_task(pathway, EmploymentFlow.refer).pk,
            receiver_organisation_id=cpi.pk,
            service_type_id=job_placement.pk,
            reason="Disoccupato/a da più di 12 mesi, disponibile subito: attivazione percorso GOL.",
        )
    pathway.refresh_from_db()
    return pathway


def _to_training(case, cpi, index, days_ago, courses) -> EmploymentPathway:
    pathway = _to_referral(case, cpi, index, days_ago)
    operator = _publisher(cpi)
    if pathway.referral_id is None:
        raise RuntimeError("the demo's employment pathway has no referral")
    with _at(days_ago - 5):
        handoffs.handoff_accept(
            actor=operator, handoff_id=pathway.referral_id, note="Colloquio fissato per la prossima settimana."
        )
    with _at(days_ago - 9):
        services.pathway_agree(
            actor=operator,
            task_id=_task(pathway, EmploymentFlow.agree).pk,
            path_type=("upskilling", "reinserimento", "lavoro_inclusione")[index % 3],
            note="Patto di servizio firmato.",
        )
    with _at(days_ago - 10):
        services.course_enrol(actor=operator, course_id=courses[COURSES[index % 2][0]].pk, case=case)
    pathway.refresh_from_db()
    return pathway


@transaction.atomic
def load_employment() -> Counter:
    stats: Counter = Counter()
    organisations = _organisations()
    cpi = organisations[CPI_NAME]
    courses = _offers(organisations)
    if EmploymentPathway.objects.exists():
        return stats
    lead = Organisation.objects.filter(network_role="coordinator").order_by("pk").first()
    cases = _candidate_cases(lead) if lead else []
    if len(cases) < 5:
        stats["skipped: not enough open cases of the Comune"] += 1
        return stats
    operator = _publisher(cpi)
    # 1. profiling, in the case manager's inbox
    with _at(2):
        services.pathway_start(actor=cases[0].case_manager, case=cases[0])
    # 2. referred to the CPI: waiting in its queue
    _to_referral(cases[1], cpi, 1, 4)
    # 3. in training: a course and an internship in progress
    pathway = _to_training(cases[2], cpi, 2, 40, courses)
    with _at(25):
        services.internship_create(
            actor=operator,
            case=cases[2],
            host_employer="Cooperativa Il Torpedone - laboratorio di assemblaggio",
            tutor="Giovanni Riva",
            starts_on=timezone.localdate() - datetime.timedelta(days=25),
            ends_on=timezone.localdate() + datetime.timedelta(days=65),
            weekly_hours=25,
            monthly_allowance=Decimal("500.00"),
            status=InternshipStatus.IN_PROGRESS,
        )
    # 4. placed three weeks ago: the 3-month follow-up is scheduled
    pathway = _to_training(cases[3], cpi, 3, 70, courses)
    with _at(30):
        services.pathway_training_done(actor=operator, task_id=_task(pathway, EmploymentFlow.training).pk)
    with _at(22):
        services.placement_record(
            actor=operator,
            task_id=_task(pathway, EmploymentFlow.placement).pk,
            employer="Supermercati Lombardi SpA",
            contract_type="fixed_term",
            starts_on=timezone.localdate() - datetime.timedelta(days=21),
        )
    # 5. dropped out
    pathway = _to_training(cases[4], cpi, 4, 50, courses)
    with _at(12):
        services.pathway_drop_out(
            actor=operator, pathway_id=pathway.pk, note="Ha trovato lavoro stagionale fuori regione in autonomia."
        )
    # More profiles, so that the opportunities have candidates.
    for index, case in enumerate(cases[5:], start=5):
        with _at(10 + index):
            _profile(case, index)
    stats["pathways"] = EmploymentPathway.objects.count()
    stats["profiles"] = EmployabilityProfile.objects.count()
    stats["opportunities"] = Opportunity.objects.count()
    stats["courses"] = Course.objects.count()
    return stats
