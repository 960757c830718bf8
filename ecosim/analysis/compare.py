"""Comparing policy mixes on the same random numbers: P(target met), intensity, cost, cost per point."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ecosim.analysis.forecast import Forecast, forecast
from ecosim.scenario import Scenario, load_scenario

TABLE_COLUMNS = {
    "probability_target_met": "share of replications at or above the target in the target year",
    "rd_intensity_q05": "target-year intensity, 5th percentile (percent of GDP)",
    "rd_intensity_q50": "target-year intensity, median (percent of GDP)",
    "rd_intensity_q95": "target-year intensity, 95th percentile (percent of GDP)",
    "national_rd_intensity_q50": "target-year national intensity, median (percent of GDP)",
    "government_cost": "cumulative government cost from the policy start year, median (100m yuan)",
    "gain_vs_first": "median intensity minus the first scenario's (percentage points)",
    "extra_cost_vs_first": "government cost minus the first scenario's (100m yuan)",
    "cost_per_point": "extra cost per percentage point gained (100m yuan per point; NaN when nothing is gained)",
    "points_per_100m": "percentage points gained per 100m yuan of extra cost (NaN when nothing extra is spent)",
}
"""The columns of :meth:`Comparison.table`."""


@dataclass
class Comparison:
    """Forecasts of several scenarios on one root seed; the first scenario is the reference."""

    forecasts: dict[str, Forecast]
    seed: int

    @property
    def baseline(self) -> str:
        """Name of the reference (first) scenario."""
        return next(iter(self.forecasts))

    def table(self) -> pd.DataFrame:
        """One row per scenario: P(target met), target-year intensity, cost, gain and cost per point."""
        rows = {}
        for name, result in self.forecasts.items():
            s = result.summary()
            rows[name] = {
                "probability_target_met": s["probability_target_met"],
                "rd_intensity_q05": s["rd_intensity"]["q05"],
                "rd_intensity_q50": s["rd_intensity"]["q50"],
                "rd_intensity_q95": s["rd_intensity"]["q95"],
                "national_rd_intensity_q50": s["national_rd_intensity"]["q50"],
                "government_cost": s["government_cost_from_policy_start_median"],
            }
        table = pd.DataFrame.from_dict(rows, orient="index")
        table.index.name = "scenario"
        first = table.iloc[0]
        table["gain_vs_first"] = table["rd_intensity_q50"] - first["rd_intensity_q50"]
        table["extra_cost_vs_first"] = table["government_cost"] - first["government_cost"]
        gain, extra = table["gain_vs_first"], table["extra_cost_vs_first"]
        table["cost_per_point"] = np.where(gain > 0, extra / gain.where(gain > 0, np.nan), np.nan)
        table["points_per_100m"] = np.where(extra > 0, gain / extra.where(extra > 0, np.nan), np.nan)
        table.iloc[0, table.columns.get_loc("cost_per_point")] = np.nan
        table.iloc[0, table.columns.get_loc("points_per_100m")] = np.nan
        return table

    def target_year_intensity(self) -> pd.DataFrame:
        """Target-year intensity by replication (rows) and scenario (columns): paired by seed."""
        return pd.DataFrame({name: f.target_year().set_index("replication")["rd_intensity"]
                             for name, f in self.forecasts.items()})

    def plot(self, lang: str = "en", kind: str = "compare"):
        """The comparison chart (``kind="compare"``) or cost against gain (``kind="cost"``)."""
        from ecosim.charts.compare import compare_chart
        from ecosim.charts.cost import cost_chart

        if kind == "compare":
            return compare_chart(self, lang)
        if kind == "cost":
            return cost_chart(self, lang)
        raise ValueError(f"kind must be 'compare' or 'cost', got {kind!r}")


def compare(scenarios: Mapping[str, Scenario | str], replications: int | None = None,
            seed: int | None = None) -> Comparison:
    """Forecast each scenario with the same root seed (common random numbers).

    ``scenarios`` maps a display name to a Scenario or a scenario file / built-in name; the first
    is the reference for gains and extra cost. The default seed is the first scenario's.
    """
    if not scenarios:
        raise ValueError("compare needs at least one scenario")
    loaded = {name: s if isinstance(s, Scenario) else load_scenario(s) for name, s in scenarios.items()}
    root = next(iter(loaded.values())).seed if seed is None else seed
    return Comparison({name: forecast(s, replications, root) for name, s in loaded.items()}, root)
