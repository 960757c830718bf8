"""Policy design: the least-cost lever mix that reaches the target with a given probability.

The decision is one level per chosen lever, held from the policy start year on (within the
lever's allowed range and, by default, not below its 2020 value). The cost is the **social** cost
(government outlay + revenue forgone + compliance cost of mandates; ``cost="government"`` leaves
compliance out) summed over the cost window of :mod:`ecosim.analysis.costs` (policy start year
to target year), the mean over replications (the search needs a smooth criterion; the reports
give the median too); the probability is the share of replications meeting the target in the
target year. Every candidate is run with the
same seeds (common random numbers), so the comparison between candidates is not blurred by
noise, and scipy's differential evolution searches the box: it needs no gradients and copes
with the step-shaped probability estimate. Constraint violations are penalised. Every
evaluation is kept, which gives the cost-probability frontier as a by-product. The chosen mix
is re-estimated with fresh seeds, with its standard error.

This module holds the search (:func:`least_cost`, given the evaluation of a mix) and the
statistics of its runs; the runs themselves are :mod:`ecosim.explore.design`'s, and
:func:`ecosim.api.design.optimize` puts the two together. :func:`ecosim.api.design.plan_search`
counts the runs a search makes and times a few of them here, for the time it is expected to take
(``ecosim optimize --dry-run``); a search prints that plan and a progress bar naming its stage.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.optimize import differential_evolution

from ecosim.analysis.costs import MEASURES, budget_binding, cost_window, scenario_cost
from ecosim.levers import LEVERS
from ecosim.scenario import Scenario

Evaluate = Callable[[np.ndarray], tuple[float, float]]


@dataclass
class DesignResult:
    """What the search found."""

    names: list[str]
    target_probability: float
    budget: float | None
    evaluations: pd.DataFrame
    """One row per evaluated mix: lever values, cost, probability."""
    best: dict[str, float] | None
    """The least-cost mix meeting the constraints, or None when none does."""
    best_cost: float | None
    best_probability: float
    """P(target) of ``best`` in the search (or the highest found when nothing meets P)."""
    fallback: dict[str, float] | None = None
    """When nothing meets P: the mix with the highest probability found."""
    fresh: dict = field(default_factory=dict)
    cost_by_lever: pd.DataFrame | None = None
    cost: str = "social"
    """The cost measure minimised: ``social`` or ``government`` (see :mod:`ecosim.analysis.costs`)."""
    window: str = ""
    """The cost window, e.g. ``2021-2024``."""
    bounds: dict[str, tuple[float, float]] = field(default_factory=dict)
    """The range searched for each lever."""
    mixes_evaluated: int = 0
    """Mixes the search evaluated, repeats included (``evaluations`` keeps each mix once)."""
    runs: int = 0
    """Model runs made: the search's mixes x replications, and the re-check with fresh seeds."""

    @property
    def feasible(self) -> bool:
        """Whether a mix meeting the probability (and budget) was found."""
        return self.best is not None

    def plot(self, lang: str = "en", scenario: str | None = None):
        """The cost-probability frontier chart in ``lang`` (matplotlib is imported only here)."""
        from ecosim.charts.design import frontier

        return frontier(self.frontier(), self.target_probability, self.best_cost, lang=lang, scenario=scenario)

    def frontier(self) -> pd.DataFrame:
        """The cost-probability frontier: the cheapest evaluated mix for each level of probability.

        Evaluations sorted by cost, keeping each one that raises the best probability so far, so
        probability rises with cost along the frontier.
        """
        rows, best_p = [], -1.0
        for _, row in self.evaluations.sort_values(["cost", "probability"], ascending=[True, False],
                                                   kind="stable").iterrows():
            if row["probability"] > best_p:
                rows.append(row)
                best_p = row["probability"]
        return pd.DataFrame(rows).reset_index(drop=True)


def least_cost(evaluate: Evaluate, names: list[str], bounds: list[tuple[float, float]], target_probability: float,
               budget: float | None = None, integer: list[bool] | None = None, seed: int = 0, maxiter: int = 20,
               popsize: int = 6, map_fn=map) -> DesignResult:
    """Search the box for the least-cost x with probability >= target (and cost <= budget).

    ``evaluate(x) -> (cost, probability)`` must be deterministic (common random numbers).
    ``map_fn(evaluate, candidates)`` evaluates a generation's candidates, results in their order
    (e.g. ``map``, or :func:`ecosim.explore.executors.map_in_order` over an executor). It is
    called once for the box's upper corner (the cost scale of the penalty), then once for each
    generation: at most ``maxiter + 1`` more times, each with :func:`population_size` candidates.
    """
    records: list[tuple[np.ndarray, float, float]] = []
    upper = np.array([b[1] for b in bounds], dtype=float)
    [(scale_cost, upper_probability)] = list(map_fn(evaluate, [upper]))
    penalty = 10.0 * max(abs(scale_cost), 1.0)
    records.append((upper, scale_cost, upper_probability))

    def objective(population: np.ndarray) -> np.ndarray:
        candidates = [np.array(x) for x in population.T]
        results = list(map_fn(evaluate, candidates))
        scores = []
        for x, (cost, p) in zip(candidates, results):
            records.append((x, cost, p))
            over = max(0.0, cost - budget) / max(budget, 1e-9) if budget is not None else 0.0
            scores.append(cost + penalty * (max(0.0, target_probability - p) + over))
        return np.array(scores)

    differential_evolution(objective, bounds, seed=seed, maxiter=maxiter, popsize=popsize, polish=False,
                           vectorized=True, updating="deferred", integrality=integer, tol=1e-6)
    table = pd.DataFrame([dict(zip(names, x)) | {"cost": c, "probability": p} for x, c, p in records])
    table = table.drop_duplicates(subset=names, keep="first").reset_index(drop=True)
    ok = (table["probability"] >= target_probability) & (
        table["cost"] <= budget if budget is not None else True)
    if ok.any():
        row = table[ok].sort_values(["cost", "probability"], ascending=[True, False], kind="stable").iloc[0]
        return DesignResult(names, target_probability, budget, table, {n: float(row[n]) for n in names},
                            float(row["cost"]), float(row["probability"]), mixes_evaluated=len(records))
    pool = table[table["cost"] <= budget] if budget is not None else table
    pool = pool if len(pool) else table
    row = pool.sort_values(["probability", "cost"], ascending=[False, True], kind="stable").iloc[0]
    return DesignResult(names, target_probability, budget, table, None, None, float(row["probability"]),
                        fallback={n: float(row[n]) for n in names}, mixes_evaluated=len(records))


