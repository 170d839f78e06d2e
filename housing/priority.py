"""The priority score of a waitlist, computed in SQL, explained criterion by criterion, reproducible for a date.

For a date D: the weights are the version valid on D (the latest `effective_from` ≤ D); the applications are
those made by D and not closed before D; the waiting time counts the days from the application to D; the
eviction criterion counts when the eviction date falls before D plus the window. Day numbers (`date.toordinal`)
are stored on the application so that the arithmetic is plain integers on every database.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Least
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core import l10n
from housing.models import Application, PriorityWeights, Situation

DAYS_PER_MONTH = 30

SITUATION_WEIGHT_FIELDS: dict[str, str] = {
    Situation.HOMELESS: "homeless",
    Situation.EVICTION: "eviction",
    Situation.VIOLENCE: "violence",
    Situation.UNFIT: "unfit",
    Situation.OVERCROWDING: "overcrowding",
    Situation.PRECARIOUS: "precarious",
}

CRITERIA = ("s_situation", "s_minors", "s_disability", "s_eviction", "s_waiting")


def weights_on(day: datetime.date) -> PriorityWeights:
    """The version valid on `day`; the defaults (unsaved) when none was ever recorded before it."""
    weights = PriorityWeights.objects.filter(effective_from__lte=day).order_by("-effective_from").first()
    return weights or PriorityWeights(effective_from=day)


def active_on(queryset: QuerySet[Application], day: datetime.date) -> QuerySet[Application]:
    """Applications on the waitlist on `day`."""
    return queryset.filter(applied_on__lte=day).filter(Q(closed_on__isnull=True) | Q(closed_on__gt=day))


def annotate_score(
    queryset: QuerySet[Application], *, day: datetime.date, weights: PriorityWeights
) -> QuerySet[Application]:
    """Each criterion's points and their sum `score`, as SQL expressions over the application's own columns."""
    today = day.toordinal()
    integer = IntegerField()
    situation = Case(
        *[When(situation=code, then=Value(getattr(weights, field))) for code, field in SITUATION_WEIGHT_FIELDS.items()],
        default=Value(0),
        output_field=integer,
    )
    minors = Least(F("minors"), Value(weights.minors_cap)) * Value(weights.per_minor)
    disability = Case(
        When(disabled_members__gt=0, then=Value(weights.disability)), default=Value(0), output_field=integer
    )
    eviction = Case(
        When(
            eviction_day__isnull=False,
            eviction_day__lte=today + weights.eviction_window_days,
            then=Value(weights.eviction_near),
        ),
        default=Value(0),
        output_field=integer,
    )
    # Whole months waited (integer division on both databases), capped.
    waiting = Least(
        (Value(today) - F("applied_day")) / Value(DAYS_PER_MONTH), Value(weights.waiting_cap_months)
    ) * Value(weights.per_month_waiting)
    return queryset.annotate(
        s_situation=situation,
        s_minors=minors,
        s_disability=disability,
        s_eviction=eviction,
        s_waiting=waiting,
    ).annotate(
        score=F("s_situation") + F("s_minors") + F("s_disability") + F("s_eviction") + F("s_waiting"),
    )


def ranked(
    queryset: QuerySet[Application], *, day: datetime.date, weights: PriorityWeights | None = None
) -> QuerySet[Application]:
    """The waitlist on `day`, best first; ties go to the older application, then the lower id."""
    weights = weights or weights_on(day)
    scored = annotate_score(active_on(queryset, day), day=day, weights=weights)
    return scored.order_by(F("score").desc(), "applied_on", "pk")


@dataclass(frozen=True)
class Criterion:
    label: str
    detail: str
    points: int


def explain(application: Application, *, day: datetime.date, weights: PriorityWeights) -> list[Criterion]:
    """The annotated points of one ranked application, in words (the same numbers as the SQL)."""
    a: Any = application  # with the annotations of `annotate_score`
    months = max(0, (day.toordinal() - a.applied_day) // DAYS_PER_MONTH)
    situation_weight = (
        getattr(weights, SITUATION_WEIGHT_FIELDS.get(a.situation, ""), 0)
        if a.situation in SITUATION_WEIGHT_FIELDS
        else 0
    )
    return [
        Criterion(
            _("Urgency of the situation"),
            _("%(situation)s: %(points)s points")
            % {"situation": a.get_situation_display(), "points": situation_weight},
            a.s_situation,
        ),
        Criterion(
            _("Minors"),
            _("%(count)s × %(weight)s points (at most %(cap)s counted)")
            % {"count": a.minors, "weight": weights.per_minor, "cap": weights.minors_cap},
            a.s_minors,
        ),
        Criterion(
            _("Disability"),
            ngettext(
                "%(count)s member with a disability: %(weight)s points if any",
                "%(count)s members with a disability: %(weight)s points if any",
                a.disabled_members,
            )
            % {"count": a.disabled_members, "weight": weights.disability},
            a.s_disability,
        ),
        Criterion(
            _("Eviction date"),
            (
                _("eviction on %(date)s, within %(days)s days of %(day)s: %(weight)s points")
                if a.s_eviction
                else _("no eviction within %(days)s days of %(day)s")
            )
            % {
                "date": l10n.short_date(a.eviction_date) if a.eviction_date else "—",
                "days": weights.eviction_window_days,
                "day": l10n.short_date(day),
                "weight": weights.eviction_near,
            },
            a.s_eviction,
        ),
        Criterion(
            _("Waiting time"),
            ngettext(
                "%(months)s month since %(applied)s × %(weight)s points (at most %(cap)s months)",
                "%(months)s months since %(applied)s × %(weight)s points (at most %(cap)s months)",
                months,
            )
            % {
                "months": months,
                "applied": l10n.short_date(a.applied_on),
                "weight": weights.per_month_waiting,
                "cap": weights.waiting_cap_months,
            },
            a.s_waiting,
        ),
    ]
