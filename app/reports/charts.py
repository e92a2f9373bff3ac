"""Server-drawn SVG charts (plain strings, no script, no library) for report pages and their PDFs.

Every piece of text that reaches the SVG is escaped here (labels can be company or cluster
names typed by people). The charts name NanumSquare as their font: WeasyPrint draws SVG text
with the document's @font-face fonts, so a printed report embeds no other font, and browsers
fall back to their own sans-serif.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from html import escape

from markupsafe import Markup

FONT = "NanumSquare, 'Malgun Gothic', 'Apple SD Gothic Neo', sans-serif"
# Colour-blind-safe pair (Okabe-Ito blue and orange) and a neutral for remainders.
COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7")
MUTED = "#C8CDD2"


@dataclasses.dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float]
    colour: str = COLOURS[0]


def _e(text) -> str:
    return escape(str(text), quote=True)


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _nice_max(value: float, ticks: int = 4) -> float:
    """A round axis maximum at or above ``value`` that splits into ``ticks`` whole steps of
    1, 2 or 5 x 10^n (counts get whole-number gridlines)."""
    if value <= 0:
        return ticks
    target = value / ticks
    magnitude = 1
    while magnitude * 10 <= target:
        magnitude *= 10
    for step in (1, 2, 5, 10):
        if target <= step * magnitude:
            return step * magnitude * ticks
    return 10 * magnitude * ticks


def _clip(text: str, limit: int) -> str:
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _svg(width: int, height: int, title: str, body: list[str]) -> Markup:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'font-family="{_e(FONT)}" font-size="11">'
        f"<title>{_e(title)}</title>"
    )
    return Markup(head + "".join(body) + "</svg>")


def _legend(series: Sequence[Series], x: float, y: float) -> list[str]:
    parts = []
    for s in series:
        parts.append(f'<rect x="{_num(x)}" y="{_num(y - 9)}" width="10" height="10" fill="{_e(s.colour)}"/>')
        parts.append(f'<text x="{_num(x + 14)}" y="{_num(y)}">{_e(s.name)}</text>')
        x += 24 + 11 * len(s.name)
    return parts


def bar_chart(
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    sublabels: Sequence[str] | None = None,
    width: int = 640,
    height: int = 240,
) -> Markup:
    """Vertical bars, one group per label (side by side when there are several series),
    each bar with its value on top; ``sublabels`` go under the labels (e.g. '행사 3건')."""
    top, bottom, left, right = 34, 44 if sublabels else 30, 34, 10
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = _nice_max(max((v for s in series for v in s.values), default=0))
    parts = _legend(series, left, 14) if len(series) > 1 else []
    for i in range(5):  # grid lines and axis values
        value = peak * i / 4
        y = top + plot_h - plot_h * i / 4
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{_num(y)}" y2="{_num(y)}" stroke="#e3e6e8"/>')
        parts.append(f'<text x="{left - 4}" y="{_num(y + 4)}" text-anchor="end" fill="#555">{_num(value)}</text>')
    n = max(len(labels), 1)
    group_w = plot_w / n
    bar_w = min(40.0, group_w * 0.8 / max(len(series), 1))
    every = -(-n // 12)  # label at most 12 groups
    for i, label in enumerate(labels):
        gx = left + group_w * i + (group_w - bar_w * len(series)) / 2
        for j, s in enumerate(series):
            value = s.values[i] if i < len(s.values) else 0
            h = plot_h * value / peak
            x, y = gx + bar_w * j, top + plot_h - h
            parts.append(
                f'<rect x="{_num(x)}" y="{_num(y)}" width="{_num(bar_w - 1)}" height="{_num(h)}" fill="{_e(s.colour)}">'
                f"<title>{_e(label)} · {_e(s.name)}: {_num(value)}</title></rect>"
            )
            if bar_w >= 14:
                parts.append(
                    f'<text x="{_num(x + bar_w / 2)}" y="{_num(y - 3)}" text-anchor="middle" '
                    f'font-size="9">{_num(value)}</text>'
                )
        cx = left + group_w * (i + 0.5)
        if i % every:  # too many groups for every label (a long period of months)
            continue
        parts.append(
            f'<text x="{_num(cx)}" y="{_num(top + plot_h + 14)}" text-anchor="middle">{_e(_clip(label, 10))}</text>'
        )
        if sublabels:
            parts.append(
                f'<text x="{_num(cx)}" y="{_num(top + plot_h + 28)}" text-anchor="middle" fill="#555" '
                f'font-size="9">{_e(_clip(sublabels[i], 10))}</text>'
            )
    parts.append(f'<line x1="{left}" x2="{width - right}" y1="{top + plot_h}" y2="{top + plot_h}" stroke="#888"/>')
    return _svg(width, height, title, parts)


def hbar_chart(
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    stacked: bool = False,
    width: int = 640,
    label_width: int = 170,
) -> Markup:
    """Horizontal bars, one row per label: series side by side, or end to end when ``stacked``
    (e.g. attended + not attended = confirmed). Values are written after the bars."""
    row_h = 26 if stacked or len(series) == 1 else 12 * len(series) + 10
    top, right = 28 if len(series) > 1 else 8, 110 if stacked else 40
    height = top + row_h * max(len(labels), 1) + 6
    plot_w = width - label_width - right
    totals = [
        sum(s.values[i] for s in series) if stacked else max(s.values[i] for s in series) for i in range(len(labels))
    ]
    peak = _nice_max(max(totals, default=0))
    parts = _legend(series, label_width, 14) if len(series) > 1 else []
    for i, label in enumerate(labels):
        y0 = top + row_h * i
        parts.append(
            f'<text x="{label_width - 6}" y="{_num(y0 + row_h / 2 + 4)}" text-anchor="end">'
            f"{_e(_clip(label, 16))}</text>"
        )
        x = float(label_width)
        for j, s in enumerate(series):
            value = s.values[i]
            w = plot_w * value / peak
            if stacked:
                y, h = y0 + 4, row_h - 8
            else:
                h = (row_h - 8) / len(series)
                y, x = y0 + 4 + h * j, float(label_width)
            parts.append(
                f'<rect x="{_num(x)}" y="{_num(y)}" width="{_num(w)}" height="{_num(max(h - 1, 1))}" '
                f'fill="{_e(s.colour)}">'
                f"<title>{_e(label)} · {_e(s.name)}: {_num(value)}</title></rect>"
            )
            if not stacked:
                parts.append(
                    f'<text x="{_num(x + w + 4)}" y="{_num(y + h / 2 + 3)}" font-size="9">{_num(value)}</text>'
                )
            else:
                x += w
        if stacked:
            parts.append(
                f'<text x="{_num(x + 4)}" y="{_num(y0 + row_h / 2 + 4)}" font-size="10">'
                f"{_e(' / '.join(f'{s.name} {_num(s.values[i])}' for s in series))}</text>"
            )
    parts.append(f'<line x1="{label_width}" x2="{label_width}" y1="{top}" y2="{height - 6}" stroke="#888"/>')
    return _svg(width, height, title, parts)
