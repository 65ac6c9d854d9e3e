"""Server-side SVG charts: a horizontal bar chart and a monthly column or line chart, as safe strings for the
templates (and the PDF reports). No JavaScript, no external library.

Accessible and printable: each chart is `role="img"` labelled by its `<title>` and `<desc>` (the desc lists
every value), and every value is printed as text next to its bar or point, so nothing is told by colour alone.
All text is escaped with `django.utils.html.escape`.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

FONT_FAMILY = "'Noto Sans CJK SC', sans-serif"
FONT_SIZE = 13
BAR_WIDTH = 420  # user units; the chart scales to its box, so a narrower canvas keeps text legible in half-width panels
MONTH_WIDTH = 480
BAR_FILL = "#b71c1c"
COLUMN_FILL = "#0d47a1"
MUTED = "#616161"
INK = "#212121"
EMPTY_TEXT = "暂无数据"
_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")


@dataclass(frozen=True)
class Bar:
    """One bar: its label, its value and, optionally, the list behind the number."""

    label: str
    value: int | float
    url: str = ""


def _number(value: int | float) -> str:
    return str(value) if isinstance(value, int) else f"{value:g}"


def text_width(text: str, size: float = FONT_SIZE) -> float:
    """Approximate rendered width, erring wide: CJK, full-width and general punctuation (—, …) take one em,
    the others about 0.6 em."""
    return sum(size if ord(char) >= 0x2000 else size * 0.6 for char in text)


def _clip(text: str, width: float, size: float = FONT_SIZE) -> str:
    if text_width(text, size) <= width:
        return text
    while text and text_width(text + "…", size) > width:
        text = text[:-1]
    return text + "…"


def _check_id(chart_id: str) -> str:
    if not _ID.match(chart_id):
        raise ValueError(f"chart_id must be a plain identifier, not {chart_id!r}")
    return chart_id


def _svg(chart_id: str, title: str, desc: str, width: float, height: float, body: list[str]) -> SafeString:
    chart_id = _check_id(chart_id)
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="{width:.0f}" height="{height:.0f}" preserveAspectRatio="xMinYMin meet" '
        f'font-family="{FONT_FAMILY}" font-size="{FONT_SIZE}">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>'
    )
    return mark_safe(head + "".join(body) + "</svg>")  # noqa: S308 — every interpolated text is escaped


def _describe(pairs: Sequence[tuple[str, int | float]], unit: str) -> str:
    if not pairs:
        return EMPTY_TEXT
    return "；".join(f"{label}：{_number(value)}{unit}" for label, value in pairs)


def _empty(width: float, height: float) -> str:
    return f'<text x="{width / 2:.0f}" y="{height / 2 + 5:.0f}" text-anchor="middle" fill="{MUTED}">{EMPTY_TEXT}</text>'


def bar_chart(
    *,
    chart_id: str,
    title: str,
    bars: Sequence[Bar | tuple[str, int | float]],
    unit: str = "",
    desc: str = "",
    width: float = BAR_WIDTH,
) -> SafeString:
    """Horizontal bars, one row per item: label, bar scaled to the largest value, the value as text."""
    bars = [bar if isinstance(bar, Bar) else Bar(*bar) for bar in bars]
    row, top = 28, 8
    height = max(len(bars), 1) * row + top * 2
    description = desc or _describe([(bar.label, bar.value) for bar in bars], unit)
    if not bars:
        return _svg(chart_id, title, description, width, height, [_empty(width, height)])
    label_width = min(max(text_width(bar.label) for bar in bars) + 12, width * 0.45)
    value_room = max(text_width(_number(bar.value) + unit) for bar in bars) + 12
    bar_room = width - label_width - value_room
    largest = max(bar.value for bar in bars) or 1
    body = []
    for index, bar in enumerate(bars):
        y = top + index * row
        length = bar_room * bar.value / largest if bar.value > 0 else 0
        value = escape(_number(bar.value) + unit)
        parts = (
            f"<g><title>{escape(bar.label)}：{value}</title>"
            f'<text x="{label_width - 8:.1f}" y="{y + 19}" text-anchor="end" fill="{INK}">'
            f"{escape(_clip(bar.label, label_width - 12))}</text>"
            f'<rect x="{label_width:.1f}" y="{y + 5}" width="{length:.1f}" height="18" fill="{BAR_FILL}"/>'
            f'<text x="{label_width + length + 6:.1f}" y="{y + 19}" fill="{INK}" font-weight="bold">{value}</text>'
            "</g>"
        )
        body.append(f'<a href="{escape(bar.url)}">{parts}</a>' if bar.url else parts)
    return _svg(chart_id, title, description, width, height, body)


def month_label(month: date) -> str:
    return f"{month.year}年{month.month}月"


def monthly_chart(
    *,
    chart_id: str,
    title: str,
    months: Sequence[date],
    values: Sequence[int | float],
    unit: str = "",
    style: str = "column",
    desc: str = "",
    width: float = MONTH_WIDTH,
) -> SafeString:
    """One value per month as columns (`style="column"`) or a line with points (`style="line"`), each value
    printed above its month; the month under the axis, the year under January and under the first month."""
    if len(months) != len(values):
        raise ValueError("months and values must have the same length")
    if style not in {"column", "line"}:
        raise ValueError("style must be 'column' or 'line'")
    height, left, right, top, bottom = 210.0, 12.0, 12.0, 26.0, 46.0
    description = desc or _describe([(month_label(m), v) for m, v in zip(months, values, strict=True)], unit)
    if not months:
        return _svg(chart_id, title, description, width, height, [_empty(width, height)])
    plot_height = height - top - bottom
    baseline = top + plot_height
    slot = (width - left - right) / len(months)
    largest = max(values) or 1
    body = [f'<line x1="{left}" y1="{baseline}" x2="{width - right}" y2="{baseline}" stroke="{MUTED}"/>']
    points = []
    for index, (month, value) in enumerate(zip(months, values, strict=True)):
        centre = left + slot * (index + 0.5)
        y = baseline - plot_height * max(value, 0) / largest
        points.append((centre, y))
        if style == "column":
            column = slot * 0.6
            body.append(
                f'<rect x="{centre - column / 2:.1f}" y="{y:.1f}" width="{column:.1f}" '
                f'height="{baseline - y:.1f}" fill="{COLUMN_FILL}"/>'
            )
        body.append(
            f'<text x="{centre:.1f}" y="{y - 6:.1f}" text-anchor="middle" fill="{INK}" font-weight="bold">'
            f"{escape(_number(value))}</text>"
        )
        body.append(
            f'<text x="{centre:.1f}" y="{baseline + 17:.1f}" text-anchor="middle" fill="{INK}">{month.month}月</text>'
        )
        if index == 0 or month.month == 1:
            body.append(
                f'<text x="{centre:.1f}" y="{baseline + 34:.1f}" text-anchor="middle" fill="{MUTED}" '
                f'font-size="11">{month.year}年</text>'
            )
    if style == "line":
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        marks = "".join(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{COLUMN_FILL}"/>' for x, y in points)
        body.insert(1, f'<polyline points="{path}" fill="none" stroke="{COLUMN_FILL}" stroke-width="2"/>{marks}')
    return _svg(chart_id, title, description, width, height, body)
