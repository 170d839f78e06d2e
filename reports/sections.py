"""How a pathway app (housing, employment) adds its own section to the oversight dashboard and the PDF report.

`reports` depends on the pathway apps, never the reverse (partners ← cases ← workflows ← housing, employment ←
reports): `ReportsConfig.ready()` registers the section of each pathway app that is installed (its provider lives
in `reports`, e.g. `reports/housing_section.py`, and reads the app's tables), and the dashboard, the CSV export and
the network's PDF report show what the provider returns. A provider is a plain function

    def housing_section(*, scope: reports.permissions.Scope, period: reports.periods.Period) -> Section: ...

that reads its own tables in SQL, already limited to `scope.organisation_ids` (None: the whole network) and to the
period, with a query count that does not grow with the rows. It returns aggregates and case codes only, never a
person's name: the coordinator's dashboard is pseudonymised (ADR 0010).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.utils.functional import Promise


@dataclass(frozen=True)
class Table:
    """One table of figures: shown on the dashboard (with a bar chart of `chart_columns` when given), exported as
    CSV under `/reports/export/<key>.csv`, and printed in the PDF report."""

    key: str  # unique among every table of the dashboard; a slug (the CSV file name)
    title: str | Promise
    columns: Sequence[str | Promise]
    rows: Sequence[Sequence[object]]
    chart_columns: Sequence[int] = ()  # numeric columns drawn as bars (one series each)
    label_columns: Sequence[int] = (0,)  # the columns that name a bar, joined with " → "
    note: str | Promise = ""
    unit: str | Promise = ""  # the unit of the charted figures, for the chart's title


@dataclass(frozen=True)
class Section:
    key: str
    title: str | Promise
    tables: Sequence[Table] = field(default_factory=tuple)
    figures: Sequence[tuple[str | Promise, object]] = field(default_factory=tuple)  # headline numbers


SectionProvider = Callable[..., Section]


@dataclass(frozen=True)
class _Registration:
    key: str
    title: str | Promise
    provider: SectionProvider
    pathway: str  # the flow label of the pathway ("housing"), for the pathway filter
    order: int


_SECTIONS: dict[str, _Registration] = {}


def register_section(
    *, key: str, title: str | Promise, provider: SectionProvider, pathway: str = "", order: int = 100
) -> None:
    """Add (or replace: registering again is harmless) the dashboard section `key`.

    `pathway`: the flow label the section belongs to (`workflows.services.history.flow_label_of`); when the user
    filters the dashboard on another pathway the section is left out.
    """
    _SECTIONS[key] = _Registration(key=key, title=title, provider=provider, pathway=pathway, order=order)


def unregister_section(key: str) -> None:
    _SECTIONS.pop(key, None)


def registered_sections(*, pathway: str = "") -> list[_Registration]:
    regs = sorted(_SECTIONS.values(), key=lambda r: (r.order, r.key))
    return [r for r in regs if not pathway or not r.pathway or r.pathway == pathway]


def sections_for(*, scope, period, pathway: str = "") -> list[Section]:
    """Every registered section for this scope and period, in their order."""
    return [reg.provider(scope=scope, period=period) for reg in registered_sections(pathway=pathway)]
