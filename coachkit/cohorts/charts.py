"""Server-rendered SVG charts for a session: the same markup on the web page and in the PDF."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

# Fill per maturity level 1..5, light to dark: the bars carry a count label, not the colour alone.
LEVEL_COLORS = ("#d6e2f0", "#aac4e3", "#7aa3d3", "#4a80c0", "#1d5fa8")
SELF_COLOR = "#14365d"
OBSERVER_COLOR = "#b5651d"


@dataclass(frozen=True)
class Marker:
    """A vertical line at ``value`` (0-100), explained in the legend under the chart."""

    value: float
    label: str
    color: str
    dashed: bool = False


def histogram_svg(
    bins: Sequence[int],
    *,
    title: str,
    colors: Sequence[str],
    markers: Sequence[Marker] = (),
    axis_label: str = "",
    width: int = 380,
    height: int = 230,
) -> str:
    """A bar chart of how many participants score in each ten-point bin of 0-100.

    :param bins: counts for [0, 10), [10, 20), ... [90, 100].
    :param colors: one fill per bin (the level the bin falls in).
    :param markers: vertical lines such as the group's mean; each gets a legend entry.
    :param title: the accessible name of the image; it should state the key figures.
    :return: an ``<svg>`` element as a string.
    """
    if len(bins) != len(colors):
        raise ValueError("one colour per bin")
    left, right, top = 34, 12, 18
    legend_rows = len(markers)
    bottom = 40 + 18 * legend_rows
    plot_w = width - left - right
    plot_h = height - top - bottom
    if plot_h <= 20:
        raise ValueError("the chart is too small for its legend")
    peak = max(max(bins, default=0), 1)
    bar_w = plot_w / len(bins)
    base = top + plot_h
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="histogram" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{left}" y1="{base}" x2="{width - right}" y2="{base}" stroke="#5b6270" stroke-width="1"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{base}" stroke="#5b6270" stroke-width="1"/>',
        f'<text x="{left - 6}" y="{base + 4}" text-anchor="end" font-size="11" fill="#1f2430">0</text>',
        f'<text x="{left - 6}" y="{top + 4}" text-anchor="end" font-size="11" fill="#1f2430">{peak}</text>',
    ]
    for i, count in enumerate(bins):
        x = left + i * bar_w
        h = plot_h * count / peak
        if count:
            parts.append(
                f'<rect class="bar" x="{x + 2:.1f}" y="{base - h:.1f}" width="{bar_w - 4:.1f}" height="{h:.1f}" '
                f'fill="{colors[i]}" stroke="#5b6270" stroke-width="0.5"/>'
            )
            parts.append(
                f'<text class="count" x="{x + bar_w / 2:.1f}" y="{base - h - 3:.1f}" text-anchor="middle" '
                f'font-size="11" fill="#1f2430">{count}</text>'
            )
    for tick in range(0, 101, 20):
        x = left + plot_w * tick / 100
        parts.append(f'<line x1="{x:.1f}" y1="{base}" x2="{x:.1f}" y2="{base + 4}" stroke="#5b6270"/>')
        parts.append(
            f'<text x="{x:.1f}" y="{base + 16}" text-anchor="middle" font-size="11" fill="#1f2430">{tick}</text>'
        )
    if axis_label:
        parts.append(
            f'<text x="{left + plot_w / 2:.1f}" y="{base + 30}" text-anchor="middle" font-size="11" '
            f'fill="#4f5663">{escape(axis_label)}</text>'
        )
    for row, marker in enumerate(markers):
        x = left + plot_w * max(0.0, min(100.0, marker.value)) / 100
        dash = ' stroke-dasharray="5 3"' if marker.dashed else ""
        parts.append(
            f'<line class="marker" x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{base}" '
            f'stroke="{marker.color}" stroke-width="2"{dash}/>'
        )
        ly = base + 44 + 18 * row
        parts.append(
            f'<line x1="{left}" y1="{ly - 4}" x2="{left + 22}" y2="{ly - 4}" stroke="{marker.color}" '
            f'stroke-width="2"{dash}/>'
        )
        parts.append(
            f'<text class="legend" x="{left + 28}" y="{ly}" font-size="11" fill="#1f2430">{escape(marker.label)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
