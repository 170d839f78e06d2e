"""Every read the housing pages and API need, already filtered by who may see what, in SQL."""

from __future__ import annotations

import datetime

from django.db.models import (
    Avg,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
)
from django.http import Http404
from django.utils import timezone

from cases.models import Case
from cases.permissions import checks as case_checks
from housing import permissions, priority
from housing.models import (
    Application,
    ApplicationStatus,
    HousingPathway,
    HousingProfile,
    Offer,
    OfferStatus,
    Place,
    PlaceStatus,
    Resource,
    Stay,
)
from partners.roles import Capability


def _status_counts() -> dict:
    return {
        "free": Count("places", filter=Q(places__status=PlaceStatus.AVAILABLE)),
        "held": Count("places", filter=Q(places__status=PlaceStatus.OFFERED)),
        "occupied": Count("places", filter=Q(places__status=PlaceStatus.OCCUPIED)),
        "closed": Count("places", filter=Q(places__status=PlaceStatus.CLOSED)),
        "capacity": Count("places"),
    }


def resource_list_for(*, user, provider_id: int | None = None) -> QuerySet[Resource]:
    """The resources of the user's provider organisations, with their places counted by status (one query)."""
    ids = permissions.provider_ids(user)
    if provider_id is not None:
        ids = [i for i in ids if i == provider_id]
    return (
        Resource.objects.filter(provider_id__in=ids)
        .select_related("provider")
        .annotate(**_status_counts())
        .order_by("provider__name", "kind", "name")
    )


def resource_get_for(*, user, pk: int) -> Resource:
    resource = resource_list_for(user=user).filter(pk=pk).first()
    if resource is None:
        raise Http404
    return resource


def network_availability(*, kind: str = "") -> QuerySet[Resource]:
    """Every active resource of the network with its free places (no person data): what members may look up."""
    qs = Resource.objects.filter(is_active=True).select_related("provider").annotate(**_status_counts())
    return qs.filter(kind=kind) if kind else qs


def place_list_for(*, user, resource: Resource) -> QuerySet[Place]:
    """The places of a resource the user sees (resource_get_for checked the provider), with the open stay's
    case and the pending offer's deadline, in two correlated subqueries rather than a query per place."""
    from django.db.models import Subquery

    open_stay = Stay.objects.filter(place=OuterRef("pk"), move_out__isnull=True)
    pending = Offer.objects.filter(place=OuterRef("pk"), status=OfferStatus.PENDING)
    return resource.places.annotate(
        stay_id=Subquery(open_stay.values("pk")[:1]),
        offer_expires_at=Subquery(pending.values("expires_at")[:1]),
    ).order_by("label")


def _shows_person(user):
    """An annotation: whether the user may see who the case of the row is (the case is visible to them)."""
    return Exists(case_checks.visible_cases(user, Capability.VIEW_SUMMARY).filter(pk=OuterRef("case_id")))


def guest_list_for(*, user, provider_id: int | None = None) -> QuerySet[Stay]:
    """Current guests of the user's provider organisations, planned move-outs first. A guest's name shows only
    when the case is shared with the user's organisation (`shows_person`)."""
    ids = permissions.provider_ids(user)
    if provider_id is not None:
        ids = [i for i in ids if i == provider_id]
    return (
        Stay.objects.filter(move_out__isnull=True, place__resource__provider_id__in=ids)
        .select_related("place__resource", "case__person")
        .annotate(shows_person=_shows_person(user))
        .order_by(F("planned_move_out").asc(nulls_last=True), "move_in", "pk")
    )


def pending_offers_for(*, user) -> QuerySet[Offer]:
    ids = permissions.provider_ids(user)
    return (
        Offer.objects.filter(status=OfferStatus.PENDING, place__resource__provider_id__in=ids)
        .select_related("place__resource", "application__case__person")
        .annotate(
            shows_person=Exists(
                case_checks.visible_cases(user, Capability.VIEW_SUMMARY).filter(pk=OuterRef("application__case_id"))
            )
        )
        .order_by("expires_at")
    )


def stay_get_for(*, user, pk: int) -> Stay:
    stay = guest_list_for(user=user).filter(pk=pk).first()
    if stay is None:
        raise Http404
    return stay


# --- the housing section of a case ---------------------------------------------------------------------------


def housing_profile_for(*, user, case: Case) -> HousingProfile | None:
    """The housing section, or None when it is not recorded. Http404 when the user may not read the file of the
    case (a provider before its referral is accepted, a volunteer, the coordinator)."""
    if not permissions.can_view_housing(user, case):
        raise Http404
    return HousingProfile.objects.filter(case=case).select_related("organisation", "updated_by").first()


