"""The task page: what the step is about and its forms, chosen by the task's node.

One address per task (`/work/tasks/<pk>/`). A step's forms post back to it with `action=<form name>`, so a
refused or invalid action shows the same page with the errors on the form. The services claim a task that
is still in the queue when it is worked, so a queue task can be answered straight away.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases import selectors as case_selectors
from cases.models import ShareSection
from cases.selectors import consent_covers
from core.forms import StyledForm
from core.parsing import posted_id
from partners.models import Organisation
from workflows import permissions, selectors
from workflows.flows import CaseFlow, HandoffFlow
from workflows.forms import (
    AcceptForm,
    ClosureForm,
    DeclineForm,
    FollowUpForm,
    HandoffCloseForm,
    HandoffRedirectForm,
    OutcomeForm,
    ReviewForm,
    TriageForm,
)
from workflows.services import casepath, handoffs
from workflows.views.common import (
    apply_errors,
    audit_person_read,
    organisation_names,
    page_view,
    task_row,
)


class DoneForm(StyledForm):
    """A step whose work is done elsewhere in the file: the button says it is done."""


def section_labels(sections) -> list[str]:
    labels = dict(ShareSection.choices)
    return [labels.get(section, section) for section in sections or ()]


class Step:
    """A kind of task page: its template, its forms (by action name) and what each action does."""

    template = "workflows/tasks/generic.html"
    form_classes: dict[str, type[forms.Form]] = {}
    needs_handoff = False
    done_message = gettext_lazy("Done.")

    def form_kwargs(self, request, row, action: str) -> dict:
        return {}

    def build_forms(self, request, row, posted_action: str | None) -> dict[str, forms.Form]:
        return {
            action: form_class(
                request.POST if action == posted_action else None,
                prefix=action,
                **self.form_kwargs(request, row, action),
            )
            for action, form_class in self.form_classes.items()
        }

    def context(self, request, row, forms_by_action) -> dict:
        return {}

    def act(self, request, row, action: str, data: dict):
        """Call the service for `action`; return the response of a success (raises on refusal)."""
        raise Http404


# --- handoff steps ----------------------------------------------------------------------------------------


class HandoffStep(Step):
    needs_handoff = True

    def context(self, request, row, forms_by_action) -> dict:
        return {"sections": section_labels(row.handoff.sections)}


class DecideStep(HandoffStep):
    template = "workflows/tasks/decide.html"
    form_classes = {"accept": AcceptForm, "decline": DeclineForm}

    def act(self, request, row, action, data):
        if action == "accept":
            handoffs.handoff_accept(actor=request.user, handoff_id=row.handoff.pk, note=data["note"])
            messages.success(
                request, _("Accepted: %(org)s sees it in its handoffs.") % {"org": row.handoff.sender_organisation.name}
            )
            return redirect("workflows:handoff_detail", pk=row.handoff.pk)
        handoffs.handoff_decline(
            actor=request.user, handoff_id=row.handoff.pk, reason=data["reason"], note=data["note"]
        )
        messages.success(
            request,
            _("Declined: %(org)s sees it and may send it elsewhere.") % {"org": row.handoff.sender_organisation.name},
        )
        return redirect("workflows:handoffs_received")


class OutcomeStep(HandoffStep):
    template = "workflows/tasks/report_outcome.html"
    form_classes = {"outcome": OutcomeForm}

    def act(self, request, row, action, data):
        handoffs.handoff_report_outcome(
            actor=request.user, handoff_id=row.handoff.pk, outcome=data["outcome"], note=data["note"]
        )
        messages.success(
            request, _("The outcome has been sent to %(org)s.") % {"org": row.handoff.sender_organisation.name}
        )
        return redirect("workflows:handoff_detail", pk=row.handoff.pk)


def redirect_receivers(handoff):
    """Where a declined handoff may go next: any active organisation but its sender and the one that declined."""
    return (
        Organisation.objects.filter(is_active=True)
        .exclude(pk__in=[handoff.sender_organisation_id, handoff.receiver_organisation_id])
        .order_by("name")
    )


class AfterDeclineStep(HandoffStep):
    template = "workflows/tasks/after_decline.html"
    form_classes = {"redirect": HandoffRedirectForm, "close": HandoffCloseForm}

    def receiver_id(self, request) -> int | None:
        source = request.POST if request.method == "POST" else request.GET
        return posted_id(source.get("redirect-receiver_organisation"))

    def form_kwargs(self, request, row, action):
        if action != "redirect":
            return {}
        return {
            "receivers": redirect_receivers(row.handoff),
            "receiver_id": self.receiver_id(request),
            "can_override": permissions.can_override_consent(request.user),
            "refresh_url": reverse("workflows:task_detail", args=[row.task.pk]),
        }

    def context(self, request, row, forms_by_action):
        context = super().context(request, row, forms_by_action)
        receiver_id = self.receiver_id(request)
        if receiver_id is not None and row.case is not None:
            context["consent_covers_receiver"] = consent_covers(person=row.case.person, organisation_id=receiver_id)
        return context

    def act(self, request, row, action, data):
        if action == "close":
            handoffs.handoff_close(actor=request.user, handoff_id=row.handoff.pk, note=data["note"])
            messages.success(request, _("The handoff is closed."))
            return redirect("workflows:handoff_detail", pk=row.handoff.pk)
        handoff = handoffs.handoff_redirect(
            actor=request.user,
            handoff_id=row.handoff.pk,
            receiver_organisation_id=data["receiver_organisation"].pk,
            service_type_id=data["service_type"],
            reason=data["reason"],
            override_consent=data.get("override_consent", False),
            override_reason=data.get("override_reason", ""),
        )
        messages.success(request, _("Sent to %(org)s.") % {"org": handoff.receiver_organisation.name})
        return redirect("workflows:handoff_detail", pk=handoff.pk)


class EscalateStep(HandoffStep):
    """The coordinator's follow-up of a late answer: who, what and when, never whom it is about."""

    template = "workflows/tasks/escalate.html"
    form_classes = {"follow_up": FollowUpForm}

    def context(self, request, row, forms_by_action):
        return {}

    def act(self, request, row, action, data):
        handoffs.handoff_follow_up(actor=request.user, task_id=row.task.pk, note=data["note"])
        messages.success(request, _("Follow-up recorded. The handoff keeps waiting for its answer."))
        return redirect("workflows:inbox")


