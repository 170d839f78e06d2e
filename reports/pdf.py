"""reportlab renderers: data -> PDF bytes. Italian text in the reader's language, the Bitstream Vera fonts that
reportlab ships registered as TrueType (so they are embedded in the file: the standard 14 fonts are not), a header
and a footer with "page X of Y" on every page."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import reportlab
from django.utils import formats, timezone
from django.utils.html import escape
from django.utils.translation import gettext as _
from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import KeepTogether, PageBreak, Paragraph, SimpleDocTemplate, Spacer, TableStyle
from reportlab.platypus import Table as RLTable

from cases import selectors as case_selectors
from cases.permissions.checks import case_capabilities
from core import l10n
from partners.roles import Capability
from partners.selectors import active_memberships
from reports import dashboard
from reports.periods import Period
from reports.permissions import Scope
from reports.sections import Section, Table

FONT = "TavoloVera"
FONT_BOLD = "TavoloVera-Bold"
_FONT_DIR = Path(reportlab.__file__).parent / "fonts"


def register_fonts() -> None:
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    pdfmetrics.registerFont(TTFont(FONT, str(_FONT_DIR / "Vera.ttf")))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(_FONT_DIR / "VeraBd.ttf")))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD)


def _styles() -> dict[str, ParagraphStyle]:
    register_fonts()
    base = ParagraphStyle("body", fontName=FONT, fontSize=9, leading=12)
    return {
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=7.5, leading=9.5, textColor=colors.HexColor("#555555")),
        "cell": ParagraphStyle("cell", parent=base, fontSize=7.5, leading=9),
        "h1": ParagraphStyle("h1", parent=base, fontName=FONT_BOLD, fontSize=16, leading=20, spaceAfter=6),
        "h2": ParagraphStyle(
            "h2", parent=base, fontName=FONT_BOLD, fontSize=12, leading=15, spaceBefore=8, spaceAfter=4
        ),
        "h3": ParagraphStyle(
            "h3", parent=base, fontName=FONT_BOLD, fontSize=10, leading=13, spaceBefore=6, spaceAfter=3
        ),
    }


def _p(text, style) -> Paragraph:
    return Paragraph(escape("" if text is None else str(text)).replace("\n", "<br/>"), style)


def _numbered_canvas(header: str):
    """A canvas that draws the header and the footer once the page count is known ("page X of Y")."""

    class NumberedCanvas(rl_canvas.Canvas):
        def __init__(self, *args, **kwargs):
            # Otherwise every page starts in Helvetica, which a PDF never embeds.
            kwargs["initialFontName"] = kwargs.get("initialFontName") or FONT
            super().__init__(*args, **kwargs)
            self._saved_pages: list[dict] = []
            self.setAuthor("Tavolo")
            self.setTitle(header)

        def showPage(self):  # reportlab's name
            self._saved_pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._saved_pages)
            for state in self._saved_pages:
                self.__dict__.update(state)
                self._decorate(total)
                super().showPage()
            super().save()

        def _decorate(self, total: int) -> None:
            width, height = self._pagesize
            self.saveState()
            self.setFont(FONT_BOLD, 8)
            self.drawString(15 * mm, height - 10 * mm, "Tavolo")
            self.setFont(FONT, 8)
            self.drawRightString(width - 15 * mm, height - 10 * mm, header)
            self.setStrokeColor(colors.HexColor("#999999"))
            self.line(15 * mm, height - 12 * mm, width - 15 * mm, height - 12 * mm)
            self.line(15 * mm, 12 * mm, width - 15 * mm, 12 * mm)
            generated = formats.date_format(timezone.localtime(), "DATETIME_FORMAT")
            self.drawString(15 * mm, 8 * mm, _("Generated on %(when)s · confidential") % {"when": generated})
            self.drawRightString(
                width - 15 * mm, 8 * mm, _("Page %(page)s of %(pages)s") % {"page": self._pageNumber, "pages": total}
            )
            self.restoreState()

    return NumberedCanvas


def _cell(value) -> str:
    """A table cell in the reader's language. Every Decimal a PDF prints is money (ISEE, value of a service):
    "16.000,00" in Italian, not `str()`'s "16000.00"."""
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        return l10n.amount(value)
    if isinstance(value, float):
        return formats.number_format(value, 1)
    if hasattr(value, "isoformat") and not isinstance(value, str):
        return l10n.short_date(value)
    return str(value)


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


