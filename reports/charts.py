"""Inline SVG bar charts drawn on the server: no JavaScript, no external asset. Each chart is decorative next to
its data table (the table is the accessible version), and says so with `aria-hidden` plus a title. Each is drawn
in two layouts, one for wide screens and one for phones (CSS shows one)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from reports.sections import Table

BAR = 14
GAP = 8
SERIES_CLASSES = ("tv-bar-0", "tv-bar-1", "tv-bar-2")
MAX_BARS = 40


@dataclass(frozen=True)
class Layout:
    """How one drawing of a chart is laid out. The page carries both drawings and CSS shows one by screen width
    (`static/css/reports.css`): on a phone the wide one would shrink to about half size, text included."""

    css_class: str
    width: int  # of the viewBox
    label_width: int  # room left of the bars for their labels; 0: each label on its own line above its bars
    label_chars: int  # longer labels are cut with "…" (the data table has them whole)
    value_room: int  # room right of the longest bar for its value


WIDE = Layout("tv-chart-wide", width=640, label_width=220, label_chars=30, value_room=60)
COMPACT = Layout("tv-chart-compact", width=340, label_width=0, label_chars=44, value_room=44)
LABEL_LINE = 16  # COMPACT: the height of the label line above a row's bars


def _number(value) -> float:
    try:
        return float(value or 0)
    except (TypeError, ValueError):
        return 0.0


def _label(table: Table, row) -> str:
    return " → ".join(str(row[i]) for i in table.label_columns)


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def bar_chart(table: Table) -> SafeString:
    """Horizontal bars, one group per row (at most MAX_BARS rows: the table has them all), drawn twice: beside their
    labels for wide screens, under them for phones."""
    if not table.chart_columns or not table.rows:
        return mark_safe("")  # a constant
    rows = list(table.rows)[:MAX_BARS]
    return mark_safe("".join(_svg(table, rows, layout) for layout in (WIDE, COMPACT)))  # noqa: S308 - escaped


def _legend(table: Table, series: list[int], layout: Layout) -> tuple[list[str], int]:
    """The series' names in a row, wrapping at the chart's width; the parts and their height (none for one series)."""
    if len(series) < 2:
        return [], 0
    parts, x, y = [], layout.label_width, 4
    for i, column in enumerate(series):
        text = str(table.columns[column])
        room = 20 + 7 * len(text)
        if x > layout.label_width and x + room > layout.width:
            x, y = layout.label_width, y + 18
        parts.append(f'<rect class="{SERIES_CLASSES[i % 3]}" x="{x}" y="{y}" width="12" height="12"/>')
        parts.append(f'<text x="{x + 16}" y="{y + 10}" font-size="12">{escape(text)}</text>')
        x += room
    return ['<g class="tv-legend">', *parts, "</g>"], y + 18


def _svg(table: Table, rows: list, layout: Layout) -> str:
    series = list(table.chart_columns)
    top = max((_number(row[c]) for row in rows for c in series), default=0.0) or 1.0
    above = 0 if layout.label_width else LABEL_LINE
    group = above + len(series) * BAR + GAP
    legend, legend_height = _legend(table, series, layout)
    height = legend_height + len(rows) * group + GAP
    plot = layout.width - layout.label_width - layout.value_room
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="tv-chart {layout.css_class}" '
        f'viewBox="0 0 {layout.width} {height}" width="100%" preserveAspectRatio="xMinYMin meet" role="img" '
        f'aria-hidden="true" focusable="false">',
        f"<title>{escape(table.title)}</title>",
        *legend,
    ]
    for r, row in enumerate(rows):
        y0 = legend_height + r * group + GAP // 2
        label = escape(_short(_label(table, row), layout.label_chars))
        if layout.label_width:
            parts.append(
                f'<text x="{layout.label_width - 6}" y="{y0 + len(series) * BAR / 2 + 4:.0f}" '
                f'font-size="12" text-anchor="end">{label}</text>'
            )
        else:
            parts.append(f'<text x="0" y="{y0 + LABEL_LINE - 4}" font-size="12">{label}</text>')
        for i, column in enumerate(series):
            value = _number(row[column])
            width = max(0.0, value / top * plot)
            y = y0 + above + i * BAR
            parts.append(
                f'<rect class="{SERIES_CLASSES[i % 3]}" x="{layout.label_width}" y="{y}" '
                f'width="{width:.1f}" height="{BAR - 2}"/>'
            )
            parts.append(
                f'<text x="{layout.label_width + width + 4:.1f}" y="{y + BAR - 4}" font-size="11">{value:g}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)
