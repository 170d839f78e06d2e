"""The organisations directory, member management and the audit log.

Views stay thin: parse -> selector/service -> render. Pages a user may not use answer 404 (as hidden
objects do), so the existence of another organisation's pages cannot be probed.
"""

from __future__ import annotations

import csv
import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.models import AuditAction, AuditEntry
from core.views import apply_errors, page_view, paginate, posted
from partners import services
from partners.forms import AccountSetupEmail, AuditFilterForm, MemberAddForm, MemberRoleForm, OrganisationFilterForm
from partners.models import Organisation
from partners.roles import Role
from partners.selectors import (
    active_memberships,
    admin_organisation_ids,
    audit_list_for,
    forget_memberships,
    is_coordinator,
    member_list_for,
    organisation_list,
)

AUDIT_PAGE_SIZE = 50


def _require_member(user) -> None:
    """Pages of the network are for active members only; a deactivated account sees nothing."""
    if not active_memberships(user):
        raise Http404


def _require_supervisor(user) -> None:
    """Caseload and audit log: the coordinator, or an administrator of at least one organisation."""
    if not (is_coordinator(user) or admin_organisation_ids(user)):
        raise Http404


# --- organisations directory ----------------------------------------------------------------------


@page_view("GET")
def organisation_list_view(request):
    _require_member(request.user)
    form = OrganisationFilterForm(request.GET or None)
    show_inactive = request.GET.get("inactive") == "1"
    qs = organisation_list(active_only=not show_inactive)
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            qs = qs.filter(Q(name__icontains=data["q"]) | Q(short_name__icontains=data["q"]))
        if data["service"]:
            qs = qs.filter(services=data["service"])
        if data["kind"]:
            qs = qs.filter(kind=data["kind"])
        if data["network_role"]:
            qs = qs.filter(network_role=data["network_role"])
    return render(
        request,
        "partners/organisation_list.html",
        {
            "form": form,
            "organisations": qs,
            "show_inactive": show_inactive,
        },
    )


@page_view("GET")
def organisation_detail(request, pk: int):
    _require_member(request.user)
    organisation = get_object_or_404(organisation_list(active_only=False), pk=pk)
    return render(
        request,
        "partners/organisation_detail.html",
        {
            "organisation": organisation,
            "can_manage_members": organisation.pk in admin_organisation_ids(request.user),
        },
    )


# --- members --------------------------------------------------------------------------------------


def _administered_organisation(user, org_pk: int) -> Organisation:
    """The organisation, when `user` is one of its active administrators; Http404 otherwise."""
    if org_pk not in admin_organisation_ids(user):
        raise Http404
    return get_object_or_404(Organisation.objects.select_related("group"), pk=org_pk)


def _after_member_change(request, organisation: Organisation):
    """Back to the member list, unless the administrator has just removed their own rights."""
    forget_memberships(request.user)
    if organisation.pk in admin_organisation_ids(request.user):
        return redirect("partners:member_list", org_pk=organisation.pk)
    messages.info(
        request, _("You are no longer an administrator of %(organisation)s.") % {"organisation": organisation}
    )
    return redirect("home")


@page_view("GET")
def member_list(request, org_pk: int):
    organisation = _administered_organisation(request.user, org_pk)
    members = member_list_for(user=request.user, organisation_id=organisation.pk)
    return render(request, "partners/member_list.html", {"organisation": organisation, "members": members})


