"""Charts of the report and their theme: seaborn on matplotlib, sized for an A4 page.

Every chart takes already-translated labels and a Locale for its tick labels (thousands
separators, money in k/mn, percentages, month names); none prints text of its own.
"""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
# Every text is plain: a client's "$" (a name, a segment, a currency) never starts mathtext, which
# would print it in italics or fail on "$$" (also for charts drawn without use_theme)
matplotlib.rcParams["text.parse_math"] = False

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402
from matplotlib.ticker import Formatter, MaxNLocator  # noqa: E402

from auditkit.i18n import Locale  # noqa: E402

WIDTH_IN = 7.2  # A4 text width minus margins, inches
HALF_IN = 3.55  # a chart shown beside another one (figure class ak-half), inches
PALETTE = ["#1f4e79", "#e07b39", "#4f9d69", "#c0504d", "#8064a2", "#4bacc6", "#9c8e7e", "#d4a017"]
ACCENT, GOOD, BAD, NORM = "#1f4e79", "#4f9d69", "#c0504d", "#7f7f7f"
# behind a bar's value: grid, norm and cumulative lines pass under the number, never through it
VALUE_BOX = {"boxstyle": "square,pad=0.12", "fc": "white", "ec": "none", "alpha": 0.85}


def use_theme(loc: Locale | None = None) -> None:
    """Seaborn theme for all report charts: white grid, DejaVu Sans (Cyrillic and Polish); SVG text stays
    text (searchable in the PDF, and three times faster for WeasyPrint than glyph paths)."""
    sns.set_theme(style="whitegrid", palette=PALETTE, font="DejaVu Sans", rc={
        "figure.dpi": 110, "savefig.dpi": 110, "svg.fonttype": "none",
        "axes.titlesize": 11, "axes.titleweight": "bold", "axes.titlelocation": "left",
        "axes.labelsize": 9, "xtick.labelsize": 8.5, "ytick.labelsize": 8.5, "legend.fontsize": 8.5,
        "legend.frameon": False, "axes.spines.top": False, "axes.spines.right": False,
        "figure.autolayout": False,
    })


def new(height: float = 2.2, ncols: int = 1, width: float = WIDTH_IN, **kw):
    fig, axes = plt.subplots(1, ncols, figsize=(width, height), layout="constrained", **kw)
    return fig, axes


class Ticks(Formatter):
    """Tick labels in the report's formats (`Locale`: grouping, decimal comma, the minus sign −),
    with one number of decimals for the whole axis: the fewest (from `digits`, at most `max_digits`)
    that show every tick exactly, so 17.5%, 18%, 18.5% never print as "18%, 18%, 18%" and 5 and
    10 mn not as "5.0 mn, 10 mn". Money ticks share one unit, that of the largest tick ("0, 5 mn, 10 mn")."""

    def __init__(self, loc: Locale, kind: str = "number", digits: int = 0, max_digits: int = 3):
        self.loc, self.kind, self.min_digits, self.max_digits = loc, kind, digits, max_digits
        self.digits, self.scale = digits, (1.0, None)

    def set_locs(self, locs):
        super().set_locs(locs)
        values = sorted({float(v) for v in locs if np.isfinite(v)})
        if self.kind == "money":
            top = max((abs(v) for v in values), default=0.0)
            self.scale = next(((size, key) for size, key in ((1e9, "units.bn"), (1e6, "units.mn"), (1e3, "units.k"))
                               if top >= size), (1.0, None))
        size = 100.0 if self.kind == "pct" else self.scale[0] ** -1
        for digits in range(self.min_digits, self.max_digits + 1):
            self.digits = digits
            shifted = [v * size * 10 ** digits for v in values]
            if all(abs(s - round(s)) < 1e-6 * max(1.0, abs(s)) for s in shifted):
                break

    def label(self, v: float) -> str:
        if self.kind == "pct":
            return self.loc.pct(v, self.digits)
        if self.kind == "money":
            size, unit = self.scale
            if not v or unit is None:
                return self.loc.number(v, self.digits if v else 0)
            return self.loc.t("units.scaled", value=self.loc.number(v / size, self.digits), unit=self.loc.t(unit))
        return self.loc.number(v, self.digits)

    def __call__(self, x, pos=None) -> str:
        return self.label(x)


def money_axis(ax, loc: Locale, axis: str = "y") -> None:
    """Money ticks in k / mn (the currency is named in the axis label)."""
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(Ticks(loc, "money"))


def number_axis(ax, loc: Locale, axis: str = "y", integer: bool = True) -> None:
    target = ax.yaxis if axis == "y" else ax.xaxis
    if integer:
        target.set_major_locator(MaxNLocator(nbins=6, integer=True))
    target.set_major_formatter(Ticks(loc, "number", max_digits=0 if integer else 3))


def pct_axis(ax, loc: Locale, axis: str = "y", digits: int = 0) -> None:
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(Ticks(loc, "pct", digits))


def _set_title(ax, title: str, width: float) -> None:
    """The chart's title, wrapped at spaces when the chart is narrower than the page (ak-half)."""
    ax.set_title(_wrap_words([title], int(75 * width / WIDTH_IN))[0] if width < WIDTH_IN else title)


