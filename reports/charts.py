"""Inline SVG bar charts drawn on the server: no JavaScript, no external asset. Each chart is decorative next to
its data table (the table is the accessible version), and says so with `aria-hidden` plus a title."""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from reports.sections import Table

BAR = 14
GAP = 8
LABEL_WIDTH = 220
WIDTH = 640
SERIES_CLASSES = ("tv-bar-0", "tv-bar-1", "tv-bar-2")
MAX_BARS = 40


def _number(value) -> float:
    try:
        return float(value or 0)
    except (TypeError, ValueError):
        return 0.0


def _label(table: Table, row) -> str:
    return " → ".join(str(row[i]) for i in table.label_columns)


def _short(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def bar_chart(table: Table) -> SafeString:
    """Horizontal bars, one group per row (at most MAX_BARS rows: the table has them all)."""
    if not table.chart_columns or not table.rows:
        return mark_safe("")  # noqa: S308 - a constant
    rows = list(table.rows)[:MAX_BARS]
    series = list(table.chart_columns)
    top = max((_number(row[c]) for row in rows for c in series), default=0.0) or 1.0
    group = len(series) * BAR + GAP
    legend_height = 22 if len(series) > 1 else 0
    height = legend_height + len(rows) * group + GAP
    plot = WIDTH - LABEL_WIDTH - 60
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="tv-chart" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet" role="img" aria-hidden="true" focusable="false">',
        f"<title>{escape(table.title)}</title>",
    ]
    if legend_height:
        x = LABEL_WIDTH
        for i, column in enumerate(series):
            name = escape(str(table.columns[column]))
            parts.append(f'<rect class="{SERIES_CLASSES[i % 3]}" x="{x}" y="4" width="12" height="12"/>')
            parts.append(f'<text x="{x + 16}" y="14" font-size="12">{name}</text>')
            x += 20 + 7 * len(str(table.columns[column]))
    for r, row in enumerate(rows):
        y0 = legend_height + r * group + GAP // 2
        label = escape(_short(_label(table, row)))
        parts.append(f'<text x="{LABEL_WIDTH - 6}" y="{y0 + len(series) * BAR / 2 + 4:.0f}" font-size="12" '
                     f'text-anchor="end">{label}</text>')
        for i, column in enumerate(series):
            value = _number(row[column])
            width = max(0.0, value / top * plot)
            y = y0 + i * BAR
            parts.append(f'<rect class="{SERIES_CLASSES[i % 3]}" x="{LABEL_WIDTH}" y="{y}" width="{width:.1f}" '
                         f'height="{BAR - 2}"/>')
            shown = f"{value:g}"
            parts.append(f'<text x="{LABEL_WIDTH + width + 4:.1f}" y="{y + BAR - 4}" font-size="11">{shown}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