@page_view("GET", "POST")
def member_add(request, org_pk: int):
    organisation = _administered_organisation(request.user, org_pk)
    form = MemberAddForm(posted(request), organisation=organisation)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        new_account = data["account"] == MemberAddForm.NEW
        fields = {"username": data["username"]}
        if new_account:
            fields.update(email=data["email"], first_name=data["first_name"], last_name=data["last_name"])
        try:
            membership = services.membership_add(
                organisation=organisation, role=data["role"], actor=request.user, **fields
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            member = membership.user
            messages.success(
                request,
                _("%(name)s is now a member of %(organisation)s.")
                % {"name": member.get_full_name() or member.username, "organisation": organisation},
            )
            if (
                new_account
                and not member.has_usable_password()
                and AccountSetupEmail(user=member, organisation=organisation).send(request)
            ):
                messages.info(
                    request,
                    _("An e-mail with a link to choose a password has been sent to %(email)s.")
                    % {"email": member.email},
                )
            return _after_member_change(request, organisation)
    return render(request, "partners/member_add.html", {"organisation": organisation, "form": form})


@page_view("GET", "POST")
def member_edit(request, org_pk: int, membership_pk: int):
    organisation = _administered_organisation(request.user, org_pk)
    membership = get_object_or_404(
        member_list_for(user=request.user, organisation_id=organisation.pk), pk=membership_pk
    )
    role_form = MemberRoleForm(initial={"role": membership.role}, organisation=organisation)
    errors: list[str] = []
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "role":
                role_form = MemberRoleForm(request.POST, organisation=organisation)
                if role_form.is_valid():
                    services.membership_change_role(
                        organisation=organisation,
                        membership_id=membership.pk,
                        role=role_form.cleaned_data["role"],
                        actor=request.user,
                    )
                    messages.success(request, _("The role has been changed."))
                    return _after_member_change(request, organisation)
            elif action in ("deactivate", "reactivate"):
                active = action == "reactivate"
                services.membership_set_active(
                    organisation=organisation, membership_id=membership.pk, active=active, actor=request.user
                )
                messages.success(
                    request,
                    _("The member has been reactivated.")
                    if active
                    else _("The member has been deactivated: their access has ended."),
                )
                return _after_member_change(request, organisation)
            elif action == "invite" and membership.is_active and not membership.user.has_usable_password():
                if AccountSetupEmail(user=membership.user, organisation=organisation).send(request):
                    messages.info(
                        request,
                        _("An e-mail with a link to choose a password has been sent to %(email)s.")
                        % {"email": membership.user.email},
                    )
                else:
                    messages.error(request, _("This account has no e-mail address: no e-mail could be sent."))
                return redirect("partners:member_edit", org_pk=organisation.pk, membership_pk=membership.pk)
            else:
                errors.append(_("Unknown action."))
        except ValidationError as exc:
            if action == "role":
                apply_errors(role_form, exc)
            else:
                errors.extend(exc.messages)
    return render(
        request,
        "partners/member_edit.html",
        {
            "organisation": organisation,
            "membership": membership,
            "member": membership.user,
            "role_form": role_form,
            "errors": errors,
            "invitation_pending": not membership.user.has_usable_password(),
        },
    )


# --- audit log ------------------------------------------------------------------------------------


@page_view("GET")
def audit_log(request):
    _require_supervisor(request.user)
    form = AuditFilterForm(request.GET or None)
    form.is_valid()
    entries = form.filter(audit_list_for(user=request.user))
    if request.GET.get("format") == "csv":
        return _audit_csv(request, entries, form)
    page = paginate(request, entries, AUDIT_PAGE_SIZE)
    return render(request, "partners/audit_log.html", {"form": form, "page": page, "entries": page.object_list})


class _Echo:
    def write(self, value):
        return value


def _csv_cell(value) -> str:
    """Neutralise spreadsheet formulas (CSV injection): text starting with = + - @ is prefixed with '."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def _audit_csv(request, entries, form: AuditFilterForm):
    user = request.user
    acting = next((m for m in active_memberships(user) if m.role == Role.COORDINATOR), None) or next(
        m for m in active_memberships(user) if m.role == Role.ORG_ADMIN
    )
    export = audit_record(
        actor=user,
        action=AuditAction.EXPORT,
        object_type=AuditEntry._meta.label_lower,
        organisation_id=acting.organisation_id,
        request=request,
        detail={"filters": form.active_filters(), "rows": entries.count()},
    )
    entries = entries.exclude(pk=export.pk)
    header = [
        _("When"),
        _("Username"),
        _("Organisation"),
        _("Action"),
        _("Object type"),
        _("Object id"),
        _("Case"),
        _("Person"),
        _("IP address"),
        _("Detail"),
    ]
    writer = csv.writer(_Echo())

    def rows():
        yield "\ufeff"  # a byte-order mark, so that spreadsheet programs read the file as UTF-8
        yield writer.writerow(header)
        for entry in entries.iterator(chunk_size=2000):
            yield writer.writerow(
                [
                    _csv_cell(value)
                    for value in (
                        timezone.localtime(entry.at).isoformat(timespec="seconds"),
                        entry.username,
                        entry.organisation.name if entry.organisation else "",
                        entry.action,
                        entry.object_type,
                        entry.object_id,
                        entry.case_id,
                        entry.person_id,
                        entry.ip_address,
                        json.dumps(entry.detail, ensure_ascii=False, sort_keys=True) if entry.detail else "",
                    )
                ]
            )

    filename = f"tavolo-audit-{timezone.localdate():%Y%m%d}.csv"
    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
