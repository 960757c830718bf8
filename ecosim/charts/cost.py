"""Cost against gain: extra government cost and extra target-year intensity of each mix."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure

from ecosim.charts import style
from ecosim.charts.labels import scenario_name, text

if TYPE_CHECKING:
    from ecosim.analysis.compare import Comparison


def cost_chart(comparison: "Comparison", lang: str = "en") -> Figure:
    """Left: gain against extra cost relative to the first scenario; right: points per 100m yuan."""
    table = comparison.table()
    first = next(iter(comparison.forecasts.values()))
    year, start = first.scenario.target.year, first.scenario.policy_start_year
    with style.context(lang):
        fig, (left, right) = style.figure("wide", ncols=2)
        names = list(table.index)
        labels = [scenario_name(lang, n) for n in names]
        colours = [style.CYCLE[i % len(style.CYCLE)] for i in range(len(names))]
        left.scatter(table["extra_cost_vs_first"], table["gain_vs_first"], c=colours, s=50, zorder=3)
        for i, (label, x, y) in enumerate(zip(labels, table["extra_cost_vs_first"], table["gain_vs_first"])):
            # alternate above and below so that close mixes do not overprint
            left.annotate(label, (x, y), xytext=(6, 6 if i % 2 == 0 else -14), textcoords="offset points")
        left.axhline(0, color=style.COLOURS["neutral"], lw=0.8)
        left.axvline(0, color=style.COLOURS["neutral"], lw=0.8)
        left.set_xlabel(text(lang, "extra_cost", start=start))
        left.set_ylabel(text(lang, "gain", year=year))
        left.set_title(text(lang, "cost_title", baseline=labels[0]))
        efficiency = table["points_per_100m"].to_numpy()[1:]
        shown = np.nan_to_num(efficiency, nan=0.0)
        bars = right.bar(range(len(shown)), shown, color=colours[1:], alpha=0.85)
        right.bar_label(bars, labels=["n/a" if np.isnan(v) else f"{v:.3g}" for v in efficiency], padding=2)
        right.set_xticks(range(len(shown)), labels[1:])
        right.set_ylabel(text(lang, "points_per_100m"))
        right.set_title(text(lang, "efficiency_title"))
    return fig