def population_size(bounds: list[tuple[float, float]], integer: list[bool] | None, popsize: int) -> int:
    """Candidates in each generation of the search: scipy's differential evolution makes ``popsize``
    per lever that can vary (an integer lever always can; another only when its range is not a
    single value), and at least 5."""
    integer = integer or [False] * len(bounds)
    varying = sum(1 for (low, high), whole in zip(bounds, integer) if whole or low != high)
    return max(5, popsize * max(1, varying))


def replications_for(target_probability: float, standard_error: float = 0.05) -> int:
    """Replications so that the binomial standard error of P near the target is at most ``standard_error``."""
    p = min(max(target_probability, 0.05), 0.95)
    return max(20, math.ceil(p * (1 - p) / standard_error**2))


def cost_and_probability(tables: list[pd.DataFrame], scenario: Scenario, cost: str = "social") -> tuple[float, float]:
    """The mean ``cost`` (social or government) over the cost window, and P(target met) in the target year."""
    costs = scenario_cost(tables, cost_window(scenario))
    year = scenario.target.year
    met = [float(t.loc[t["year"] == year, "target_met"].iloc[0]) for t in tables]
    return costs[f"{cost}_cost_mean"], float(np.mean(met))


def search_bounds(scenario: Scenario, names: list[str], keep_2020_floor: bool = True) -> list[tuple[float, float]]:
    """Each lever's search range: its allowed range, from its value in the scenario's base year (the
    region's record; 2020 for the shipped default) up when ``keep_2020_floor``."""
    floor = {n: scenario.region.lever_value(n, scenario.base_year) for n in names}
    return [(max(LEVERS[n].low, floor[n]) if keep_2020_floor else LEVERS[n].low, LEVERS[n].high) for n in names]


DEFAULT_LEVERS = ("rd_reward_rate", "hte_cultivation_firms", "open_competition_budget", "innovation_full_coverage",
                  "soe_rd_floor")
"""Levers the optimiser sets by default: two outlays, an outlay with a compliance cost each for full
coverage and cultivation, and the SOE floor (a mandate, costed by its compliance)."""
COSTS = ("social", "government")


def with_recheck(result: DesignResult, tables: list[pd.DataFrame], scenario: Scenario, cost: str,
                 bounds: list[tuple[float, float]], replications: int, root_seed: int) -> DesignResult:
    """``result`` completed with the re-check of its chosen mix (``tables``: its runs with fresh seeds
    from ``root_seed``): P(target) with its standard error and the costs in ``fresh``, the cost measure
    and window, the ``bounds`` searched, the runs made (the search's mixes x ``replications``, and the
    re-check's) and the mean cost by lever and year over the cost window."""
    names = result.names
    fresh_reps = len(tables)
    window = cost_window(scenario)
    costs = scenario_cost(tables, window)
    p = float(np.mean([float(t.loc[t["year"] == window.last, "target_met"].iloc[0]) for t in tables]))
    result.fresh = {"probability": p, "standard_error": math.sqrt(max(p * (1 - p), 1e-12) / fresh_reps),
                    "replications": fresh_reps, "cost": costs[f"{cost}_cost_mean"], "root_seed": root_seed,
                    "budget_binding_share": float(budget_binding(tables, window).mean()),
                    **{k: v for k, v in costs.items() if k != "window"}}
    result.cost, result.window = cost, window.label
    result.bounds = dict(zip(names, bounds))
    result.runs = result.mixes_evaluated * replications + fresh_reps
    stacked = pd.concat(tables)
    columns = [c for c in stacked.columns if c.startswith(("outlay_", "revenue_forgone_", "compliance_"))]
    columns += [MEASURES["government"], MEASURES["social"]]
    inside = stacked[stacked["year"].between(window.first, window.last)]
    result.cost_by_lever = inside.groupby("year")[columns].mean()
    return result
