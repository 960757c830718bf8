"""The cost of a scenario over a window of years: one definition for every output.

A lever's yearly cost is counted once, in the kinds the lever catalogue declares
(:data:`ecosim.levers.COST_KINDS`): government **outlay**, tax **revenue forgone** and the
**compliance** cost a mandate puts on firms. Government cost = outlay + revenue forgone; social
cost = government cost + compliance. The **cost window** runs by default from the policy start
year (the first simulated year after the base year) to the target year, both included, e.g.
2021-2024; ``ecosim run``, ``compare``, the cost chart and ``optimize`` all sum over it with
:func:`window_costs` and report the median and the mean over replications, each named so.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ecosim.scenario import Scenario

MEASURES = {
    "outlay": "outlay_total",
    "revenue_forgone": "revenue_forgone_total",
    "compliance": "compliance_total",
    "government": "government_cost",
    "social": "social_cost",
}
"""Each cost measure and the yearly column it sums (100m yuan per year)."""


@dataclass(frozen=True)
class CostWindow:
    """The years a cost is summed over, ``first`` to ``last`` inclusive."""

    first: int
    last: int

    def __post_init__(self):
        if self.first > self.last:
            raise ValueError(f"cost window {self.first}-{self.last}: the policy start year is after the last year "
                             f"(a target year before the policy starts has no cost window)")

    @property
    def label(self) -> str:
        """The window as printed on every output, e.g. ``2021-2024``."""
        return f"{self.first}-{self.last}"

    @property
    def years(self) -> list[int]:
        """The years summed."""
        return list(range(self.first, self.last + 1))


def cost_window(scenario: Scenario, last: int | None = None) -> CostWindow:
    """The default window: the policy start year to the target year (or ``last``)."""
    return CostWindow(scenario.policy_start_year, scenario.target.year if last is None else last)


def window_costs(years: pd.DataFrame | Iterable[pd.DataFrame], window: CostWindow) -> pd.DataFrame:
    """Each replication's cost of each measure summed over the window's years (100m yuan).

    ``years`` is a stacked yearly table with a ``replication`` column or a list of single-run
    tables. Every year of the window must be in every run: a window reaching past the horizon is
    an error, not a shorter sum.
    """
    tables = [years] if isinstance(years, pd.DataFrame) else list(years)
    rows = []
    for i, table in enumerate(tables):
        groups = table.groupby("replication") if "replication" in table.columns else [(i, table)]
        for replication, run in groups:
            inside = run[run["year"].between(window.first, window.last)]
            missing = sorted(set(window.years) - set(inside["year"].astype(int)))
            if missing:
                raise ValueError(f"cost window {window.label}: years {missing} are not simulated")
            rows.append({"replication": replication,
                         **{name: float(inside[column].sum()) for name, column in MEASURES.items()}})
    return pd.DataFrame(rows).set_index("replication")


def scenario_cost(years: pd.DataFrame | Iterable[pd.DataFrame], window: CostWindow) -> dict:
    """A scenario's cost over ``window``: median and mean over replications of each measure.

    Keys ``<measure>_cost_median`` and ``<measure>_cost_mean`` (100m yuan), plus ``window``.
    """
    per_run = window_costs(years, window)
    summary: dict = {"window": window.label}
    for name in MEASURES:
        summary[f"{name}_cost_median"] = float(np.median(per_run[name]))
        summary[f"{name}_cost_mean"] = float(np.mean(per_run[name]))
    return summary


def budget_binding(years: pd.DataFrame | Iterable[pd.DataFrame], window: CostWindow) -> pd.Series:
    """Per replication: 1 when the S&T budget binds in at least one year of the window, else 0."""
    tables = [years] if isinstance(years, pd.DataFrame) else list(years)
    flags = {}
    for i, table in enumerate(tables):
        groups = table.groupby("replication") if "replication" in table.columns else [(i, table)]
        for replication, run in groups:
            inside = run[run["year"].between(window.first, window.last)]
            flags[replication] = float(inside["budget_binding"].max() > 0)
    return pd.Series(flags, name="budget_binding")


def binding_years(years: pd.DataFrame, window: CostWindow) -> dict[int, float]:
    """Share of replications in which the budget binds, by year of the window."""
    inside = years[years["year"].between(window.first, window.last)]
    return {int(y): float(v) for y, v in inside.groupby("year")["budget_binding"].mean().items()}
