"""Inline SVG bar charts for the staff pages: no JavaScript, scale to any width (viewBox), and readable by
screen readers (role="img" with a title and a description that lists every value)."""

from __future__ import annotations

from markupsafe import Markup, escape

WIDTH = 600
BAR = 22
LABEL = 22
GAP = 14


def bar_chart(items: list[tuple[str, int | float | str]], title: str, *, unit: str = "") -> Markup:
    """Horizontal bars, each with its label above it and its value at its end. A value that is not a number
    (a suppressed "*") is drawn with no bar and shown as it is."""
    numbers = [v for _, v in items if isinstance(v, int | float)]
    top = max(numbers, default=0) or 1
    row = LABEL + BAR + GAP
    height = max(row * len(items), row)
    chart_id = "chart-" + str(abs(hash(title)) % 10**8)
    description = "; ".join(f"{label}: {value}{unit}" for label, value in items) or "No data"
    parts = [f'<svg class="staff-chart" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" role="img" '
             f'aria-labelledby="{chart_id}-title {chart_id}-desc" xmlns="http://www.w3.org/2000/svg">',
             f'<title id="{chart_id}-title">{escape(title)}</title><desc id="{chart_id}-desc">{escape(description)}</desc>']
    for i, (label, value) in enumerate(items):
        y = i * row
        length = int((WIDTH - 80) * value / top) if isinstance(value, int | float) else 0
        parts.append(f'<text class="staff-chart__label" x="0" y="{y + 16}">{escape(label)}</text>')
        if length:
            parts.append(f'<rect class="staff-chart__bar" x="0" y="{y + LABEL}" width="{length}" height="{BAR}"/>')
        parts.append(f'<text class="staff-chart__label" x="{length + 6}" y="{y + LABEL + 16}">{escape(value)}{unit}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
