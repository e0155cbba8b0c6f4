"""Charts as PNG bytes: the weekly trend (line), categories (bar), a ranking (horizontal bar).

A server must not use pyplot (global figures, a GUI backend): each chart is its own `Figure` on an Agg
canvas, and every piece of text gets the shipped CJK font explicitly, so no global rcParams change and
no system font is involved. Synchronous and CPU-bound: call through `asyncio.to_thread` from async code.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

from app.documents.typeface import chart_font

DPI = 150
COLOURS = ("#c0392b", "#2e86c1", "#27ae60", "#8e44ad")


def _figure(width: float, height: float) -> tuple[Figure, Axes]:
    figure = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    return figure, figure.add_subplot()


def _finish(figure: Figure, ax: Axes, title: str) -> bytes:
    font = chart_font()
    ax.set_title(title, fontproperties=font, fontsize=13)
    # Ticks made at draw time (new locations) take the family from here, the current ones below.
    ax.tick_params(axis="both", labelfontfamily=font.get_family()[0])
    for label in (*ax.get_xticklabels(), *ax.get_yticklabels()):
        label.set_fontproperties(font)
    ax.spines[["top", "right"]].set_visible(False)
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=DPI)
    return out.getvalue()


def trend_chart(title: str, labels: Sequence[str], series: dict[str, Sequence[int]]) -> bytes:
    """One line per named series (e.g. 受理 / 办结) over the week buckets."""
    figure, ax = _figure(7.2, 3.4)
    font = chart_font()
    positions = list(range(len(labels)))
    for colour, (name, values) in zip(COLOURS, series.items(), strict=False):
        ax.plot(positions, list(values), marker="o", color=colour, label=name)
    crowded = sum(len(label) for label in labels) > 36
    ax.set_xticks(positions, list(labels), rotation=30 if crowded else 0, ha="right" if crowded else "center")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("件数", fontproperties=font)
    ax.set_ylim(bottom=0)
    ax.grid(axis="y", alpha=0.3)
    if series:
        ax.legend(prop=font, frameon=False)
    return _finish(figure, ax, title)


def category_chart(title: str, names: Sequence[str], counts: Sequence[int]) -> bytes:
    figure, ax = _figure(7.2, 3.4)
    font = chart_font()
    bars = ax.bar(list(names), list(counts), color=COLOURS[1])
    ax.bar_label(bars, fontproperties=font, fontsize=9)
    ax.tick_params(axis="x", labelrotation=30 if len(names) > 5 else 0)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("件数", fontproperties=font)
    return _finish(figure, ax, title)


def ranking_chart(title: str, names: Sequence[str], rates: Sequence[float | None]) -> bytes:
    """Units top to bottom in rank order; a rate with nothing to measure is drawn as 0 and labelled 无."""
    height = max(2.4, 0.32 * len(names) + 1.0)
    figure, ax = _figure(7.2, height)
    font = chart_font()
    values = [r or 0.0 for r in rates]
    bars = ax.barh(list(names), values, color=COLOURS[0])
    ax.invert_yaxis()  # rank 1 on top
    ax.bar_label(
        bars,
        labels=["无" if r is None else f"{r:.0%}" for r in rates],
        fontproperties=font,
        fontsize=9,
        padding=2,
    )
    ax.set_xlim(0, 1.1)
    ax.xaxis.set_major_formatter(PercentFormatter(xmax=1))
    return _finish(figure, ax, title)
