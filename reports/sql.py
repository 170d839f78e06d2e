"""Portable SQL for the figures: seconds between two timestamps, and percentiles per group.

PostgreSQL has `percentile_cont`; SQLite (the embedded default and one CI run) has none. `grouped_percentiles`
uses `percentile_cont` on PostgreSQL and, elsewhere, window functions (`ROW_NUMBER`/`COUNT` over each group) that
return only the two rows around each percentile's position, interpolated the way `percentile_cont` does. Both
paths return the same figures (tests run each path on each backend available), and neither ships the rows of a
group to Python: the answer has at most a handful of rows per group.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connections, transaction
from django.db.models import FloatField, Func, QuerySet


class Seconds(Func):
    """`end - start` in seconds, as a float."""

    output_field = FloatField()
    arity = 2

    def _parts(self, compiler, connection):
        end_sql, end_params = compiler.compile(self.source_expressions[0])
        start_sql, start_params = compiler.compile(self.source_expressions[1])
        return end_sql, start_sql, (*end_params, *start_params)

    def as_sql(
        self, compiler, connection, function=None, template=None, arg_joiner=None, **extra_context
    ):  # SQLite and the default
        end_sql, start_sql, params = self._parts(compiler, connection)
        return f"((julianday({end_sql}) - julianday({start_sql})) * 86400.0)", params

    def as_postgresql(self, compiler, connection, **extra_context):
        end_sql, start_sql, params = self._parts(compiler, connection)
        # date_part, not EXTRACT: EXTRACT returns numeric since PostgreSQL 14, several times slower on 10^5 rows.
        return f"date_part('epoch', {end_sql} - {start_sql})", params


@dataclass(frozen=True)
class Distribution:
    count: int
    p50: float | None
    p90: float | None
    maximum: float | None


def _interpolate(values: dict[int, float], n: int, q: float) -> float | None:
    if n == 0:
        return None
    pos = (n - 1) * q
    lo = math.floor(pos)
    if lo not in values:
        return None
    hi_value = values.get(lo + 1, values[lo])
    return values[lo] + (hi_value - values[lo]) * (pos - lo)


QUANTILES = (0.5, 0.9)


# Sorting a year of waits for percentile_cont needs more than PostgreSQL's default 4 MB, or it spills to disk.
# Only for that query: raised for the whole dashboard, it made the duplicate-aid aggregation slower (bench).
ANALYTICS_WORK_MEM = "64MB"


@contextmanager
def analytics_memory(using: str = "default") -> Iterator[None]:
    """Run the queries inside with `ANALYTICS_WORK_MEM` (PostgreSQL; nothing elsewhere), in a transaction so that
    the setting ends with it: for the one query whose sort would spill to disk, never for the whole dashboard.
    Inside an outer transaction it lasts until that one ends (releasing a savepoint does not undo `SET LOCAL`);
    the dashboard and the PDF run in none."""
    connection = connections[using]
    with transaction.atomic(using=using):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL work_mem = '{ANALYTICS_WORK_MEM}'")
        yield


def grouped_percentiles(
    queryset: QuerySet, *, keys: Sequence[str], value: str, native: bool | None = None, also_coarser: bool = False
) -> dict[tuple, Distribution]:
    """The count, median, p90 and maximum of `value` for every group of `keys` in `queryset`.

    `queryset` must select exactly `keys` and `value` (`.values(*keys, value)`; `value` a numeric annotation).
    `native`: force the PostgreSQL `percentile_cont` path (True) or the portable window path (False); by default
    the backend decides. Rows whose value is NULL are left out. `also_coarser`: the groups of all the keys but the
    last one too (their keys are one shorter), in the same pass over the rows on PostgreSQL (GROUPING SETS).
    """
    if not keys:
        raise ValueError("grouped_percentiles needs at least one key")
    if also_coarser and len(keys) < 2:
        raise ValueError("also_coarser needs two keys or more")
    if also_coarser and not (native if native is not None else connections[queryset.db].vendor == "postgresql"):
        result = grouped_percentiles(queryset, keys=keys, value=value, native=False)
        result.update(grouped_percentiles(queryset, keys=keys[:-1], value=value, native=False))
        return result
    connection = connections[queryset.db]
    qn = connection.ops.quote_name
    # order_by(): no ORDER BY from the model's Meta in the subquery (a useless sort of every row).
    inner_sql, params = queryset.order_by().values(*keys, value).query.sql_with_params()
    key_cols = ", ".join(qn(k) for k in keys)
    v = qn(value)
    if native is None:
        native = connection.vendor == "postgresql"
    if native:
        if connection.vendor != "postgresql":
            raise ValueError("percentile_cont needs PostgreSQL")
        group_by = key_cols
        if also_coarser:
            group_by = f"GROUPING SETS (({key_cols}), ({', '.join(qn(k) for k in keys[:-1])}))"
        # Identifiers are quoted by the backend and every value is a parameter of `inner_sql`.
        sql = (
            # One sort per group for both percentiles (the array form), not one per percentile.
            f"SELECT {key_cols}, GROUPING({qn(keys[-1])}), COUNT(*), "  # noqa: S608
            f"percentile_cont(ARRAY[{', '.join(repr(q) for q in QUANTILES)}]::double precision[]) "
            f"WITHIN GROUP (ORDER BY {v}), MAX({v}) FROM ({inner_sql}) d WHERE {v} IS NOT NULL GROUP BY {group_by}"
        )
        with analytics_memory(queryset.db), connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        nk = len(keys)
        return {
            tuple(row[: nk - 1] if row[nk] else row[:nk]): Distribution(
                count=row[nk + 1], p50=_float(row[nk + 2][0]), p90=_float(row[nk + 2][1]), maximum=_float(row[nk + 3])
            )
            for row in rows
        }
    floor = "FLOOR({})" if connection.vendor == "postgresql" else "CAST({} AS INTEGER)"
    wanted = []
    for q in QUANTILES:
        position = floor.format(f"(r.n - 1) * CAST({q!r} AS DOUBLE PRECISION)")
        wanted += [f"r.rn = {position}", f"r.rn = {position} + 1"]
    wanted.append("r.rn = r.n - 1")
    sql = (
        f"SELECT {', '.join('r.' + qn(k) for k in keys)}, r.n, r.rn, r.{v} FROM ("  # noqa: S608
        f"SELECT {key_cols}, {v}, ROW_NUMBER() OVER (PARTITION BY {key_cols} ORDER BY {v}) - 1 AS rn, "
        f"COUNT(*) OVER (PARTITION BY {key_cols}) AS n FROM ({inner_sql}) d WHERE {v} IS NOT NULL) r "
        f"WHERE {' OR '.join(wanted)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    nk = len(keys)
    groups: dict[tuple, tuple[int, dict[int, float]]] = {}
    for row in rows:
        key = tuple(row[:nk])
        n, rn, val = int(row[nk]), int(row[nk + 1]), float(row[nk + 2])
        groups.setdefault(key, (n, {}))[1][rn] = val
    return {
        key: Distribution(
            count=n, p50=_interpolate(vals, n, 0.5), p90=_interpolate(vals, n, 0.9), maximum=vals.get(n - 1)
        )
        for key, (n, vals) in groups.items()
    }


def _float(value) -> float | None:
    return None if value is None else float(value)