def case_applications_for(*, user, case: Case) -> QuerySet[Application]:
    if not permissions.can_view_housing(user, case):
        return Application.objects.none()
    return case.housing_applications.order_by("-applied_on", "-pk")


def case_stays_for(*, user, case: Case) -> QuerySet[Stay]:
    if not permissions.can_view_housing(user, case):
        return Stay.objects.none()
    return case.housing_stays.select_related("place__resource__provider").order_by("-move_in", "-pk")


def case_offers_for(*, user, case: Case) -> QuerySet[Offer]:
    if not permissions.can_view_housing(user, case):
        return Offer.objects.none()
    return Offer.objects.filter(application__case=case).select_related("place__resource__provider", "application")


def offer_get_for(*, user, pk: int) -> Offer:
    """An offer the user may answer or see: its provider's staff (case shared) or the household's case side."""
    offer = Offer.objects.select_related("place__resource__provider", "application__case__person").filter(pk=pk).first()
    if offer is None:
        raise Http404
    visible = case_checks.visible_cases(user, Capability.VIEW_SUMMARY).filter(pk=offer.application.case_id)
    if not visible.exists():
        raise Http404
    return offer


# --- waitlists -----------------------------------------------------------------------------------------------

# A household's position on a waitlist is its rank in the *whole* waitlist of its type on a day: the same number
# for every reader, on the waitlist page and on the case page (issue 16, item 8). A reader who may not read some of
# the households sees them as numbered lines without details, so the positions read 1..n without holes. The rule
# is `_positioned`: one window function over the ranked list, in SQL.
WAITLIST_ORDER = [F("score").desc(), F("applied_on").asc(), F("pk").asc()]


def _positioned(queryset: QuerySet[Application], *, day: datetime.date, weights) -> QuerySet[Application]:
    """`position` (1..n within the waitlist of each type, best first) and `waiting` (how many are on it) on each
    application active on `day`, computed by the database over every application of the type."""
    from django.db.models import Window
    from django.db.models.functions import RowNumber

    return priority.ranked(queryset, day=day, weights=weights).annotate(
        position=Window(RowNumber(), partition_by=[F("kind")], order_by=WAITLIST_ORDER),
        waiting=Window(Count("pk"), partition_by=[F("kind")]),
    )


def waitlist_for(*, user, kind: str, day: datetime.date | None = None, weights=None) -> QuerySet[Application]:
    """The ranked waitlist of `kind` on `day`. The coordinator sees every application (the page shows case codes,
    never names); everyone else the applications of the cases they may read. The rank is the position in the
    whole waitlist (`_positioned`), so a filtered view keeps the true positions."""
    day = day or timezone.localdate()
    weights = weights or priority.weights_on(day)
    # No join here: the sort of the whole list stays narrow (in memory); the page's case codes are read after.
    ranked = _positioned(Application.objects.filter(kind=kind), day=day, weights=weights)
    if permissions.sees_network_aggregates(user):
        return ranked
    visible = case_checks.visible_cases(user, Capability.VIEW_FILE)
    ranked = ranked.annotate(visible=Exists(visible.filter(pk=OuterRef("case_id"))))
    return ranked


def waitlist_positions(*, application_ids, day: datetime.date | None = None) -> dict[int, tuple[int, int]]:
    """{application id: (position, how many are waiting)} for the given applications that are on their waitlist
    on `day`: the same numbers as `waitlist_for`, in one SQL statement whatever the number of households or types.
    The caller has checked that the reader may see these applications (the case panel)."""
    ids = [pk for pk in application_ids if pk]
    if not ids:
        return {}
    day = day or timezone.localdate()
    kinds = Application.objects.filter(pk__in=ids).values("kind")
    ranked = _positioned(Application.objects.filter(kind__in=kinds), day=day, weights=priority.weights_on(day))
    # As in `only_visible`: the OR with an always-false test on `position` keeps the pk filter after the numbering.
    rows = ranked.filter(Q(pk__in=ids, position__gte=1) | Q(position__lt=0)).values_list(  # type: ignore[misc]
        "pk", "position", "waiting"
    )  # `position` is the window annotation of `_positioned`
    return {pk: (position, waiting) for pk, position, waiting in rows}


