"""The dashboard as data: sections of tables built from the selectors, shared by the page, the CSV export and the
network's PDF report (one definition of every figure)."""

from __future__ import annotations

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from cases.models import InterventionKind
from reports import selectors
from reports.periods import Period
from reports.permissions import Scope
from reports.sections import Section, Table, sections_for
from workflows.flows import FLOWS
from workflows.models import DeclineReason


def hours(seconds: float | None) -> float | None:
    """Seconds as hours with one decimal (the unit of every waiting time shown)."""
    return None if seconds is None else round(seconds / 3600, 1)


def flow_choices() -> list[tuple[str, str]]:
    return [(selectors.flow_label(f), str(f.process_title)) for f in FLOWS]


def step_title(flow: str, step: str) -> str:
    for flow_class in FLOWS:
        if selectors.flow_label(flow_class) == flow:
            node = getattr(flow_class, step, None)
            title = getattr(node, "task_title", "") if node is not None else ""
            return str(title or step)
    return step


def flow_title(flow: str) -> str:
    return dict(flow_choices()).get(flow, flow)


def caseload_section(*, scope: Scope, period: Period, pathway: str = "") -> Section:
    by_org = selectors.caseload_by_organisation(scope=scope, period=period)
    by_pathway = selectors.caseload_by_pathway(scope=scope, period=period)
    if pathway:
        by_pathway = [r for r in by_pathway if r["flow"] == pathway]
    by_manager = selectors.caseload_by_case_manager(scope=scope, period=period)
    months = selectors.cases_per_month(scope=scope, period=period)
    return Section(
        key="caseload",
        title=_("Caseload"),
        figures=(
            (_("Open at the end of the period"), sum(r["open"] for r in by_org)),
            (_("Opened in the period"), sum(r["opened"] for r in by_org)),
            (_("Closed in the period"), sum(r["closed"] for r in by_org)),
        ),
        tables=(
            Table(
                key="caseload-organisations",
                title=_("Cases by lead organisation"),
                columns=(
                    _("Organisation"),
                    _("Open at the end of the period"),
                    _("Opened"),
                    pgettext("number of cases", "Closed"),
                ),
                rows=[(r["organisation"], r["open"], r["opened"], r["closed"]) for r in by_org],
                chart_columns=(1,),
                unit=_("cases"),
            ),
            Table(
                key="caseload-pathways",
                title=_("Cases by pathway"),
                columns=(_("Pathway"), _("Cases with the pathway running"), _("Processes running")),
                rows=[(r["flow_title"], r["cases"], r["processes"]) for r in by_pathway],
                chart_columns=(1,),
                unit=_("cases"),
            ),
            Table(
                key="caseload-managers",
                title=_("Open cases by case manager"),
                columns=(_("Organisation"), _("Case manager"), _("Open cases")),
                rows=[(r["organisation"], r["case_manager"] or _("(no case manager)"), r["open"]) for r in by_manager],
            ),
            Table(
                key="cases-per-month",
                title=_("Cases opened and closed per month"),
                columns=(_("Month"), _("Opened"), pgettext("number of cases", "Closed")),
                rows=[(formats.date_format(r["month"], "YEAR_MONTH_FORMAT"), r["opened"], r["closed"]) for r in months],
                chart_columns=(1, 2),
                unit=_("cases"),
            ),
        ),
    )


def steps_section(*, scope: Scope, period: Period, pathway: str = "") -> Section:
    rows = selectors.step_figures(scope=scope, period=period, pathway=pathway)
    return Section(
        key="steps",
        title=_("Tasks waiting per step"),
        figures=(
            (_("Tasks waiting at the end of the period"), sum(r.waiting for r in rows)),
            (_("Tasks done in the period"), sum(r.done_count for r in rows)),
        ),
        tables=(
            Table(
                key="steps",
                title=_("Tasks waiting and waiting times per workflow step"),
                columns=(
                    _("Step"),
                    _("Pathway"),
                    _("Waiting now"),
                    _("Waiting for, median (h)"),
                    _("Waiting for, p90 (h)"),
                    _("Done in the period"),
                    _("Wait of the done, median (h)"),
                    _("Wait of the done, p90 (h)"),
                ),
                rows=[
                    (
                        step_title(r.flow, r.step),
                        flow_title(r.flow),
                        r.waiting,
                        hours(r.waiting_age.p50) if r.waiting_age else None,
                        hours(r.waiting_age.p90) if r.waiting_age else None,
                        r.done_count,
                        hours(r.done.p50) if r.done else None,
                        hours(r.done.p90) if r.done else None,
                    )
                    for r in rows
                ],
                chart_columns=(2,),
                unit=_("tasks"),
                note=_(
                    "Waiting times run from the task's creation; a task waiting at the end of the period is "
                    "counted however long ago it was created."
                ),
            ),
        ),
    )


