"""Charts of the report and their theme: seaborn on matplotlib, sized for an A4 page.

Every chart takes already-translated labels and a Locale for its tick labels (thousands
separators, money in k/mn, percentages, month names); none prints text of its own.
"""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402

from .i18n import Locale  # noqa: E402

WIDTH_IN = 7.2  # A4 text width minus margins, inches
PALETTE = ["#1f4e79", "#e07b39", "#4f9d69", "#c0504d", "#8064a2", "#4bacc6", "#9c8e7e", "#d4a017"]
ACCENT, GOOD, BAD, NORM = "#1f4e79", "#4f9d69", "#c0504d", "#7f7f7f"


def use_theme(loc: Locale | None = None) -> None:
    """Seaborn theme for all report charts: white grid, DejaVu Sans (Cyrillic and Polish), SVG text as paths."""
    sns.set_theme(style="whitegrid", palette=PALETTE, font="DejaVu Sans", rc={
        "figure.dpi": 110, "savefig.dpi": 110, "svg.fonttype": "path",
        "axes.titlesize": 11, "axes.titleweight": "bold", "axes.titlelocation": "left",
        "axes.labelsize": 9, "xtick.labelsize": 8.5, "ytick.labelsize": 8.5, "legend.fontsize": 8.5,
        "legend.frameon": False, "axes.spines.top": False, "axes.spines.right": False,
        "figure.autolayout": False,
    })


def new(height: float = 3.0, ncols: int = 1, width: float = WIDTH_IN, **kw):
    fig, axes = plt.subplots(1, ncols, figsize=(width, height), layout="constrained", **kw)
    return fig, axes


def money_axis(ax, loc: Locale, axis: str = "y") -> None:
    """Money ticks in k / mn (the currency is named in the axis label)."""
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(FuncFormatter(lambda v, _: loc.short(v) if v else "0"))


def number_axis(ax, loc: Locale, axis: str = "y", integer: bool = True) -> None:
    target = ax.yaxis if axis == "y" else ax.xaxis
    if integer:
        target.set_major_locator(MaxNLocator(integer=True))
    target.set_major_formatter(FuncFormatter(lambda v, _: loc.number(v)))


def pct_axis(ax, loc: Locale, axis: str = "y", digits: int = 0) -> None:
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(FuncFormatter(lambda v, _: loc.pct(v, digits)))


def top_legend(ax, handles, labels) -> None:
    """The legend in one row above the plot, right-aligned, so it never covers the data."""
    ax.legend(handles, labels, loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=min(len(labels), 5),
              borderaxespad=0.2, handlelength=1.5, columnspacing=1.0)
    ax.set_title(ax.get_title(loc="left"), loc="left", pad=22)  # the title above the legend row


AXIS_FORMATS = {"money": money_axis, "number": number_axis, "pct": pct_axis}


def _period_labels(periods, loc: Locale, freq: str) -> list[str]:
    return [loc.period(p, freq) for p in periods]


def _sparse_xticks(ax, labels: list[str], max_chars: int = 84) -> None:
    """Every k-th period label so that the labels fit the width side by side without overlapping."""
    width = max((len(s) for s in labels), default=1) + 2
    step = max(1, int(np.ceil(len(labels) * width / max_chars)))
    ax.set_xticks(range(0, len(labels), step))
    ax.set_xticklabels(labels[::step], rotation=0, ha="center")


def period_bars(values: pd.Series, loc: Locale, freq: str, title: str, ylabel: str, fmt: str = "money",
                line: pd.Series | None = None, line_label: str | None = None, line_fmt: str = "number"):
    """Bars per period (e.g. revenue per month), optionally with a line on a second axis."""
    fig, ax = new()
    labels = _period_labels(values.index, loc, freq)
    x = np.arange(len(values))
    ax.bar(x, values.to_numpy(dtype=float), color=ACCENT, width=0.75, label=ylabel)
    AXIS_FORMATS[fmt](ax, loc)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    if line is not None:
        ax2 = ax.twinx()
        ax2.plot(x, line.to_numpy(dtype=float), color=PALETTE[1], marker="o", markersize=3, label=line_label)
        AXIS_FORMATS[line_fmt](ax2, loc)
        ax2.set_ylabel(line_label)
        ax2.grid(False)
        ax2.set_ylim(bottom=0)
        handles = ax.get_legend_handles_labels()[0] + ax2.get_legend_handles_labels()[0]
        top_legend(ax, handles, [ylabel, line_label])
    _sparse_xticks(ax, labels)
    return fig


