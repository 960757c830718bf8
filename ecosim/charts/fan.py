"""The forecast fan chart: history, the fitted years, the policy start, median, 50% and 90% bands,
the target (the benchmark's path as a band), the target year, and P(target met) with its interval."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ecosim.charts import style
from ecosim.charts.labels import benchmark_label, scenario_name, text
from ecosim.data import Region

if TYPE_CHECKING:
    from ecosim.analysis.forecast import Forecast


def history(region: Region, variable: str = "rd_intensity_first_published") -> pd.Series:
    """The region's recorded values by year, from its first base year to its last recorded year."""
    values = {y: v for y, v in region.series(variable).items() if region.first_base_year <= y <= region.last_year}
    return pd.Series(values, dtype=float).sort_index()


def probability_text(result: "Forecast", lang: str) -> str:
    """``P(target met in 2024) = 39% (78 of 200; 95% CI 33-46%)`` for a forecast."""
    from ecosim.analysis.intervals import format_share

    rows = result.target_year()
    share = format_share(int(rows["target_met"].sum()), int(len(rows)), lang)
    return text(lang, "p_met", year=result.scenario.target.year, p=share)


def funded_text(result: "Forecast", lang: str) -> str | None:
    """``S&T budget funded 11% (2021) to 48% (2024) of the mix's requested increase (median)``, or None
    when the budget cuts the mix in no year of the cost window."""
    shares = result.funded_shares()
    if not shares:
        return None
    first, last = min(shares), max(shares)
    part = lambda year: text(lang, "funded_year", p=shares[year], year=year)
    span = part(first) if first == last else text(lang, "funded_range", first=part(first), last=part(last))
    return text(lang, "funded", shares=span)


def _draw_target(ax, result: "Forecast", lang: str, start: int) -> None:
    c = style.COLOURS
    target = result.target_path()
    if result.scenario.target.value == "national_average":
        benchmark = benchmark_label(lang, result.scenario.region)
        national = result.bands("national_rd_intensity")
        national = national[national.index >= start - 1]
        ax.fill_between(national.index, national["q05"], national["q95"], color=c["national_band"], lw=0,
                        alpha=0.6, gid="national_band", label=text(lang, "national", benchmark=benchmark))
        ax.plot(target.index, target.to_numpy(), color=c["national"], lw=1.2, ls="--", gid="target",
                label=text(lang, "national_median", benchmark=benchmark))
    else:
        ax.plot(target.index, target.to_numpy(), color=c["national"], lw=1.2, ls="--", gid="target",
                label=text(lang, "target_value", value=result.scenario.target.value))


def _set_height(fig: Figure, height_mm: float) -> None:
    """Make a new house figure ``height_mm`` high at its width, with the footer's room kept at its bottom
    as :func:`ecosim.charts.style.figure` keeps it."""
    width, _ = fig.get_size_inches()
    fig.set_size_inches(width, height_mm * style.MM)
    bottom = style.FOOTER_HEIGHT_MM / height_mm
    fig.get_layout_engine().set(rect=(0, bottom, 1, 1 - bottom))


def fan_chart(result: "Forecast", lang: str = "en", title: str | None = None, size: str = "tall",
              height_mm: float | None = None) -> Figure:
    """Fan chart of a forecast's R&D intensity; returns the Figure. The title names the forecast's
    region (its display name in ``lang``) and scenario. ``height_mm`` draws it that high at the width of
    ``size`` (the brief fits its page so).

    Years before the scenario's policy start are the model's fit to the recorded history (drawn
    in grey and labelled so, when there are two or more); the forecast fan starts in the last fitted
    year. The legend lists only what is drawn.
    """
    start = result.scenario.policy_start_year
    c = style.COLOURS
    with style.context(lang):
        fig, ax = style.figure(size)
        if height_mm is not None:
            _set_height(fig, height_mm)
        bands = result.bands("rd_intensity")
        fitted, ahead = bands[bands.index <= start - 1], bands[bands.index >= start - 1]
        years = ahead.index.to_numpy()
        ax.fill_between(years, ahead["q05"], ahead["q95"], color=c["band90"], lw=0, label=text(lang, "band90"))
        ax.fill_between(years, ahead["q25"], ahead["q75"], color=c["band50"], lw=0, label=text(lang, "band50"))
        ax.plot(years, ahead["q50"], color=c["region"], lw=2, gid="median", label=text(lang, "median"))
        if len(fitted) > 1:  # the last fitted year alone is the fan's first year: no line of its own
            ax.plot(fitted.index, fitted["q50"], color=c["fitted"], lw=1.5, gid="fitted",
                    label=text(lang, "fitted", year=start - 1))
        _draw_target(ax, result, lang, start)
        recorded = history(result.scenario.region)
        ax.plot(recorded.index, recorded.to_numpy(), ls="none", marker="o", ms=3.5, color=c["history"],
                label=text(lang, "history"))
        ax.axvline(start - 0.5, color=c["policy_start"], lw=1, ls="-.", gid="policy_start",
                   label=text(lang, "policy_start", year=start))
        year = result.scenario.target.year
        ax.axvline(year, color=c["target_year"], lw=1, ls=":", gid="target_year",
                   label=text(lang, "target_year", year=year))
        box = [probability_text(result, lang), text(lang, "replications", n=result.replications),
               funded_text(result, lang)]
        ax.text(0.02, 0.97, "\n".join(line for line in box if line),
                transform=ax.transAxes, va="top", ha="left", gid="p_met",
                bbox={"boxstyle": "round,pad=0.3", "fc": "white", "ec": c["neutral"], "lw": 0.6})
        ax.set_title(title or text(lang, "fan_title", region=result.scenario.region.name(lang),
                                   scenario=scenario_name(lang, result.scenario.name)))
        ax.set_xlabel(text(lang, "year"))
        ax.set_ylabel(text(lang, "intensity"))
        ax.set_xlim(min(bands.index.min(), recorded.index.min()) - 0.5, bands.index.max() + 0.5)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncols=3 if lang == "zh" else 2)
        style.forecast_footer(fig, lang, result)
        style.fit_texts(fig)
    return fig
