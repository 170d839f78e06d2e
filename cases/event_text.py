"""Timeline lines rendered in the reader's language from the codes an event stores."""

from __future__ import annotations

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from cases import models as m
from core import l10n


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


HANDOFF_KINDS = frozenset(
    {
        m.TimelineKind.HANDOFF_SENT,
        m.TimelineKind.HANDOFF_ACCEPTED,
        m.TimelineKind.HANDOFF_DECLINED,
        m.TimelineKind.HANDOFF_REVOKED,
        m.TimelineKind.HANDOFF_REDIRECTED,
        m.TimelineKind.HANDOFF_ESCALATED,
        m.TimelineKind.HANDOFF_OUTCOME,
        m.TimelineKind.HANDOFF_CLOSED,
    }
)


def _choice_label(model_label: str, field: str, code) -> str:
    """The label of a code of another app's field (cases does not import the pathways: it reads their choices)."""
    try:
        choices = dict(apps.get_model(model_label)._meta.get_field(field).choices or [])
    except (LookupError, FieldDoesNotExist):
        return str(code or "")
    return str(choices.get(code, code or ""))


def _day(value) -> str:
    day = parse_date(str(value or ""))
    return l10n.short_date(day) if day is not None else ""


# Steps of the housing and employment pathways: their lines, from the codes and names stored in `data`.
STEP_KINDS = frozenset(
    {
        m.TimelineKind.HOUSING_OFFER_MADE,
        m.TimelineKind.HOUSING_OFFER_ACCEPTED,
        m.TimelineKind.HOUSING_OFFER_DECLINED,
        m.TimelineKind.HOUSING_OFFER_EXPIRED,
        m.TimelineKind.HOUSING_MOVED_IN,
        m.TimelineKind.HOUSING_MOVED_OUT,
        m.TimelineKind.COURSE_ENROLLED,
        m.TimelineKind.INTERNSHIP_RECORDED,
        m.TimelineKind.JOB_PLACEMENT_RECORDED,
        m.TimelineKind.JOB_FOLLOW_UP_RECORDED,
        m.TimelineKind.HOUSING_FOLLOW_UP_RECORDED,
    }
)


def _housing_where(data: dict) -> str:
    kind = _choice_label("housing.Resource", "kind", data.get("resource_kind"))
    provider = data.get("provider", "")
    return _("%(kind)s at %(provider)s") % {"kind": kind, "provider": provider} if provider else kind


def step_line(kind: str, data: dict) -> str:
    """One line for a pathway step, in the active language (also the body of its notification)."""
    date = _day(data.get("date"))
    if kind == m.TimelineKind.HOUSING_OFFER_MADE:
        return _("%(where)s; answer by %(date)s") % {"where": _housing_where(data), "date": date}
    if kind == m.TimelineKind.HOUSING_OFFER_ACCEPTED:
        return _("%(where)s; move-in on %(date)s") % {"where": _housing_where(data), "date": date}
    if kind == m.TimelineKind.HOUSING_OFFER_DECLINED:
        return _housing_where(data)
    if kind == m.TimelineKind.HOUSING_OFFER_EXPIRED:
        return _("%(where)s; not answered in time, the place is free again") % {"where": _housing_where(data)}
    if kind == m.TimelineKind.HOUSING_MOVED_IN:
        return _("%(where)s, from %(date)s") % {"where": _housing_where(data), "date": date}
    if kind == m.TimelineKind.HOUSING_MOVED_OUT:
        return _("%(where)s, on %(date)s: %(reason)s") % {
            "where": _housing_where(data),
            "date": date,
            "reason": _choice_label("housing.Stay", "exit_reason", data.get("exit_reason")),
        }
    if kind == m.TimelineKind.COURSE_ENROLLED:
        return _("“%(course)s” by %(provider)s, from %(date)s") % {
            "course": data.get("course", ""),
            "provider": data.get("provider", ""),
            "date": date,
        }
    if kind == m.TimelineKind.INTERNSHIP_RECORDED:
        return _("Internship from %(start)s to %(end)s") % {"start": date, "end": _day(data.get("end"))}
    if kind == m.TimelineKind.JOB_PLACEMENT_RECORDED:
        return _("%(contract)s from %(date)s") % {
            "contract": _choice_label("employment.Placement", "contract_type", data.get("contract_type")),
            "date": date,
        }
    if kind == m.TimelineKind.JOB_FOLLOW_UP_RECORDED:
        values = {"months": data.get("months", ""), "date": date}
        if data.get("still_employed"):
            return _("%(months)s-month check on %(date)s: still employed") % values
        return _("%(months)s-month check on %(date)s: no longer employed") % values
    if kind == m.TimelineKind.HOUSING_FOLLOW_UP_RECORDED:
        values = {"months": data.get("months", ""), "date": date}
        if data.get("outcome") == "autonomy":
            return _("%(months)s-month follow-up on %(date)s: the household is autonomous") % values
        if data.get("outcome") == "return":
            return _("%(months)s-month follow-up on %(date)s: back to the housing pathway") % values
        return _("%(months)s-month follow-up on %(date)s") % values
    return ""