def top_legend(ax, handles, labels, ncols: int = 5) -> None:
    """The legend above the plot, right-aligned, so it never covers the data: one row of up to
    `ncols` entries (a narrow chart passes fewer: more rows), the title above its rows."""
    ncols = max(1, min(len(labels), ncols))
    ax.legend(handles, labels, loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=ncols,
              borderaxespad=0.2, handlelength=1.5, columnspacing=1.0)
    rows = -(-len(labels) // ncols)
    ax.set_title(ax.get_title(loc="left"), loc="left", pad=22 + 12 * (rows - 1))


AXIS_FORMATS = {"money": money_axis, "number": number_axis, "pct": pct_axis}


def _period_labels(periods, loc: Locale, freq: str) -> list[str]:
    return [loc.period(p, freq) for p in periods]


def _sparse_xticks(ax, labels: list[str], max_chars: int = 84) -> None:
    """Every k-th period label so that the labels fit the width side by side without overlapping."""
    width = max((len(s) for s in labels), default=1) + 2
    step = max(1, int(np.ceil(len(labels) * width / max_chars)))
    if step > 1 and len(labels) <= 6:  # a few categories (stages): every one, wrapped at spaces to fit
        ax.set_xticks(range(len(labels)))
        _fit_xticklabels(ax.figure, ax, list(labels), gap_px=4, min_size=6.5, turn=True)
        return
    ax.set_xticks(range(0, len(labels), step))
    ax.set_xticklabels(labels[::step], rotation=0, ha="center")


def period_bars(values: pd.Series, loc: Locale, freq: str, title: str, ylabel: str, fmt: str = "money",
                line: pd.Series | None = None, line_label: str | None = None, line_fmt: str = "number",
                width: float = WIDTH_IN):
    """Bars per period (e.g. revenue per month), optionally with a line on a second axis."""
    fig, ax = new(width=width)
    labels = _period_labels(values.index, loc, freq)
    x = np.arange(len(values))
    ax.bar(x, values.to_numpy(dtype=float), color=ACCENT, width=0.75, label=ylabel)
    AXIS_FORMATS[fmt](ax, loc)
    ax.set_ylabel(ylabel)
    _set_title(ax, title, width)
    if line is not None:
        ax2 = ax.twinx()
        ax2.plot(x, line.to_numpy(dtype=float), color=PALETTE[1], marker="o", markersize=3, label=line_label)
        AXIS_FORMATS[line_fmt](ax2, loc)
        ax2.set_ylabel(line_label)
        ax2.grid(False)
        ax2.set_ylim(bottom=0)
        handles = ax.get_legend_handles_labels()[0] + ax2.get_legend_handles_labels()[0]
        top_legend(ax, handles, [ylabel, line_label])
    _sparse_xticks(ax, labels, int((84 if line is None else 70) * width / WIDTH_IN))  # a second axis takes room
    return fig


def lines(frame: pd.DataFrame, loc: Locale, title: str, ylabel: str, fmt: str = "money",
          x_labels: list[str] | None = None, norm: float | None = None, norm_label: str | None = None,
          height: float = 2.2, width: float = WIDTH_IN):
    """One line per column of `frame` over its index (already ordered); optional norm line."""
    fig, ax = new(height, width=width)
    x = np.arange(len(frame))
    for i, col in enumerate(frame.columns):
        ax.plot(x, frame[col].to_numpy(dtype=float), marker="o", markersize=3, linewidth=1.8,
                color=PALETTE[i % len(PALETTE)], label=str(col))
    if norm is not None:
        ax.axhline(norm, color=NORM, linestyle="--", linewidth=1.2, label=norm_label)
    AXIS_FORMATS[fmt](ax, loc)
    ax.set_ylabel(ylabel)
    _set_title(ax, title, width)
    _sparse_xticks(ax, x_labels if x_labels is not None else [str(i) for i in frame.index], int(84 * width / WIDTH_IN))
    if len(frame.columns) > 1 or norm is not None:
        top_legend(ax, *ax.get_legend_handles_labels())
    return fig


def hbars(values: pd.Series, loc: Locale, title: str, xlabel: str, fmt: str = "money",
          norm: float | None = None, norm_label: str | None = None, highlight_below_norm: bool = True,
          width: float = WIDTH_IN, height: float | None = None):
    """Horizontal bars per category (managers, segments...), largest first, each with its value;
    bars under the norm in red."""
    values = values.sort_values(ascending=True)
    # a row per bar at least as tall as its 8.5 pt name, after the title, the norm's legend row and the x axis
    fig, ax = new(height or max(1.6, 0.15 * len(values) + 0.75 + (0.25 if norm is not None else 0)), width=width)
    colors = [BAD if (norm is not None and highlight_below_norm and v < norm) else ACCENT for v in values]
    numbers = values.to_numpy(dtype=float)
    ax.barh([str(i) for i in values.index], numbers, color=colors, height=0.7)
    for yi, v in enumerate(numbers):  # every bar carries its value, outside its end
        if np.isfinite(v):
            ax.annotate(value_label(v, loc, fmt if fmt in ("pct", "money") else "decimal"), (v, yi),
                        textcoords="offset points", xytext=(3 if v >= 0 else -3, 0), va="center",
                        ha="left" if v >= 0 else "right", fontsize=7.5, bbox=VALUE_BOX, zorder=4)
    finite = numbers[np.isfinite(numbers)]
    lo, hi = min(0.0, *finite, norm or 0.0), max(0.0, *finite, norm or 0.0)
    ax.set_xlim(lo - (hi - lo) * (0.1 if lo < 0 else 0), hi + (hi - lo) * 0.1 or 1)
    _set_title(ax, title, width)  # before the legend, which lifts the title above its row
    if norm is not None:
        ax.axvline(norm, color=NORM, linestyle="--", linewidth=1.2, label=norm_label)
        top_legend(ax, *ax.get_legend_handles_labels())
    AXIS_FORMATS[fmt](ax, loc, axis="x")
    ax.set_xlabel(xlabel)
    ax.grid(axis="y", visible=False)
    return fig


def heatmap_on(ax, frame: pd.DataFrame, loc: Locale, title: str, fmt: str = "number", cmap: str = "Blues",
               xlabel: str = "", ylabel: str = "", center=None, vmin=None, vmax=None, xrotation: float = 0,
               fit_columns: bool = False) -> None:
    """Draw an annotated heatmap on `ax`; annotations use the report's number format; `xrotation`
    turns the column labels (degrees, anchored at their right end) where they are wider than a column;
    `fit_columns` wraps each column label inside its column instead, at 7.5 pt down to 6 pt (long
    single words such as "Argumentacja" or "Приветствие" never run into the next one)."""
    values = frame.astype(float)
    annot = values.map(lambda v: "" if pd.isna(v) else
                       (loc.pct(v, 0) if fmt == "pct" else loc.money_short(v) if fmt == "money" else loc.number(v)))
    sns.heatmap(values, annot=annot.to_numpy(), fmt="", cmap=cmap, cbar=False, ax=ax, linewidths=0.5,
                linecolor="white", center=center, vmin=vmin, vmax=vmax, annot_kws={"fontsize": 8})
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.tick_params(axis="x", rotation=xrotation)
    if xrotation:
        plt.setp(ax.get_xticklabels(), ha="right", rotation_mode="anchor")
    ax.tick_params(axis="y", rotation=0)
    if fit_columns:
        _fit_xticklabels(ax.figure, ax, [str(c) for c in frame.columns], fontsize=7.5, gap_px=4, min_size=6)


def heatmap(frame: pd.DataFrame, loc: Locale, title: str, height: float | None = None, width: float = WIDTH_IN, **kw):
    """A figure with one annotated heatmap (see heatmap_on for the options)."""
    fig, ax = new(height or max(1.8, 0.17 * len(frame) + 0.8), width=width)
    heatmap_on(ax, frame, loc, title, **kw)
    _set_title(ax, title, width)
    return fig


def lorenz(cum_share_clients: np.ndarray, cum_share_revenue: np.ndarray, loc: Locale, title: str,
           xlabel: str, ylabel: str, marks: dict[str, tuple[float, float]]):
    """Cumulative revenue share against cumulative share of clients (largest first), with marked points."""
    fig, ax = new(2.3)
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


# --- stage 2 / stage 5 helpers (sales process, communication) ---------------------------------

def value_label(v, loc: Locale, fmt: str) -> str:
    """A bar's value as text in the report's formats (pct, money, number, decimal, points)."""
    if v is None or pd.isna(v):
        return "—"
    return {"pct": lambda x: loc.pct(x, 0), "money": loc.money_short, "number": loc.number,
            "decimal": lambda x: loc.number(x, 1), "points": loc.points}[fmt](v)


def stacked_hbars(frame: pd.DataFrame, loc: Locale, title: str, xlabel: str, fmt: str = "pct",
                  colors: list[str] | None = None, label_min: float = 0.07, width: float = WIDTH_IN,
                  height: float | None = None):
    """One horizontal bar per row of `frame` (kept in order, first row on top), stacked from its
    columns (translated part names, e.g. response-time bands); shares 0..1 when fmt is "pct".
    Segments wider than `label_min` of the largest bar carry their value."""
    colors = colors or PALETTE
    fig, ax = new(height or max(1.7, 0.18 * len(frame) + 1.0), width=width)
    y = np.arange(len(frame))[::-1]
    left = np.zeros(len(frame))
    total = float(frame.sum(axis=1).max() or 1)
    for i, col in enumerate(frame.columns):
        vals = frame[col].to_numpy(dtype=float)
        vals = np.nan_to_num(vals)
        ax.barh(y, vals, left=left, color=colors[i % len(colors)], height=0.68, label=str(col))
        r, g, b = matplotlib.colors.to_rgb(colors[i % len(colors)])
        ink = "white" if 0.299 * r + 0.587 * g + 0.114 * b < 0.6 else "#1a1a1a"
        for yi, v, l0 in zip(y, vals, left):
            if v >= label_min * total:
                ax.text(l0 + v / 2, yi, value_label(v, loc, fmt), ha="center", va="center", fontsize=7.5,
                        color=ink)
        left += vals
    ax.set_yticks(y)
    ax.set_yticklabels(_wrap_words(frame.index, 28, split_long_words=True))
    AXIS_FORMATS["pct" if fmt == "pct" else "money" if fmt == "money" else "number"](ax, loc, axis="x")
    if fmt == "pct":
        ax.set_xlim(0, max(1.0, total))
    ax.set_xlabel(xlabel)
    _set_title(ax, title, width)
    ax.grid(axis="y", visible=False)
    top_legend(ax, *ax.get_legend_handles_labels(), ncols=5 if width >= WIDTH_IN else 2)
    return fig


def pareto(counts: pd.Series, loc: Locale, title: str, ylabel: str, cum_label: str, fmt: str = "number",
           cut: float | None = 0.8, cut_label: str | None = None):
    """Pareto chart: bars of `counts` (index = translated categories, largest first, ≤ ~12) and the
    cumulative share on a second axis, with an optional horizontal mark at `cut` (e.g. 80%). The legend
    names the cumulative line; its axis has no title, which in Russian ran past the chart's height."""
    fig, ax = new(2.1)
    x = np.arange(len(counts))
    values = counts.to_numpy(dtype=float)
    ax.bar(x, values, color=ACCENT, width=0.7, label=ylabel)
    AXIS_FORMATS[fmt if fmt in AXIS_FORMATS else "number"](ax, loc)
    ax.set_ylabel(ylabel)
    ax.set_ylim(0, values.max() * 1.15 if len(values) and values.max() > 0 else 1)
    ax2 = ax.twinx()
    cum = np.cumsum(values) / values.sum() if values.sum() else np.zeros(len(values))
    ax2.plot(x, cum, color=PALETTE[1], marker="o", markersize=3.5, linewidth=1.8, label=cum_label)
    if cut is not None:
        ax2.axhline(cut, color=NORM, linestyle="--", linewidth=1, label=cut_label)
    ax2.set_ylim(0, 1.05)
    pct_axis(ax2, loc)
    ax2.grid(False)
    for xi, v in zip(x, values):  # drawn with the second axis, above its lines, at the bars' scale
        ax2.text(xi, v, value_label(v, loc, fmt), transform=ax.transData, ha="center", va="bottom", fontsize=7.5,
                 bbox=VALUE_BOX, zorder=5)
    ax.set_xticks(x)
    ax.set_title(title)
    handles = ax.get_legend_handles_labels()[0] + ax2.get_legend_handles_labels()[0]
    labels = ax.get_legend_handles_labels()[1] + ax2.get_legend_handles_labels()[1]
    top_legend(ax, handles, labels)
    _fit_xticklabels(fig, ax, [str(c) for c in counts.index], fontsize=7.5 if len(counts) > 7 else 8.5, gap_px=6,
                     min_size=6.5, turn=True)  # each reason inside its bar's slot: "Нет ответа", "Нет бюджета" apart
    return fig


def histogram(values: pd.Series, loc: Locale, title: str, xlabel: str, ylabel: str, bins=20,
              norm: float | None = None, norm_label: str | None = None, clip: float | None = None):
    """Distribution of a measure (days, hours...) as a seaborn histogram; values above `clip` are
    gathered in the last bin; an optional vertical norm line."""
    fig, ax = new(2.0)
    data = pd.Series(values, dtype="float64").dropna()
    if clip is not None:
        data = data.clip(upper=clip)
    sns.histplot(x=data.to_numpy(), bins=bins, ax=ax, color=ACCENT, edgecolor="white")
    if norm is not None:
        ax.axvline(norm, color=BAD, linestyle="--", linewidth=1.2, label=norm_label)
        top_legend(ax, *ax.get_legend_handles_labels())
    number_axis(ax, loc)
    number_axis(ax, loc, "x", integer=False)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    return fig


def ordered_bars(values: pd.Series, loc: Locale, title: str, ylabel: str, fmt: str = "pct",
                 norms: pd.Series | None = None, norm_label: str | None = None, highlight=None,
                 highlight_label: str | None = None, width: float = WIDTH_IN, height: float = 2.3):
    """Vertical bars in the given order (stages, funnel steps) with their values on top; optional
    per-bar norm marks and one highlighted bar (e.g. the bottleneck)."""
    fig, ax = new(height, width=width)
    x = np.arange(len(values))
    vals = values.to_numpy(dtype=float)
    colors = [BAD if (highlight is not None and k == highlight) else ACCENT for k in values.index]
    ax.bar(x, np.nan_to_num(vals), color=colors, width=0.65)
    for xi, v in zip(x, vals):
        if not np.isnan(v):
            ax.text(xi, v, value_label(v, loc, fmt), ha="center", va="bottom", fontsize=8, bbox=VALUE_BOX, zorder=4)
    if norms is not None:
        nv = norms.reindex(values.index).to_numpy(dtype=float)
        ax.scatter(x, nv, marker="_", s=900, color=NORM, linewidths=2, zorder=3, label=norm_label)
    if highlight_label is not None and highlight is not None:
        ax.bar([np.nan], [np.nan], color=BAD, label=highlight_label)
    AXIS_FORMATS[fmt if fmt in AXIS_FORMATS else "number"](ax, loc)
    top = np.nanmax(np.r_[vals, norms.to_numpy(dtype=float) if norms is not None else []]) if len(vals) else 1
    ax.set_ylim(0, (top if np.isfinite(top) and top > 0 else 1) * 1.15)
    ax.set_xticks(x)
    ax.set_ylabel(ylabel)
    _set_title(ax, title, width)
    _fit_xticklabels(fig, ax, [str(v) for v in values.index], gap_px=4, min_size=6)
    ax.grid(axis="x", visible=False)
    if norms is not None or highlight_label is not None:
        top_legend(ax, *ax.get_legend_handles_labels())
    return fig


def stacked_period_bars(frame: pd.DataFrame, loc: Locale, freq: str, title: str, ylabel: str,
                        fmt: str = "money", width: float = WIDTH_IN, height: float = 2.2):
    """Bars per period (index = period starts) stacked from the columns (translated part names)."""
    fig, ax = new(height, width=width)
    x = np.arange(len(frame))
    bottom = np.zeros(len(frame))
    for i, col in enumerate(frame.columns):
        vals = np.nan_to_num(frame[col].to_numpy(dtype=float))
        ax.bar(x, vals, bottom=bottom, color=PALETTE[i % len(PALETTE)], width=0.75, label=str(col))
        bottom += vals
    AXIS_FORMATS[fmt](ax, loc)
    ax.set_ylabel(ylabel)
    _set_title(ax, title, width)
    _sparse_xticks(ax, _period_labels(frame.index, loc, freq), int(84 * width / WIDTH_IN))
    top_legend(ax, *ax.get_legend_handles_labels())
    return fig


def stacked_hbars_norm(frame: pd.DataFrame, loc: Locale, title: str, xlabel: str, fmt: str = "number",
                       norm: float | None = None, norm_label: str | None = None,
                       marks: dict[str, tuple[float, str]] | None = None, label_width: int = 24):
    """Horizontal bars per row of `frame` (e.g. managers), stacked by its columns (e.g. activity
    types), largest total on top, with the total at the end of each bar; an optional norm line
    (red dashed) and reference lines `marks` {label: (value, colour)} (dotted)."""
    frame = frame.fillna(0)
    frame = frame.loc[frame.sum(axis=1).sort_values(ascending=False).index]
    fig, ax = new(max(1.9, 0.18 * len(frame) + 1.0))
    y = np.arange(len(frame))[::-1]
    left = np.zeros(len(frame))
    for i, col in enumerate(frame.columns):
        values = frame[col].to_numpy(dtype=float)
        ax.barh(y, values, left=left, height=0.7, color=PALETTE[i % len(PALETTE)], label=str(col))
        left += values
    for yi, total in zip(y, left):
        ax.annotate(value_label(total, loc, "decimal" if fmt == "number" else fmt), (total, yi),
                    textcoords="offset points", xytext=(3, 0), va="center", fontsize=7.5, bbox=VALUE_BOX, zorder=4)
    if norm is not None:
        ax.axvline(norm, color=BAD, linestyle="--", linewidth=1.2, label=norm_label)
    for label, (value, colour) in (marks or {}).items():
        ax.axvline(value, color=colour, linestyle=":", linewidth=1.6, label=label)
    ax.set_yticks(y)
    ax.set_yticklabels(_wrap_words(frame.index, label_width, split_long_words=True))
    AXIS_FORMATS[fmt](ax, loc, axis="x")
    ax.set_xlim(0, max(float(left.max()) if len(left) else 0, norm or 0) * 1.12 or 1)
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    ax.grid(axis="y", visible=False)
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=min(len(labels), 6), handlelength=1.5,
               columnspacing=1.0)
    return fig


