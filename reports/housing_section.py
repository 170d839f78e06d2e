"""The housing section of the oversight dashboard and PDF report, registered by `ReportsConfig.ready()` when
`housing` is installed (reports reads the pathway apps; they never import reports).

Aggregates only, no names: occupancy by type and provider now, households waiting by type, stays that started in
the period and their average length. Places and stays are limited to the providers of the scope, applications
to those filed by an organisation of the scope or for a case it leads (None: the whole network). Three
queries whatever the number of rows.
"""

from __future__ import annotations

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q
from django.utils.translation import gettext_lazy as _

from housing.models import Application, ApplicationStatus, Place, PlaceStatus, ResourceKind, Stay
from housing.selectors import days_of
from reports.sections import Section, Table


def housing_section(*, scope, period) -> Section:
    kinds = dict(ResourceKind.choices)
    places = Place.objects.filter(resource__is_active=True)
    stays = Stay.objects.filter(move_in__gte=period.start, move_in__lte=period.end)
    if scope.organisation_ids is not None:
        places = places.filter(resource__provider_id__in=scope.organisation_ids)
        stays = stays.filter(place__resource__provider_id__in=scope.organisation_ids)
    occupancy = list(
        places.values("resource__kind", "resource__provider__name")
        .annotate(
            capacity=Count("pk"),
            occupied=Count("pk", filter=Q(status=PlaceStatus.OCCUPIED)),
            free=Count("pk", filter=Q(status=PlaceStatus.AVAILABLE)),
        )
        .order_by("resource__kind", "resource__provider__name")
    )
    applications = Application.objects.filter(status=ApplicationStatus.WAITING)
    if scope.organisation_ids is not None:
        # An org_admin counts the applications their organisations filed or whose case they lead.
        applications = applications.filter(
            Q(organisation_id__in=scope.organisation_ids) | Q(case__lead_organisation_id__in=scope.organisation_ids)
        )
    waiting = dict(applications.values("kind").annotate(n=Count("pk")).order_by().values_list("kind", "n"))
    length = ExpressionWrapper(F("move_out") - F("move_in"), output_field=DurationField())
    by_kind = {
        row["place__resource__kind"]: row
        for row in stays.values("place__resource__kind").annotate(
            started=Count("pk"), avg=Avg(length, filter=Q(move_out__isnull=False))
        )
    }
    return Section(
        key="housing",
        title=_("Housing"),
        figures=(
            (_("Places occupied"), sum(r["occupied"] for r in occupancy)),
            (_("Places"), sum(r["capacity"] for r in occupancy)),
            (_("Households waiting"), sum(waiting.values())),
        ),
        tables=(
            Table(
                key="housing-occupancy",
                title=_("Occupancy by type and provider"),
                columns=(_("Type"), _("Provider"), _("Places"), _("Occupied"), _("Free")),
                rows=[
                    (
                        kinds.get(r["resource__kind"], r["resource__kind"]),
                        r["resource__provider__name"],
                        r["capacity"],
                        r["occupied"],
                        r["free"],
                    )
                    for r in occupancy
                ],
                chart_columns=(3, 4),
                label_columns=(0, 1),
            ),
            Table(
                key="housing-waiting",
                title=_("Households waiting and stays by type"),
                columns=(_("Type"), _("Waiting"), _("Stays started in the period"), _("Average stay (days)")),
                rows=[
                    (
                        label,
                        waiting.get(code, 0),
                        by_kind.get(code, {}).get("started", 0),
                        days_of(by_kind.get(code, {}).get("avg")) or "—",
                    )
                    for code, label in ResourceKind.choices
                ],
                chart_columns=(1,),
            ),
        ),
    )
