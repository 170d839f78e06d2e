"""Sending a referral or a transfer, the lists of handoffs sent and received, one handoff and its history."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from cases import selectors as case_selectors
from cases.models import CaseStatus
from core.parsing import posted_id
from partners.models import Organisation
from partners.roles import Role
from partners.selectors import active_memberships
from workflows import permissions, selectors
from workflows.flows import HandoffFlow
from workflows.forms import HandoffFilterForm, HandoffSendForm, RevokeForm, filters_of
from workflows.models import HandoffKind, HandoffStatus
from workflows.services import handoffs as handoff_services
from workflows.views.common import apply_errors, audit_person_read, page_view, paginate, posted
from workflows.views.tasks import section_labels


@page_view("GET", "POST")
def handoff_send(request, case_pk):
    """The send form. Choosing the receiver reloads (htmx) the service list and the consent warning for it."""
    user = request.user
    case = case_selectors.case_get_for(user=user, pk=case_pk)
    membership = permissions.require_handoff_sender(user, case)
    if case.status == CaseStatus.CLOSED:
        messages.error(request, _("The case is closed: reopen it before handing it over."))
        return redirect("cases:case_detail", pk=case.pk)
    source = request.POST if request.method == "POST" else request.GET
    receiver_id = posted_id(source.get("receiver_organisation"))
    receivers = Organisation.objects.filter(is_active=True).exclude(pk=membership.organisation_id).order_by("name")
    form = HandoffSendForm(
        posted(request),
        receivers=receivers,
        receiver_id=receiver_id,
        can_override=permissions.can_override_consent(user),
        refresh_url=request.path,
        initial={
            "receiver_organisation": receiver_id,
            "kind": source.get("kind") or HandoffKind.REFERRAL,
            "service_type": posted_id(source.get("service_type")),
        },
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            handoff = handoff_services.handoff_send(
                actor=user,
                case=case,
                kind=data["kind"],
                receiver_organisation_id=data["receiver_organisation"].pk,
                service_type_id=data["service_type"],
                reason=data["reason"],
                sections=data["sections"],
                urgency=data["urgency"],
                override_consent=data.get("override_consent", False),
                override_reason=data.get("override_reason", ""),
            )
        except ValidationError as exc:
            apply_errors(form, exc)
            messages.error(request, _("Nothing was sent: see the message on the form."))
        else:
            messages.success(request, _sent_message(handoff))
            return redirect("cases:case_detail", pk=case.pk)
    context = {
        "case": case,
        "form": form,
        "sender_name": membership.organisation_name,
        "consent": case_selectors.consent_summary(case.person),
        "receiver_id": receiver_id,
        "consent_covers_receiver": (
            case_selectors.consent_covers(person=case.person, organisation_id=receiver_id)
            if receiver_id is not None
            else None
        ),
    }
    return render(request, "workflows/handoff_send.html", context)


def _sent_message(handoff) -> str:
    """The confirmation says what the receiver got: a referral with no section is said to be summary only."""
    values = {"kind": handoff.get_kind_display(), "org": handoff.receiver_organisation.name}
    if handoff.kind == HandoffKind.TRANSFER:
        return _("%(kind)s sent to %(org)s.") % values
    if not handoff.sections:
        return (
            _(
                "Referral sent to %(org)s, summary only: it sees the case code, the person's name and year of "
                "birth, the reason and the requested service, and nothing of the file."
            )
            % values
        )
    return _("Referral sent to %(org)s. Shared: %(sections)s.") % {
        **values,
        "sections": ", ".join(str(label) for label in section_labels(handoff.sections)),
    }


def _handoff_list(request, *, select, list_name: str, heading: str):
    form = HandoffFilterForm(request.GET or None)
    page = paginate(request, select(user=request.user, **filters_of(form)))
    page.object_list = selectors.handoffs_mark_person(user=request.user, handoffs=page.object_list)
    return render(
        request, "workflows/handoff_list.html", {"form": form, "page": page, "list_name": list_name, "heading": heading}
    )


@page_view("GET")
def handoffs_received(request):
    return _handoff_list(
        request, select=selectors.handoffs_received_for, list_name="received", heading=_("Handoffs received")
    )


@page_view("GET")
def handoffs_sent(request):
    return _handoff_list(request, select=selectors.handoffs_sent_for, list_name="sent", heading=_("Handoffs sent"))


def _is_sender_case_manager(user, handoff) -> bool:
    return any(
        m.organisation_id == handoff.sender_organisation_id and m.role == Role.CASE_MANAGER
        for m in active_memberships(user)
    )


def _party_organisation_id(user, handoff) -> int | None:
    """The user's organisation at one end of the handoff (the audit row's organisation)."""
    ends = (handoff.receiver_organisation_id, handoff.sender_organisation_id)
    for end in ends:
        if any(m.organisation_id == end for m in active_memberships(user)):
            return end
    return None


def _with_step_titles(events, *, handoff) -> list:
    """Each history row with its step's title and the handoff's direction (sender → receiver, whoever acted)."""
    titles = {node.name: node.task_title for node in HandoffFlow.instance.nodes()}
    events = list(events)
    for event in events:
        event.step_title = titles.get(event.step, "") if event.step else ""
        event.from_organisation, event.to_organisation = event.direction(
            sender_organisation_id=handoff.sender_organisation_id
        )
    return events


def _detail(request, handoff, *, revoke_form=None, status: int = 200):
    user = request.user
    shows_person = selectors.handoff_shows_person(user=user, handoff=handoff)
    can_revoke = handoff.status == HandoffStatus.PENDING and _is_sender_case_manager(user, handoff)
    if shows_person:
        audit_person_read(
            request, case=handoff.case, organisation_id=_party_organisation_id(user, handoff), obj=handoff
        )
    context = {
        "handoff": handoff,
        "case": handoff.case,
        "shows_person": shows_person,
        "sections": section_labels(handoff.sections),
        "events": _with_step_titles(selectors.handoff_history_for(user=user, handoff=handoff), handoff=handoff),
        "open_tasks": selectors.handoff_open_tasks_for(user=user, handoff=handoff),
        "can_revoke": can_revoke,
        "revoke_form": (revoke_form or RevokeForm()) if can_revoke else None,
        "can_see_case": shows_person and case_selectors.case_list_for(user=user).filter(pk=handoff.case_id).exists(),
    }
    return render(request, "workflows/handoff_detail.html", context, status=status)


@page_view("GET")
def handoff_detail(request, pk):
    return _detail(request, selectors.handoff_get_for(user=request.user, pk=pk))


@page_view("POST")
def handoff_revoke(request, pk):
    handoff = selectors.handoff_get_for(user=request.user, pk=pk)
    form = RevokeForm(request.POST)
    if form.is_valid():
        try:
            handoff_services.handoff_revoke(
                actor=request.user, handoff_id=handoff.pk, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            apply_errors(form, exc)
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The handoff has been revoked."))
            return redirect("workflows:handoff_detail", pk=handoff.pk)
    return _detail(request, handoff, revoke_form=form)