def quadrant_scatter(points: pd.DataFrame, loc: Locale, title: str, xlabel: str, ylabel: str,
                     x_split: float, y_split: float, corners: dict[str, str] | None = None,
                     groups: dict[str, str] | None = None, x_fmt: str = "number", y_fmt: str = "number",
                     xlim: tuple[float, float] | None = None, ylim: tuple[float, float] | None = None,
                     height: float = 2.15, label_width: int = 26):
    """A quadrant chart: one point per row of `points` (columns x, y, label, optionally group).

    Rows at the same spot share one point labelled with all their labels; dashed lines at `x_split`
    and `y_split` divide the quadrants; `corners` maps "top left", "top right", "bottom left",
    "bottom right" to a caption printed in that corner; `groups` maps a group value to its legend
    label (one colour per group, in the order given)."""
    import textwrap

    fig, ax = new(height)
    pts = points.dropna(subset=["x", "y"]).copy()
    if "group" not in pts.columns:
        pts["group"] = ""
    spots = pts.groupby(["x", "y"], sort=False).agg(label=("label", lambda s: ", ".join(map(str, s))),
                                                     group=("group", "first")).reset_index()
    order = list(groups or dict.fromkeys(spots["group"]))
    for i, key in enumerate(order):
        sel = spots[spots["group"] == key]
        if sel.empty:
            continue
        ax.scatter(sel["x"], sel["y"], s=36, color=PALETTE[i % len(PALETTE)], zorder=3,
                   label=(groups or {}).get(key, str(key)))
    ax.axvline(x_split, color=NORM, linestyle="--", linewidth=1)
    ax.axhline(y_split, color=NORM, linestyle="--", linewidth=1)
    if xlim:
        ax.set_xlim(*xlim)
    if ylim:
        ax.set_ylim(*ylim)
    for axis, fmt in (("x", x_fmt), ("y", y_fmt)):
        if fmt == "number":
            number_axis(ax, loc, axis, integer=False)
        else:
            AXIS_FORMATS[fmt](ax, loc, axis=axis)
    spots_at = {"top left": (0.01, 0.98, "left", "top"), "top right": (0.99, 0.98, "right", "top"),
                "bottom left": (0.01, 0.02, "left", "bottom"), "bottom right": (0.99, 0.02, "right", "bottom")}
    for corner, text in (corners or {}).items():
        x, y, ha, va = spots_at[corner]
        ax.text(x, y, text, transform=ax.transAxes, ha=ha, va=va, fontsize=8, color=NORM, style="italic")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    if groups:
        top_legend(ax, *ax.get_legend_handles_labels())
    # placed last, on the axes as the ticks, title and legend leave it (in axes fractions, which the
    # finished layout no longer narrows: "Екатерина Орлова" ran into "Елена Васильева")
    texts = [textwrap.fill(label, label_width) for label in spots["label"]]
    for (x, y), (tx, ty, ha, moved) in zip(zip(spots["x"], spots["y"]),
                                           _place_labels(fig, ax, spots["x"], spots["y"], texts)):
        ax.annotate(texts.pop(0), (x, y), xytext=(tx, ty), textcoords="axes fraction", fontsize=7.5, va="bottom",
                    ha=ha, arrowprops={"arrowstyle": "-", "color": NORM, "linewidth": 0.6} if moved else None)
    return fig


