"""Bar chart of a mix's effect on the target-year intensity, term by term: each lever's own effect,
the S&T budget cap, and the interactions, with paired intervals."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure

from ecosim.charts import style
from ecosim.charts.labels import lever_name, scenario_name, text

if TYPE_CHECKING:
    from ecosim.analysis.contribution import Contribution

TERM_LABELS = {
    "en": {
        "budget_cap": "S&T budget cap (outlays cut to fit it)",
        "axis": "Drop in {year} intensity, lever back at {base_year} with every outlay funded "
                "(pp, mean of paired runs; bar = 95% interval)",
    },
    "zh": {
        "budget_cap": "科技预算约束（支出按预算压减）",
        "axis": "恢复为{base_year}年水平、各项支出足额拨付时{year}年强度的下降"
                "（百分点，配对均值；误差线为95%置信区间）",
    },
}
"""The chart's own words: the budget cap's bar and the axis (the mean of paired drops, budget lifted)."""


def term_label(lang: str, key: str, **values) -> str:
    """A label of this chart in ``lang`` with ``values`` filled in."""
    if lang not in TERM_LABELS:
        raise ValueError(f"lang must be one of {', '.join(TERM_LABELS)}, got {lang!r}")
    return TERM_LABELS[lang][key].format(**values)


def _error_bars(rows) -> np.ndarray:
    """Whisker lengths below and above each mean drop (2 x n), zero where there is no interval."""
    mean = rows["drop_mean"].to_numpy(dtype=float)
    low = np.nan_to_num(mean - rows["drop_low"].to_numpy(dtype=float))
    high = np.nan_to_num(rows["drop_high"].to_numpy(dtype=float) - mean)
    return np.vstack([np.clip(low, 0, None), np.clip(high, 0, None)])


def contribution_chart(result: "Contribution", lang: str = "en", only_changed: bool = True) -> Figure:
    """Horizontal bars of the mean paired drop in the target-year intensity: one per lever switched
    back alone with every outlay funded (whiskers: 95% interval), then the budget cap and the
    interactions (or, when not every changed lever was computed, the other levers and interactions)."""
    table = result.table()
    levers = result.lever_rows()
    if only_changed:
        levers = levers[levers["changed"].astype(bool)]
    levers = levers.sort_values("drop_mean")
    rows = table.loc[list(levers.index) + ["budget_cap", "interactions"]]
    names = ([lever_name(lang, n) for n in levers.index] + [term_label(lang, "budget_cap")]
             + [text(lang, "interaction" if result.complete else "rest")])
    values = rows["drop_mean"].to_numpy(dtype=float)
    colours = ([style.COLOURS["positive"] if v >= 0 else style.COLOURS["negative"] for v in values[:-2]]
               + [style.COLOURS["region"], style.COLOURS["neutral"]])
    with style.context(lang):
        fig, ax = style.figure("tall")
        ax.barh(range(len(values)), values, color=colours, xerr=_error_bars(rows),
                error_kw={"elinewidth": 0.8, "capsize": 2})
        ax.set_yticks(range(len(values)), names)
        ax.axhline(len(levers) - 0.5, color=style.COLOURS["neutral"], lw=0.6, ls=":")
        ax.axvline(0, color="black", lw=0.8)
        ax.set_xlabel(term_label(lang, "axis", year=result.scenario.target.year,
                                 base_year=result.scenario.base_year))
        ax.set_title(text(lang, "contribution_title", year=result.scenario.target.year,
                          scenario=scenario_name(lang, result.scenario.name)))
        style.add_footer(fig, lang, scenario=result.scenario.name, seed=result.seed,
                         replications=result.replications, region=result.scenario.region)
        style.fit_texts(fig)
    return fig
