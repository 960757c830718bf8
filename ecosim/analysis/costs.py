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

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ecosim.levers import OUTLAY_LEVERS
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


def by_year(years: pd.DataFrame, window: CostWindow, column: str, statistic: str = "median") -> dict[int, float]:
    """A statistic over replications (``median``, ``mean``) of a yearly column, by year of the window."""
    inside = years[years["year"].between(window.first, window.last)]
    return {int(y): float(v) for y, v in inside.groupby("year")[column].agg(statistic).items()}


def binding_years(years: pd.DataFrame, window: CostWindow) -> dict[int, float]:
    """Share of replications in which the budget binds, by year of the window."""
    return by_year(years, window, "budget_binding", "mean")


def funding(years: pd.DataFrame, scenario: Scenario, window: CostWindow) -> dict:
    """What the S&T budget funded of the mix in each year of the window (medians over replications).

    ``funded_share``: share of the requested outlay increases that was paid; ``requested`` and
    ``headroom`` (100m yuan): what the mix asked beyond the levers' base-year cost, and the budget's
    growth since the base year; ``levers``: each outlay lever the mix raises above its base-year
    value, as written (``requested``) and as funded (``funded``, median), by year.
    """
    median = lambda column: by_year(years, window, column)
    levers = {}
    base = {int(y): i for i, y in enumerate(scenario.years)}
    for name in OUTLAY_LEVERS:
        path = scenario.lever_path(name)
        written = {y: float(path[base[y]]) for y in window.years}
        if max(written.values()) > float(path[0]):
            levers[name] = {"base_year_value": float(path[0]), "requested": written,
                            "funded": median(f"funded_{name}")}
    return {"funded_share": median("budget_funded_share"), "requested": median("budget_requested"),
            "headroom": median("budget_headroom"), "budget": median("budget"), "levers": levers}


def budget_to_fund(unbounded: pd.DataFrame, window: CostWindow, base_year: int, last_recorded_year: int,
                   share_of_gdp: float | None) -> dict | None:
    """The S&T budget that funds a mix as written in every year of the window, per replication.

    ``unbounded`` are runs of the mix with the budget not cutting (``shortfall = "none"``): there the
    levers act at their written values, so ``budget_requested`` is what the mix as written asks. The
    budget funds every increase in year t exactly when its growth since the base year covers the
    request: budget_t >= budget_base + requested_t. A budget that is a share s of GDP scales with s,
    so the share needed is s x max_t (budget_base + requested_t) / budget_t; a budget growing at g a
    year from its last record B_L needs g = max_t ((budget_base + requested_t) / B_L)^(1 / (t - L)) - 1.
    Only years after the recorded budget count (a recorded year cannot be changed). Returns the median
    and 90th percentile over replications of both (percent of GDP; share per year); None when every
    year of the window has a recorded budget.
    """
    planned = [y for y in window.years if y > last_recorded_year]
    if not planned:
        return None
    shares, growths = [], []
    for _, run in unbounded.groupby("replication"):
        run = run.set_index("year")
        base_budget, last_budget = float(run.at[base_year, "budget"]), float(run.at[last_recorded_year, "budget"])
        need = {y: base_budget + float(run.at[y, "budget_requested"]) for y in planned}
        if share_of_gdp is not None:
            shares.append(share_of_gdp * max(need[y] / float(run.at[y, "budget"]) for y in planned))
        growths.append(max((max(need[y], 0.0) / last_budget) ** (1.0 / (y - last_recorded_year)) - 1.0
                           for y in planned))
    quantiles = lambda values: ({"median": float(np.median(values)), "q90": float(np.quantile(values, 0.9))}
                                if values else None)
    return {"share_of_gdp": quantiles(shares), "growth": quantiles(growths), "share_of_gdp_now": share_of_gdp,
            "replications": int(unbounded["replication"].nunique()), "years": f"{planned[0]}-{planned[-1]}"}


def budget_setting(need: dict) -> tuple[str, float, float | None]:
    """The ``[budget]`` key and value that fund a mix as written in 90% of the replications checked
    (the 90th percentile of :func:`budget_to_fund`, rounded up to 0.001), and today's value of that
    key (percent of GDP; None for a growth rate)."""
    key = "share_of_gdp" if need["share_of_gdp"] is not None else "growth"
    value = math.ceil(need[key]["q90"] * 1000.0 - 1e-9) / 1000.0
    return key, value, need["share_of_gdp_now"] if key == "share_of_gdp" else None
