"""Bar chart of each lever's contribution to the target-year intensity."""

from __future__ import annotations

from typing import TYPE_CHECKING

from matplotlib.figure import Figure

from ecosim.charts import style
from ecosim.charts.labels import lever_name, scenario_name, text

if TYPE_CHECKING:
    from ecosim.analysis.contribution import Contribution


def contribution_chart(result: "Contribution", lang: str = "en", only_changed: bool = True) -> Figure:
    """Horizontal bars: drop in the median target-year intensity per lever, plus interactions."""
    table = result.table()
    if only_changed:
        table = table[table["changed"]]
    table = table.sort_values("drop")
    complete = set(result.table_[result.table_["changed"]].index) >= set(result.changed)
    names = [lever_name(lang, n) for n in table.index] + [text(lang, "interaction" if complete else "rest")]
    values = list(table["drop"]) + [result.interaction]
    with style.context(lang):
        fig, ax = style.figure("tall")
        colours = [style.COLOURS["positive"] if v >= 0 else style.COLOURS["negative"] for v in values[:-1]]
        ax.barh(range(len(values)), values, color=colours + [style.COLOURS["neutral"]])
        ax.set_yticks(range(len(values)), names)
        ax.axvline(0, color="black", lw=0.8)
        ax.set_xlabel(text(lang, "drop", year=result.scenario.target.year))
        ax.set_title(text(lang, "contribution_title", year=result.scenario.target.year,
                          scenario=scenario_name(lang, result.scenario.name)))
    return fig