def lines(frame: pd.DataFrame, loc: Locale, title: str, ylabel: str, fmt: str = "money",
          x_labels: list[str] | None = None, norm: float | None = None, norm_label: str | None = None,
          height: float = 3.0):
    """One line per column of `frame` over its index (already ordered); optional norm line."""
    fig, ax = new(height)
    x = np.arange(len(frame))
    for i, col in enumerate(frame.columns):
        ax.plot(x, frame[col].to_numpy(dtype=float), marker="o", markersize=3, linewidth=1.8,
                color=PALETTE[i % len(PALETTE)], label=str(col))
    if norm is not None:
        ax.axhline(norm, color=NORM, linestyle="--", linewidth=1.2, label=norm_label)
    AXIS_FORMATS[fmt](ax, loc)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    _sparse_xticks(ax, x_labels if x_labels is not None else [str(i) for i in frame.index])
    if len(frame.columns) > 1 or norm is not None:
        top_legend(ax, *ax.get_legend_handles_labels())
    return fig


def hbars(values: pd.Series, loc: Locale, title: str, xlabel: str, fmt: str = "money",
          norm: float | None = None, norm_label: str | None = None, highlight_below_norm: bool = True):
    """Horizontal bars per category (managers, segments...), largest first; bars under the norm in red."""
    values = values.sort_values(ascending=True)
    fig, ax = new(max(2.2, 0.28 * len(values) + 0.9))
    colors = [BAD if (norm is not None and highlight_below_norm and v < norm) else ACCENT for v in values]
    ax.barh([str(i) for i in values.index], values.to_numpy(dtype=float), color=colors, height=0.7)
    if norm is not None:
        ax.axvline(norm, color=NORM, linestyle="--", linewidth=1.2, label=norm_label)
        ax.legend(loc="lower right")
    AXIS_FORMATS[fmt](ax, loc, axis="x")
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    ax.grid(axis="y", visible=False)
    return fig


def heatmap_on(ax, frame: pd.DataFrame, loc: Locale, title: str, fmt: str = "number", cmap: str = "Blues",
               xlabel: str = "", ylabel: str = "", center=None, vmin=None, vmax=None) -> None:
    """Draw an annotated heatmap on `ax`; annotations use the report's number format."""
    values = frame.astype(float)
    annot = values.map(lambda v: "" if pd.isna(v) else
                       (loc.pct(v, 0) if fmt == "pct" else loc.money_short(v) if fmt == "money" else loc.number(v)))
    sns.heatmap(values, annot=annot.to_numpy(), fmt="", cmap=cmap, cbar=False, ax=ax, linewidths=0.5,
                linecolor="white", center=center, vmin=vmin, vmax=vmax, annot_kws={"fontsize": 8})
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.tick_params(axis="x", rotation=0)
    ax.tick_params(axis="y", rotation=0)


def heatmap(frame: pd.DataFrame, loc: Locale, title: str, height: float | None = None, **kw):
    """A figure with one annotated heatmap (see heatmap_on for the options)."""
    fig, ax = new(height or max(2.4, 0.36 * len(frame) + 1.2))
    heatmap_on(ax, frame, loc, title, **kw)
    return fig


def lorenz(cum_share_clients: np.ndarray, cum_share_revenue: np.ndarray, loc: Locale, title: str,
           xlabel: str, ylabel: str, marks: dict[str, tuple[float, float]]):
    """Cumulative revenue share against cumulative share of clients (largest first), with marked points."""
    fig, ax = new(3.0)
    ax.plot(np.r_[0, cum_share_clients], np.r_[0, cum_share_revenue], color=ACCENT, linewidth=2)
    ax.plot([0, 1], [0, 1], color=NORM, linestyle=":", linewidth=1)
    for label, (x, y) in marks.items():
        ax.scatter([x], [y], color=PALETTE[1], zorder=3, s=18)
        ax.annotate(label, (x, y), textcoords="offset points", xytext=(8, -12), fontsize=8.5)
    pct_axis(ax, loc, "x")
    pct_axis(ax, loc, "y")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    return fig
