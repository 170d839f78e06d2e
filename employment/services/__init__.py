"""Every write of the employment app, one module per entity: the profile (`profiles`), the pathway and its
steps (`pathways`, `referrals`, `placements`), the offer (`offers`), enrolments (`enrolments`) and internships
(`internships`).

Each function is one transaction in the house's order: lock (`core.locks`) → authorise → validate → change →
history/timeline/audit rows → domain event (`employment.events`, `core.bus.publish`); the notifications hear the
timeline lines. They take typed values (model instances, dates, ints, Decimals, choices): `employment.forms` and
the serializers of `employment.api` parse. Errors are `ValidationError` (a translated message, on the field when
there is one) or `PermissionDenied`; hidden objects raise `Http404`."""

from employment.services.common import running_pathway
from employment.services.enrolments import course_enrol, enrolment_set_status
from employment.services.internships import internship_create, internship_set_status
from employment.services.offers import course_create, opportunity_create
from employment.services.pathways import (
    pathway_agree,
    pathway_drop_out,
    pathway_not_placed,
    pathway_profile_done,
    pathway_start,
    pathway_training_done,
)
from employment.services.placements import follow_up_record, placement_record
from employment.services.profiles import profile_save
from employment.services.referrals import on_workflow_event, pathway_refer

__all__ = [
    "course_create",
    "course_enrol",
    "enrolment_set_status",
    "follow_up_record",
    "internship_create",
    "internship_set_status",
    "on_workflow_event",
    "opportunity_create",
    "pathway_agree",
    "pathway_drop_out",
    "pathway_not_placed",
    "pathway_profile_done",
    "pathway_refer",
    "pathway_start",
    "pathway_training_done",
    "placement_record",
    "profile_save",
    "running_pathway",
]
