"""Each lever's contribution: switch it back to its base-year value alone and see the target-year intensity drop.

All runs share the scenario's seeds (common random numbers), so a lever the scenario leaves at its
baseline path contributes exactly zero, and differences are not blurred by sampling noise. The
intervals are those of paired differences (replication by replication).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ecosim.analysis.intervals import paired_mean_difference, paired_share_difference
from ecosim.analysis.names import check_levers, scenario_of
from ecosim.analysis.progress import Job, run_jobs
from ecosim.levers import LEVERS
from ecosim.scenario import Scenario

TABLE_UNITS = {
    "changed": "true/false", "median_without": "percent of GDP", "drop": "percentage points",
    "probability_without": "share", "probability_drop": "share", "drop_mean": "percentage points",
    "drop_low": "percentage points", "drop_high": "percentage points", "probability_drop_low": "share",
    "probability_drop_high": "share",
}
"""The unit of every column of :meth:`Contribution.table` (also in ``table.attrs["units"]``)."""

TABLE_COLUMNS = {
    "changed": "whether the scenario changes the lever from its base-year path",
    "median_without": "median target-year intensity with the lever back at its base-year value",
    "drop": "median target-year intensity of the scenario minus median_without",
    "probability_without": "P(target met) with the lever back at its base-year value",
    "probability_drop": "P(target met) of the scenario minus probability_without",
    "drop_mean": "mean over replications of the paired drop in target-year intensity",
    "drop_low": "lower end of the 95% t interval of drop_mean",
    "drop_high": "upper end of the 95% t interval of drop_mean",
    "probability_drop_low": "lower end of the 95% paired (Newcombe) interval of probability_drop",
    "probability_drop_high": "upper end of the 95% paired (Newcombe) interval of probability_drop",
}
"""The columns of :meth:`Contribution.table`."""


def lever_off(scenario: Scenario, names: Iterable[str]) -> Scenario:
    """The scenario with the named levers held at their base-year value (the region's record) from the
    policy start year on."""
    names = list(names)
    label = names[0] if len(names) == 1 else "all"
    return scenario.with_changes({"levers": {name: scenario.region.lever_value(name, scenario.base_year) for name in names}},
                                 name=f"{scenario.name}-without-{label}")


def changed_levers(scenario: Scenario) -> list[str]:
    """Levers whose path differs from holding the base-year value."""
    return [name for name in LEVERS
            if not np.array_equal(scenario.lever_path(name), lever_off(scenario, [name]).lever_path(name))]


@dataclass
class Contribution:
    """Per-lever drops in the median target-year intensity (``table``) and the totals."""

    scenario: Scenario
    table_: pd.DataFrame
    median: float
    """Median target-year intensity of the full scenario."""
    median_all_off: float
    """Median target-year intensity with every lever at its base-year value."""
    seed: int
    replications: int
    changed: tuple[str, ...] = ()
    """All levers the scenario changes from their base-year path (computed or not)."""

    @property
    def total(self) -> float:
        """Drop when every lever is switched back at once."""
        return self.median - self.median_all_off

    @property
    def interaction(self) -> float:
        """Total drop minus the sum of the one-at-a-time drops computed (includes levers not computed)."""
        return self.total - float(self.table_["drop"].sum())

    def table(self) -> pd.DataFrame:
        """One row per lever: changed?, median without it, drop (pp), P(target met) without it, and the
        paired intervals of the drops; units in ``attrs["units"]``."""
        table = self.table_.copy()
        table.attrs["units"] = dict(TABLE_UNITS)
        table.attrs["definitions"] = dict(TABLE_COLUMNS)
        return table

    def plot(self, lang: str = "en", only_changed: bool = True):
        """Bar chart of the drops."""
        from ecosim.charts.contribution import contribution_chart

        return contribution_chart(self, lang, only_changed=only_changed)


def _target_year(scenario: Scenario, years: pd.DataFrame) -> pd.DataFrame:
    return years[years["year"] == scenario.target.year].sort_values("replication")


def _row(name: str, changed: bool, full: pd.DataFrame, without: pd.DataFrame) -> dict:
    median = float(full["rd_intensity"].median())
    med = float(without["rd_intensity"].median())
    p_full, p = float(full["target_met"].mean()), float(without["target_met"].mean())
    drop = paired_mean_difference(without["rd_intensity"], full["rd_intensity"])
    p_drop = paired_share_difference(without["target_met"], full["target_met"])
    return {"lever": name, "changed": changed, "median_without": med, "drop": median - med,
            "probability_without": p, "probability_drop": p_full - p, "drop_mean": drop.estimate,
            "drop_low": drop.low, "drop_high": drop.high, "probability_drop_low": p_drop.low,
            "probability_drop_high": p_drop.high}


def contribution(scenario: Scenario | str, replications: int | None = None, seed: int | None = None,
                 levers: Iterable[str] | None = None, skip_unchanged: bool = True,
                 progress: bool | None = None) -> Contribution:
    """Contribution of each lever (default: all) to the scenario's target-year intensity.

    A lever's contribution is the drop in the median target-year intensity when that lever alone
    is switched back to its base-year value. Levers the scenario does not change contribute exactly 0;
    with ``skip_unchanged`` they are not run (the run would repeat the scenario's exactly).
    ``scenario`` is a Scenario, a file or a built-in name.
    """
    scenario = scenario_of(scenario)
    root = scenario.seed if seed is None else seed
    count = scenario.replications if replications is None else replications
    names = list(LEVERS) if levers is None else list(levers)
    try:
        check_levers(names, "contribution")
    except ValueError as error:
        raise ValueError(f"unknown levers {[n for n in names if n not in LEVERS]}: {error}") from None
    changed = set(changed_levers(scenario))
    run = [n for n in names if n in changed or not skip_unchanged]
    variants = [scenario] + [lever_off(scenario, [n]) for n in run]
    if changed:
        variants.append(lever_off(scenario, sorted(changed)))
    tables = run_jobs([Job(v, count, root) for v in variants], f"contribution {scenario.name}", progress)
    full = _target_year(scenario, tables[0])
    without = dict(zip(run, (_target_year(scenario, t) for t in tables[1:1 + len(run)])))
    rows = [_row(n, n in changed, full, without.get(n, full)) for n in names]
    median = float(full["rd_intensity"].median())
    median_all_off = float(_target_year(scenario, tables[-1])["rd_intensity"].median()) if changed else median
    table = pd.DataFrame(rows).set_index("lever")
    return Contribution(scenario, table, median, median_all_off, root, int(full["replication"].nunique()),
                        tuple(n for n in LEVERS if n in changed))
