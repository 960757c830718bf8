"""The forecast fan chart: history, median, 50% and 90% bands, the target path and year, P(target met)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ecosim.charts import style
from ecosim.charts.labels import scenario_name, text
from ecosim.data import data_path

if TYPE_CHECKING:
    from ecosim.analysis.forecast import Forecast

HISTORY_YEARS = (2011, 2020)


def history(region: str = "shanxi", variable: str = "rd_intensity_first_published") -> pd.Series:
    """Recorded values by year from ``history.csv`` (2011-2020 for Shanxi's first-published intensity)."""
    table = pd.read_csv(data_path("history.csv"), comment="#")
    rows = table[(table["region"] == region) & (table["variable"] == variable)
                 & table["year"].between(*HISTORY_YEARS)]
    return rows.set_index("year")["value"].astype(float).sort_index()


def target_path(result: "Forecast") -> pd.Series:
    """The target by year: the median national intensity, or a fixed value."""
    if result.scenario.target.value == "national_average":
        return result.years.groupby("year")["national_rd_intensity"].median()
    years = sorted(result.years["year"].unique())
    return pd.Series(float(result.scenario.target.value), index=years)


def fan_chart(result: "Forecast", lang: str = "en", title: str | None = None) -> Figure:
    """Fan chart of a forecast's R&D intensity; returns the Figure."""
    with style.context(lang):
        fig, ax = style.figure("single")
        bands = result.bands("rd_intensity")
        years = bands.index.to_numpy()
        c = style.COLOURS
        ax.fill_between(years, bands["q05"], bands["q95"], color=c["band90"], lw=0, label=text(lang, "band90"))
        ax.fill_between(years, bands["q25"], bands["q75"], color=c["band50"], lw=0, label=text(lang, "band50"))
        ax.plot(years, bands["q50"], color=c["shanxi"], lw=2, label=text(lang, "median"))
        target = target_path(result)
        national = result.scenario.target.value == "national_average"
        ax.plot(target.index, target.to_numpy(), color=c["national"], lw=1.5, ls="--", gid="target",
                label=text(lang, "national") if national else text(lang, "target_value", value=result.scenario.target.value))
        recorded = history()
        ax.plot(recorded.index, recorded.to_numpy(), ls="none", marker="o", ms=4, color=c["history"],
                label=text(lang, "history"))
        year = result.scenario.target.year
        ax.axvline(year, color=c["target_year"], lw=1, ls=":", gid="target_year", label=text(lang, "target_year", year=year))
        p = result.probability_met()
        ax.text(0.98, 0.03, text(lang, "p_met", year=year, p=p) + "\n" + text(lang, "replications", n=result.replications),
                transform=ax.transAxes, va="bottom", ha="right", gid="p_met",
                bbox={"boxstyle": "round,pad=0.3", "fc": "white", "ec": c["neutral"], "lw": 0.6})
        ax.set_title(title or text(lang, "fan_title", scenario=scenario_name(lang, result.scenario.name)))
        ax.set_xlabel(text(lang, "year"))
        ax.set_ylabel(text(lang, "intensity"))
        ax.set_xlim(min(years.min(), recorded.index.min()) - 0.5, years.max() + 0.5)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend(loc="upper left", ncols=2)
    return fig
