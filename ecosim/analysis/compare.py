"""Comparing policy mixes on the same random numbers: P(target met), intensity, cost, cost per point,
and each mix's difference from the first as a paired difference with its interval."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ecosim.analysis.forecast import Forecast
from ecosim.analysis.intervals import (
    Interval,
    independent_share_difference,
    paired_mean_difference,
    paired_share_difference,
    welch_mean_difference,
)
from ecosim.analysis.costs import MEASURES, CostWindow, budget_binding, cost_window, scenario_cost

TABLE_COLUMNS = {
    "probability_target_met": "share of replications at or above the target in the target year",
    "rd_intensity_q05": "target-year intensity, 5th percentile (percent of GDP)",
    "rd_intensity_q50": "target-year intensity, median (percent of GDP)",
    "rd_intensity_q95": "target-year intensity, 95th percentile (percent of GDP)",
    "national_rd_intensity_q50": "target-year national intensity, median (percent of GDP)",
    "cost_window": "the years the costs are summed over: policy start year to target year (ecosim.analysis.costs)",
    "outlay_cost_median": "government outlay over the cost window, median over replications (100m yuan)",
    "revenue_forgone_cost_median": "tax revenue forgone over the cost window, median over replications (100m yuan)",
    "compliance_cost_median": "compliance cost of mandates over the cost window, median over replications (100m yuan)",
    "government_cost_median": "government cost (outlay + revenue forgone) over the cost window, median over "
                              "replications (100m yuan)",
    "social_cost_median": "social cost (government + compliance) over the cost window, median over replications "
                          "(100m yuan)",
    "budget_binding_share": "share of replications in which the S&T budget binds in at least one year of the window",
    "gain_vs_first": "median intensity minus the first scenario's (percentage points)",
    "extra_cost_vs_first": "social_cost_median minus the first scenario's (100m yuan)",
    "cost_per_point": "extra cost per percentage point gained (100m yuan per point; NaN when nothing is gained)",
    "points_per_100m": "percentage points gained per 100m yuan of extra cost (NaN when nothing extra is spent)",
    "target_met_count": "replications at or above the target in the target year",
    "replications": "replications of the scenario",
    "probability_low": "lower end of the 95% Wilson interval of probability_target_met",
    "probability_high": "upper end of the 95% Wilson interval of probability_target_met",
    "probability_diff": "probability_target_met minus the first scenario's (share; paired by replication "
                        "when the seeds are common)",
    "probability_diff_low": "lower end of the 95% interval of probability_diff (Newcombe)",
    "probability_diff_high": "upper end of the 95% interval of probability_diff (Newcombe)",
    "intensity_diff_mean": "mean over replications of the target-year intensity minus the first scenario's "
                           "(percentage points; paired by replication when the seeds are common)",
    "intensity_diff_low": "lower end of the 95% t interval of intensity_diff_mean (percentage points)",
    "intensity_diff_high": "upper end of the 95% t interval of intensity_diff_mean (percentage points)",
    "paired": "whether the differences are paired (same root seed and replications as the first scenario)",
}
"""The columns of :meth:`Comparison.table`."""

TABLE_UNITS = {
    "probability_target_met": "share", "rd_intensity_q05": "percent of GDP", "rd_intensity_q50": "percent of GDP",
    "rd_intensity_q95": "percent of GDP", "national_rd_intensity_q50": "percent of GDP",
    "cost_window": "years", "outlay_cost_median": "100m yuan", "revenue_forgone_cost_median": "100m yuan",
    "compliance_cost_median": "100m yuan", "government_cost_median": "100m yuan", "social_cost_median": "100m yuan",
    "budget_binding_share": "share", "gain_vs_first": "percentage points", "extra_cost_vs_first": "100m yuan",
    "cost_per_point": "100m yuan per percentage point", "points_per_100m": "percentage points per 100m yuan",
    "target_met_count": "replications", "replications": "replications", "probability_low": "share",
    "probability_high": "share", "probability_diff": "share", "probability_diff_low": "share",
    "probability_diff_high": "share", "intensity_diff_mean": "percentage points",
    "intensity_diff_low": "percentage points", "intensity_diff_high": "percentage points", "paired": "true/false",
}
"""The unit of every column of :meth:`Comparison.table` (also in ``table.attrs["units"]``)."""


class UnpairedComparison(ValueError):
    """Forecasts that do not share random numbers (different seeds or replications) compared as if they did."""


@dataclass
class Comparison:
    """Forecasts of several scenarios on one root seed; the first scenario is the reference."""

    forecasts: dict[str, Forecast]
    seed: int

    @property
    def baseline(self) -> str:
        """Name of the reference (first) scenario."""
        return next(iter(self.forecasts))

    def pairing_problem(self, name: str | None = None) -> str | None:
        """Why ``name`` (default: any scenario) is not paired with the first, or None when it is."""
        first = self.forecasts[self.baseline]
        names = [name] if name else list(self.forecasts)[1:]
        for other in names:
            f = self.forecasts[other]
            if f.seed != first.seed:
                return f"{other!r} was run with root seed {f.seed}, {self.baseline!r} with {first.seed}"
            if _seeds(f) != _seeds(first):
                return (f"{other!r} has {f.replications} replications, {self.baseline!r} {first.replications} "
                        "(or their run seeds differ)")
        return None

    @property
    def paired(self) -> bool:
        """Whether every scenario shares the first one's random numbers, replication by replication."""
        return self.pairing_problem() is None

    def require_paired(self) -> None:
        """Raise :class:`UnpairedComparison` when the scenarios do not share random numbers."""
        problem = self.pairing_problem()
        if problem:
            raise UnpairedComparison(f"the runs do not share random numbers: {problem}; differences would mix "
                                     "policy effects with sampling noise. Re-run with the same --seed and "
                                     "--replications, or accept unpaired intervals (--allow-unpaired)")

    def differences(self, name: str) -> tuple[Interval, Interval]:
        """(P(target met), mean target-year intensity) of ``name`` minus the first scenario's, with intervals:
        paired by replication when the seeds are common, else independent."""
        if name == self.baseline:
            return Interval(0.0, 0.0, 0.0), Interval(0.0, 0.0, 0.0)
        first, other = self.forecasts[self.baseline].target_year(), self.forecasts[name].target_year()
        if self.pairing_problem(name) is None:
            a, b = first.sort_values("replication"), other.sort_values("replication")
            return (paired_share_difference(a["target_met"], b["target_met"]),
                    paired_mean_difference(a["rd_intensity"], b["rd_intensity"]))
        return (independent_share_difference(self.forecasts[self.baseline].probability_interval(),
                                             self.forecasts[name].probability_interval()),
                welch_mean_difference(first["rd_intensity"], other["rd_intensity"]))

    @property
    def window(self) -> CostWindow:
        """The cost window of every row: the first scenario's (policy start to target year)."""
        return cost_window(self.forecasts[self.baseline].scenario)

    def table(self) -> pd.DataFrame:
        """One row per scenario: P(target met) with its interval, target-year intensity, cost, gain and
        cost per point, and the difference from the first scenario with its interval."""
        rows = {name: self._row(name, result) for name, result in self.forecasts.items()}
        table = pd.DataFrame.from_dict(rows, orient="index")
        table.index.name = "scenario"
        first = table.iloc[0]
        table["gain_vs_first"] = table["rd_intensity_q50"] - first["rd_intensity_q50"]
        table["extra_cost_vs_first"] = table["social_cost_median"] - first["social_cost_median"]
        gain, extra = table["gain_vs_first"], table["extra_cost_vs_first"]
        table["cost_per_point"] = np.where(gain > 0, extra / gain.where(gain > 0, np.nan), np.nan)
        table["points_per_100m"] = np.where(extra > 0, gain / extra.where(extra > 0, np.nan), np.nan)
        table.iloc[0, table.columns.get_loc("cost_per_point")] = np.nan
        table.iloc[0, table.columns.get_loc("points_per_100m")] = np.nan
        table = table[list(TABLE_COLUMNS)]
        table.attrs["units"] = dict(TABLE_UNITS)
        table.attrs["definitions"] = dict(TABLE_COLUMNS)
        return table

    def _row(self, name: str, result: Forecast) -> dict:
        s = result.summary()
        costs = scenario_cost(result.years, self.window)
        ci = result.probability_interval()
        p_diff, x_diff = self.differences(name)
        return {
            "probability_target_met": s["probability_target_met"],
            "rd_intensity_q05": s["rd_intensity"]["q05"],
            "rd_intensity_q50": s["rd_intensity"]["q50"],
            "rd_intensity_q95": s["rd_intensity"]["q95"],
            "national_rd_intensity_q50": s["national_rd_intensity"]["q50"],
            "cost_window": self.window.label,
            **{f"{m}_cost_median": costs[f"{m}_cost_median"] for m in MEASURES},
            "budget_binding_share": float(budget_binding(result.years, self.window).mean()),
            "target_met_count": s["target_met_count"], "replications": result.replications,
            "probability_low": ci.low, "probability_high": ci.high,
            "probability_diff": p_diff.estimate, "probability_diff_low": p_diff.low,
            "probability_diff_high": p_diff.high,
            "intensity_diff_mean": x_diff.estimate, "intensity_diff_low": x_diff.low,
            "intensity_diff_high": x_diff.high,
            "paired": self.pairing_problem(name) is None if name != self.baseline else True,
        }

    def target_year_intensity(self) -> pd.DataFrame:
        """Target-year intensity by replication (rows) and scenario (columns): paired by seed."""
        table = pd.DataFrame({name: f.target_year().set_index("replication")["rd_intensity"]
                              for name, f in self.forecasts.items()})
        table.attrs["units"] = {name: "percent of GDP" for name in table.columns}
        return table

    def plot(self, lang: str = "en", kind: str = "compare"):
        """The comparison chart (``kind="compare"``) or cost against gain (``kind="cost"``)."""
        from ecosim.charts.compare import compare_chart
        from ecosim.charts.cost import cost_chart

        if kind == "compare":
            return compare_chart(self, lang)
        if kind == "cost":
            return cost_chart(self, lang)
        raise ValueError(f"kind must be 'compare' or 'cost', got {kind!r}")


def _seeds(result: Forecast) -> list[str]:
    return result.years.groupby("replication")["seed"].first().astype(str).tolist()
