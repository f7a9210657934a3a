"""Hand-written server-side SVG charts: the same markup on screen and in the PDF decision record.

Presentation attributes only (no style attribute: the CSP forbids inline styles, and WeasyPrint
runs no JavaScript). Every chart carries a <title> and a <desc>; pages show a table alternative.
Series differ by colour (Okabe-Ito, safe for colour blindness) and by dash pattern.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .. import scoring

PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7"]
DASHES = ["", "6 3", "2 3", "8 3 2 3"]
GRID = "#c9ced6"
INK = "#212529"
MUTED = "#6c757d"


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[int | None]


def series_style(index: int) -> tuple[str, str]:
    """(colour, dash pattern) of the n-th series, shared by the charts and their legends."""
    return PALETTE[index % len(PALETTE)], DASHES[index % len(DASHES)]


def _n(value: float) -> str:
    """Coordinates with one decimal: short, deterministic markup."""
    text = f"{value:.1f}"
    return "0.0" if text == "-0.0" else text


def _point(cx: float, cy: float, radius: float, index: int, count: int) -> tuple[float, float]:
    angle = -math.pi / 2 + 2 * math.pi * index / count
    return cx + radius * math.cos(angle), cy + radius * math.sin(angle)


def _polygon(points: Sequence[tuple[float, float]]) -> str:
    return " ".join(f"{_n(x)},{_n(y)}" for x, y in points)


def radar_svg(
    axes: Sequence[str], series: Sequence[Series], *, title: str, chart_id: str = "radar"
) -> SafeString:
    """A radar chart of 1-5 scores, one polygon per series (up to four), with its legend."""
    count = len(axes)
    if count < 3:
        raise ValueError("a radar chart needs at least three axes")
    width, radius, cx, cy = 600, 130, 300, 180
    legend_top = cy + radius + 50
    height = legend_top + 22 * max(len(series), 1) if len(series) > 1 else cy + radius + 50
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'class="chart chart-radar" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="12">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(_describe(axes, series))}</desc>',
    ]
    # Rings for each level of the scale, and the spokes.
    for level in range(scoring.MIN_SCORE, scoring.MAX_SCORE + 1):
        ring = [_point(cx, cy, radius * level / scoring.MAX_SCORE, i, count) for i in range(count)]
        parts.append(f'<polygon points="{_polygon(ring)}" fill="none" stroke="{GRID}" stroke-width="1"/>')
    for i, label in enumerate(axes):
        x, y = _point(cx, cy, radius, i, count)
        parts.append(
            f'<line x1="{_n(cx)}" y1="{_n(cy)}" x2="{_n(x)}" y2="{_n(y)}" stroke="{GRID}" stroke-width="1"/>'
        )
        lx, ly = _point(cx, cy, radius + 18, i, count)
        anchor = "middle" if abs(lx - cx) < 1 else ("start" if lx > cx else "end")
        baseline = ly + 4 if abs(lx - cx) >= 1 else (ly - 2 if ly < cy else ly + 12)
        parts.append(
            f'<text x="{_n(lx)}" y="{_n(baseline)}" text-anchor="{anchor}" fill="{INK}">{escape(label)}</text>'
        )
    for level in range(scoring.MIN_SCORE, scoring.MAX_SCORE + 1):
        parts.append(
            f'<text x="{_n(cx + 3)}" y="{_n(cy - radius * level / scoring.MAX_SCORE - 2)}" '
            f'fill="{MUTED}" font-size="9">{level}</text>'
        )
    for index, item in enumerate(series):
        colour, dash = series_style(index)
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        corners = [
            _point(cx, cy, radius * (value or 0) / scoring.MAX_SCORE, i, count)
            for i, value in enumerate(item.values)
        ]
        parts.append(
            f'<polygon points="{_polygon(corners)}" fill="{colour}" fill-opacity="0.12" '
            f'stroke="{colour}" stroke-width="2"{dash_attr} stroke-linejoin="round"/>'
        )
        for (x, y), axis, value in zip(corners, axes, item.values, strict=True):
            if value is None:
                continue
            parts.append(
                f'<circle cx="{_n(x)}" cy="{_n(y)}" r="3.5" fill="{colour}">'
                f"<title>{escape(item.label)}: {escape(axis)} {value} of {scoring.MAX_SCORE}</title></circle>"
            )
    if len(series) > 1:
        for index, item in enumerate(series):
            colour, dash = series_style(index)
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            y = legend_top + 22 * index
            parts.append(
                f'<line x1="20" y1="{y}" x2="52" y2="{y}" stroke="{colour}" stroke-width="3"{dash_attr}/>'
                f'<text x="60" y="{y + 4}" fill="{INK}">{escape(_truncate(item.label, 60))}</text>'
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every piece of text above is escaped  # bandit: every text piece is escaped above  # nosec B308 B703


def _truncate(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def _describe(axes: Sequence[str], series: Sequence[Series]) -> str:
    sentences = []
    for item in series:
        scores = ", ".join(
            f"{axis} {value if value is not None else 'not scored'}"
            for axis, value in zip(axes, item.values, strict=True)
        )
        sentences.append(f"{item.label}: {scores}.")
    return f"Scores from {scoring.MIN_SCORE} to {scoring.MAX_SCORE}. " + " ".join(sentences)


def trend_svg(
    points: Sequence[tuple[str, Decimal | None]], *, title: str, chart_id: str = "trend"
) -> SafeString:
    """A line of weighted totals (0-100) over successive evaluations, oldest first."""
    width, height, left, right, top, bottom = 480, 180, 36, 16, 14, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'class="chart chart-trend" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="11">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        '<desc id="{}-desc">{}</desc>'.format(
            chart_id,
            escape(
                "Weighted totals from 0 to 100, oldest first: "
                + "; ".join(
                    f"{label} {total if total is not None else 'not scored'}" for label, total in points
                )
                + "."
            ),
        ),
    ]
    for tick in (0, 25, 50, 75, 100):
        y = top + plot_h * (1 - tick / 100)
        parts.append(
            f'<line x1="{left}" y1="{_n(y)}" x2="{width - right}" y2="{_n(y)}" stroke="{GRID}" stroke-width="1"/>'
            f'<text x="{left - 6}" y="{_n(y + 4)}" text-anchor="end" fill="{MUTED}">{tick}</text>'
        )
    step = plot_w / max(len(points) - 1, 1)
    coordinates = []
    for index, (label, total) in enumerate(points):
        x = left + (step * index if len(points) > 1 else plot_w / 2)
        parts.append(
            f'<text x="{_n(x)}" y="{height - 12}" text-anchor="middle" fill="{MUTED}">{escape(label)}</text>'
        )
        if total is not None:
            y = top + plot_h * (1 - float(total) / 100)
            coordinates.append((x, y, label, total))
    if len(coordinates) > 1:
        path = " ".join(f"{_n(x)},{_n(y)}" for x, y, _label, _total in coordinates)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{PALETTE[0]}" stroke-width="2"/>')
    for x, y, label, total in coordinates:
        parts.append(
            f'<circle cx="{_n(x)}" cy="{_n(y)}" r="4" fill="{PALETTE[0]}">'
            f"<title>{escape(label)}: {total}</title></circle>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every piece of text above is escaped  # bandit: every text piece is escaped above  # nosec B308 B703