# --- stage 6 (improvement plan) --------------------------------------------------------------------

def roadmap(labels: list[str], starts, ends, phase_names: list[str], loc: Locale, title: str,
            year_one_label: str, year_three_label: str, phases: list[str] | None = None, wrap: int = 62):
    """Gantt bars of actions from start to deadline over three years, coloured by phase (legend in
    the order `phases`, default as they appear), the 1-year and 3-year horizons marked. The first
    year takes two thirds of the width (most actions start and end in it), years two and three the
    last third, so the month ticks (quarterly, then yearly; month over year) are evenly spaced and stay level.
    `labels` are short action texts, wrapped at spaces to `wrap` characters, never cut."""
    starts = pd.to_datetime(pd.Series(starts)).reset_index(drop=True)
    ends = pd.to_datetime(pd.Series(ends)).reset_index(drop=True)
    origin = starts.min()
    year_one = (origin + pd.DateOffset(months=12) - origin).days
    year_three = (origin + pd.DateOffset(months=36) - origin).days

    def x(day):  # days from the origin -> axis position: the first year 0..2, years two and three 2..3
        day = np.asarray(day, dtype=float)
        return np.where(day <= year_one, 2 * day / year_one, 2 + (day - year_one) / (year_three - year_one))

    wrapped = _wrap_words(list(labels), wrap)
    lines = sum(s.count("\n") + 1 for s in wrapped)
    fig, ax = new(min(7.0, max(2.4, 0.11 * lines + 0.1 * len(labels) + 1.1)))  # ~5 mm a one-line action
    y = np.arange(len(labels))[::-1]
    order = list(dict.fromkeys(phases or phase_names))
    colours = {name: c for name, c in zip(order, (GOOD, PALETTE[1], ACCENT, PALETTE[4], *PALETTE[5:]))}
    for yi, s, e, h in zip(y, starts, ends, phase_names):
        left, right = x([(s - origin).days, (e - origin).days])
        ax.barh(yi, max(right - left, 0.03), left=left, color=colours[h], height=0.55)
    for position, text in ((2.0, year_one_label), (3.0, year_three_label)):
        ax.axvline(position, color=NORM, linestyle="--", linewidth=1.1)
        ax.annotate(text, (position, 1.0), xycoords=("data", "axes fraction"), xytext=(-3, 3),
                    textcoords="offset points", fontsize=7.5, color=NORM, ha="right", va="bottom")
    ax.set_yticks(y)
    ax.set_yticklabels(wrapped, fontsize=7.5)
    ax.set_ylim(-0.6, len(labels) - 0.4)
    ticks = [origin + pd.DateOffset(months=m) for m in (0, 3, 6, 9, 12, 24, 36)]
    ax.set_xticks(x([(t - origin).days for t in ticks]))
    ax.set_xticklabels([loc.month(t).replace(" ", "\n", 1) for t in ticks], fontsize=7)  # 'Apr\n2026'
    ax.set_xlim(0, 3.02)
    ax.set_title(title, pad=14)
    ax.grid(axis="y", visible=False)
    shown = [name for name in order if name in set(phase_names)]
    handles = [plt.Rectangle((0, 0), 1, 1, color=colours[name]) for name in shown]
    fig.legend(handles, shown, loc="outside lower center", ncols=len(shown) if sum(map(len, shown)) < 64 else 2,
               handlelength=1.5, columnspacing=1.2, frameon=False)  # below the month ticks, whatever the height
    return fig


