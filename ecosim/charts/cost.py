"""Cost against gain: extra social cost over the cost window (median over replications; see
``ecosim.analysis.costs``) and extra target-year intensity of each mix, and the gain per unit of
extra cost in a unit no larger than the largest extra cost drawn."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure

from ecosim.charts import style
from ecosim.charts.labels import COST_UNITS, cost_unit_name, scenario_name, text

if TYPE_CHECKING:
    from ecosim.analysis.compare import Comparison

MARKER_AREA_PT2 = 40.0
"""Area of a mix's marker, in points squared."""


def cost_unit(largest: float) -> int:
    """The unit the gain per cost is shown per, as a power of ten of 100m yuan: the largest power of
    ten not above ``largest``, the greatest extra cost drawn (100m yuan), so that no gain is scaled
    to a cost larger than any mix spends; 0 (per 100m yuan) when no mix spends more than the first."""
    if not math.isfinite(largest) or largest <= 0:
        return 0
    power = math.floor(math.log10(largest))
    if 10.0 ** (power + 1) <= largest:  # log10 of a power of ten may fall just short of it
        power += 1
    return int(min(max(power, min(COST_UNITS["en"])), max(COST_UNITS["en"])))


def cost_chart(comparison: "Comparison", lang: str = "en") -> Figure:
    """Top: gain in median intensity against extra cost relative to the first scenario, each mix
    labelled beside its marker; bottom: percentage points gained per unit of extra cost, the unit the
    largest power of ten of yuan not above the largest extra cost drawn (see :func:`cost_unit`)."""
    table = comparison.table()
    first = next(iter(comparison.forecasts.values()))
    year, window = first.scenario.target.year, comparison.window.label
    extra, gain = table["extra_cost_vs_first"].to_numpy(), table["gain_vs_first"].to_numpy()
    power = cost_unit(float(np.nanmax(extra)) if np.isfinite(extra).any() else 0.0)
    unit = cost_unit_name(lang, power)
    with style.context(lang):
        fig, (left, right) = style.figure("tall", nrows=2)
        names = list(table.index)
        labels = [scenario_name(lang, n) for n in names]
        colours = [style.CYCLE[i % len(style.CYCLE)] for i in range(len(names))]
        left.scatter(extra, gain, c=colours, s=MARKER_AREA_PT2, zorder=3, gid="mixes")
        left.axhline(0, color=style.COLOURS["neutral"], lw=0.8)
        left.axvline(0, color=style.COLOURS["neutral"], lw=0.8)
        left.margins(x=0.1, y=0.15)
        left.set_xlabel(text(lang, "extra_cost", window=window))
        left.set_ylabel(text(lang, "gain", year=year))
        left.set_title(text(lang, "cost_title", baseline=labels[0]))
        efficiency = table["points_per_100m"].to_numpy()[1:] * 10.0 ** power
        shown = np.nan_to_num(efficiency, nan=0.0)
        bars = right.barh(range(len(shown)), shown, color=colours[1:], alpha=0.85, gid="efficiency")
        right.bar_label(bars, labels=[text(lang, "not_applicable") if np.isnan(v) else f"{v:.3g}"
                                      for v in efficiency], padding=3)
        right.set_yticks(range(len(shown)), labels[1:])
        right.invert_yaxis()
        right.set_xlabel(text(lang, "points_per_cost", unit=unit))
        right.set_title(text(lang, "efficiency_title", unit=unit))
        style.add_footer(fig, lang, scenario=names[0], seed=comparison.seed, replications=first.replications,
                         date=str(first.provenance.get("time", ""))[:10] or None, region=first.scenario.region)
        style.fit_texts(fig)
        style.label_markers(left, extra, gain, labels, math.sqrt(MARKER_AREA_PT2) / 2, gid="mix_label")
    return fig
