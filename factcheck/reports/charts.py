"""Small SVG charts rendered on the server: readable without JavaScript, no chart library.

Each chart returns markup built only from numbers and escaped labels.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from factcheck.i18n import local_number


@dataclass(frozen=True)
class Series:
    name: str
    css_class: str
    values: Sequence[int]


def _nice_max(value: int) -> int:
    if value <= 5:
        return 5
    magnitude = 10 ** (len(str(value)) - 1)
    return ((value + magnitude - 1) // magnitude) * magnitude


def bar_chart(labels: Sequence[str], series: Sequence[Series], *, title: str) -> Markup:
    """Grouped vertical bars, one group per label (days, verdicts, people)."""
    width, height, left, bottom, top = 640, 220, 36, 40, 10
    plot_w, plot_h = width - left - 10, height - bottom - top
    peak = _nice_max(max((v for s in series for v in s.values), default=0))
    group_w = plot_w / max(len(labels), 1)
    bar_w = max(group_w * 0.8 / max(len(series), 1), 1)
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" preserveAspectRatio="xMidYMid meet">',
        f"<title>{escape(title)}</title>",
    ]
    for tick in range(5):
        value = peak * tick // 4
        y = top + plot_h - plot_h * tick / 4
        parts.append(
            f'<line class="grid" x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}"/>'
        )
        tick_text = escape(local_number(value))
        parts.append(f'<text class="tick" x="{left - 4}" y="{y + 4:.1f}">{tick_text}</text>')
    every = max(1, len(labels) // 10)
    for index, label in enumerate(labels):
        x0 = left + index * group_w + group_w * 0.1
        for position, s in enumerate(series):
            value = s.values[index]
            bar_h = plot_h * value / peak if peak else 0
            x = x0 + position * bar_w
            y = top + plot_h - bar_h
            parts.append(
                f'<rect class="{escape(s.css_class)}" x="{x:.1f}" y="{y:.1f}" '
                f'width="{bar_w:.1f}" height="{bar_h:.1f}"><title>{escape(label)}: '
                f"{escape(local_number(value))} {escape(s.name)}</title></rect>"
            )
        if index % every == 0:
            parts.append(
                f'<text class="label" x="{x0 + group_w * 0.4:.1f}" y="{height - bottom + 16}">'
                f"{escape(label)}</text>"
            )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every label above went through escape()
