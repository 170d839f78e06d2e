"""The PDFs' common layout: the Bitstream Vera fonts that reportlab ships, registered as TrueType (so they are
embedded in the file: the standard 14 fonts are not), the paragraph styles, the header and the footer with
"page X of Y" on every page, and tables of cells, of label-value pairs and of rows."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import reportlab
from django.utils import formats, timezone
from django.utils.html import escape
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import Paragraph, TableStyle
from reportlab.platypus import Table as RLTable

from core import l10n

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
