"""The employment section of the oversight dashboard and PDF report, registered by `ReportsConfig.ready()` when
`employment` is installed (reports reads the pathway apps; they never import reports).

Aggregates only, no names: placements that started in the period by contract type, open pathways by stage, and
how the pathways that ended in the period ended. Limited to pathways led or served by an organisation of the scope
(None: the whole network). Three queries whatever the number of rows.
"""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from employment.models import ContractType, EmploymentPathway, PathwayOutcome, Placement, Stage
from reports.sections import Section, Table


def _in_scope(scope, prefix: str = "") -> Q:
    if scope.organisation_ids is None:
        return Q()
    return Q(**{f"{prefix}lead_organisation_id__in": scope.organisation_ids}) | Q(
        **{f"{prefix}provider_organisation_id__in": scope.organisation_ids}
    )


def employment_section(*, scope, period) -> Section:
    placements = dict(
        Placement.objects.filter(_in_scope(scope, "pathway__"), starts_on__gte=period.start, starts_on__lte=period.end)
        .values("contract_type")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("contract_type", "n")
    )
    stages = dict(
        EmploymentPathway.objects.filter(_in_scope(scope), ended_at__isnull=True)
        .values("stage")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("stage", "n")
    )
    outcomes = dict(
        EmploymentPathway.objects.filter(_in_scope(scope), ended_at__gte=period.start_at, ended_at__lt=period.end_at)
        .values("outcome")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("outcome", "n")
    )
    return Section(
        key="employment",
        title=_("Work and training"),
        figures=(
            (_("Placements in the period"), sum(placements.values())),
            (_("Pathways open"), sum(stages.values())),
            (_("Drop-outs in the period"), outcomes.get(PathwayOutcome.DROPPED_OUT, 0)),
        ),
        tables=(
            Table(
                key="employment-placements",
                title=_("Placements by contract type"),
                columns=(_("Contract type"), _("Placements")),
                rows=[(label, placements.get(code, 0)) for code, label in ContractType.choices],
                chart_columns=(1,),
            ),
            Table(
                key="employment-stages",
                title=_("Open employment pathways by stage"),
                columns=(_("Stage"), _("Pathways")),
                rows=[(label, stages.get(code, 0)) for code, label in Stage.choices if code != Stage.ENDED],
                chart_columns=(1,),
            ),
            Table(
                key="employment-outcomes",
                title=_("Employment pathways ended in the period, by outcome"),
                columns=(_("Outcome"), _("Pathways")),
                rows=[(label, outcomes.get(code, 0)) for code, label in PathwayOutcome.choices],
                chart_columns=(1,),
            ),
        ),
    )
