"""The calibration fit: model against data for every target, in the house style.

Small multiples: one panel per target family (the target name without its trailing ``_YYYY``),
the years along x, the data as points with their tolerance as grey error bars, the model median
as a line with its 90% band (5th to 95th percentile of the replications) shaded.
"""

from __future__ import annotations

import math
import re

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator, MaxNLocator, MultipleLocator

from ecosim.charts import style
from ecosim.charts.labels import text, unit_name, variable_name

_YEAR_SUFFIX = re.compile(r"(.+?)_(\d{4})")

UNITS = {"rd_expenditure": "100m_yuan", "tech_contracts_bought": "100m_yuan",
         "industrial_firms_doing_rd": "firms", "hte_recognised": "firms", "hte_stock": "firms"}
"""Unit of a family's data (the units of history.csv); families named ``share_*`` are shares of R&D,
shown in percent; any other family is drawn without a unit."""

ROW_MM = 40.0
"""Height of one row of panels (title, plot and year labels), in mm at the printed size."""
HEADER_MM = 20.0
"""Height kept for the figure title and the shared legend, in mm."""
MAX_HEIGHT_MM = 225.0
"""The text height of a GB/T 9704 page: the figure never gets taller."""
MAX_YEAR_LABELS = {1: 10, 2: 6, 3: 4}
"""At most this many year labels under a panel, by number of columns (9 pt labels must not touch)."""
TITLE_OVERHANG_MM = 4.0
"""A panel title may be this much wider than its axes before it is broken into lines (it then reaches
over the year labels' margin, which the layout widens if need be)."""
LEGEND_GAP_MM = 1.5
"""Space between the footer, the legend and the panels' year labels."""
ISOLATED_HALF_WIDTH = 0.3
"""Half the width (years) of the model band drawn at a target year with no neighbouring year."""


def target_family(target: str) -> str:
    """The family of a target: its name without the trailing ``_YYYY`` (``rd_expenditure_2016`` ->
    ``rd_expenditure``); a name without a year is its own family."""
    match = _YEAR_SUFFIX.fullmatch(target)
    return match[1] if match else target


def family_title(lang: str, family: str) -> str:
    """A family's panel title in ``lang`` (its display name, capitalised in English)."""
    name = variable_name(lang, family)
    return name[:1].upper() + name[1:] if lang == "en" else name


def is_share(family: str) -> bool:
    """Whether a family's values are shares (0-1), drawn in percent."""
    return family.startswith("share_")


