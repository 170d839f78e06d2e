"""The task pages of the employment flow's steps, plugged into `/work/tasks/<pk>/` (`workflows.registry`)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from employment import permissions, selectors, services
from employment.forms import AgreeForm, FollowUpForm, NotPlacedForm, PlacementForm, ReferForm, TrainingDoneForm
from employment.models import EmploymentPathway
from workflows.views.tasks import Step


class EmploymentStep(Step):
    template = "employment/tasks/step.html"
    intro = ""
    buttons: dict[str, str] = {}

    def pathway(self, row) -> EmploymentPathway | None:
        return (
            EmploymentPathway.objects.filter(process_id=row.task.process_id)
            .select_related("provider_organisation", "referral")
            .first()
        )

    def context(self, request, row, forms_by_action) -> dict:
        pathway = self.pathway(row)
        profile = None
        if permissions.can_read_profile(request.user, row.case):
            profile = selectors.profile_get_for(user=request.user, case=row.case)
        return {
            "pathway": pathway,
            "profile": profile,
            "buttons": self.buttons,
            "pathway_url": reverse("employment:case_pathway", args=[row.case.pk]),
        }

    def done(self, request, row, message):
        messages.success(request, message)
        return redirect("employment:case_pathway", case_pk=row.case.pk)


class ProfileStep(EmploymentStep):
    form_classes = {"profile": TrainingDoneForm}
    intro = gettext_lazy(
        "Write the employability profile with the person (skills, languages, availability, DID), then say it is done."
    )
    buttons = {"profile": gettext_lazy("Profile done")}

    def act(self, request, row, action, data):
        services.pathway_profile_done(actor=request.user, task_id=row.task.pk)
        return self.done(request, row, _("Profile done: now refer the person to an employment service."))


class ReferStep(EmploymentStep):
    form_classes = {"refer": ReferForm}
    intro = gettext_lazy(
        "Refer the person to the job centre, AFOL, an accredited operator or a placement "
        "cooperative. The service answers within its deadline: while it decides, it sees the "
        "person's name and year of birth and the reason; once it accepts, it also opens the "
        "sections of the file shared with it; if it declines or the referral is withdrawn, it "
        "sees the case code only."
    )
    buttons = {"refer": gettext_lazy("Send the referral")}

    def form_kwargs(self, request, row, action):
        return {
            "providers": permissions.employment_providers().exclude(pk=row.case.lead_organisation_id).order_by("name")
        }

    def act(self, request, row, action, data):
        services.pathway_refer(
            actor=request.user,
            task_id=row.task.pk,
            receiver_organisation_id=data["receiver_organisation"].pk,
            service_type_id=data["service_type"].pk,
            reason=data["reason"],
            urgency=data["urgency"],
        )
        return self.done(request, row, _("Referral sent to %(org)s.") % {"org": data["receiver_organisation"].name})


class AgreeStep(EmploymentStep):
    form_classes = {"agree": AgreeForm}
    intro = gettext_lazy("Agree the path with the person.")
    buttons = {"agree": gettext_lazy("Path agreed")}

    def act(self, request, row, action, data):
        services.pathway_agree(actor=request.user, task_id=row.task.pk, path_type=data["path_type"], note=data["note"])
        return self.done(request, row, _("Path agreed: record courses and internships on the pathway page."))


class TrainingStep(EmploymentStep):
    form_classes = {"training": TrainingDoneForm}
    intro = gettext_lazy(
        "Record course enrolments and internships on the pathway page; when they are over (or "
        "not needed), go on to the placement."
    )
    buttons = {"training": gettext_lazy("Training and internship done")}

    def act(self, request, row, action, data):
        services.pathway_training_done(actor=request.user, task_id=row.task.pk)
        return self.done(request, row, _("On to the placement."))


class PlacementStep(EmploymentStep):
    form_classes = {"placed": PlacementForm, "not_placed": NotPlacedForm}
    intro = gettext_lazy(
        "Record the job found (employer, contract type, start date), or end the path without a placement."
    )
    buttons = {"placed": gettext_lazy("Record the placement"), "not_placed": gettext_lazy("End without a placement")}

    def act(self, request, row, action, data):
        if action == "placed":
            services.placement_record(
                actor=request.user,
                task_id=row.task.pk,
                employer=data["employer"],
                contract_type=data["contract_type"],
                starts_on=data["starts_on"],
                opportunity=data.get("opportunity"),
            )
            return self.done(request, row, _("Placement recorded: the follow-ups come at 3 and 6 months."))
        services.pathway_not_placed(actor=request.user, task_id=row.task.pk, note=data["note"])
        return self.done(request, row, _("The path ended without a placement."))


class FollowUpStep(EmploymentStep):
    form_classes = {"follow_up": FollowUpForm}
    intro = gettext_lazy("Check with the person and the employer whether the job goes on.")
    buttons = {"follow_up": gettext_lazy("Record the follow-up")}

    def act(self, request, row, action, data):
        services.follow_up_record(
            actor=request.user,
            task_id=row.task.pk,
            checked_on=data["checked_on"],
            still_employed=data["still_employed"],
            note=data["note"],
        )
        return self.done(request, row, _("Follow-up recorded."))


STEPS = {
    "profile": ProfileStep(),
    "refer": ReferStep(),
    "agree": AgreeStep(),
    "training": TrainingStep(),
    "placement": PlacementStep(),
    "follow_up_3": FollowUpStep(),
    "follow_up_6": FollowUpStep(),
}
