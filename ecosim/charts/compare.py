"""Policy mixes side by side: target-year intensity distributions and P(target met) bars."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure

from ecosim.charts import style
from ecosim.charts.labels import scenario_name, text

if TYPE_CHECKING:
    from ecosim.analysis.compare import Comparison


def compare_chart(comparison: "Comparison", lang: str = "en") -> Figure:
    """Left: target-year intensity by scenario (box = 50%, whiskers = 90%) and the target;
    right: P(target met) by scenario. Returns the Figure."""
    with style.context(lang):
        fig, (left, right) = style.figure("wide", ncols=2, width_ratios=(3, 2))
        names = list(comparison.forecasts)
        labels = [scenario_name(lang, n) for n in names]
        colours = [style.CYCLE[i % len(style.CYCLE)] for i in range(len(names))]
        first = comparison.forecasts[names[0]]
        year = first.scenario.target.year
        data = [comparison.forecasts[n].target_year()["rd_intensity"].to_numpy() for n in names]
        boxes = left.boxplot(data, whis=(5, 95), patch_artist=True, showfliers=False, widths=0.5,
                             medianprops={"color": "black"})
        for patch, colour in zip(boxes["boxes"], colours):
            patch.set_facecolor(colour)
            patch.set_alpha(0.6)
        left.set_xticks(range(1, len(names) + 1), labels)
        if first.scenario.target.value == "national_average":
            target = float(np.median(first.target_year()["national_rd_intensity"]))
            target_label = text(lang, "national")
        else:
            target = float(first.scenario.target.value)
            target_label = text(lang, "target_value", value=target)
        left.axhline(target, color=style.COLOURS["national"], ls="--", lw=1.5, label=target_label, gid="target")
        left.set_ylabel(text(lang, "target_year_intensity", year=year))
        left.set_title(text(lang, "compare_title", year=year))
        left.legend(loc="upper left")
        p = [comparison.forecasts[n].probability_met() for n in names]
        bars = right.bar(range(len(names)), p, color=colours, alpha=0.85)
        right.bar_label(bars, labels=[f"{v:.0%}" for v in p], padding=2)
        right.set_xticks(range(len(names)), labels)
        right.set_ylim(0, 1.08)
        right.set_ylabel(text(lang, "probability"))
        right.set_title(text(lang, "probability_title", year=year))
        for ax in (left, right):
            ax.tick_params(axis="x", labelrotation=15)
    return fig
