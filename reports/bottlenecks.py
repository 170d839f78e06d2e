"""The bottleneck map: each flow's graph (viewflow's layout) with every step coloured by its waiting time and
queue length, and the organisations where the wait accumulates. The figures are `selectors.step_figures`."""

from __future__ import annotations

from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from viewflow.workflow import chart

from reports import selectors
from reports.dashboard import hours, step_title
from reports.periods import Period
from reports.permissions import Scope
from workflows.flows import FLOWS

HEAT_LEVELS = 4  # 0 = no wait recorded ... 3 = the flow's longest waits


@dataclass
class StepHeat:
    step: str
    title: str
    waiting: int
    wait_p50_h: float | None
    wait_p90_h: float | None
    done: int
    level: int


@dataclass
class FlowMap:
    flow: str
    title: str
    svg: SafeString
    steps: list[StepHeat]
    hotspots: list[dict]


def _wait_seconds(row: selectors.StepFigures) -> float | None:
    """The step's waiting time: the median of the tasks done in the period, or of those waiting when none was."""
    if row.done and row.done.p50 is not None:
        return row.done.p50
    return row.waiting_age.p50 if row.waiting_age else None


LONGEST = HEAT_LEVELS - 1


def _level(value: float, top: float) -> int:
    """Short or long (1-2) by the share of the flow's top value; "longest" (3) is not given here, see `_longest`."""
    if top <= 0 or value <= 0:
        return 0
    return min(LONGEST - 1, 1 + int(value / top * (LONGEST - 1) - 1e-9))


def _longest(waits: dict[str, float], queues: dict[str, int]) -> str | None:
    """The one step of the flow labelled "longest": the highest median wait, a longer queue then the step name
    breaking a tie, so ties never label two steps; none when no step has waited at all."""
    waited = [step for step, wait in waits.items() if wait > 0]
    if not waited:
        return None
    return min(waited, key=lambda step: (-waits[step], -queues.get(step, 0), step))


def flow_svg(flow_class, steps: dict[str, StepHeat]) -> SafeString:
    grid = chart.calc_layout_data(flow_class)
    cells = []
    for cell in grid.cells:
        heat = steps.get(cell.node.name)
        cells.append({"cell": cell, "heat": heat})
    return mark_safe(  # noqa: S308 - a template's output, escaped by the template engine
        render_to_string(
            "reports/includes/flow_heat.svg",
            {
                "grid": grid,
                "cells": cells,
                "edges": grid.edges,
                "flow": selectors.flow_label(flow_class),
                "title": str(flow_class.process_title),
            },
        )
    )


def bottleneck_maps(*, scope: Scope, period: Period, pathway: str = "", hotspot_limit: int = 5) -> list[FlowMap]:
    """One map per flow (every flow of `workflows.flows.FLOWS`, the pathway apps' included). Two grouped queries
    for the figures (per step and organisation, and per step, in the same pass), one for the names."""
    rows, per_step = selectors.step_figures_both(scope=scope, period=period, pathway=pathway)
    maps = []
    for flow_class in FLOWS:
        flow = selectors.flow_label(flow_class)
        if pathway and flow != pathway:
            continue
        mine = [r for r in per_step if r.flow == flow]
        waits = {r.step: _wait_seconds(r) or 0.0 for r in mine}
        top_wait = max(waits.values(), default=0.0)
        top_queue = max((r.waiting for r in mine), default=0)
        longest = _longest(waits, {r.step: r.waiting for r in mine})
        steps = {}
        for r in mine:
            # The colour takes the worse of the two: a long wait, or a long queue; one step only is the longest.
            level = (
                LONGEST
                if r.step == longest
                else max(_level(waits[r.step], top_wait), _level(float(r.waiting), float(top_queue)))
            )
            steps[r.step] = StepHeat(
                step=r.step,
                title=step_title(flow, r.step),
                waiting=r.waiting,
                wait_p50_h=hours(_wait_seconds(r)),
                wait_p90_h=hours(r.done.p90 if r.done else (r.waiting_age.p90 if r.waiting_age else None)),
                done=r.done_count,
                level=level,
            )
        # Where the wait accumulates: the waiting tasks times their median age, the largest first.
        ranked = sorted(
            (r for r in rows if r.flow == flow and r.waiting),
            key=lambda r: (-(r.waiting * ((r.waiting_age.p50 if r.waiting_age else 0) or 0)), r.organisation),
        )[: hotspot_limit * max(1, len(steps))]
        hotspots = [
            {
                "organisation": r.organisation,
                "step": step_title(flow, r.step),
                "waiting": r.waiting,
                "p50_h": hours(r.waiting_age.p50 if r.waiting_age else None),
                "p90_h": hours(r.waiting_age.p90 if r.waiting_age else None),
            }
            for r in ranked
        ]
        maps.append(
            FlowMap(
                flow=flow,
                title=str(flow_class.process_title),
                svg=flow_svg(flow_class, steps),
                steps=sorted(steps.values(), key=lambda s: (-s.level, -s.waiting, s.title)),
                hotspots=hotspots,
            )
        )
    return maps


def legend() -> list[tuple[int, str]]:
    return [(0, _("No wait recorded")), (1, _("Short")), (2, _("Long")), (3, _("Longest of the flow"))]
