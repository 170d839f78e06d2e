"""What every cases page shares: the view decorator, paging, service errors onto forms, audit of reads."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cases import permissions
from core.storage import StorageUnavailable
from partners.audit import audit_record
from partners.models import AuditAction
from partners.roles import Capability
from partners.selectors import active_memberships, memberships_with

PAGE_SIZE = 25


def page_view(*methods: str):
    """Login required, only `methods`, and a refused service call (PermissionDenied) answers a clear 403
    page instead of an error. Hidden objects raise Http404 in the selectors and stay 404."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            try:
                return view(request, *args, **kwargs)
            except PermissionDenied as exc:
                message = str(exc) or _("You are not allowed to do this.")
                return render(request, "cases/forbidden.html", {"message": message}, status=403)

        return login_required(require_http_methods(list(methods))(wrapper))

    return decorate


def paginate(request, queryset, per_page: int = PAGE_SIZE):
    """One COUNT and one page of rows, whatever the number of rows."""
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def audit_search(request, *, object_type: str, query: str) -> None:
    """A search in the audit log. The text may be a codice fiscale or a name: only its length is logged."""
    memberships = active_memberships(request.user)
    audit_record(
        actor=request.user,
        action=AuditAction.SEARCH,
        object_type=object_type,
        request=request,
        organisation_id=memberships[0].organisation_id if memberships else None,
        detail={"query_length": len(query)},
    )


def apply_errors(form, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form: on the field it names when the form has it."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.error_list)


def render_storage_refusal(request, template: str, context: dict, *, form, exc: StorageUnavailable):
    """The form again, with the storage's refusal on top and nothing saved. 503 with Retry-After, not 400: the
    request was right and the same one will succeed once an operator has fixed the storage."""
    form.add_error(None, str(exc))
    response = render(request, template, {**context, "form": form}, status=503)
    response["Retry-After"] = str(exc.retry_after)
    return response


def posted(request):
    """The bound data of a form: the POST body on POST, None on GET."""
    return request.POST if request.method == "POST" else None


def case_organisation_id(user, case) -> int | None:
    """The organisation through which the user sees the case (for the audit row); None for a per-user
    grant (the coordinator asked to look at one file)."""
    try:
        return permissions.acting_membership(user, case, Capability.VIEW_SUMMARY).organisation_id
    except PermissionDenied:
        return None


def person_organisation_id(user, person) -> int | None:
    """The organisation through which the user reads a person's data: the registering one first."""
    memberships = memberships_with(user, Capability.VIEW_FILE) or list(active_memberships(user))
    for membership in memberships:
        if membership.organisation_id == person.registered_by_id:
            return membership.organisation_id
    return memberships[0].organisation_id if memberships else None


def audit_case_read(request, case) -> None:
    audit_record(
        actor=request.user,
        action=AuditAction.READ,
        obj=case,
        request=request,
        organisation_id=case_organisation_id(request.user, case),
        case_id=case.pk,
        person_id=case.person_id,
    )


def audit_person_read(request, person) -> None:
    audit_record(
        actor=request.user,
        action=AuditAction.READ,
        obj=person,
        request=request,
        organisation_id=person_organisation_id(request.user, person),
        person_id=person.pk,
    )
