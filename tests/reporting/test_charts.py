"""Inline SVG charts: well-formed XML, escaped text, sensible axes, empty input."""

import xml.etree.ElementTree as ET

from countermark.reporting.charts import _nice_max, bar_chart, line_chart

SVG = "{http://www.w3.org/2000/svg}"


def test_bar_chart_is_well_formed_and_escaped():
    svg = bar_chart("Times <p50> & p95", ["a&b", "c"], {"p50": [1.5, None], "p95": [194.55, 3.0]})
    root = ET.fromstring(svg)
    assert root.find(f"{SVG}title").text == "Times <p50> & p95"
    assert len(root.findall(f"{SVG}rect")) == 3 + 2  # three bars (None draws nothing) + two legend keys


def test_line_chart_draws_one_polyline_per_series_and_handles_no_data():
    root = ET.fromstring(line_chart("t", ["2026-03-02", "2026-03-09"], {"a": [1, 2], "b": [0, 5]}))
    assert len(root.findall(f"{SVG}polyline")) == 2
    empty = ET.fromstring(line_chart("t", [], {"a": []}))
    assert "no activity" in "".join(empty.itertext())


def test_axis_maximum_is_round():
    assert _nice_max(0) == 1.0
    assert _nice_max(3) == 4.0  # whole-number gridlines for counts
    assert _nice_max(216) == 240.0
    assert _nice_max(0.3) == 0.32
