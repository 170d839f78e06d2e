"""Timeline lines rendered in the reader's language from the codes an event stores."""

from __future__ import annotations

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext as _

from cases import models as m


def _label(choices, value) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


def _field_names(model_label: str, names) -> str:
    model = apps.get_model(model_label)
    labels = []
    for name in names:
        try:
            labels.append(str(model._meta.get_field(name).verbose_name))
        except FieldDoesNotExist:
            labels.append(name)
    return ", ".join(labels)


HANDOFF_KINDS = frozenset({
    m.EventKind.HANDOFF_SENT, m.EventKind.HANDOFF_ACCEPTED, m.EventKind.HANDOFF_DECLINED, m.EventKind.HANDOFF_REVOKED,
    m.EventKind.HANDOFF_REDIRECTED, m.EventKind.HANDOFF_ESCALATED, m.EventKind.HANDOFF_OUTCOME,
    m.EventKind.HANDOFF_CLOSED,
})


def render_event_summary(event: m.CaseEvent) -> str:
    data, summary, kind = event.data or {}, event.summary, event.kind
    if kind == m.EventKind.STATUS_CHANGED and "to" in data:
        return f"{_label(m.CaseStatus, data.get('from'))} → {_label(m.CaseStatus, data['to'])}"
    if kind == m.EventKind.CASE_CLOSED and "outcome" in data:
        return _label(m.ClosureOutcome, data["outcome"])
    if kind == m.EventKind.ASSESSMENT_RECORDED and "domain" in data:
        return f"{_label(m.Domain, data['domain'])}: {_label(m.Severity, data.get('severity'))}"
    if kind in (m.EventKind.CONSENT_RECORDED, m.EventKind.CONSENT_WITHDRAWN) and "purpose" in data:
        return _label(m.ConsentPurpose, data["purpose"])
    if kind == m.EventKind.INTERVENTION_RECORDED and "kind" in data:
        return _label(m.InterventionKind, data["kind"])
    if kind == m.EventKind.CASE_UPDATED and "fields" in data:
        return _("Changed: %(fields)s") % {"fields": _field_names("cases.Case", data["fields"])}
    if kind == m.EventKind.PERSON_UPDATED and "fields" in data:
        return _("Changed: %(fields)s") % {"fields": _field_names("cases.Person", data["fields"])}
    if kind in (m.EventKind.NOTE_ADDED, m.EventKind.DOCUMENT_UPLOADED) and data.get("sensitive"):
        return _("Sensitive note") if kind == m.EventKind.NOTE_ADDED else _("Sensitive document")
    if kind == m.EventKind.PLAN_UPDATED:
        what = data.get("what")
        if what == "goal":
            return _("Goal added: %(goal)s") % {"goal": summary}
        if what == "action":
            return _("Action added: %(action)s") % {"action": summary}
        if what == "plan":
            return _("Plan updated")
    if kind == m.EventKind.HOUSEHOLD_UPDATED:
        if data.get("what") == "member_added":
            return _("%(person)s added to the household") % {"person": summary}
        if data.get("what") == "data":
            return _("Household data updated")
    if kind in HANDOFF_KINDS and "to_name" in data:
        # Written by the workflows app: the organisations' names are stored with the event (not special data).
        label = _("Transfer") if data.get("kind") == "transfer" else _("Referral")
        line = f"{label}: {data.get('from_name', '')} → {data['to_name']}"
        return f"{line} — {summary}" if summary else line
    if kind == m.EventKind.PERSON_MERGED:
        return _("Duplicate record merged into this person")
    return summary
