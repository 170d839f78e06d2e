"""The task pages of the housing pathway's steps (registered with `workflows.registry.register_pathway`)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy

from housing import forms
from housing.services import pathway
from workflows.views.tasks import CaseStep


class HousingStep(CaseStep):
    template = "housing/tasks/step.html"
    link_label = gettext_lazy("Go to the housing section")
    link_anchor = "#housing"
    provider_page = False

    def act(self, request, row, action, data):
        self.service(request, row, data)
        messages.success(request, self.done_message)
        return redirect("housing:home") if self.provider_page else redirect("cases:case_detail", pk=row.case.pk)


class AssessStep(HousingStep):
    form_classes = {"assess": forms.AssessmentStepForm}
    intro = gettext_lazy(
        "Record the housing section of the case, then say whether an emergency placement is "
        "needed and who provides each step. Each provider gets a referral: while it decides, "
        "it sees the person's name and year of birth and the reason; once it accepts, it also "
        "opens the sections of the file shared with it; if it declines or the referral is "
        "withdrawn, it sees the case code only."
    )
    button = gettext_lazy("Assessment complete")

    def service(self, request, row, data):
        pathway.assessment_done(
            actor=request.user,
            task=row.task,
            emergency_needed=data["emergency_needed"],
            emergency_provider=data.get("emergency_provider"),
            temporary_provider=data["temporary_provider"],
            public_provider=data["public_provider"],
        )


class EmergencyStep(HousingStep):
    form_classes = {"done": forms.DoneStepForm}
    intro = gettext_lazy(
        "Place the person in one of your emergency places (Housing → your places → move-in), then say it is done."
    )
    link_label = gettext_lazy("Go to your places")
    provider_page = True
    button = gettext_lazy("Placement done")

    def service(self, request, row, data):
        pathway.emergency_placement_done(actor=request.user, task=row.task)


class TemporaryStep(EmergencyStep):
    intro = gettext_lazy(
        "Place the household in one of your temporary places and write its accompaniment plan on "
        "the stay, then say it is done."
    )

    def service(self, request, row, data):
        pathway.temporary_placement_done(actor=request.user, task=row.task)


class PublicApplicationStep(HousingStep):
    form_classes = {"application": forms.PublicApplicationStepForm}
    intro = gettext_lazy(
        "Record the public housing (SAP) application: its date, protocol number and position in the official ranking."
    )
    button = gettext_lazy("Record the application")

    def service(self, request, row, data):
        pathway.public_application_done(
            actor=request.user,
            task=row.task,
            applied_on=data.get("applied_on"),
            protocol_number=data["protocol_number"],
            official_rank=data.get("official_rank"),
            override=data.get("override", False),
            override_reason=data.get("override_reason", ""),
        )


class AllocationStep(EmergencyStep):
    intro = gettext_lazy(
        "Offer one of your homes to the household from the waitlist and record its answer, then "
        "say the home is allocated."
    )
    button = gettext_lazy("Home allocated")

    def service(self, request, row, data):
        pathway.allocation_done(actor=request.user, task=row.task)


class MoveInStep(EmergencyStep):
    intro = gettext_lazy(
        "Check that the move-in into the allocated home is recorded, then say it is done: the "
        "follow-ups are scheduled at 3 and 6 months."
    )
    button = gettext_lazy("Move-in done")

    def service(self, request, row, data):
        pathway.move_in_done(actor=request.user, task=row.task)


class FollowUpStep(HousingStep):
    form_classes = {"follow_up": forms.FollowUpStepForm}
    intro = gettext_lazy("Meet the household and write how it is doing in its new home.")
    button = gettext_lazy("Record the follow-up")

    def service(self, request, row, data):
        pathway.follow_up_done(actor=request.user, task=row.task, note=data["note"], outcome=data.get("outcome", ""))


class FinalFollowUpStep(FollowUpStep):
    form_classes = {"follow_up": forms.FinalFollowUpStepForm}
    intro = gettext_lazy(
        "Meet the household and decide: autonomy (the pathway ends) or a return to the pathway "
        "(a new housing assessment)."
    )


STEPS = {
    "assess": AssessStep(),
    "emergency_placement": EmergencyStep(),
    "temporary_placement": TemporaryStep(),
    "public_application": PublicApplicationStep(),
    "allocation": AllocationStep(),
    "move_in": MoveInStep(),
    "follow_up_3": FollowUpStep(),
    "follow_up_6": FinalFollowUpStep(),
}
