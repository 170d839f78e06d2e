"""What the figures share: the scope filter, organisation names, flow labels, dates read back from the database."""

from __future__ import annotations

import datetime

from django.db.models import Q

from partners.models import Organisation
from reports.permissions import Scope


def _in_scope(scope: Scope, field_name: str) -> Q:
    if scope.organisation_ids is None:
        return Q()
    return Q(**{f"{field_name}__in": scope.organisation_ids})


def organisation_names(ids) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {
        pk: short or name
        for pk, name, short in Organisation.objects.filter(pk__in=wanted).values_list("pk", "name", "short_name")
    }


def flow_label(flow_class) -> str:
    name = flow_class.__name__ if isinstance(flow_class, type) else str(flow_class).rsplit(".", 1)[-1]
    return name.removesuffix("Flow").lower()


def flow_title(flow_class) -> str:
    title = getattr(flow_class, "process_title", None)
    return str(title) if title else flow_label(flow_class)


def _as_date(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, str):
        return datetime.date.fromisoformat(value[:10])
    return value
