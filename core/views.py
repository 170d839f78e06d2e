"""What every page of every app shares: the view decorator (login, methods, a refused action as the one 403 page),
paging, and a service's errors put back on its form."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.storage import StorageUnavailable

PAGE_SIZE = 25


def forbidden(request, message: str = ""):
    """The one 403 page, with the reason when there is one."""
    return render(request, "403.html", {"message": message}, status=403)


def page_view(*methods: str):
    """Login required, only `methods`, and a refused service call (PermissionDenied) answers a clear 403
    page instead of an error. Hidden objects raise Http404 in the selectors and stay 404."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            try:
                return view(request, *args, **kwargs)
            except PermissionDenied as exc:
                return forbidden(request, str(exc) or _("You are not allowed to do this."))

        return login_required(require_http_methods(list(methods))(wrapper))

    return decorate


def paginate(request, queryset, per_page: int = PAGE_SIZE):
    """One COUNT and one page of rows, whatever the number of rows."""
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


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
