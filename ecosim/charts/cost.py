"""Cost against gain: extra social cost over the cost window (median over replications; see
``ecosim.analysis.costs``) and extra target-year intensity of each mix."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure

from ecosim.charts import style
from ecosim.charts.labels import scenario_name, text

if TYPE_CHECKING:
    from ecosim.analysis.compare import Comparison

PER_100BN = 1000.0
"""100m-yuan units in 100bn yuan: gains are shown per 100bn yuan so the numbers read as 0.4, not 0.0004."""


def place_labels(ax, texts) -> None:
    """Move overlapping point labels apart (adjustText), with a thin line back to the point."""
    from adjustText import adjust_text

    if len(texts) > 1:
        adjust_text(texts, ax=ax, arrowprops={"arrowstyle": "-", "color": style.COLOURS["neutral"], "lw": 0.5})


def cost_chart(comparison: "Comparison", lang: str = "en") -> Figure:
    """Top: gain in median intensity against extra cost relative to the first scenario;
    bottom: percentage points gained per 100bn yuan of extra cost."""
    table = comparison.table()
    first = next(iter(comparison.forecasts.values()))
    year, window = first.scenario.target.year, comparison.window.label
    with style.context(lang):
        fig, (left, right) = style.figure("tall", nrows=2)
        names = list(table.index)
        labels = [scenario_name(lang, n) for n in names]
        colours = [style.CYCLE[i % len(style.CYCLE)] for i in range(len(names))]
        left.scatter(table["extra_cost_vs_first"], table["gain_vs_first"], c=colours, s=40, zorder=3)
        texts = [left.text(x, y, label) for label, x, y in
                 zip(labels, table["extra_cost_vs_first"], table["gain_vs_first"])]
        left.axhline(0, color=style.COLOURS["neutral"], lw=0.8)
        left.axvline(0, color=style.COLOURS["neutral"], lw=0.8)
        left.set_xlabel(text(lang, "extra_cost", window=window))
        left.set_ylabel(text(lang, "gain", year=year))
        left.set_title(text(lang, "cost_title", baseline=labels[0]), wrap=True)
        place_labels(left, texts)
        efficiency = table["points_per_100m"].to_numpy()[1:] * PER_100BN
        shown = np.nan_to_num(efficiency, nan=0.0)
        bars = right.barh(range(len(shown)), shown, color=colours[1:], alpha=0.85, gid="efficiency")
        right.bar_label(bars, labels=[text(lang, "not_applicable") if np.isnan(v) else f"{v:.2f}"
                                      for v in efficiency], padding=3)
        right.set_yticks(range(len(shown)), labels[1:])
        right.invert_yaxis()
        right.set_xlabel(text(lang, "points_per_100bn"))
        right.set_title(text(lang, "efficiency_title"))
        style.add_footer(fig, lang, scenario=names[0], seed=comparison.seed, replications=first.replications,
                         date=str(first.provenance.get("time", ""))[:10] or None, region=first.scenario.region)
    return fig