def _axes_fraction(ax, x: float, y: float) -> tuple[float, float]:
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    return (x - x0) / (x1 - x0), (y - y0) / (y1 - y0)


def _place_labels(fig, ax, xs, ys, texts: list[str], fontsize: float = 7.5):
    """Label positions (axes fraction x, y of the text anchor, ha, moved) near each point: above right, above
    left, below right or below left — the first that overlaps no other label or point; else above right
    moved down until free (a greedy placement, top to bottom)."""
    from matplotlib.font_manager import FontProperties

    fig.canvas.draw()
    box = ax.get_window_extent()
    renderer, font = fig.canvas.get_renderer(), FontProperties(size=fontsize)

    def text_w(line: str) -> float:  # measured, not estimated: Cyrillic letters are wider than Latin ones
        return renderer.get_text_width_height_descent(line, font, ismath=False)[0] / box.width

    line_h = fontsize * 1.3 / 72 * fig.dpi / box.height
    pad_x, pad_y = 5 / 72 * fig.dpi / box.width, 2 / 72 * fig.dpi / box.height
    dot_w, dot_h = 4 / 72 * fig.dpi / box.width, 4 / 72 * fig.dpi / box.height
    points = [_axes_fraction(ax, x, y) for x, y in zip(xs, ys)]
    placed = [(fx - dot_w, fx + dot_w, fy - dot_h, fy + dot_h) for fx, fy in points]

    def free(b):
        return not any(b[0] < o[1] and o[0] < b[1] and b[2] < o[3] and o[2] < b[3] for o in placed)

    out = {}
    for i in sorted(range(len(texts)), key=lambda i: -points[i][1]):
        fx, fy = points[i]
        lines = texts[i].split("\n")
        w, h = max(text_w(t) for t in lines), len(lines) * line_h
        options = [(fx + pad_x, fy + pad_y), (fx - pad_x - w, fy + pad_y),
                   (fx + pad_x, fy - pad_y - h), (fx - pad_x - w, fy - pad_y - h)]
        options = [(x0, y0) for x0, y0 in options if 0 <= x0 and x0 + w <= 1 and 0 <= y0 and y0 + h <= 1] or options[:1]
        choice = next(((x0, y0) for x0, y0 in options if free((x0, x0 + w, y0, y0 + h))), None)
        moved = choice is None
        if choice is None:
            x0, y0 = options[0]
            for _ in range(40):
                hit = [o for o in placed if x0 < o[1] and o[0] < x0 + w and y0 < o[3] and o[2] < y0 + h]
                if not hit:
                    break
                y0 = min(o[2] for o in hit) - h - 0.005
            choice = (x0, y0)
        x0, y0 = choice
        placed.append((x0, x0 + w, y0, y0 + h))
        out[i] = (x0, y0, "left", moved) if x0 >= fx else (x0 + w, y0, "right", moved)
    return [out[i] for i in range(len(texts))]


