"""Each lever's contribution: switch it back to its 2020 value alone and see the target-year intensity drop.

All runs share the scenario's seeds (common random numbers), so a lever the scenario leaves at its
baseline path contributes exactly zero, and differences are not blurred by sampling noise.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ecosim.explore.runs import run_replications
from ecosim.levers import LEVERS, baseline_value
from ecosim.scenario import Scenario


def lever_off(scenario: Scenario, names: Iterable[str]) -> Scenario:
    """The scenario with the named levers held at their 2020 value from the policy start year on."""
    return scenario.with_changes({"levers": {name: baseline_value(name) for name in names}})


def changed_levers(scenario: Scenario) -> list[str]:
    """Levers whose path differs from holding the 2020 value."""
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
    """Median target-year intensity with every lever at its 2020 value."""
    seed: int
    replications: int
    changed: tuple[str, ...] = ()
    """All levers the scenario changes from their 2020 path (computed or not)."""

    @property
    def total(self) -> float:
        """Drop when every lever is switched back at once."""
        return self.median - self.median_all_off

    @property
    def interaction(self) -> float:
        """Total drop minus the sum of the one-at-a-time drops computed (includes levers not computed)."""
        return self.total - float(self.table_["drop"].sum())

    def table(self) -> pd.DataFrame:
        """One row per lever: changed?, median without it, drop (pp), P(target met) without it."""
        return self.table_.copy()

    def plot(self, lang: str = "en", only_changed: bool = True):
        """Bar chart of the drops."""
        from ecosim.charts.contribution import contribution_chart

        return contribution_chart(self, lang, only_changed=only_changed)


def _target_year(scenario: Scenario, years: pd.DataFrame) -> pd.DataFrame:
    return years[years["year"] == scenario.target.year]


def contribution(scenario: Scenario, replications: int | None = None, seed: int | None = None,
                 levers: Iterable[str] | None = None, skip_unchanged: bool = True) -> Contribution:
    """Contribution of each lever (default: all) to the scenario's target-year intensity.

    A lever's contribution is the drop in the median target-year intensity when that lever alone
    is switched back to its 2020 value. Levers the scenario does not change contribute exactly 0;
    with ``skip_unchanged`` they are not run (the run would repeat the scenario's exactly).
    """
    root = scenario.seed if seed is None else seed
    names = list(LEVERS) if levers is None else list(levers)
    unknown = [n for n in names if n not in LEVERS]
    if unknown:
        raise ValueError(f"unknown levers {unknown}; known levers are {', '.join(LEVERS)}")
    full = _target_year(scenario, run_replications(scenario, replications, root))
    median = float(full["rd_intensity"].median())
    p_full = float(full["target_met"].mean())
    changed = set(changed_levers(scenario))
    rows = []
    for name in names:
        if name not in changed and skip_unchanged:
            med, p = median, p_full
        else:
            without = _target_year(scenario, run_replications(lever_off(scenario, [name]), replications, root))
            med, p = float(without["rd_intensity"].median()), float(without["target_met"].mean())
        rows.append({"lever": name, "changed": name in changed, "median_without": med, "drop": median - med,
                     "probability_without": p, "probability_drop": p_full - p})
    if changed:
        all_off = _target_year(scenario, run_replications(lever_off(scenario, sorted(changed)), replications, root))
        median_all_off = float(all_off["rd_intensity"].median())
    else:
        median_all_off = median
    table = pd.DataFrame(rows).set_index("lever")
    count = int(full["replication"].nunique())
    return Contribution(scenario, table, median, median_all_off, root, count,
                        tuple(n for n in LEVERS if n in changed))