def handoffs_section(*, scope: Scope, period: Period, pathway: str = "") -> Section:
    breaches = selectors.sla_breaches(scope=scope, period=period)
    pairs = selectors.referral_loops(scope=scope, period=period)
    reasons = dict(DeclineReason.choices)

    def reason_text(by_reason: dict[str, int]) -> str:
        return "; ".join(f"{reasons.get(k, k)}: {n}" for k, n in sorted(by_reason.items()))

    return Section(
        key="handoffs",
        title=_("Handoffs and answer deadlines"),
        figures=(
            (_("Handoffs sent in the period"), sum(r["sent"] for r in breaches)),
            (_("Answer deadlines missed"), sum(r["breaches"] for r in breaches)),
        ),
        tables=(
            Table(
                key="sla-breaches",
                title=_("Answer deadlines (SLA) by receiving organisation"),
                columns=(
                    _("Organisation"),
                    _("Received"),
                    _("Answered in time"),
                    _("Answered late"),
                    _("Unanswered past the deadline"),
                    _("Escalated to the coordinator"),
                ),
                rows=[
                    (r["organisation"], r["sent"], r["on_time"], r["late"], r["overdue"], r["escalated"])
                    for r in breaches
                ],
                chart_columns=(3, 4),
                unit=_("handoffs"),
            ),
            Table(
                key="referral-loops",
                title=_("Referral loops per organisation pair"),
                columns=(
                    _("From"),
                    _("To"),
                    _("Sent"),
                    _("Accepted"),
                    _("Declined"),
                    _("Declined by reason"),
                    _("Completed"),
                    _("Time to accept, median (h)"),
                    _("Time to accept, p90 (h)"),
                ),
                rows=[
                    (
                        p.sender,
                        p.receiver,
                        p.sent,
                        p.accepted,
                        p.declined,
                        reason_text(p.declined_by_reason),
                        p.completed,
                        hours(p.time_to_accept.p50) if p.time_to_accept else None,
                        hours(p.time_to_accept.p90) if p.time_to_accept else None,
                    )
                    for p in pairs
                ],
                chart_columns=(2, 3, 4),
                label_columns=(0, 1),
                unit=_("handoffs"),
            ),
        ),
    )


def household_label(signal: selectors.DuplicateAidSignal) -> str:
    if signal.is_person:
        return pgettext("pseudonymous key", "Person #%(id)s") % {"id": -signal.household_key}
    return pgettext("pseudonymous key", "Household #%(id)s") % {"id": signal.household_key}


def duplicate_aid_section(*, scope: Scope, period: Period, pathway: str = "") -> Section:
    signals = selectors.duplicate_aid_signals(scope=scope, period=period)
    kinds = dict(InterventionKind.choices)

    def codes(signal) -> str:
        text = ", ".join(signal.case_codes)
        if signal.hidden_cases:
            text = (text + "; " if text else "") + ngettext(
                "%(n)s more case of other organisations", "%(n)s more cases of other organisations", signal.hidden_cases
            ) % {"n": signal.hidden_cases}
        return text

    return Section(
        key="duplicate-aid",
        title=_("Duplicate-aid signals"),
        figures=((_("Households with the same aid from several organisations"), len(signals)),),
        tables=(
            Table(
                key="duplicate-aid",
                title=_("Same kind of aid to the same household from several organisations"),
                columns=(
                    _("Household"),
                    _("Kind of aid"),
                    _("Organisations"),
                    _("Deliveries"),
                    _("Quantity"),
                    _("First"),
                    _("Last"),
                    _("Organisations involved"),
                    _("Cases"),
                ),
                rows=[
                    (
                        household_label(s),
                        kinds.get(s.kind, s.kind),
                        s.organisations,
                        s.deliveries,
                        s.quantity,
                        s.first_on,
                        s.last_on,
                        ", ".join(s.organisation_names),
                        codes(s),
                    )
                    for s in signals
                ],
                note=_(
                    "From the services ledger. A person without a household counts as a household of one. "
                    "Up to %(n)s signals, most organisations first."
                )
                % {"n": selectors.DUPLICATE_AID_LIMIT},
            ),
        ),
    )


CORE_SECTIONS = (caseload_section, steps_section, handoffs_section, duplicate_aid_section)
# The tables each core section builds (a test checks them against what the builders return), so that exporting
# one table builds its section only, not the whole dashboard.
CORE_TABLE_KEYS = {
    caseload_section: ("caseload-organisations", "caseload-pathways", "caseload-managers", "cases-per-month"),
    steps_section: ("steps",),
    handoffs_section: ("sla-breaches", "referral-loops"),
    duplicate_aid_section: ("duplicate-aid",),
}


def build_dashboard(*, scope: Scope, period: Period, pathway: str = "") -> list[Section]:
    """Every section, the core ones then those the pathway apps registered (`reports.sections`)."""
    sections = [build(scope=scope, period=period, pathway=pathway) for build in CORE_SECTIONS]
    return sections + sections_for(scope=scope, period=period, pathway=pathway)


def sections_holding(key: str, *, scope: Scope, period: Period, pathway: str = "") -> list[Section]:
    """The section(s) to build for the table `key`: its core section alone, or the pathway apps' sections (a few
    queries each) for any other key."""
    for build, keys in CORE_TABLE_KEYS.items():
        if key in keys:
            return [build(scope=scope, period=period, pathway=pathway)]
    return sections_for(scope=scope, period=period, pathway=pathway)


def find_table(sections: list[Section], key: str) -> Table | None:
    for section in sections:
        for table in section.tables:
            if table.key == key:
                return table
    return None


def table_keys(sections: list[Section]) -> list[str]:
    return [t.key for s in sections for t in s.tables]