# --- express assessment / scorecard -------------------------------------------------------------

def wrap_words(text: str, width: int) -> str:
    """A label wrapped at spaces into lines of about `width` characters (for a heatmap's axes)."""
    return _wrap_words([text], width)[0]


def _wrap_words(labels, width: int, split_long_words: bool = False) -> list[str]:
    """Labels wrapped at spaces into lines of about `width` characters. A word longer than a line
    is split only with `split_long_words` (then also after a hyphen), else it overhangs the line."""
    import textwrap

    return ["\n".join(textwrap.wrap(str(s), width, break_long_words=split_long_words,
                                     break_on_hyphens=split_long_words)) or str(s)
            for s in labels]


def _radar_on(ax, labels: list[str], values, loc: Locale, as_is_label: str, norm_label: str | None,
              norm: float | None, rmax: float, wrap: int) -> None:
    """Draw a radar of `values` (one per label, clockwise from the top) and the norm polygon on a polar `ax`."""
    v = np.asarray(values, dtype=float)
    n = len(v)
    angles = np.linspace(0, 2 * np.pi, n, endpoint=False)
    closed = np.r_[angles, angles[:1]]
    ax.set_theta_offset(np.pi / 2)
    ax.set_theta_direction(-1)
    if norm is not None:
        ax.plot(closed, np.full(n + 1, norm, dtype=float), color=NORM, linestyle="--", linewidth=1.2, label=norm_label)
    ax.plot(closed, np.r_[v, v[:1]], color=ACCENT, linewidth=2, marker="o", markersize=4, label=as_is_label)
    if not np.isnan(v).any():
        ax.fill(closed, np.r_[v, v[:1]], color=ACCENT, alpha=0.18)
    for angle, value in zip(angles, v):
        if np.isnan(value):
            continue
        offset = -11 if value > 0.72 * rmax else 11  # inside the ring near the top, else outside the point
        ax.annotate(loc.number(value), (angle, value), textcoords="offset points",
                    xytext=(offset * np.sin(angle), offset * np.cos(angle)), ha="center", va="center",
                    fontsize=8.5, fontweight="bold", color=ACCENT,
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8})
    ax.set_ylim(0, rmax)
    ticks = np.linspace(0, rmax, 5)[1:]
    ax.set_yticks(ticks)
    ax.set_yticklabels([loc.number(t) if i % 2 else "" for i, t in enumerate(ticks)], fontsize=7, color=NORM)
    ax.set_rlabel_position(180 / n if n else 0)
    ax.set_xticks(angles)
    sides = np.sin(angles)
    ax.set_xticklabels([_wrap_words([label], wrap if abs(side) > 0.1 else 2 * wrap)[0]  # top/bottom: wider lines
                        for label, side in zip(labels, sides)], fontsize=8.5)
    for side, text in zip(sides, ax.get_xticklabels()):  # side labels grow away from the circle
        text.set_horizontalalignment("left" if side > 0.1 else "right" if side < -0.1 else "center")
    ax.tick_params(axis="x", pad=6)
    ax.spines["polar"].set_visible(False)
    ax.grid(color="#d9d9d9", linewidth=0.7)


