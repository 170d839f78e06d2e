"""The dashboard's SVG bar charts: two drawings of each (labels beside the bars for wide screens, above them for
phones), bars in proportion to the figures, labels escaped and cut, nothing for an empty table."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from reports.charts import COMPACT, LABEL_LINE, MAX_BARS, WIDE, bar_chart
from reports.sections import Table

SVG = "{http://www.w3.org/2000/svg}"


def drawings(table: Table) -> dict[str, ET.Element]:
    root = ET.fromstring(f"<div>{bar_chart(table)}</div>")  # noqa: S314 - markup this test made
    return {svg.get("class").split()[1]: svg for svg in root}


def bars(svg: ET.Element) -> list[ET.Element]:
    return svg.findall(f"{SVG}rect")  # the legend's keys are in a group of their own


def texts(svg: ET.Element) -> list[str]:
    return [t.text for t in svg.iter(f"{SVG}text")]


ORGS = Table(
    key="orgs",
    title="Cases by organisation",
    columns=("Organisation", "Open"),
    rows=[("Caritas", 20), ("Croce Rossa", 5), ("Empty", 0)],
    chart_columns=(1,),
)


def test_each_chart_is_drawn_wide_and_compact_and_hidden_from_screen_readers():
    svgs = drawings(ORGS)
    assert set(svgs) == {WIDE.css_class, COMPACT.css_class}
    for svg in svgs.values():
        assert svg.get("aria-hidden") == "true"
        assert svg.find(f"{SVG}title").text == "Cases by organisation"
    assert svgs[WIDE.css_class].get("viewBox").startswith(f"0 0 {WIDE.width} ")
    assert svgs[COMPACT.css_class].get("viewBox").startswith(f"0 0 {COMPACT.width} ")


@pytest.mark.parametrize("layout", [WIDE, COMPACT])
def test_bars_are_in_proportion_and_carry_their_figures(layout):
    svg = drawings(ORGS)[layout.css_class]
    widths = [float(r.get("width")) for r in bars(svg)]
    plot = layout.width - layout.label_width - layout.value_room
    assert widths == [pytest.approx(plot), pytest.approx(plot / 4), 0.0]
    assert {float(r.get("x")) for r in bars(svg)} == {layout.label_width}
    assert [t for t in texts(svg) if t.isdigit()] == ["20", "5", "0"]


def test_the_compact_drawing_puts_each_label_above_its_bar():
    svg = drawings(ORGS)[COMPACT.css_class]
    labels = [t for t in svg.iter(f"{SVG}text") if t.text in ("Caritas", "Croce Rossa", "Empty")]
    first_bar = bars(svg)[0]
    assert [t.get("x") for t in labels] == ["0", "0", "0"]
    assert labels[0].get("text-anchor") is None
    assert float(labels[0].get("y")) < float(first_bar.get("y")) <= float(labels[0].get("y")) + LABEL_LINE
    wide_labels = [t for t in drawings(ORGS)[WIDE.css_class].iter(f"{SVG}text") if t.text == "Caritas"]
    assert wide_labels[0].get("text-anchor") == "end"


def test_labels_are_escaped_and_cut_to_each_layouts_length():
    name = "<b>Cooperativa</b> " + "x" * 60
    table = Table(key="t", title="<T>", columns=("Org", "N"), rows=[(name, 1)], chart_columns=(1,))
    markup = str(bar_chart(table))
    assert "<b>" not in markup and "&lt;b&gt;Cooperativa" in markup and "&lt;T&gt;" in markup
    for layout in (WIDE, COMPACT):
        label = texts(drawings(table)[layout.css_class])[0]
        assert len(label) == layout.label_chars and label.endswith("…")
        assert label.startswith("<b>Cooperativa</b>")  # the parser un-escapes: the text, not markup


def test_several_series_have_a_legend_that_wraps_on_the_compact_drawing():
    table = Table(
        key="loops",
        title="Referrals",
        rows=[("A → B", 4, 3, 1)],
        chart_columns=(1, 2, 3),
        columns=("Pair", "Sent to receiver", "Accepted", "Declined by receiver"),
    )
    for layout, legend_rows in ((WIDE, 1), (COMPACT, 2)):  # 368 units of legend: 420 wide, 340 compact
        svg = drawings(table)[layout.css_class]
        legend = svg.findall(f"{SVG}g[@class='tv-legend']/{SVG}rect")
        assert len(legend) == 3
        assert len({r.get("y") for r in legend}) == legend_rows
        assert all(float(r.get("x")) + 16 < layout.width for r in legend)
        assert [r.get("class") for r in bars(svg)] == ["tv-bar-0", "tv-bar-1", "tv-bar-2"]


def test_an_empty_table_or_one_without_chart_columns_draws_nothing():
    assert bar_chart(Table(key="e", title="E", columns=("A", "N"), rows=[], chart_columns=(1,))) == ""
    assert bar_chart(Table(key="n", title="N", columns=("A", "N"), rows=[("x", 1)])) == ""


def test_at_most_max_bars_rows_are_drawn():
    table = Table(
        key="many",
        title="Many",
        columns=("A", "N"),
        rows=[(f"r{i}", i + 1) for i in range(MAX_BARS + 5)],
        chart_columns=(1,),
    )
    for svg in drawings(table).values():
        assert len(bars(svg)) == MAX_BARS
