"""Server-rendered SVG charts: the same markup goes into the web page and the PDF."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[float | None]
    color: str
    dashed: bool = False


def _point(cx: float, cy: float, radius: float, index: int, count: int) -> tuple[float, float]:
    # Start at twelve o'clock and go clockwise.
    angle = -math.pi / 2 + 2 * math.pi * index / count
    return cx + radius * math.cos(angle), cy + radius * math.sin(angle)


def _wrap(label: str, width: int = 14) -> list[str]:
    """Split a long axis label over two lines at the space nearest its middle."""
    if len(label) <= width or " " not in label:
        return [label]
    middle = len(label) / 2
    cut = min((i for i, ch in enumerate(label) if ch == " "), key=lambda i: abs(i - middle))
    return [label[:cut], label[cut + 1 :]]


def radar_svg(
    axes: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    size: int = 420,
    rings: int = 5,
) -> str:
    """A radar chart of 0–100 scores with text labels on every axis.

    :param axes: axis labels, one per area, in display order.
    :param series: one polygon per series; ``None`` values are drawn at the centre.
    :param title: accessible title of the image.
    :return: an ``<svg>`` element as a string.
    """
    count = len(axes)
    if count < 3:
        raise ValueError("a radar chart needs at least three axes")
    margin = 190
    width = size + 2 * margin
    height = size + 130
    cx, cy = width / 2, size / 2 + 65
    radius = size / 2 - 10
    parts: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="radar" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="{width:.0f}" height="{height:.0f}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for ring in range(1, rings + 1):
        r = radius * ring / rings
        points = " ".join(f"{x:.1f},{y:.1f}" for x, y in (_point(cx, cy, r, i, count) for i in range(count)))
        parts.append(f'<polygon class="radar-ring" points="{points}" fill="none" stroke="#c8ccd4" stroke-width="1"/>')
        lx, ly = _point(cx, cy, r, 0, count)
        parts.append(
            f'<text class="radar-scale" x="{lx + 4:.1f}" y="{ly + 4:.1f}" font-size="14" fill="#3f4550">'
            f"{100 * ring // rings}</text>"
        )
    for i, label in enumerate(axes):
        x, y = _point(cx, cy, radius, i, count)
        parts.append(f'<line x1="{cx:.1f}" y1="{cy:.1f}" x2="{x:.1f}" y2="{y:.1f}" stroke="#c8ccd4" stroke-width="1"/>')
        tx, ty = _point(cx, cy, radius + 18, i, count)
        anchor = "middle" if abs(tx - cx) < 1 else ("start" if tx > cx else "end")
        lines = _wrap(label)
        # Labels above the chart grow upwards, the others downwards.
        first = (
            ty - 6 - 20 * (len(lines) - 1)
            if ty < cy - 1
            else (ty + 16 if ty > cy + 1 else ty + 5 - 10 * (len(lines) - 1))
        )
        # The space closing a wrapped line keeps the label's text whole for screen readers and searches.
        tspans = "".join(
            f'<tspan x="{tx:.1f}" y="{first + 20 * n:.1f}">{escape(line)}{" " if n < len(lines) - 1 else ""}</tspan>'
            for n, line in enumerate(lines)
        )
        parts.append(f'<text class="radar-label" text-anchor="{anchor}" font-size="18" fill="#1f2430">{tspans}</text>')
    for s in series:
        pts = []
        for i, value in enumerate(s.values):
            v = 0.0 if value is None else max(0.0, min(100.0, float(value)))
            pts.append(_point(cx, cy, radius * v / 100, i, count))
        points = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
        dash = ' stroke-dasharray="6 4"' if s.dashed else ""
        opacity = "0.08" if s.dashed else "0.25"
        parts.append(
            f'<polygon class="radar-series" points="{points}" fill="{s.color}" fill-opacity="{opacity}" '
            f'stroke="{s.color}" stroke-width="2.5"{dash}><title>{escape(s.label)}</title></polygon>'
        )
        for x, y in pts:
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{s.color}"/>')
    parts.append("</svg>")
    return "".join(parts)