def waitlist_gaps(rows: list[Application], *, before: int, total: int | None) -> list[dict]:
    """The page's rows with, between them, one line per run of households the reader may not read, so that the
    positions read 1..n: `before` is the position shown just before the page (0 on the first page), `total` the
    size of the whole waitlist when this is its last page (None otherwise)."""
    lines: list[dict] = []
    last = before
    for row in rows:
        if row.position > last + 1:  # type: ignore[attr-defined]
            lines.append(
                {
                    "hidden": True,
                    "first": last + 1,
                    "last": row.position - 1,  # type: ignore[attr-defined]
                    "count": row.position - 1 - last,  # type: ignore[attr-defined]
                }
            )
        lines.append({"hidden": False, "app": row})
        last = row.position  # type: ignore[attr-defined]
    if total is not None and total > last:
        lines.append({"hidden": True, "first": last + 1, "last": total, "count": total - last})
    return lines


def waitlist_count(*, user, kind: str, day: datetime.date | None = None) -> int:
    """How many households `waitlist_for` shows, without scoring and numbering them all (the paginator's count)."""
    day = day or timezone.localdate()
    queryset = priority.active_on(Application.objects.filter(kind=kind), day)
    if not permissions.sees_network_aggregates(user):
        visible = case_checks.visible_cases(user, Capability.VIEW_FILE)
        queryset = queryset.filter(Exists(visible.filter(pk=OuterRef("case_id"))))
    return queryset.count()


def attach_case_codes(rows: list[Application]) -> list[Application]:
    """The case of each row of a page, in one query."""
    cases = Case.objects.in_bulk([row.case_id for row in rows])
    for row in rows:
        row.case = cases[row.case_id]
    return rows


def only_visible(queryset: QuerySet[Application]) -> QuerySet[Application]:
    """Keep the rows of `waitlist_for` the user may read, without renumbering them. Django puts a condition that
    refers to a window function in an outer query (after the numbering): the OR with an always-false test on
    `position` makes it do so for `visible` too. One SQL statement."""
    return queryset.filter(Q(visible=True, position__gte=1) | Q(position__lt=0))


def free_places_for(*, user, kind: str) -> QuerySet[Place]:
    """Free places of `kind` at the providers where the user offers places."""
    return (
        Place.objects.filter(
            status=PlaceStatus.AVAILABLE,
            resource__kind=kind,
            resource__is_active=True,
            resource__provider_id__in=permissions.provider_ids(user, permissions.WORK_ROLES),
        )
        .select_related("resource")
        .order_by("resource__name", "label")
    )


# --- the coordinator's aggregates ----------------------------------------------------------------------------


def occupancy_by_type_and_provider() -> QuerySet:
    return (
        Place.objects.filter(resource__is_active=True)
        .values("resource__kind", "resource__provider_id", "resource__provider__name")
        .annotate(
            capacity=Count("pk"),
            free=Count("pk", filter=Q(status=PlaceStatus.AVAILABLE)),
            held=Count("pk", filter=Q(status=PlaceStatus.OFFERED)),
            occupied=Count("pk", filter=Q(status=PlaceStatus.OCCUPIED)),
            closed=Count("pk", filter=Q(status=PlaceStatus.CLOSED)),
        )
        .order_by("resource__kind", "resource__provider__name")
    )


def waiting_by_type() -> QuerySet:
    return (
        Application.objects.filter(status=ApplicationStatus.WAITING)
        .values("kind")
        .annotate(waiting=Count("pk"))
        .order_by("kind")
    )


def average_stay_days(*, today: datetime.date | None = None) -> dict[str, float | None]:
    """The average length of the stays that ended, and of the open ones up to today, in days, by type."""
    ended = (
        Stay.objects.filter(move_out__isnull=False)
        .values("place__resource__kind")
        .annotate(avg=Avg(ExpressionWrapper(F("move_out") - F("move_in"), output_field=DurationField())))
    )
    return {row["place__resource__kind"]: days_of(row["avg"]) for row in ended}


def average_assessment_to_placement_days() -> float | None:
    value = HousingPathway.objects.filter(assessed_at__isnull=False, placed_at__isnull=False).aggregate(
        avg=Avg(ExpressionWrapper(F("placed_at") - F("assessed_at"), output_field=DurationField()))
    )["avg"]
    return days_of(value)


def days_of(value) -> float | None:
    """A duration aggregated in SQL (a timedelta, or microseconds on SQLite) as days with one decimal."""
    if value is None:
        return None
    if isinstance(value, datetime.timedelta):
        return round(value.total_seconds() / 86400, 1)
    return round(float(value) / 86_400_000_000, 1)  # SQLite returns microseconds
