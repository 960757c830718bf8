"""Backtest chart of one variable: history, the model fan, the actuals and the naive forecasts."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure

from ecosim.charts import style
from ecosim.data import LAST_HISTORY_YEAR

if TYPE_CHECKING:
    from ecosim.analysis.backtest import BacktestResult

HISTORY_FROM = 2011


def backtest_chart(result: "BacktestResult", region: str, variable: str) -> Figure:
    """Chart of one (region, variable) of a backtest; returns the Figure."""
    from ecosim.analysis.backtest import calibration_series, linear_trend, random_walk

    rows = result.table[(result.table["region"] == region) & (result.table["variable"] == variable)]
    if rows.empty:
        raise KeyError(f"no backtest rows for {region}/{variable}")
    column, unit = rows["model_column"].iloc[0], rows["unit"].iloc[0]
    history = {y: v for y, v in calibration_series(region, variable).items() if y >= HISTORY_FROM}
    bands = result.forecast.bands(column)
    bands = bands[bands.index >= HISTORY_FROM]
    horizon = int(bands.index.max())
    c = style.COLOURS
    with style.context("en"):
        fig, ax = style.figure("single")
        years = bands.index.to_numpy()
        ax.fill_between(years, bands["q05"], bands["q95"], color=c["band90"], lw=0, label="model 90% band")
        ax.fill_between(years, bands["q25"], bands["q75"], color=c["band50"], lw=0, label="model 50% band")
        ax.plot(years, bands["q50"], color=c["shanxi"], lw=2, label="model median")
        if history:
            ax.plot(list(history), list(history.values()), ls="none", marker="o", ms=4, color=c["history"],
                    label=f"history {min(history)}-{max(history)}")
            full = calibration_series(region, variable)
            last = max(full)
            walk_years = np.arange(last, horizon + 1)
            ax.plot(walk_years, np.full(len(walk_years), random_walk(full)), color=c["neutral"], lw=1.2,
                    ls="--", gid="random_walk", label="random walk")
            trend_years = np.arange(LAST_HISTORY_YEAR - 5, horizon + 1)
            ax.plot(trend_years, [linear_trend(full, int(y)) for y in trend_years], color=style.CYCLE[1],
                    lw=1.2, ls="-.", gid="linear_trend", label="linear trend 2015-2020")
        ax.plot(rows["year"], rows["actual"], ls="none", marker="D", ms=5, color=c["national"],
                gid="actuals", label="actual")
        ax.axvline(LAST_HISTORY_YEAR + 0.5, color=c["target_year"], lw=0.8, ls=":")
        ax.set_title(f"Backtest: {region} {variable.replace('_', ' ')}")
        ax.set_xlabel("year")
        ax.set_ylabel(f"{column.replace('_', ' ')} ({unit})" if unit else column.replace("_", " "))
        ax.set_xlim(HISTORY_FROM - 0.5, horizon + 0.5)
        ax.legend(loc="best", ncols=2)
    return fig
