"""Backtest chart of one variable: history, the model fan, the actuals and the naive forecasts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ecosim.charts import style
from ecosim.charts.labels import area_name, text, unit_name, variable_name

if TYPE_CHECKING:
    from ecosim.analysis.backtest import BacktestResult


def _draw_naive(ax, result: "BacktestResult", area: str, variable: str, lang: str) -> None:
    """History points, the random walk and the linear trend of the last six recorded years (as the
    result carries them: ``result.naive``)."""
    c = style.COLOURS
    lines = result.naive[(area, variable)]
    shown = lines.history
    if not shown:
        return
    ax.plot(list(shown), list(shown.values()), ls="none", marker="o", ms=4, color=c["history"],
            label=text(lang, "history_range", start=min(shown), end=max(shown)))
    ax.plot(lines.walk_years, lines.walk, color=c["neutral"], lw=1.2, ls="--",
            gid="random_walk", label=text(lang, "random_walk"))
    ax.plot(lines.trend_years, lines.trend, color=style.CYCLE[1], lw=1.2, ls="-.", gid="linear_trend",
            label=text(lang, "linear_trend", start=lines.trend_start, end=lines.trend_end))


def backtest_chart(result: "BacktestResult", region: str, variable: str, lang: str = "en") -> Figure:
    """Chart of one (region, variable) of a backtest in ``lang``, with the footer; returns the Figure.
    ``region`` is an area code of history.csv (the forecast's region or its benchmark), shown by its
    display name from the region bundle."""
    rows = result.table[(result.table["region"] == region) & (result.table["variable"] == variable)]
    if rows.empty:
        raise KeyError(f"no backtest rows for {region}/{variable}")
    unit = rows["unit"].iloc[0]
    record = result.forecast.scenario.region
    bands = result.forecast.bands(rows["model_column"].iloc[0])
    bands = bands[bands.index >= record.first_base_year]
    horizon = int(bands.index.max())
    c = style.COLOURS
    shown = f"{area_name(lang, region, record)} {variable_name(lang, variable)}"
    with style.context(lang):
        fig, ax = style.figure("single")
        years = bands.index.to_numpy()
        ax.fill_between(years, bands["q05"], bands["q95"], color=c["band90"], lw=0, label=text(lang, "model_band90"))
        ax.fill_between(years, bands["q25"], bands["q75"], color=c["band50"], lw=0, label=text(lang, "model_band50"))
        ax.plot(years, bands["q50"], color=c["region"], lw=2, label=text(lang, "model_median"))
        _draw_naive(ax, result, region, variable, lang)
        ax.plot(rows["year"], rows["actual"], ls="none", marker="D", ms=5, color=c["national"],
                gid="actuals", label=text(lang, "actual"))
        ax.axvline(record.last_year + 0.5, color=c["target_year"], lw=0.8, ls=":")
        ax.set_title(text(lang, "backtest_title", variable=shown))
        ax.set_xlabel(text(lang, "year"))
        ax.set_ylabel(f"{variable_name(lang, variable)} ({unit_name(lang, unit)})" if unit
                      else variable_name(lang, variable))
        ax.set_xlim(record.first_base_year - 0.5, horizon + 0.5)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend(loc="best", ncols=2)
        scores = result.scores
        style.add_footer(fig, lang, source=text(lang, "source_backtest", actuals=scores.get("actuals", "")),
                         scenario=scores.get("scenario"), seed=scores.get("seed"),
                         replications=scores.get("replications"), date=_date(result))
        style.fit_texts(fig)
    return fig


def _date(result: "BacktestResult") -> str | None:
    """The run date of the backtest's forecast (None: today)."""
    return str((result.forecast.provenance or {}).get("time", ""))[:10] or None
