"""Demo housing chain on top of the demo network and workflows (`demo.network`, `demo.workflows`).

The story: the network's housing providers put their places in Tavolo — the night shelter of Lotta Contro
l'Emarginazione and the Red Cross's winter beds (pronto intervento), La Cordata's temporary flats and social
housing (SAT / housing sociale), the municipality's public housing units (SAP). The lead case managers recorded
the housing section of their open housing cases and put the households on the waitlists; for a few of them the
housing pathway runs: referral to the provider, emergency bed, temporary flat with its accompaniment plan.

Everything goes through the services. Fictional people only (the demo network's). Running it again changes
nothing (it stops when the resources are there).

What the demo logins find:
- `cordata.cm`, `cordata.admin`: La Cordata's places (free, held, occupied), its guests and planned move-outs,
  a temporary-placement step in its queue;
- `assistente.comune`: the municipality's SAP units, the housing panel of its cases (section, eligibility,
  applications, pathway);
- `coordinatore`: occupancy by type and provider, people waiting by type, average stay, the waitlists by case
  code, the eligibility rules and the priority weights.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from cases.models import Case, CaseStatus, Consent, ConsentPurpose, Domain
from cases.selectors import consent_covers
from cases.services import consent_record
from housing.flows import HousingFlow
from housing.models import Resource, ResourceKind, Situation
from housing.services import households, pathway, placements, resources
from partners.models import Membership, Organisation
from partners.roles import Role
from workflows.models import Handoff, HandoffStatus
from workflows.services import handoffs

# (provider slug in the demo network, kind, name, address, places, target groups, maximum stay in days)
RESOURCES = (
    ("lotta", ResourceKind.SHELTER, "Dormitorio di pronto intervento", "Via Fiume 40", 12, ["men", "women"], 90),
    ("cri", ResourceKind.SHELTER, "Posti letto piano freddo", "Via Marconi 18", 8, ["anyone"], 120),
    (
        "cordata",
        ResourceKind.TEMPORARY,
        "Appartamenti SAT Via Monte Ortigara",
        "Via Monte Ortigara 7",
        6,
        ["families", "women"],
        540,
    ),
    ("cordata", ResourceKind.SOCIAL, "Housing sociale Via Verdi", "Via Verdi 21", 4, ["families", "young"], 1095),
    ("comune", ResourceKind.PUBLIC, "Alloggi SAP Via Cadorna", "Via Cadorna 12", 5, ["families", "elderly"], None),
    ("comune", ResourceKind.PUBLIC, "Alloggi SAP Via Risorgimento", "Via Risorgimento 3", 3, ["anyone"], None),
)

PROFILE_NOTES = {
    Situation.HOMELESS: "Dorme in auto da alcune settimane; segnalato dall'unità di strada.",
    Situation.EVICTION: "Sfratto per morosità incolpevole dopo la perdita del lavoro.",
    Situation.OVERCROWDING: "Nucleo in un bilocale con i nonni.",
    Situation.UNFIT: "Alloggio con muffa e impianto elettrico non a norma.",
    Situation.PRECARIOUS: "Ospite di un connazionale, deve lasciare l'alloggio entro il mese.",
}


class HousingDemoError(Exception):
    """The demo network is not there (manage.py demo_network first)."""


def _free_place(resource: Resource | None, *, never_used: bool = False):
    """An available place of `resource` (one nobody ever stayed in, when asked): the demo's next guest's."""
    places = resource.places.filter(status="available") if resource is not None else None
    if places is not None and never_used:
        places = places.filter(stays__isnull=True)
    place = places.first() if places is not None else None
    if place is None:
        raise HousingDemoError("the demo network's housing providers have no free place left (reload the demo)")
    return place


def housing_loaded() -> bool:
    return Resource.objects.exists()


def _org(slug: str) -> Organisation | None:
    from demo.network import PROFILES

    profile = PROFILES.get(slug)
    if profile is None:
        return None
    return (
        Organisation.objects.filter(short_name=profile.short_name).first()
        or Organisation.objects.filter(name__icontains=profile.short_name).first()
    )


def _member(organisation: Organisation, *roles: str):
    membership = (
        Membership.objects.active()
        .filter(organisation=organisation, role__in=roles)
        .select_related("user")
        .order_by("role", "pk")
        .first()
    )
    return membership.user if membership else None


def load_housing(*, seed: int = 2026) -> dict[str, int]:
    rng = random.Random(seed)  # demo data
    stats = {"resources": 0, "places": 0, "sections": 0, "applications": 0, "pathways": 0, "stays": 0}
    providers: dict[str, Organisation] = {}
    for slug, kind, name, address, capacity, groups, max_stay in RESOURCES:
        organisation = _org(slug)
        manager = _member(organisation, Role.CASE_MANAGER, Role.ORG_ADMIN) if organisation else None
        if organisation is None or manager is None:
            continue
        providers[slug] = organisation
        with transaction.atomic():
            resources.resource_create(
                actor=manager,
                provider=organisation,
                data={
                    "kind": kind,
                    "name": name,
                    "address": address,
                    "capacity": capacity,
                    "target_groups": groups,
                    "max_stay_days": max_stay,
                },
            )
        stats["resources"] += 1
        stats["places"] += capacity
    if not stats["resources"]:
        raise HousingDemoError("the demo network's housing providers are missing (manage.py demo_network first)")

    # The open cases with a housing need first, then the others: a small demo network has few of them.
    housing_first = (
        Case.objects.filter(status=CaseStatus.OPEN, case_manager__isnull=False)
        .annotate(housing=Count("assessments", filter=Q(assessments__domain=Domain.HOUSING)))
        .select_related("person", "lead_organisation", "case_manager")
        .order_by("-housing", "pk")
    )
    cases = list(housing_first[:16])
    today = timezone.localdate()
    for index, case in enumerate(cases):
        situation = (
            Situation.HOMELESS
            if case.person.is_homeless
            else rng.choice([Situation.EVICTION, Situation.OVERCROWDING, Situation.UNFIT, Situation.PRECARIOUS])
        )
        size = 1 if situation == Situation.HOMELESS else rng.randint(2, 5)
        isee = Decimal(rng.choice([0, 3200, 6400, 9800, 12500, 15200, 18700, 23000]))
        try:
            households.housing_profile_save(
                actor=case.case_manager,
                case=case,
                data={
                    "situation": situation,
                    "household_size": size,
                    "minors": rng.randint(0, size - 1),
                    "disabled_members": 1 if rng.random() < 0.15 else 0,
                    "isee": isee,
                    "isee_erp": isee,
                    "income": isee * Decimal("1.4"),
                    "years_in_region": rng.randint(1, 30),
                    "eviction_date": today + datetime.timedelta(days=rng.randint(10, 120))
                    if situation == Situation.EVICTION
                    else None,
                    "notes": PROFILE_NOTES[situation],
                    "assessed_on": today - datetime.timedelta(days=rng.randint(5, 60)),
                },
            )
        except (ValidationError, PermissionDenied):
            continue
        stats["sections"] += 1
        kinds = [ResourceKind.SHELTER] if situation == Situation.HOMELESS else [ResourceKind.TEMPORARY]
        kinds.append(ResourceKind.PUBLIC)
        for kind in kinds:
            try:
                households.application_create(
                    actor=case.case_manager,
                    case=case,
                    kind=kind,
                    applied_on=today - datetime.timedelta(days=rng.randint(10, 700)),
                    protocol_number=f"SAP-2026/{1000 + index}" if kind == ResourceKind.PUBLIC else "",
                    override=kind == ResourceKind.PUBLIC and isee > 16000,
                    override_reason="Sfratto con minori: deroga disposta dal Servizio sociale" if isee > 16000 else "",
                )
                stats["applications"] += 1
            except (ValidationError, PermissionDenied):
                continue
    stats.update(_pathways(cases, providers, today))
    return stats


def _pathways(cases, providers: dict[str, Organisation], today: datetime.date) -> dict[str, int]:
    """Three housing pathways: one in a temporary flat after a night shelter, one in the shelter (its temporary
    step waits in La Cordata's queue), one just assessed (the referrals wait for an answer)."""
    counts = {"pathways": 0, "stays": 0}
    emergency, temporary, public = providers.get("lotta"), providers.get("cordata"), providers.get("comune")
    if not (emergency and temporary and public):
        return counts
    for case in cases:
        if counts["pathways"] >= 3:
            break
        if not hasattr(Case.objects.get(pk=case.pk), "housing_profile"):
            continue
        try:
            with transaction.atomic():
                _one_pathway(case, emergency, temporary, public, today, counts, stage=counts["pathways"])
        except (ValidationError, PermissionDenied, Http404):
            continue  # the person's consent does not cover a provider: no pathway for this case in the demo
        counts["pathways"] += 1
    return counts


def _open_task(process, node):
    return Task.objects.filter(
        process=process, flow_task=node, status__in=[STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED]
    ).first()


def _one_pathway(case, emergency, temporary, public, today, counts, *, stage: int) -> None:
    lead = case.case_manager
    if not all(consent_covers(person=case.person, organisation_id=o.pk) for o in (emergency, temporary, public)):
        # The person signs the consent to share the file with the housing providers (informativa privacy).
        if not Consent.objects.filter(person=case.person, purpose=ConsentPurpose.PROCESSING).valid_on(today).exists():
            consent_record(actor=lead, person=case.person, purpose=ConsentPurpose.PROCESSING, given_on=today)
        consent_record(
            actor=lead,
            person=case.person,
            purpose=ConsentPurpose.SHARE_NAMED,
            given_on=today,
            organisations=[emergency, temporary, public],
        )
    process = pathway.pathway_start(actor=lead, case=case)
    pathway.assessment_done(
        actor=lead,
        task=_open_task(process, HousingFlow.assess),
        emergency_needed=stage < 2,
        emergency_provider=emergency if stage < 2 else None,
        temporary_provider=temporary,
        public_provider=public,
    )
    if stage == 2:
        return  # the referrals wait for the providers' answer
    for provider in (emergency, temporary):
        worker = _member(provider, Role.CASE_MANAGER, Role.OPERATOR)
        handoff = Handoff.objects.filter(
            case=case, receiver_organisation=provider, status=HandoffStatus.PENDING
        ).first()
        if handoff is not None and worker is not None:
            handoffs.handoff_accept(actor=worker, handoff_id=handoff.pk, note="Presa in carico per il percorso casa")
    shelter_worker = _member(emergency, Role.OPERATOR, Role.CASE_MANAGER)
    bed = _free_place(Resource.objects.get(provider=emergency, kind=ResourceKind.SHELTER), never_used=True)
    stay = placements.stay_start(
        actor=shelter_worker, place=bed, case=case, move_in=today - datetime.timedelta(days=40 - 15 * stage)
    )
    counts["stays"] += 1
    pathway.emergency_placement_done(actor=shelter_worker, task=_open_task(process, HousingFlow.emergency_placement))
    if stage == 0:
        # The first household moved on to La Cordata's temporary flat, with its accompaniment plan.
        placements.stay_end(
            actor=shelter_worker, stay=stay, move_out=today - datetime.timedelta(days=12), exit_reason="next_step"
        )
        cordata = _member(temporary, Role.CASE_MANAGER, Role.OPERATOR)
        flat = _free_place(Resource.objects.filter(provider=temporary, kind=ResourceKind.TEMPORARY).first())
        placements.stay_start(
            actor=cordata,
            place=flat,
            case=case,
            move_in=today - datetime.timedelta(days=12),
            planned_move_out=today + datetime.timedelta(days=20),
            accompaniment_plan="Colloqui quindicinali con l'educatrice; orientamento al lavoro con il Centro per "
            "l'Impiego; piano di risparmio per il deposito cauzionale.",
        )
        counts["stays"] += 1