# --- case pathway steps -----------------------------------------------------------------------------------


class CaseStep(Step):
    template = "workflows/tasks/case_step.html"
    done_message = gettext_lazy("Step done: the case moves on.")

    def service(self, request, row, data):
        raise NotImplementedError

    def act(self, request, row, action, data):
        self.service(request, row, data)
        messages.success(request, self.done_message)
        return redirect("cases:case_detail", pk=row.case.pk)


class AssessStep(CaseStep):
    form_classes = {"assess": DoneForm}
    intro = gettext_lazy("Record the assessment of the person's needs in the case file, then say it is complete.")
    link_label = gettext_lazy("Go to the assessment")
    link_anchor = "#assessment"
    button = gettext_lazy("Assessment complete")

    def service(self, request, row, data):
        casepath.assessment_done(actor=request.user, task_id=row.task.pk)


class TriageStep(CaseStep):
    form_classes = {"triage": TriageForm}
    intro = gettext_lazy("Confirm who manages the case for the lead organisation.")
    button = gettext_lazy("Confirm the case manager")

    def form_kwargs(self, request, row, action):
        return {
            "case_managers": case_selectors.case_managers_of(organisation_ids=[row.case.lead_organisation_id]),
            "initial": {"case_manager": row.case.case_manager_id},
        }

    def service(self, request, row, data):
        casepath.triage_done(actor=request.user, task_id=row.task.pk, case_manager=data["case_manager"])


class PlanStep(CaseStep):
    form_classes = {"plan": DoneForm}
    intro = gettext_lazy("Write the individual plan with the person (goals and actions), then say it is agreed.")
    link_label = gettext_lazy("Go to the plan")
    link_anchor = "#plan"
    button = gettext_lazy("Plan agreed")

    def service(self, request, row, data):
        casepath.plan_done(actor=request.user, task_id=row.task.pk)


class ReviewStep(CaseStep):
    form_classes = {"review": ReviewForm}
    intro = gettext_lazy("Review the plan with the person: keep the case open, or go on to its closure.")
    button = gettext_lazy("Record the review")

    def service(self, request, row, data):
        casepath.review_done(actor=request.user, task_id=row.task.pk, keep_open=data["keep_open"], note=data["note"])


class CloseStep(CaseStep):
    form_classes = {"closure": ClosureForm}
    intro = gettext_lazy(
        "Close the case with its outcome. Partner organisations keep reading what they wrote for a limited time."
    )
    button = gettext_lazy("Close the case")
    done_message = gettext_lazy("The case is closed.")

    def service(self, request, row, data):
        casepath.closure_done(actor=request.user, task_id=row.task.pk, outcome=data["outcome"], note=data["note"])


STEPS: dict[tuple[type, str], Step] = {
    (HandoffFlow, "decide"): DecideStep(),
    (HandoffFlow, "report_outcome"): OutcomeStep(),
    (HandoffFlow, "after_decline"): AfterDeclineStep(),
    (HandoffFlow, "escalate"): EscalateStep(),
    (CaseFlow, "assess"): AssessStep(),
    (CaseFlow, "triage"): TriageStep(),
    (CaseFlow, "plan"): PlanStep(),
    (CaseFlow, "review"): ReviewStep(),
    (CaseFlow, "close"): CloseStep(),
}
GENERIC = Step()


@page_view("GET", "POST")
def task_detail(request, pk):
    user = request.user
    task = selectors.task_get_for(user=user, pk=pk)
    names = organisation_names(user, {permissions.task_organisation_id(task)})
    row = task_row(user, task, names=names)
    step = STEPS.get((task.flow_task.flow_class, task.flow_task.name), GENERIC)
    if (step.needs_handoff and row.handoff is None) or row.case is None:
        raise Http404
    is_open = task.status in permissions.OPEN_TASK_STATUSES
    posted_action = request.POST.get("action", "") if request.method == "POST" else None
    forms_by_action = step.build_forms(request, row, posted_action) if is_open else {}

    if posted_action is not None:
        form = forms_by_action.get(posted_action)
        if form is None:
            messages.error(request, _("This task does not expect that action any more."))
        elif form.is_valid():
            try:
                return step.act(request, row, posted_action, form.cleaned_data)
            except ValidationError as exc:
                apply_errors(form, exc)
                messages.error(request, _("Nothing was saved: see the message on the form."))

    if row.shows_person and not request.htmx:
        audit_person_read(request, case=row.case, organisation_id=row.organisation_id, obj=row.handoff)
    context = {
        "row": row,
        "task": task,
        "case": row.case,
        "handoff": row.handoff,
        "step": step,
        "is_open": is_open,
        "can_work": is_open and (permissions.can_execute(user, task) or permissions.can_claim(user, task)),
        "taken_by_other": task.owner_id not in (None, user.pk),
        "forms": forms_by_action,
        "posted_action": posted_action,
        "this_url": reverse("workflows:task_detail", args=[task.pk]),
        **step.context(request, row, forms_by_action),
    }
    return render(request, step.template, context)