# Records of the pathways that notify nobody (not in STEP_KINDS): the same codes, the same rule — a type of resource,
# a provider that does not tell where a person is, codes and dates; never a place, an employer, an amount or a note.
RECORD_KINDS = frozenset(
    {
        m.TimelineKind.HOUSING_SECTION_SAVED,
        m.TimelineKind.WAITLIST_APPLICATION_MADE,
        m.TimelineKind.WAITLIST_APPLICATION_UPDATED,
        m.TimelineKind.WAITLIST_APPLICATION_WITHDRAWN,
        m.TimelineKind.STAY_PLAN_UPDATED,
        m.TimelineKind.EMPLOYMENT_PATHWAY_STARTED,
        m.TimelineKind.EMPLOYMENT_PROFILING_DONE,
        m.TimelineKind.EMPLOYMENT_PATH_AGREED,
        m.TimelineKind.EMPLOYMENT_TRAINING_DONE,
        m.TimelineKind.EMPLOYMENT_NOT_PLACED,
        m.TimelineKind.EMPLOYMENT_DROPPED_OUT,
        m.TimelineKind.EMPLOYABILITY_PROFILE_SAVED,
        m.TimelineKind.ENROLMENT_STATUS_CHANGED,
        m.TimelineKind.INTERNSHIP_STATUS_CHANGED,
    }
)
WAITLIST_KINDS = (
    m.TimelineKind.WAITLIST_APPLICATION_MADE,
    m.TimelineKind.WAITLIST_APPLICATION_UPDATED,
    m.TimelineKind.WAITLIST_APPLICATION_WITHDRAWN,
)


def record_line(kind: str, data: dict) -> str:
    """One line for a record of a pathway, in the active language (empty when the kind's label says it all)."""
    if kind == m.TimelineKind.HOUSING_SECTION_SAVED and data.get("fields"):
        return _("Changed: %(fields)s") % {"fields": _field_names("housing.HousingProfile", data["fields"])}
    if kind in WAITLIST_KINDS:
        return _("Waitlist: %(kind)s") % {"kind": _choice_label("housing.Resource", "kind", data.get("waitlist"))}
    if kind == m.TimelineKind.STAY_PLAN_UPDATED:
        if data.get("date"):
            return _("%(where)s; planned move-out on %(date)s") % {
                "where": _housing_where(data),
                "date": _day(data["date"]),
            }
        return _housing_where(data)
    if kind == m.TimelineKind.EMPLOYMENT_PATH_AGREED:
        return _choice_label("employment.EmploymentPathway", "path_type", data.get("path_type"))
    if kind == m.TimelineKind.ENROLMENT_STATUS_CHANGED:
        return _("“%(course)s”: %(status)s") % {
            "course": data.get("course", ""),
            "status": _choice_label("employment.Enrolment", "status", data.get("status")),
        }
    if kind == m.TimelineKind.INTERNSHIP_STATUS_CHANGED:
        return _choice_label("employment.Internship", "status", data.get("status"))
    return ""


def render_event_summary(event: m.CaseEvent) -> str:
    data, summary, kind = event.data or {}, event.summary, event.kind
    if kind in STEP_KINDS:
        return step_line(kind, data)
    if kind in RECORD_KINDS:
        return record_line(kind, data)
    if kind == m.TimelineKind.STATUS_CHANGED and "to" in data:
        return f"{_label(m.CaseStatus, data.get('from'))} → {_label(m.CaseStatus, data['to'])}"
    if kind == m.TimelineKind.CASE_CLOSED and "outcome" in data:
        return _label(m.ClosureOutcome, data["outcome"])
    if kind == m.TimelineKind.ASSESSMENT_RECORDED and "domain" in data:
        return f"{_label(m.Domain, data['domain'])}: {_label(m.Severity, data.get('severity'))}"
    if kind in (m.TimelineKind.CONSENT_RECORDED, m.TimelineKind.CONSENT_WITHDRAWN) and "purpose" in data:
        return _label(m.ConsentPurpose, data["purpose"])
    if kind == m.TimelineKind.INTERVENTION_RECORDED and "kind" in data:
        return _label(m.InterventionKind, data["kind"])
    if kind == m.TimelineKind.CASE_UPDATED and "fields" in data:
        return _("Changed: %(fields)s") % {"fields": _field_names("cases.Case", data["fields"])}
    if kind == m.TimelineKind.PERSON_UPDATED and "fields" in data:
        return _("Changed: %(fields)s") % {"fields": _field_names("cases.Person", data["fields"])}
    if kind in (m.TimelineKind.NOTE_ADDED, m.TimelineKind.DOCUMENT_UPLOADED) and data.get("sensitive"):
        return _("Sensitive note") if kind == m.TimelineKind.NOTE_ADDED else _("Sensitive document")
    if kind == m.TimelineKind.PLAN_UPDATED:
        what = data.get("what")
        if what == "goal":
            return _("Goal added: %(goal)s") % {"goal": summary}
        if what == "action":
            return _("Action added: %(action)s") % {"action": summary}
        if what == "plan":
            return _("Plan updated")
    if kind == m.TimelineKind.HOUSEHOLD_UPDATED:
        if data.get("what") == "member_added":
            return _("%(person)s added to the household") % {"person": summary}
        if data.get("what") == "data":
            return _("Household data updated")
    if kind in HANDOFF_KINDS and "to_name" in data:
        # Written by the workflows app: the organisations' names are stored with the event (not special data).
        label = _("Transfer") if data.get("kind") == "transfer" else _("Referral")
        line = f"{label}: {data.get('from_name', '')} → {data['to_name']}"
        return f"{line} — {summary}" if summary else line
    if kind == m.TimelineKind.PERSON_MERGED:
        return _("Duplicate record merged into this person")
    return summary
