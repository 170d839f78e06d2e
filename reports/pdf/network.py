"""The network's periodic report (rendicontazione) as a PDF: the dashboard sections, with a bar chart per table."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, PageBreak, SimpleDocTemplate, Spacer, TableStyle
from reportlab.platypus import Table as RLTable

from core import l10n
from reports import dashboard
from reports.pdf.layout import FONT, _cell, _numbered_canvas, _p, _styles
from reports.periods import Period
from reports.permissions import Scope
from reports.sections import Section, Table

SERIES_COLOURS = (colors.HexColor("#0d6efd"), colors.HexColor("#fd7e14"), colors.HexColor("#6c757d"))
MAX_CHART_ROWS = 25
MAX_CHART_HEIGHT = 380


def _chart(table: Table, width: float) -> Drawing | None:
    """A horizontal bar chart of the table's chart columns (reportlab graphics: vector, in the PDF)."""
    if not table.chart_columns or not table.rows:
        return None
    width -= 12  # the frame's padding
    bar_height = 9 * len(table.chart_columns) + 4
    # At most MAX_CHART_HEIGHT points high, so that it fits on a page with its title (the table has every row).
    rows = list(table.rows)[: max(1, min(MAX_CHART_ROWS, int((MAX_CHART_HEIGHT - 30) // bar_height)))]
    labels = [" → ".join(str(r[i]) for i in table.label_columns)[:40] for r in rows]
    data = [[float(r[c] or 0) for r in rows][::-1] for c in table.chart_columns]
    height = 30 + bar_height * len(rows)
    drawing = Drawing(width, height)
    drawing.initialFontName = FONT  # the renderer's starting font (Helvetica otherwise: never embedded)
    chart = HorizontalBarChart()
    chart.x, chart.y = 170, 20
    chart.width, chart.height = width - 190, height - 30
    chart.data = data
    chart.categoryAxis.categoryNames = labels[::-1]
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 7
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    chart.barLabels.fontName = FONT
    for i in range(len(data)):
        chart.bars[i].fillColor = SERIES_COLOURS[i % len(SERIES_COLOURS)]
        chart.bars[i].strokeColor = None
    drawing.add(chart)
    x = 170
    for i, column in enumerate(table.chart_columns):
        name = str(table.columns[column])
        drawing.add(String(x, 5, "■ " + name, fontName=FONT, fontSize=7, fillColor=SERIES_COLOURS[i % 3]))
        x += 12 + 4.2 * len(name)
    return drawing


def _table(table: Table, styles, width: float) -> list:
    header = [_p(c, styles["cell"]) for c in table.columns]
    rows = [[_p(_cell(v), styles["cell"]) for v in row] for row in table.rows]
    if not rows:
        return [_p(table.title, styles["h3"]), _p(_("No data for the period."), styles["small"])]
    flow = RLTable([header, *rows], repeatRows=1, colWidths=[width / len(table.columns)] * len(table.columns))
    flow.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e9ecef")),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#adb5bd")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    parts = [_p(table.title, styles["h3"])]
    chart = _chart(table, width)
    if chart is not None:
        parts.append(chart)
    parts.append(flow)
    if table.note:
        parts.append(_p(table.note, styles["small"]))
    return parts


def _section_flowables(section: Section, styles, width: float) -> list:
    parts: list = [_p(section.title, styles["h2"])]
    if section.figures:
        figures = RLTable(
            [[_p(label, styles["cell"]), _p(_cell(value), styles["cell"])] for label, value in section.figures],
            colWidths=[width * 0.6, width * 0.2],
        )
        figures.setStyle(
            TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, -1), FONT),
                    ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#dee2e6")),
                ]
            )
        )
        parts.append(figures)
    for table in section.tables:
        parts.append(
            KeepTogether(_table(table, styles, width)) if len(table.rows) < 15 else _table_list(table, styles, width)
        )
    return parts


def _table_list(table: Table, styles, width: float):
    """A long table: its parts added one by one, so that it may split across pages."""
    return _Flat(_table(table, styles, width))


class _Flat(list):
    """A marker so a long table's parts are added one by one (they may split across pages)."""


def _flatten(parts: list) -> list:
    flat: list = []
    for part in parts:
        if isinstance(part, _Flat):
            flat.extend(part)
        else:
            flat.append(part)
    return flat


def network_report(*, scope: Scope, period: Period, pathway: str = "", author=None) -> bytes:
    """The network's periodic report (rendicontazione): every dashboard section for the whole scope, then, for
    the coordinator, the caseload and handoff figures of each organisation."""
    styles = _styles()
    buffer = io.BytesIO()
    page = landscape(A4)
    title = _("Network report %(start)s – %(end)s") % {
        "start": l10n.short_date(period.start),
        "end": l10n.short_date(period.end),
    }
    doc = SimpleDocTemplate(
        buffer,
        pagesize=page,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=title,
        author="Tavolo",
    )
    width = page[0] - 30 * mm
    story: list = [_p(title, styles["h1"])]
    if scope.organisation_ids is None:
        story.append(_p(_("Scope: the whole network. Aggregates and case codes only, no names."), styles["body"]))
    else:
        names = dashboard.selectors.organisation_names(scope.organisation_ids)
        story.append(_p(_("Scope: %(names)s.") % {"names": ", ".join(sorted(names.values()))}, styles["body"]))
    if pathway:
        story.append(_p(_("Pathway: %(name)s.") % {"name": dashboard.flow_title(pathway)}, styles["body"]))
    story.append(Spacer(1, 4 * mm))
    sections = dashboard.build_dashboard(scope=scope, period=period, pathway=pathway)
    for section in sections:
        story.extend(_flatten(_section_flowables(section, styles, width)))
    story.append(PageBreak())
    story.append(_p(_("Per pathway"), styles["h1"]))
    steps = dashboard.find_table(sections, "steps")
    if steps is None:  # a core table, always built
        raise LookupError("the dashboard has no steps table")
    for flow, flow_name in dashboard.flow_choices():
        if pathway and flow != pathway:
            continue
        rows = [r for r in steps.rows if r[1] == flow_name]
        story.extend(
            _flatten(
                [
                    _Flat(
                        _table(
                            Table(
                                key=f"steps-{flow}",
                                title=flow_name,
                                columns=steps.columns,
                                rows=rows,
                                chart_columns=(2,),
                            ),
                            styles,
                            width,
                        )
                    )
                ]
            )
        )
    doc.build(story, canvasmaker=_numbered_canvas(title))
    return buffer.getvalue()
