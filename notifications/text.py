"""What a notification says, rendered in the reader's language from its kind and its stored codes and names.

Messages name the case by its code only: a case's title and every note are free text that may carry
special-category data (health, justice), so they never reach a notification, a websocket or an e-mail.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from django.utils import formats, timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from cases.event_text import STEP_KINDS, step_line
from notifications.models import NotificationKind
from workflows.flows import FLOWS
from workflows.models import DeclineReason, HandoffKind, Outcome
from workflows.services.history import flow_label_of


@dataclass(frozen=True)
class Rendered:
    title: str
    body: str


@cache
def _step_titles() -> dict[tuple[str, str], object]:
    return {
        (flow_label_of(flow_class), node.name): node.task_title or node.name
        for flow_class in FLOWS
        for node in flow_class.instance.nodes()
        if hasattr(node, "task_title")
    }


def step_title(flow: str, step: str) -> str:
    return str(_step_titles().get((flow, step), step))


# The handoff's kind inside a sentence ("Caritas sent a referral for case...").
_KIND_IN_SENTENCE: dict[str, object] = {
    HandoffKind.REFERRAL: pgettext_lazy("handoff kind inside a sentence", "referral"),
    HandoffKind.TRANSFER: pgettext_lazy("handoff kind inside a sentence", "transfer"),
}


def _label(choices, code: str) -> str:
    try:
        return str(choices(code).label)
    except ValueError:
        return code


def _when(value: str) -> str:
    # A date alone first: parse_datetime would read "2026-05-12" as midnight (Python >= 3.11).
    day = parse_date(value or "")
    if day is not None:
        return formats.date_format(day, "SHORT_DATE_FORMAT")
    moment = parse_datetime(value or "")
    if moment is None:
        return ""
    # Stored in UTC (isoformat of an aware datetime): shown in local time, as pages show it.
    local = timezone.localtime(moment) if timezone.is_aware(moment) else moment
    # The date in the reader's format, the time on 24 hours (English "p.m." would end the sentence twice).
    return f"{formats.date_format(local, 'SHORT_DATE_FORMAT')} {local:%H:%M}"


def render(*, kind: str, case_code: str, params: dict) -> Rendered:
    """The title and one sentence, in the active language."""
    p = {
        "case": case_code,
        "sender": params.get("sender", ""),
        "receiver": params.get("receiver", ""),
        "service": params.get("service", "") or _("no service named"),
        "handoff_kind": str(_KIND_IN_SENTENCE.get(params.get("handoff_kind", ""), _KIND_IN_SENTENCE["referral"])),
        "reason": _label(DeclineReason, params.get("reason", "")),
        "outcome": _label(Outcome, params.get("outcome", "")),
        "step": step_title(params.get("flow", ""), params.get("step", "")),
        "organisation": params.get("organisation", ""),
        "due": _when(params.get("due", "")),
    }
    title = _label(NotificationKind, kind)
    bodies: dict[str, str] = {
        NotificationKind.HANDOFF_RECEIVED: _(
            "%(sender)s sent a %(handoff_kind)s for case %(case)s (%(service)s). Answer by %(due)s."
        ),
        NotificationKind.HANDOFF_ACCEPTED: _("%(receiver)s accepted the %(handoff_kind)s of case %(case)s."),
        NotificationKind.HANDOFF_DECLINED: _(
            "%(receiver)s declined the %(handoff_kind)s of case %(case)s: %(reason)s."
        ),
        NotificationKind.HANDOFF_REVOKED: _("%(sender)s withdrew the %(handoff_kind)s of case %(case)s."),
        NotificationKind.HANDOFF_OUTCOME: _("%(receiver)s reported the outcome for case %(case)s: %(outcome)s."),
        NotificationKind.TASK_ASSIGNED: _("%(step)s for case %(case)s is in your tasks."),
        NotificationKind.TASK_QUEUED: _("%(step)s for case %(case)s is waiting in the queue of %(organisation)s."),
        NotificationKind.SLA_DUE_SOON: _(
            "The %(handoff_kind)s of case %(case)s from %(sender)s must be answered by %(due)s."
        ),
        NotificationKind.SLA_EXPIRED: _(
            "The %(handoff_kind)s of case %(case)s from %(sender)s to %(receiver)s was not answered by %(due)s."
        ),
        NotificationKind.CONSENT_EXPIRING: _("The consent covering case %(case)s expires on %(due)s."),
        NotificationKind.CASE_TRANSFERRED: _("Case %(case)s was transferred to %(receiver)s."),
        NotificationKind.CASE_CLOSED: _("Case %(case)s was closed by %(organisation)s."),
    }
    if kind in STEP_KINDS:
        # A pathway step says what its timeline line says (one renderer for both), after the case's code.
        return Rendered(
            title=title, body=_("Case %(case)s: %(step)s.") % {"case": case_code, "step": step_line(kind, params)}
        )
    body = bodies.get(kind, "%(case)s") % p
    return Rendered(title=title, body=body)
