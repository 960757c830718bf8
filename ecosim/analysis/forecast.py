"""A forecast: replications of a scenario and what they say about the target."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ecosim.analysis.costs import (binding_years, budget_binding, by_year, cost_window, funding,
                                  scenario_cost)
from ecosim.analysis.intervals import LEVEL, Interval, share_interval
from ecosim.explore.provenance import resolved_levers
from ecosim.model import OUTPUT_COLUMNS
from ecosim.scenario import Scenario

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


@dataclass
class Forecast:
    """The replications of one scenario (``years``: one row per replication and year)."""

    scenario: Scenario
    years: pd.DataFrame
    seed: int
    provenance: dict = field(default_factory=dict)
    """Where the forecast comes from (see :func:`ecosim.explore.provenance.manifest`); {} if unknown."""
    to_fund_as_written: dict | None = None
    """The S&T budget that would fund the mix as written (:func:`ecosim.api.forecast.budget_to_fund_as_written`); None
    when the budget does not bind or it was not asked for."""

    def __post_init__(self) -> None:
        self.years.attrs["units"] = column_units(self.years.columns)

    @property
    def replications(self) -> int:
        """Number of replications."""
        return int(self.years["replication"].nunique())

    def target_year(self) -> pd.DataFrame:
        """The rows of the target year, one per replication."""
        return self.years[self.years["year"] == self.scenario.target.year]

    def probability_met(self, year: int | None = None) -> float:
        """Share of replications at or above the target in ``year`` (default: the target year)."""
        rows = self.years[self.years["year"] == (year or self.scenario.target.year)]
        return float(rows["target_met"].mean())

    def probability_interval(self, year: int | None = None, level: float = LEVEL) -> Interval:
        """P(target met) in ``year`` (default: the target year) with its Wilson interval."""
        rows = self.years[self.years["year"] == (year or self.scenario.target.year)]
        return share_interval(rows["target_met"], level)

    def probability_by_year(self) -> pd.Series:
        """P(target met) in each simulated year."""
        return self.years.groupby("year")["target_met"].mean()

    def gap_to_target(self, year: int | None = None) -> dict[str, float]:
        """The region's intensity minus the target (the benchmark's intensity, or the scenario's fixed
        value) in ``year`` (default: the target year), percentage points: the 5th, 50th and 95th
        percentiles over replications (the ``rd_intensity_gap`` column is the gap to the benchmark
        whatever the target)."""
        rows = self.years[self.years["year"] == (year or self.scenario.target.year)]
        gap = rows["rd_intensity"] - rows["target_rd_intensity"]
        return {f"q{round(100 * q):02d}": float(gap.quantile(q)) for q in (0.05, 0.5, 0.95)}

    def target_path(self) -> pd.Series:
        """The target by year, percent of GDP: the benchmark's median intensity over replications (the
        national average), or the scenario's fixed value."""
        if self.scenario.target.value == "national_average":
            return self.years.groupby("year")["national_rd_intensity"].median()
        years = sorted(self.years["year"].unique())
        return pd.Series(float(self.scenario.target.value), index=years)

    def bands(self, column: str = "rd_intensity") -> pd.DataFrame:
        """Quantiles of a column by year (columns q05, q25, q50, q75, q95)."""
        q = self.years.groupby("year")[column].quantile(list(QUANTILES)).unstack()
        q.columns = [f"q{round(100 * p):02d}" for p in QUANTILES]
        return q

    def funded_shares(self) -> dict[int, float]:
        """Median share of the mix's requested outlay increase that the S&T budget funded, by year of
        the cost window; {} when the budget cuts the mix in no replication there."""
        window = cost_window(self.scenario)
        if budget_binding(self.years, window).max() <= 0:
            return {}
        return by_year(self.years, window, "budget_funded_share")

    def first_year_met(self) -> int | None:
        """First year in which at least half the replications meet the target, if any."""
        p = self.probability_by_year()
        met = p[(p.index > self.scenario.base_year) & (p >= 0.5)]
        return int(met.index[0]) if len(met) else None

    def summary(self) -> dict:
        """The answer: P(target met), target-year intensity and national intensity, cost, first year met."""
        rows = self.target_year()
        band = lambda col: {f"q{round(100 * p):02d}": float(np.quantile(rows[col], p)) for p in (0.05, 0.5, 0.95)}
        window = cost_window(self.scenario)
        ci = self.probability_interval()
        return {
            "scenario": self.scenario.name,
            "seed": self.seed,
            "replications": self.replications,
            "target_year": self.scenario.target.year,
            "target": self.scenario.target.value,
            "probability_target_met": self.probability_met(),
            "probability_target_met_interval": {"low": ci.low, "high": ci.high, "level": ci.level,
                                                "method": "Wilson score"},
            "target_met_count": int(rows["target_met"].sum()),
            "rd_intensity": band("rd_intensity"),
            "national_rd_intensity": band("national_rd_intensity"),
            "rd_intensity_gap": band("rd_intensity_gap"),
            "first_year_met": self.first_year_met(),
            "cost_window": window.label,
            "costs": scenario_cost(self.years, window),
            "budget_binding_share": float(budget_binding(self.years, window).mean()),
            "budget_binding_by_year": binding_years(self.years, window),
            "budget": {**funding(self.years, self.scenario, window), "to_fund_as_written": self.to_fund_as_written},
            "units": {"rd_intensity": "percent of GDP", "costs": "100m yuan", "budget_binding_share": "share",
                      "budget": "100m yuan; funded_share a share; share_of_gdp percent of GDP; growth share per year"},
            "definitions": {
                "probability_target_met": "share of replications whose intensity is at least the target in the target year",
                "first_year_met": "first year after the base year in which at least half the replications meet the target",
                "cost_window": "the years costs are summed over: the policy start year to the target year, inclusive",
                "costs": "each cost measure summed over the cost window, median and mean over replications: "
                         "outlay (government spending), revenue_forgone (tax expenditure), compliance (cost to "
                         "firms of mandates), government = outlay + revenue forgone, social = government + "
                         "compliance",
                "budget_binding_share": "share of replications in which the S&T budget cut an outlay lever in at "
                                        "least one year of the cost window",
                "budget_binding_by_year": "share of replications in which the S&T budget binds, by year",
                "budget": "what the S&T budget funded, by year of the cost window (medians over replications): "
                          "funded_share of the requested outlay increases, requested and headroom, and each "
                          "outlay lever the mix raises as written (requested) and as funded; to_fund_as_written: "
                          "the budget (share of GDP, or yearly growth) that funds the mix as written in every "
                          "year of the window, median and 90th percentile over replications run with the "
                          "budget not cutting",
                "probability_target_met_interval": "Wilson score interval of the share of replications",
                "resolved_levers": "every lever's value in every simulated year as written (history, then the "
                                   "scenario); outlay levers act at these values only where the S&T budget "
                                   "funds them (see budget.levers and the funded_<lever> columns of years.csv)",
                "base_year_record": "the base year and the fields not recorded for it, carried forward from the "
                                    "latest earlier year (as shares of R&D or GDP where they are shares)",
            },
            "region": {"ref": self.scenario.region.ref, "id": self.scenario.region.key,
                       "name_en": self.scenario.region.name("en"), "name_zh": self.scenario.region.name("zh"),
                       "last_recorded_year": self.scenario.region.last_year,
                       "own_calibration": self.scenario.region.has_own_calibration},
            "base_year_record": base_year_record(self.scenario),
            "provenance": dict(self.provenance),
            "resolved_levers": resolved_levers(self.scenario),
        }

    def plot(self, lang: str = "en", title: str | None = None):
        """Fan chart of the forecast (``lang`` "en" or "zh"); returns the matplotlib Figure."""
        from ecosim.charts.fan import fan_chart

        return fan_chart(self, lang, title)


def column_units(columns) -> dict[str, str]:
    """The unit of each model output column among ``columns`` (for ``DataFrame.attrs["units"]``)."""
    return {c: OUTPUT_COLUMNS[c][0] for c in columns if c in OUTPUT_COLUMNS}


def base_year_record(scenario: Scenario) -> dict:
    """The base year and the fields its record carried forward from earlier years (field, year, how)."""
    carried = scenario.region.base_record(scenario.base_year).carried
    return {"year": scenario.base_year,
            "carried_forward": [{"field": f, "from_year": y, "how": how} for f, y, how in carried]}
