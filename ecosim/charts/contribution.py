"""Bar chart of each lever's contribution to the target-year intensity, with paired intervals."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure

from ecosim.charts import style
from ecosim.charts.labels import lever_name, scenario_name, text

if TYPE_CHECKING:
    from ecosim.analysis.contribution import Contribution


def contribution_chart(result: "Contribution", lang: str = "en", only_changed: bool = True) -> Figure:
    """Horizontal bars: drop in the median target-year intensity per lever switched back to its
    base-year value (whiskers: 95% interval of the mean paired drop), plus interactions."""
    table = result.table()
    if only_changed:
        table = table[table["changed"]]
    table = table.sort_values("drop")
    complete = set(result.table_[result.table_["changed"]].index) >= set(result.changed)
    names = [lever_name(lang, n) for n in table.index] + [text(lang, "interaction" if complete else "rest")]
    values = list(table["drop"]) + [result.interaction]
    mean = table["drop_mean"].to_numpy() if "drop_mean" in table else np.asarray(table["drop"])
    low = table["drop_low"].to_numpy() if "drop_low" in table else mean
    high = table["drop_high"].to_numpy() if "drop_high" in table else mean
    err = np.vstack([np.append(np.clip(np.nan_to_num(mean - low), 0, None), 0),
                     np.append(np.clip(np.nan_to_num(high - mean), 0, None), 0)])
    with style.context(lang):
        fig, ax = style.figure("tall")
        colours = [style.COLOURS["positive"] if v >= 0 else style.COLOURS["negative"] for v in values[:-1]]
        ax.barh(range(len(values)), values, color=colours + [style.COLOURS["neutral"]], xerr=err,
                error_kw={"elinewidth": 0.8, "capsize": 2})
        ax.set_yticks(range(len(values)), names)
        ax.axvline(0, color="black", lw=0.8)
        ax.set_xlabel(text(lang, "drop", year=result.scenario.target.year, base_year=result.scenario.base_year),
                      wrap=True)
        ax.set_title(text(lang, "contribution_title", year=result.scenario.target.year,
                          scenario=scenario_name(lang, result.scenario.name)), wrap=True)
        style.add_footer(fig, lang, scenario=result.scenario.name, seed=result.seed,
                         replications=result.replications, region=result.scenario.region)
    return fig