# --- the case summary --------------------------------------------------------------------------------------------


def reader_organisation_id(user, case) -> int | None:
    """The organisation on whose behalf the reader reads the case (the lead first), for the audit row."""
    memberships = active_memberships(user)
    for m in memberships:
        if m.organisation_id == case.lead_organisation_id:
            return m.organisation_id
    return memberships[0].organisation_id if memberships else None


def _kv(rows: list[tuple[str, object]], styles, width: float) -> RLTable:
    table = RLTable(
        [[_p(k, styles["cell"]), _p(_cell(v) if v not in ("", None) else "—", styles["cell"])] for k, v in rows],
        colWidths=[width * 0.3, width * 0.7],
    )
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#dee2e6")),
            ]
        )
    )
    return table


def _rows(columns, rows, styles, width: float) -> list:
    if not rows:
        return [_p(_("None."), styles["small"])]
    table = RLTable(
        [[_p(c, styles["cell"]) for c in columns]] + [[_p(_cell(v), styles["cell"]) for v in row] for row in rows],
        repeatRows=1,
        colWidths=[width / len(columns)] * len(columns),
    )
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e9ecef")),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#adb5bd")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return [table]


def case_summary(*, user, case_pk: int) -> tuple[bytes, object]:
    """Everything the reader may see of one case (the same selectors as the case page, so the same rules):
    the summary; with the file: personal data, household, consents, assessment and plan; the notes, services,
    documents (titles), handoffs and timeline they may read. Raises Http404 for a case they may not see."""
    from workflows import selectors as wf_selectors

    case = case_selectors.case_get_for(user=user, pk=case_pk)
    caps = case_capabilities(user, case)
    styles = _styles()
    buffer = io.BytesIO()
    title = _("Case summary %(code)s") % {"code": case.code}
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=title,
        author="Tavolo",
    )
    width = A4[0] - 30 * mm
    person = case.person
    story: list = [
        _p(title, styles["h1"]),
        _p(
            _("What your organisation may see of this case, on %(day)s.")
            % {"day": l10n.short_date(timezone.localdate())},
            styles["small"],
        ),
        _p(_("Case"), styles["h2"]),
        _kv(
            [
                (_("Code"), case.code),
                (_("Title"), case.title),
                (_("Status"), case.get_status_display()),
                (_("Lead organisation"), case.lead_organisation),
                (_("Case manager"), case.case_manager.get_full_name() if case.case_manager else ""),
                (_("Opened on"), case.opened_on),
                (_("Closed on"), case.closed_on),
                (_("Name"), f"{person.first_name} {person.last_name}"),
                (_("Birth date"), person.birth_date),
            ],
            styles,
            width,
        ),
    ]
    if Capability.VIEW_FILE in caps:
        story += [
            _p(_("Personal data"), styles["h2"]),
            _kv(
                [
                    (_("Codice fiscale"), person.codice_fiscale),
                    (_("Sex"), person.get_sex_display()),
                    (_("Birth place"), person.birth_place),
                    (_("Citizenship"), person.citizenship),
                    (_("Languages spoken"), person.languages),
                    (_("Phone"), person.phone),
                    (_("E-mail"), person.email),
                    (_("Address"), " ".join(p for p in (person.address, person.postcode, person.city) if p)),
                    (_("Homeless"), _("yes") if person.is_homeless else _("no")),
                ],
                styles,
                width,
            ),
        ]
        if case.household_id:
            household = case.household
            members = household.members.select_related("person")
            story += [
                _p(_("Household"), styles["h2"]),
                _kv(
                    [
                        (_("Name"), household.name),
                        (_("Address"), household.address),
                        (_("ISEE"), household.isee_value),
                        (_("ISEE expiry date"), household.isee_expires_on),
                    ],
                    styles,
                    width,
                ),
            ]
            story += _rows(
                [_("Member"), _("Relationship")],
                [(f"{m.person.first_name} {m.person.last_name}", m.get_relationship_display()) for m in members],
                styles,
                width,
            )
        story.append(_p(_("Consents"), styles["h2"]))
        story += _rows(
            [_("Purpose"), _("Given on"), _("Expires on"), _("Withdrawn on")],
            [
                (c.get_purpose_display(), c.given_on, c.expires_on, c.withdrawn_on)
                for c in case_selectors.consent_list_for(user=user, person=person)
            ],
            styles,
            width,
        )
        story.append(_p(_("Assessment of needs"), styles["h2"]))
        story += _rows(
            [_("Domain"), _("Severity"), _("Assessed on"), _("Notes")],
            [
                (a.get_domain_display(), a.get_severity_display(), a.assessed_on, a.notes)
                for a in case_selectors.assessment_latest_for(user=user, case=case)
            ],
            styles,
            width,
        )
        plan = case_selectors.plan_for(user=user, case=case)
        if plan is not None:
            story += [_p(_("Plan"), styles["h2"]), _p(plan.summary, styles["body"])]
            story += _rows(
                [_("Goal"), _("Status"), _("Actions")],
                [
                    (
                        g.description,
                        g.get_status_display(),
                        "; ".join(f"{a.description} ({a.owner_organisation})" for a in g.actions.all()),
                    )
                    for g in plan.goals.all()
                ],
                styles,
                width,
            )
    # The selectors decide what is listed: the organisation's own records always, others' as shared.
    notes = case_selectors.note_list_for(user=user, case=case)
    if Capability.READ_NOTES in caps or notes:
        story.append(_p(_("Notes"), styles["h2"]))
        story += _rows(
            [_("Date"), _("Organisation"), _("Text")],
            [(l10n.short_datetime(n.created_at), n.author_organisation, n.body) for n in notes],
            styles,
            width,
        )
    story.append(_p(_("Services delivered"), styles["h2"]))
    story += _rows(
        [_("Delivered on"), _("Kind"), _("Organisation"), _("Quantity"), _("Value (€)")],
        [
            (i.delivered_on, i.get_kind_display(), i.organisation, i.quantity, i.value)
            for i in case_selectors.intervention_list_for(user=user, case=case)
        ],
        styles,
        width,
    )
    documents = case_selectors.document_list_for(user=user, case=case)
    story.append(_p(_("Documents"), styles["h2"]))
    story += _rows(
        [_("Title"), _("Kind"), _("Organisation"), _("Uploaded on")],
        [
            (d.title, d.get_kind_display(), d.organisation, l10n.short_date(timezone.localtime(d.created_at)))
            for d in documents
        ],
        styles,
        width,
    )
    story.append(_p(_("Handoffs"), styles["h2"]))
    story += _rows(
        [_("Sent at"), _("From"), _("To"), _("Kind"), _("Status")],
        [
            (
                l10n.short_datetime(h.sent_at),
                h.sender_organisation,
                h.receiver_organisation,
                h.get_kind_display(),
                h.get_status_display(),
            )
            for h in wf_selectors.case_handoffs_for(user=user, case=case)
        ],
        styles,
        width,
    )
    if Capability.VIEW_TIMELINE in caps:
        story.append(_p(_("Timeline"), styles["h2"]))
        story += _rows(
            [_("When"), _("Organisation"), _("Event")],
            [
                (l10n.short_datetime(e.at), e.organisation, e.display_summary() or e.get_kind_display())
                for e in case_selectors.timeline_for(user=user, case=case)
            ],
            styles,
            width,
        )
    doc.build(story, canvasmaker=_numbered_canvas(title))
    return buffer.getvalue(), case
