"""Line charts drawn on the server as SVG: a chart per signal, one line per series, the
last hour by minute. Presentation attributes only (no style attribute), so the page's
Content-Security-Policy (style-src 'self') holds. A minute without data is a gap, as in
CloudWatch's graphs; a lone datapoint is a dot."""
from __future__ import annotations

import math
import time
from html import escape

WIDTH, PLOT_HEIGHT = 460, 136
LEFT, RIGHT, TOP, AXIS = 46, 10, 10, 20
LEGEND_COLUMNS, LEGEND_ROW = 2, 12
COLOURS = ("#2f6fdf", "#d9480f", "#2b8a3e", "#ae3ec9", "#e8a400", "#0b7285", "#862e9c", "#495057")


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _label(value: float) -> str:
    if value >= 1000:
        return f"{value / 1000:g}k"
    return f"{value:g}"


def line_chart(series: list[dict], start: float, end: float, unit: str = "") -> str:
    """series: [{"label", "points": [[t, value or None], ...]}] over [start, end)."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, PLOT_HEIGHT
    height = TOP + plot_h + AXIS + LEGEND_ROW * math.ceil(len(series) / LEGEND_COLUMNS)
    top = _nice_max(max((v for s in series for _, v in s["points"] if v is not None),
                        default=0))
    span = max(1.0, end - start)

    def x(t: float) -> float:
        return LEFT + (t - start) / span * plot_w

    def y(v: float) -> float:
        return TOP + plot_h - v / top * plot_h

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
             f'width="100%" role="img" class="chart-svg">']
    for i in range(5):  # grid and y labels
        v = top * i / 4
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(v):.1f}" y2="{y(v):.1f}" '
                     f'stroke="#e3e6ea" stroke-width="1"/>')
        parts.append(f'<text x="{LEFT - 4}" y="{y(v) + 3:.1f}" text-anchor="end" font-size="9" '
                     f'fill="#5c636a">{escape(_label(v))}</text>')
    for t in range(int(start // 600 + 1) * 600, int(end), 600):  # a tick every 10 minutes
        parts.append(f'<text x="{x(t):.1f}" y="{TOP + plot_h + 12}" text-anchor="middle" '
                     f'font-size="9" fill="#5c636a">{time.strftime("%H:%M", time.gmtime(t))}</text>')
    if unit:
        parts.append(f'<text x="4" y="{TOP + 6}" font-size="9" fill="#5c636a">'
                     f'{escape(unit)}</text>')
    for n, s in enumerate(series):
        colour = COLOURS[n % len(COLOURS)]
        run: list[tuple[float, float]] = []
        for t, v in [*s["points"], (None, None)]:
            if v is not None:
                run.append((x(t + 30), y(v)))  # the middle of its minute
                continue
            if len(run) > 1:
                path = " ".join(f"{px:.1f},{py:.1f}" for px, py in run)
                parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" '
                             f'stroke-width="1.6"/>')
            for px, py in run:
                parts.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="2" fill="{colour}"/>')
            run = []
        lx = LEFT + (n % LEGEND_COLUMNS) * (plot_w / LEGEND_COLUMNS)
        ly = TOP + plot_h + AXIS + 8 + (n // LEGEND_COLUMNS) * LEGEND_ROW
        parts.append(f'<rect x="{lx:.1f}" y="{ly - 7}" width="8" height="8" fill="{colour}"/>')
        parts.append(f'<text x="{lx + 11:.1f}" y="{ly}" font-size="9" fill="#212529">'
                     f'{escape(s["label"][:44])}</text>')
    parts.append("</svg>")
    return "".join(parts)
