"""The notification pages: the list, the bell's dropdown (htmx), opening one, marking read, e-mail preferences.

Reads go through `notifications.selectors` (a user's own notifications, minus those received through an
organisation they left), writes through `notifications.services`. The text of each notification is rendered here,
in the request's language, from its kind and stored codes (`notifications.text`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from core.views import apply_errors, page_view, paginate, posted
from notifications import selectors, services
from notifications.forms import NotificationFilterForm, PreferenceForm
from notifications.models import Notification
from notifications.text import render as render_text
from partners.selectors import active_memberships
from workflows.views.common import safe_next

# How many notifications the bell's dropdown shows.
RECENT_COUNT = 8
# The htmx event (HX-Trigger) that gives the bell's script the new unread count after an action on this page,
# without waiting for the websocket.
UNREAD_EVENT = "tv-notifications-unread"


@dataclass(frozen=True)
class NotificationRow:
    """A notification with its text in the reader's language."""

    notification: Notification
    title: str
    body: str


def rows_of(notifications) -> list[NotificationRow]:
    rows = []
    for notification in notifications:
        text = render_text(kind=notification.kind, case_code=notification.case_code, params=notification.params)
        rows.append(NotificationRow(notification=notification, title=str(text.title), body=text.body))
    return rows


def own_notification(user, pk: int) -> Notification:
    """The user's notification, still visible to them; Http404 for anyone else's (the same answer)."""
    try:
        return selectors.notification_get_for(user=user, pk=pk)
    except Notification.DoesNotExist:
        raise Http404(_("No such notification.")) from None


def unread_count(user) -> int:
    organisation_ids = [m.organisation_id for m in active_memberships(user)]
    return selectors.unread_count_for(user_id=user.pk, organisation_ids=organisation_ids)


def with_unread_count(response, unread: int):
    response["HX-Trigger"] = json.dumps({UNREAD_EVENT: {"unread": unread}})
    return response


def list_url() -> str:
    return reverse("notifications:list")


def back_url(request) -> str:
    """Where the forms of a partial send the browser back to: the page the partial sits in (htmx tells), the
    `next` posted with the form, or the list."""
    if request.htmx and request.htmx.current_url_abs_path:
        return request.htmx.current_url_abs_path
    return safe_next(request, list_url())


@page_view("GET")
def notification_list(request):
    form = NotificationFilterForm(request.GET or None)
    unread_only = form.unread_only()
    page = paginate(request, selectors.notification_list_for(user=request.user, unread_only=unread_only))
    return render(
        request,
        "notifications/list.html",
        {
            "page": page,
            "rows": rows_of(page),
            "unread_only": unread_only,
            "next": request.get_full_path(),
        },
    )


def _recent(request, *, unread: int):
    """The dropdown, and the unread count for the bell (checked each time the dropdown opens)."""
    notifications = selectors.notification_list_for(user=request.user)[:RECENT_COUNT]
    response = render(
        request,
        "notifications/recent.html",
        {
            "rows": rows_of(notifications),
            "unread": unread,
            "next": back_url(request),
        },
    )
    return with_unread_count(response, unread)


@page_view("GET")
def notification_recent(request):
    """The bell's dropdown, loaded by htmx when it opens. Without htmx, the list page."""
    if not request.htmx:
        return redirect("notifications:list")
    return _recent(request, unread=unread_count(request.user))


@page_view("GET")
def notification_open(request, pk):
    """Mark the notification read and go to what it is about."""
    notification = own_notification(request.user, pk)
    if not notification.is_read:
        services.notifications_mark_read(user=request.user, ids=[notification.pk])
    target = notification.url
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("notifications:list")


@page_view("POST")
def notification_mark_read(request, pk):
    """Mark one notification read. For htmx, the updated item of the list."""
    notification = own_notification(request.user, pk)
    services.notifications_mark_read(user=request.user, ids=[notification.pk])
    if request.htmx:
        notification.read_at = notification.read_at or timezone.now()
        response = render(
            request,
            "notifications/includes/item.html",
            {
                "row": rows_of([notification])[0],
                "next": back_url(request),
            },
        )
        return with_unread_count(response, unread_count(request.user))
    return redirect(safe_next(request, list_url()))


@page_view("POST")
def notification_mark_all_read(request):
    """Mark every notification of the user read. For htmx (the bell's dropdown), the updated dropdown."""
    services.notifications_mark_all_read(user=request.user)
    if request.htmx:
        return _recent(request, unread=0)
    messages.success(request, _("All your notifications are marked as read."))
    return redirect(safe_next(request, list_url()))


@page_view("GET", "POST")
def notification_preferences(request):
    preference = selectors.preference_for(request.user)
    form = PreferenceForm(
        posted(request), initial={"email_mode": preference.email_mode, "language": preference.language}
    )
    if form.is_valid():
        try:
            services.preference_set(
                user=request.user, email_mode=form.cleaned_data["email_mode"], language=form.cleaned_data["language"]
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Your notification preferences are saved."))
            return redirect("notifications:preferences")
    return render(
        request,
        "notifications/preferences.html",
        {
            "form": form,
            "delay_minutes": settings.TAVOLO_NOTIFY_EMAIL_DELAY_MINUTES,
            "digest_hour": settings.TAVOLO_NOTIFY_DIGEST_HOUR,
        },
    )
