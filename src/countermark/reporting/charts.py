"""Small self-contained SVG charts (inline in the transparency report: no scripts, no CDN)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

PALETTE = ("#1f6feb", "#d1242f", "#2da44e", "#bf8700", "#8250df", "#57606a")
WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 40, 28, 48


def _nice_max(value: float) -> float:
    """A round axis maximum at or above `value`: four gridline steps of 1, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 times a
    power of ten (whole steps when the value is whole, so counts get whole-number gridlines)."""
    if value <= 0:
        return 1.0
    raw_step = value / 4
    magnitude = 10.0 ** math.floor(math.log10(raw_step))
    for factor in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        step = factor * magnitude
        if step >= raw_step and (value != int(value) or step == int(step)):
            return 4 * step
    return 4 * math.ceil(raw_step)


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 or value == int(value) else f"{value:.2g}"


def _frame(title: str, y_max: float, parts: list[str], legend: Sequence[str]) -> str:
    plot_h = HEIGHT - TOP - BOTTOM
    grid = []
    for i in range(5):
        value = y_max * i / 4
        y = TOP + plot_h - plot_h * i / 4
        grid.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d0d7de" />'
                    f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{_fmt(value)}</text>')
    keys = []
    x = LEFT
    for i, name in enumerate(legend):
        colour = PALETTE[i % len(PALETTE)]
        keys.append(f'<rect x="{x}" y="{HEIGHT - 16}" width="10" height="10" fill="{colour}" />'
                    f'<text x="{x + 14}" y="{HEIGHT - 7}">{escape(name)}</text>')
        x += 24 + 7 * len(name)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}" font-family="sans-serif" font-size="11">'
        f"<title>{escape(title)}</title>"
        f'<text x="{LEFT}" y="16" font-size="13" font-weight="bold">{escape(title)}</text>'
        + "".join(grid) + "".join(parts) + "".join(keys) + "</svg>"
    )


def bar_chart(title: str, categories: Sequence[str], series: dict[str, Sequence[float | None]]) -> str:
    """Grouped bars: one group per category, one bar per series (None draws nothing)."""
    values = [v for vs in series.values() for v in vs if v is not None]
    y_max = _nice_max(max(values, default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    group_w = plot_w / max(len(categories), 1)
    bar_w = group_w * 0.8 / max(len(series), 1)
    parts = []
    for c, category in enumerate(categories):
        x0 = LEFT + c * group_w + group_w * 0.1
        for s, (name, vs) in enumerate(series.items()):
            value = vs[c]
            if value is None:
                continue
            h = plot_h * value / y_max
            parts.append(
                f'<rect x="{x0 + s * bar_w:.1f}" y="{TOP + plot_h - h:.1f}" width="{bar_w * 0.95:.1f}" '
                f'height="{h:.1f}" fill="{PALETTE[s % len(PALETTE)]}"><title>{escape(category)}, {escape(name)}: '
                f"{_fmt(value)}</title></rect>"
            )
        parts.append(f'<text x="{x0 + group_w * 0.4:.1f}" y="{TOP + plot_h + 14}" text-anchor="middle">'
                     f"{escape(category)}</text>")
    return _frame(title, y_max, parts, list(series))


def line_chart(title: str, labels: Sequence[str], series: dict[str, Sequence[float]]) -> str:
    """One polyline per series over shared x labels (e.g. days or weeks); a few labels are printed."""
    values = [v for vs in series.values() for v in vs]
    y_max = _nice_max(max(values, default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(labels) - 1, 1)
    parts = []
    for s, (_name, vs) in enumerate(series.items()):
        points = " ".join(f"{LEFT + i * step:.1f},{TOP + plot_h - plot_h * v / y_max:.1f}" for i, v in enumerate(vs))
        colour = PALETTE[s % len(PALETTE)]
        parts.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2" />')
        if len(vs) <= 60:  # markers keep single points and short series readable
            parts.extend(f'<circle cx="{x}" cy="{y}" r="2.5" fill="{colour}" />'
                         for x, y in (p.split(",") for p in points.split()))
    every = max(1, len(labels) // 8)
    for i, label in enumerate(labels):
        if i % every == 0:
            parts.append(f'<text x="{LEFT + i * step:.1f}" y="{TOP + plot_h + 14}" text-anchor="middle">'
                         f"{escape(label)}</text>")
    if not labels:
        parts.append(f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle">no activity</text>')
    return _frame(title, y_max, parts, list(series))