def radar(labels: list[str], values, loc: Locale, title: str, as_is_label: str, norm_label: str | None = None,
          norm: float | None = 100.0, rmax: float = 100.0, height: float = 3.3, wrap: int = 18,
          width: float = WIDTH_IN):
    """Radar (spider) chart of one profile against its norm: `values` (one per label, the axes, clockwise
    from the top; already translated) as a filled line, each point labelled with its value; the norm as
    a dashed polygon (none when `norm` is None); radius 0..rmax. A NaN value leaves a gap (no fill).
    Drawn at the `width` it is shown at (HALF_IN beside a table: the legend goes under it), so that its
    text prints at its own size."""
    fig = plt.figure(figsize=(width, height), layout="constrained")
    ax = fig.add_subplot(projection="polar")
    _radar_on(ax, labels, values, loc, as_is_label, norm_label, norm, rmax, wrap)
    fig.suptitle(title, x=0.01, ha="left", fontsize=11, fontweight="bold")
    if width < WIDTH_IN:
        fig.suptitle(wrap_words(title, int(width * 11)), x=0.01, ha="left", fontsize=10, fontweight="bold")
        fig.get_layout_engine().set(w_pad=0.1)  # the side labels, placed around the circle, need a margin
        fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncols=2, handlelength=1.5,
                   columnspacing=1.0, frameon=False)
    else:
        ax.legend(loc="upper left", bbox_to_anchor=(1.12, 1.0))
    return fig


def radar_gaps(labels: list[str], values, loc: Locale, title: str, as_is_label: str, norm_label: str,
               gaps_xlabel: str, gaps_title: str | None = None, norm: float = 100.0, rmax: float = 100.0,
               height: float = 2.45, wrap: int = 16):
    """A profile against its norm in one row under one title: the radar (see `radar`) on the left and,
    on the right, horizontal bars of the gap to the norm (norm − value) per label, largest first, with
    their values. Labels without a value get no bar."""
    v = np.asarray(values, dtype=float)
    fig = plt.figure(figsize=(WIDTH_IN, height), layout="constrained")
    grid = fig.add_gridspec(1, 2, width_ratios=[1.35, 1])
    ax = fig.add_subplot(grid[0, 0], projection="polar")
    _radar_on(ax, labels, v, loc, as_is_label, norm_label, norm, rmax, wrap)
    ax.legend(loc="upper right", bbox_to_anchor=(-0.08, 1.08), handlelength=1.6)
    gaps = pd.Series(norm - v, index=list(labels)).dropna().sort_values()
    bx = fig.add_subplot(grid[0, 1])
    y = np.arange(len(gaps))
    bx.barh(y, gaps.to_numpy(), color=BAD, height=0.6)
    for yi, gap in zip(y, gaps.to_numpy()):
        bx.annotate(loc.number(gap), (gap, yi), textcoords="offset points", xytext=(4, 0), va="center", fontsize=8.5)
    bx.set_yticks(y)
    bx.set_yticklabels(_wrap_words(gaps.index, wrap))
    bx.set_xlim(0, rmax)
    bx.set_xticks(np.linspace(0, rmax, 5))
    number_axis(bx, loc, axis="x", integer=False)
    bx.set_xlabel(gaps_xlabel)
    if gaps_title:
        bx.set_title(gaps_title)
    bx.grid(axis="y", visible=False)
    fig.suptitle(title, x=0.01, ha="left", fontsize=11, fontweight="bold")
    return fig


# --- revenue bridge ---------------------------------------------------------------------------------

def _signed_money(v: float, loc: Locale) -> str:
    """'+RUB 40 mn', '−RUB 25 mn' (a true minus sign), '0'."""
    if v is None or pd.isna(v):
        return "—"
    return ("+" if v > 0 else "−" if v < 0 else "") + loc.money_short(abs(v))


def waterfall(start: float, steps: pd.Series, loc: Locale, title: str, ylabel: str, start_label: str,
              end_label: str, ax=None, height: float = 2.7, colors: tuple[str, str, str] = (ACCENT, GOOD, BAD),
              cut: bool | None = None):
    """Waterfall (bridge) chart from `start` through the signed `steps` to end = start + Σ steps.

    `steps`: amounts indexed by their translated names, in the order drawn. The start and end bars
    stand on zero in colors[0]; each step floats from the running total, up in colors[1], down in
    colors[2], joined by dotted connectors. Every bar carries its value (loc.money_short; steps
    signed) above an up bar and below a down bar; the axis grows to hold the labels, and the labels
    shrink (8 → 6.5 pt) until no two collide. Each name is wrapped at spaces to fit its bar's slot.
    `cut`: start the value axis above zero so that the steps fill most of the height, the start
    and end bars carrying a white break mark; None (default) cuts when the steps would otherwise
    use less than 40 % of the height.
    Draws on `ax` (a new figure when None) and returns the Figure."""
    if ax is None:
        fig, ax = new(height)
    fig = ax.figure
    amounts = np.nan_to_num(steps.to_numpy(dtype=float))
    levels = start + np.concatenate([[0.0], np.cumsum(amounts)])
    end = float(levels[-1])
    n = len(amounts) + 2
    x = np.arange(n)
    bottoms = np.r_[0.0, np.minimum(levels[:-1], levels[1:]), 0.0]
    heights = np.r_[start, np.abs(amounts), end]
    total_c, up_c, down_c = colors
    bar_colors = [total_c] + [up_c if a >= 0 else down_c for a in amounts] + [total_c]
    ax.bar(x, heights, bottom=bottoms, color=bar_colors, width=0.62, zorder=2)
    tops = np.r_[levels, end]  # the level after each bar (start, each step, end)
    for xi, level in zip(x[:-1], tops[:-1]):  # connectors at the running total
        ax.plot([xi + 0.31, xi + 0.69], [level, level], color=NORM, linestyle=":", linewidth=0.9, zorder=1)
    above = np.r_[True, amounts >= 0, True]
    values = np.r_[start, amounts, end]
    texts = []
    for xi, b, h, up, v, k in zip(x, bottoms, heights, above, values, range(n)):
        label = loc.money_short(v) if k in (0, n - 1) else _signed_money(v, loc)
        texts.append(ax.annotate(label, (xi, b + h if up else b), textcoords="offset points",
                                 xytext=(0, 3 if up else -4), ha="center", va="bottom" if up else "top",
                                 fontsize=8, fontweight="bold" if k in (0, n - 1) else "normal", zorder=3))
    ax.set_xticks(x)
    ax.set_xlim(-0.6, n - 0.4)
    money_axis(ax, loc)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(axis="x", visible=False)
    _fit_xticklabels(fig, ax, [str(s) for s in (start_label, *steps.index, end_label)])
    lo, hi = min(0.0, float(np.min(levels))), max(float(np.max(levels)), 0.0)
    span = float(np.ptp(levels))
    if cut is None:
        cut = lo == 0 and span > 0 and span < 0.4 * hi
    if cut:  # the steps take ~60 % of the height; the floor is a round tick below them
        floor = max(0.0, hi - span / 0.6)
        step = MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]).tick_values(floor, hi)
        lo = float(step[step <= floor].max()) if (step <= floor).any() else floor
    ax.set_ylim(lo, hi + (hi - lo) * 0.04 or 1)
    _distinct_yticks(ax)
    for size in (8, 7.5, 7, 6.5):
        for t in texts:
            t.set_fontsize(size)
        _fit_texts(fig, ax, texts)
        boxes = [t.get_window_extent() for t in texts]
        if not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:]):
            break
    _distinct_yticks(ax)  # again, in case the labels widened the axis
    if cut:
        _break_marks(ax, [x[0], x[-1]], 0.31)
    return fig


