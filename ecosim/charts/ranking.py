"""The lever ranking: each lever's gain per 10bn yuan of social cost (dot and 95% interval), with the
change of the target-year gap over its range beside it, from the table of
:func:`ecosim.analysis.ranking.ranked`. Levers are ordered by gain per yuan, the first at the top;
alternate shading marks the gain ranking's tiers; levers whose cost change is not distinct from zero
come last, marked so."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ecosim.charts import style
from ecosim.charts.labels import lever_name

LABELS = {
    "en": {
        "title": "Which levers matter for the {year} gap: gain per yuan and change over the range",
        "gain_axis": "Change of the {year} gap per 10bn yuan of social cost {window} (pp)",
        "gap_axis": "Change of the {year} gap over the range (pp)",
        "gain_panel": "Per yuan (shading: tiers)",
        "note": "Dots: means over replications; bars: 95% bootstrap intervals",
        "gap_panel": "Over the range (rank)",
        "not_distinct": "cost not distinct from 0",
        "not_converged": "NOT CONVERGED",
    },
    "zh": {
        "title": "哪些政策杠杆影响{year}年差距：单位成本收益与区间内变化",
        "gain_axis": "{window}年每百亿元社会成本带来的{year}年差距变化（百分点）",
        "gap_axis": "区间内{year}年差距变化（百分点）",
        "gain_panel": "单位成本（阴影：层级）",
        "note": "点：各次模拟的平均值；误差线：95%自助法区间",
        "gap_panel": "区间内变化（名次）",
        "not_distinct": "成本变化与0无显著差别",
        "not_converged": "未收敛",
    },
}
"""The chart's words in each language."""
SHADE = "#eeeeee"
"""Background of every other tier of the gain ranking."""


def label(lang: str, key: str, **values) -> str:
    """One of the chart's words in ``lang``."""
    if lang not in LABELS:
        raise ValueError(f"lang must be one of {', '.join(LABELS)}, got {lang!r}")
    return LABELS[lang][key].format(**values)


def chart_order(table: pd.DataFrame) -> pd.DataFrame:
    """The levers from the bottom row to the top: ranked by gain (first at the top), then the levers
    the gain ranking leaves out, ordered by the size of their gap change."""
    rows = table.assign(_unranked=table["gain_rank"].isna(), _gain=table["gain_rank"].astype("Float64"),
                        _gap=table["gap_rank"].astype("Float64"))
    ordered = rows.sort_values(["_unranked", "_gain", "_gap"], na_position="last")
    return ordered.iloc[::-1].drop(columns=["_unranked", "_gain", "_gap"]).reset_index(drop=True)


def _errors(rows: pd.DataFrame, value: str, low: str, high: str) -> np.ndarray:
    """Lower and upper error-bar lengths (never negative)."""
    return np.clip(np.vstack([rows[value] - rows[low], rows[high] - rows[value]]).astype(float), 0, None)


def _shade_tiers(ax, rows: pd.DataFrame) -> None:
    """Alternate background bands behind the levers of every other gain tier."""
    tiers = rows["gain_tier"]
    for tier in tiers.dropna().unique():
        if int(tier) % 2:
            continue
        at = np.flatnonzero((tiers == tier).fillna(False).to_numpy(dtype=bool))
        ax.axhspan(at.min() - 0.5, at.max() + 0.5, color=SHADE, zorder=0, linewidth=0)


def ranking_chart(table: pd.DataFrame, lang: str = "en", year: int = 2030, window: str = "2021-2030",
                  converged: bool = True, footer: dict | None = None) -> Figure:
    """Two panels sharing the levers: gain per 10bn yuan (pp) and the gap change over the range (pp),
    each a dot with its 95% interval. ``footer``: the values of the footer line (see
    :func:`ecosim.charts.style.add_footer`); not ``converged`` stamps the chart NOT CONVERGED."""
    rows = chart_order(table)
    y = np.arange(len(rows))
    ranked = rows["gain_rank"].notna().to_numpy(dtype=bool)
    with style.context(lang):
        fig, (gain_ax, gap_ax) = style.figure("tall", ncols=2, width_ratios=(3, 2))
        for ax in (gain_ax, gap_ax):
            _shade_tiers(ax, rows)
        gain = rows[ranked]
        gain_ax.errorbar(gain["gain_per_10bn_pp"].astype(float), y[ranked],
                         xerr=_errors(gain, "gain_per_10bn_pp", "gain_low", "gain_high"), fmt="o",
                         color=style.CYCLE[0], markersize=4, elinewidth=1.0, capsize=2)
        for row in np.flatnonzero(~ranked):
            gain_ax.text(0.02, y[row], label(lang, "not_distinct"), transform=gain_ax.get_yaxis_transform(),
                         va="center", ha="left", fontsize=style.MIN_FONT_PT, color=style.COLOURS["neutral"])
        gap_ax.errorbar(rows["gap_change_pp"].astype(float), y,
                        xerr=_errors(rows, "gap_change_pp", "gap_low", "gap_high"), fmt="s",
                        color=style.CYCLE[1], markersize=4, elinewidth=1.0, capsize=2)
        for ax in (gain_ax, gap_ax):
            ax.axvline(0, color=style.COLOURS["neutral"], linewidth=0.8)
            ax.grid(axis="y", visible=False)
        gain_ax.set_yticks(y, [lever_name(lang, name) for name in rows["lever"]])
        gap_ax.set_yticks(y, [f"{int(rank)}" for rank in rows["gap_rank"]])
        gap_ax.tick_params(axis="y", labelleft=False, labelright=True, length=0)
        for ax in (gain_ax, gap_ax):
            ax.set_ylim(-0.6, len(rows) - 0.4)
        gain_ax.set_xlabel(label(lang, "gain_axis", year=year, window=window))
        gap_ax.set_xlabel(label(lang, "gap_axis", year=year))
        gain_ax.set_title(label(lang, "gain_panel"))
        gap_ax.set_title(label(lang, "gap_panel"))
        fig.suptitle(label(lang, "title", year=year) + "\n" + label(lang, "note"))
        if not converged:
            style.stamp(gap_ax, label(lang, "not_converged"), gid="not_converged")
        style.add_footer(fig, lang, **(footer or {}))
        style.fit_texts(fig)
    return fig


def write_chart(table: pd.DataFrame, folder: str | Path, footer: dict | None = None, year: int = 2030,
                window: str = "2021-2030", converged: bool = True) -> list[Path]:
    """The chart in English and Chinese as ``folder/lever-ranking.png`` and ``lever-ranking-zh.png``
    (300 dpi, printed 156 mm wide); the paths."""
    import matplotlib.pyplot as plt

    paths = []
    for lang, suffix in (("en", ""), ("zh", "-zh")):
        shown = window if lang == "en" else window.replace("-", "\u2014")
        fig = ranking_chart(table, lang, year, shown, converged, footer)
        paths += style.save(fig, Path(folder) / f"lever-ranking{suffix}", formats=("png",))
        plt.close(fig)
    return paths


__all__ = ["LABELS", "chart_order", "ranking_chart", "write_chart"]
