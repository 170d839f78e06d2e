"""My tasks, my organisations' queue, the administrator's supervision list; claiming and releasing tasks."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from partners.roles import Role
from partners.selectors import memberships_with_role
from workflows import selectors
from workflows.forms import TaskFilterForm, filters_of
from workflows.services import tasks as task_services
from workflows.views.common import page_view, paginate, safe_next, task_rows


def _task_list(request, *, select, template_context: dict):
    form = TaskFilterForm(request.GET or None)
    page = paginate(request, select(user=request.user, **filters_of(form)))
    context = {"form": form, "page": page, "rows": task_rows(request.user, page), **template_context}
    return render(request, "workflows/task_list.html", context)


@page_view("GET")
def inbox(request):
    return _task_list(
        request,
        select=selectors.task_inbox_for,
        template_context={
            "list_name": "inbox",
            "heading": _("My tasks"),
            "empty": _("Nothing assigned to you. Take a task from your organisation's queue."),
        },
    )


@page_view("GET")
def queue(request):
    return _task_list(
        request,
        select=selectors.task_queue_for,
        template_context={
            "list_name": "queue",
            "heading": _("My organisation's queue"),
            "empty": _("The queue is empty."),
        },
    )


@page_view("GET")
def supervision(request):
    if not memberships_with_role(request.user, Role.ORG_ADMIN):
        raise PermissionDenied(_("Only an organisation's administrator supervises its tasks."))
    page = paginate(request, selectors.task_supervision_for(user=request.user))
    return render(
        request,
        "workflows/task_list.html",
        {
            "page": page,
            "rows": task_rows(request.user, page),
            "list_name": "supervision",
            "heading": _("Open tasks of my organisation"),
            "empty": _("No open task."),
        },
    )


@never_cache
@page_view("GET")
def work_counts(request: HttpRequest) -> JsonResponse:
    """The menu's badges, fetched by an open page when a notification says the user's work changed
    (static/js/live_work.js): counts only, from the same permission-filtered query as the menu (one query)."""
    return JsonResponse(selectors.work_counts_for(user=request.user))


@page_view("POST")
def task_claim(request, pk):
    try:
        task_services.task_claim(actor=request.user, task_id=pk)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(safe_next(request, reverse("workflows:queue")))
    messages.success(request, _("The task is yours: it is now in your tasks."))
    return redirect("workflows:task_detail", pk=pk)


@page_view("POST")
def task_release(request, pk):
    try:
        task_services.task_release(actor=request.user, task_id=pk)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The task is back in the organisation's queue."))
    return redirect(safe_next(request, reverse("workflows:inbox")))
