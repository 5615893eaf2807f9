"""Charts drawn on the server as inline SVG: they need no JavaScript and no CDN, and print."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

FONT = 'font-family="Noto Sans CJK SC, Microsoft YaHei, sans-serif" font-size="12"'


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    color: str = "#4472c4"
    text: str = ""  # shown at the end of the bar; defaults to the value


LABEL_CHARS = 19


def _fit(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def horizontal_bars(
    bars: Sequence[Bar], *, title: str, maximum: float | None = None, width: int = 640
) -> SafeString:
    """One labelled bar per row (业绩榜, light counts). Labels are escaped here."""
    # Room for a rank and a full office name (1. 各县区委创先争优活动办公室); a longer one ends
    # in … and shows whole on hover.
    row, label_w, pad = 22, 250, 8
    top = 28
    height = top + row * max(len(bars), 1) + pad
    top_value = maximum if maximum is not None else max((b.value for b in bars), default=0)
    scale = (width - label_w - 70) / top_value if top_value else 0
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="ledger-chart" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" {FONT}>',
        f"<title>{escape(title)}</title>",
        f'<text x="0" y="16" font-weight="bold" font-size="14">{escape(title)}</text>',
    ]
    for i, bar in enumerate(bars):
        y = top + i * row
        w = max(bar.value * scale, 0)
        shown = bar.text or f"{bar.value:g}"
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end">{escape(_fit(bar.label))}'
            f"<title>{escape(bar.label)}</title></text>"
            f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row - 6}" '
            f'fill="{escape(bar.color)}"><title>{escape(bar.label)}: {escape(shown)}</title></rect>'
            f'<text x="{label_w + w + 4:.1f}" y="{y + 15}">{escape(shown)}</text>'
        )
    if not bars:
        parts.append(f'<text x="{label_w}" y="{top + 15}" fill="#777">暂无数据</text>')
    parts.append("</svg>")
    # Safe: every piece of text above went through escape().
    return mark_safe("".join(parts))


def grouped_columns(
    labels: Sequence[str],
    series: Sequence[tuple[str, str, Sequence[int]]],
    *,
    title: str,
    width: int = 640,
    height: int = 240,
) -> SafeString:
    """Columns per label, one per series (name, colour, values): the weekly trend."""
    left, bottom, top = 36, 36, 44
    plot_h = height - top - bottom
    plot_w = width - left - 8
    top_value = max((v for _n, _c, values in series for v in values), default=0) or 1
    slot = plot_w / max(len(labels), 1)
    col_w = max(slot * 0.8 / max(len(series), 1), 2)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="ledger-chart" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" {FONT}>',
        f"<title>{escape(title)}</title>",
        f'<text x="0" y="16" font-weight="bold" font-size="14">{escape(title)}</text>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 8}" y2="{top + plot_h}" '
        f'stroke="#999"/>',
        f'<text x="{left - 4}" y="{top + 4}" text-anchor="end">{top_value}</text>',
        f'<text x="{left - 4}" y="{top + plot_h}" text-anchor="end">0</text>',
    ]
    for s, (name, color, _values) in enumerate(series):
        key_x = left + s * 90
        parts.append(
            f'<rect x="{key_x}" y="24" width="10" height="10" fill="{escape(color)}"/>'
            f'<text x="{key_x + 14}" y="33">{escape(name)}</text>'
        )
    for i, label in enumerate(labels):
        x0 = left + i * slot + slot * 0.1
        for s, (name, color, values) in enumerate(series):
            value = values[i]
            h = plot_h * value / top_value
            x = x0 + s * col_w
            parts.append(
                f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{col_w:.1f}" '
                f'height="{h:.1f}" fill="{escape(color)}"><title>{escape(label)} '
                f"{escape(name)}: {value}</title></rect>"
            )
        if len(labels) <= 16:
            parts.append(
                f'<text x="{x0 + slot * 0.4:.1f}" y="{top + plot_h + 16}" '
                f'text-anchor="middle" font-size="10">{escape(label)}</text>'
            )
    parts.append("</svg>")
    # Safe: every piece of text above went through escape().
    return mark_safe("".join(parts))