def _distinct_yticks(ax) -> None:
    """Fewer y ticks until no two show the same text (money in k / mn rounds 1.00 and 1.05 mn alike)."""
    formatter = ax.yaxis.get_major_formatter()
    for bins in (6, 5, 4, 3, 2):
        ax.yaxis.set_major_locator(MaxNLocator(nbins=bins, steps=[1, 2, 2.5, 5, 10]))
        lo, hi = ax.get_ylim()
        ticks = [t for t in ax.get_yticks() if lo <= t <= hi]
        labels = [formatter(t, i) for i, t in enumerate(ticks)]
        if len(set(labels)) == len(labels):
            return


def _break_marks(ax, xs, half_width: float) -> None:
    """A white slanted band across the foot of the bars at `xs`, and a pair of slashes on the y axis,
    to show that the value axis does not start at zero."""
    lo, hi = ax.get_ylim()
    y, h, tilt = lo + 0.05 * (hi - lo), 0.018 * (hi - lo), 0.02 * (hi - lo)
    for xi in xs:
        ax.add_patch(matplotlib.patches.Polygon(
            [(xi - half_width - 0.02, y - tilt), (xi + half_width + 0.02, y + tilt),
             (xi + half_width + 0.02, y + tilt + h), (xi - half_width - 0.02, y - tilt + h)],
            closed=True, facecolor="white", edgecolor="none", zorder=2.5))
    for dy in (0.0, 0.022):
        ax.plot([-0.012, 0.012], [0.035 + dy, 0.055 + dy], transform=ax.transAxes, color=NORM, linewidth=1,
                clip_on=False, zorder=4)


def _fit_xticklabels(fig, ax, names: list[str], fontsize: float = 8.5, gap_px: float = 10, min_size: float = 7,
                     turn: bool = False) -> None:
    """Category names under the bars, each wrapped at spaces into the fewest lines that keep it
    inside its slot (the axes' width / the number of names, less `gap_px`); the font shrinks down to
    `min_size` pt when a single word is wider than its slot; when that is not enough, the names turn
    by 30° (`turn`) or stay as wrapped at the smallest size."""
    ax.set_xticklabels(names, fontsize=fontsize)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    room = ax.get_window_extent().width / max(len(names), 1) - gap_px
    size = fontsize
    while True:
        texts, fits = [], True
        for label, name in zip(ax.get_xticklabels(), names):
            label.set_fontsize(size)
            for width in range(max(len(name), 1), 0, -1):
                label.set_text(_wrap_words([name], width)[0])
                if label.get_window_extent(renderer).width <= room:
                    break
            else:
                fits = False
            texts.append(label.get_text())
        if fits or (size <= min_size and not turn):
            ax.set_xticklabels(texts, fontsize=size)
            return
        if size <= min_size:  # a word wider than its slot even at the smallest size: whole names, turned
            ax.set_xticklabels(names, fontsize=size, rotation=30, ha="right", rotation_mode="anchor")
            return
        size -= 0.5


def _fit_texts(fig, ax, texts, rounds: int = 4) -> None:
    """Widen the y limits until every text lies inside the axes (offsets in points move with the scale)."""
    for _ in range(rounds):
        fig.canvas.draw()
        inv = ax.transData.inverted()
        lo, hi = ax.get_ylim()
        ys = [y for t in texts for y in inv.transform(t.get_window_extent().get_points())[:, 1]]
        new_lo, new_hi = min(lo, min(ys)), max(hi, max(ys))
        if new_lo >= lo and new_hi <= hi:
            return
        pad = (new_hi - new_lo) * 0.02
        ax.set_ylim(new_lo - (pad if new_lo < lo else 0), new_hi + (pad if new_hi > hi else 0))


def dumbbell(names: list[str], then, now, loc: Locale, title: str, then_label: str, now_label: str,
             xmax: float = 100.0, height: float | None = None):
    """Dumbbell chart of scores then → now, one row per name (already translated): a grey dot for
    the earlier value, a coloured one for the new (green when higher, red when lower), joined by a
    line and labelled with the new value; a NaN end is left out."""
    then, now = np.asarray(then, float), np.asarray(now, float)
    fig, ax = new(height or max(1.6, 0.42 * len(names) + 0.9))
    ys = np.arange(len(names))[::-1]
    for y, a, b in zip(ys, then, now):
        if np.isfinite(a) and np.isfinite(b):
            ax.plot([a, b], [y, y], color=NORM, lw=2, zorder=1)
        colour = ACCENT if not (np.isfinite(a) and np.isfinite(b)) or a == b else GOOD if b > a else BAD
        if np.isfinite(b):
            ax.text(b, y + 0.22, loc.number(b), ha="center", va="bottom", fontsize=8)
            ax.scatter([b], [y], color=colour, s=46, zorder=3)
    ax.scatter(then, ys, color="#bfbfbf", s=46, zorder=2, label=then_label)
    ax.scatter([], [], color=ACCENT, s=46, label=now_label)
    ax.set_yticks(ys, names)
    ax.set_xlim(0, xmax)
    ax.set_ylim(-0.6, len(names) - 0.2)
    ax.set_title(title)
    top_legend(ax, *ax.get_legend_handles_labels())
    return fig