def _families(fit: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """The families in order of first appearance, each with its rows sorted by year (numbers as float)."""
    table = fit.copy()
    if "year" not in table:
        table["year"] = [int(_YEAR_SUFFIX.fullmatch(str(t))[2]) for t in table["target"]]
    table["year"] = table["year"].astype(int)
    for column in ("data", "model_median", "model_q05", "model_q95", "tolerance"):
        table[column] = pd.to_numeric(table[column], errors="coerce").astype(float)
    table["family"] = [target_family(str(t)) for t in table["target"]]
    order = list(dict.fromkeys(table["family"]))
    return [(family, table[table["family"] == family].sort_values("year", kind="stable")) for family in order]


def _grid(n: int) -> tuple[int, int]:
    """(rows, columns) of the panel grid for ``n`` panels: up to three columns, two for two or four."""
    ncols = 1 if n <= 1 else 2 if n in (2, 4) else 3
    return max(1, math.ceil(n / ncols)), ncols


def _segments(years: np.ndarray) -> list[np.ndarray]:
    """Indices of runs of consecutive years (the model is drawn as a line only within a run)."""
    if len(years) == 0:
        return []
    breaks = np.flatnonzero(np.diff(years) > 1) + 1
    return np.split(np.arange(len(years)), breaks)


def _year_ticks(first: int, last: int, ncols: int) -> list[int]:
    """Year labels from ``first``: every 1, 2, 4, 5 or 10 years, the fewest steps that fit the panel."""
    most = MAX_YEAR_LABELS.get(ncols, 4)
    for step in (1, 2, 4, 5, 10, 20, 50):
        ticks = list(range(first, last + 1, step))
        if len(ticks) <= most:
            return ticks
    return [first, last]


def _draw_family(ax, rows: pd.DataFrame, family: str, lang: str):
    """One panel: the model band and median, the tolerance bars and the data points; returns the
    tolerance bars (the legend shows them as drawn)."""
    c = style.COLOURS
    scale = 100.0 if is_share(family) else 1.0
    years = rows["year"].to_numpy()
    data = rows["data"].to_numpy() * scale
    median = rows["model_median"].to_numpy() * scale
    q05 = rows["model_q05"].to_numpy() * scale
    q95 = rows["model_q95"].to_numpy() * scale
    tolerance = rows["tolerance"].to_numpy() * scale
    for run in _segments(years):
        if len(run) == 1:  # a lone year: a short band, so it shows
            x = years[run[0]] + np.array([-ISOLATED_HALF_WIDTH, ISOLATED_HALF_WIDTH])
            low, high = np.repeat(q05[run], 2), np.repeat(q95[run], 2)
        else:
            x, low, high = years[run], q05[run], q95[run]
        ax.fill_between(x, low, high, color=c["band90"], lw=0, zorder=1, gid="model_band")
        ax.plot(years[run], median[run], color=c["region"], lw=1.4, marker="o", ms=3, zorder=2,
                gid="model_median")
    bars = ax.errorbar(years, data, yerr=tolerance, fmt="none", ecolor=c["neutral"], elinewidth=1.0, capsize=2.5,
                       zorder=3)
    for artist in bars.lines[1] + bars.lines[2]:
        artist.set_gid("tolerance")
    ax.plot(years, data, ls="none", marker="D", ms=4, color=c["history"], zorder=4, gid="data")
    unit = "percent" if is_share(family) else UNITS.get(family)
    ax.set_ylabel(unit_name(lang, unit) if unit else "")
    ax.yaxis.set_major_locator(MaxNLocator(nbins=4, min_n_ticks=3))
    ax.set_gid(f"fit_panel:{family}")
    return bars


def _legend_handles(lang: str, bars=None) -> tuple[list, list[str]]:
    """Handles and labels of the shared legend: data, tolerance (``bars``, an error-bar container
    drawn in a panel, if any), model median, model 90% band."""
    c = style.COLOURS
    data = Line2D([], [], ls="none", marker="D", ms=4, color=c["history"])
    tolerance = bars if bars is not None else Line2D([], [], ls="none", marker="|", ms=9, mew=1.0,
                                                     color=c["neutral"])
    median = Line2D([], [], color=c["region"], lw=1.4, marker="o", ms=3)
    band = Patch(facecolor=c["band90"], edgecolor="none")
    labels = [text(lang, key) for key in ("data", "tolerance", "model_median", "model_band90")]
    return [data, tolerance, median, band], labels


def _fit_titles(fig: Figure, panels: list, titles: list[str]) -> None:
    """Set each panel's title, broken into lines no wider than its axes (a first layout without titles
    gives the widths)."""
    for ax in panels:
        ax.set_title("")
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for ax, title in zip(panels, titles):
        room = ax.get_window_extent(renderer).width + TITLE_OVERHANG_MM * style.MM * fig.dpi
        ax.set_title(style.wrap(title, lambda line, share, ax=ax: style.text_width(fig, renderer, line, ax.title)
                                <= share * room))


def fit_chart(fit: pd.DataFrame, title: str | None = None, lang: str = "en", seed: int | None = None,
              replications: int | None = None) -> Figure:
    """The calibration fit in ``lang``: one panel per target family, data against the model by year.

    ``fit`` is :func:`ecosim.api.calibration.calibration_fit`'s table (columns target, year, data, model_median,
    model_q05, model_q95, tolerance); the title names its first and last year. Each panel shows the
    data (points, the tolerance as grey bars) and the model median with its 90% band, in the data's
    units (shares in percent). The legend is shared, below the panels; the footer names the source.
    """
    families = _families(fit) if len(fit) else []
    years = np.concatenate([rows["year"].to_numpy() for _, rows in families]) if families else np.array([])
    if title is None:
        title = text(lang, "fit_title", start=int(years.min()), end=int(years.max())) if len(years) \
            else text(lang, "fit_title", start="", end="").strip()
    nrows, ncols = _grid(len(families))
    width, _ = style.FIGSIZE["tall"]
    height = min(HEADER_MM + style.FOOTER_HEIGHT_MM + ROW_MM * nrows, MAX_HEIGHT_MM) * style.MM
    with style.context(lang):
        fig, axes = plt.subplots(nrows, ncols, figsize=(width, height), layout="constrained", squeeze=False)
        axes = list(axes.flat)
        panels = axes[:max(1, len(families))]
        for ax in axes[len(panels):]:
            ax.set_visible(False)
        bars = [_draw_family(ax, rows, family, lang) for ax, (family, rows) in zip(panels, families)]
        if len(years):
            first, last = int(years.min()), int(years.max())
            for ax in panels:
                ax.set_xlim(first - 0.6, last + 0.6)
                ax.xaxis.set_major_locator(FixedLocator(_year_ticks(first, last, ncols)))
                ax.xaxis.set_minor_locator(MultipleLocator(1))
        fig.suptitle(title)
        style.add_footer(fig, lang, source=text(lang, "source_calibration"), seed=seed, replications=replications)
        gap = LEGEND_GAP_MM * style.MM / height
        footer_top = max(style.fit_footer(fig), style.FOOTER_HEIGHT_MM * style.MM / height)
        handles, labels = _legend_handles(lang, bars[0] if bars else None)
        legend = fig.legend(handles, labels, loc="lower center", bbox_to_anchor=(0.5, footer_top + gap),
                            ncols=len(handles), handlelength=1.8, columnspacing=1.6, borderaxespad=0)
        legend.set_in_layout(False)  # placed by hand between the panels and the footer
        legend_top = legend.get_window_extent(fig.canvas.get_renderer()).y1 / fig.bbox.height
        bottom = legend_top + gap
        fig.get_layout_engine().set(rect=(0, bottom, 1, 1 - bottom))
        _fit_titles(fig, panels, [family_title(lang, family) for family, _ in families])
    return fig
