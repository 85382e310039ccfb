"""Charts as inline SVG, drawn on the server: no JavaScript library, no CDN, works offline."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

COLOURS = ("#2556c4", "#d9822b", "#1f7a3a", "#b3261e", "#7b4fb3", "#5c6577")
WIDTH, HEIGHT, LEFT, BOTTOM, TOP, RIGHT = 640, 240, 44, 30, 14, 12


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    # Multiples of 4, so the four grid steps are whole numbers.
    for top in (4, 8, 12, 20, 40, 60, 80, 100, 200, 400, 600, 800, 1000, 2000, 4000, 10_000, 20_000, 40_000):
        if value <= top:
            return float(top)
    return float(value)


def _frame(title: str, body: str, legend: Sequence[tuple[str, str]]) -> Markup:
    keys = "".join(
        f'<rect x="{LEFT + i * 130}" y="{HEIGHT - 12}" width="10" height="10" fill="{colour}"/>'
        f'<text x="{LEFT + 14 + i * 130}" y="{HEIGHT - 3}" font-size="11">{escape(name)}</text>'
        for i, (name, colour) in enumerate(legend)
    )
    return Markup(
        f'<svg viewBox="0 0 {WIDTH} {HEIGHT + 6}" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg" font-family="sans-serif"><title>{escape(title)}</title>{body}{keys}</svg>'
    )


def _axes(top: float, fmt: str) -> str:
    plot_h = HEIGHT - BOTTOM - TOP
    lines = []
    for i in range(5):
        y = TOP + plot_h * i / 4
        value = top * (4 - i) / 4
        lines.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e3e6ec"/>'
                     f'<text x="{LEFT - 6}" y="{y + 4:.1f}" font-size="10" text-anchor="end">'
                     f"{fmt.format(value)}</text>")
    return "".join(lines)


def line_chart(title: str, labels: Sequence[str], series: dict[str, Sequence[float]]) -> Markup:
    """One line per series over shared x labels (e.g. days)."""
    top = _nice_max(max((max(v) for v in series.values() if v), default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - BOTTOM - TOP
    n = max(len(labels), 1)
    x = [LEFT + (plot_w * i / (n - 1) if n > 1 else plot_w / 2) for i in range(n)]
    body = [_axes(top, "{:g}")]
    legend = []
    for (name, values), colour in zip(series.items(), COLOURS, strict=False):
        points = " ".join(f"{x[i]:.1f},{TOP + plot_h * (1 - v / top):.1f}" for i, v in enumerate(values))
        body.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>')
        body.extend(f'<circle cx="{x[i]:.1f}" cy="{TOP + plot_h * (1 - v / top):.1f}" r="2.5" fill="{colour}">'
                    f"<title>{escape(labels[i])}: {v:g} {escape(name)}</title></circle>" for i, v in enumerate(values))
        legend.append((name, colour))
    step = max(1, n // 8)
    body.extend(f'<text x="{x[i]:.1f}" y="{HEIGHT - BOTTOM + 14}" font-size="10" text-anchor="middle">'
                f"{escape(labels[i])}</text>" for i in range(0, n, step))
    return _frame(title, "".join(body), legend)


def bar_chart(title: str, bars: Sequence[tuple[str, float]], *, percent: bool = False, unit: str = "") -> Markup:
    """Vertical bars, one per label (e.g. take-down rate per brand)."""
    top = 1.0 if percent else _nice_max(max((v for _, v in bars), default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - BOTTOM - TOP
    n = max(len(bars), 1)
    slot = plot_w / n
    body = [_axes(top, "{:.0%}" if percent else "{:g}")]
    for i, (label, value) in enumerate(bars):
        h = plot_h * min(value / top, 1.0) if top else 0
        x = LEFT + slot * i + slot * 0.15
        shown = f"{value:.0%}" if percent else f"{value:g}{unit}"
        body.append(f'<rect x="{x:.1f}" y="{TOP + plot_h - h:.1f}" width="{slot * 0.7:.1f}" height="{h:.1f}" '
                    f'fill="{COLOURS[0]}"><title>{escape(label)}: {shown}</title></rect>'
                    f'<text x="{x + slot * 0.35:.1f}" y="{HEIGHT - BOTTOM + 14}" font-size="10" '
                    f'text-anchor="middle">{escape(label[:14])}</text>')
    return _frame(title, "".join(body), [])
