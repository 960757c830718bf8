"""Policy design: the least-cost lever mix that reaches the target with a given probability. The
candidates run through :mod:`ecosim.explore.design` on the executors batches use, and
:mod:`ecosim.analysis.design` searches (differential evolution) and reads their runs."""

from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np

from ecosim.analysis.design import (COSTS, DEFAULT_LEVERS, DesignResult, cost_and_probability, least_cost,
                                    population_size, replications_for, search_bounds, with_recheck)
from ecosim.checks import check_levers
from ecosim.explore.design import ScenarioObjective, SearchPlan, generations, recheck_runs, search_plan
from ecosim.explore.executors import make_executor
from ecosim.explore.progress import SHOW_AFTER_SECONDS, StageBar
from ecosim.levers import LEVERS
from ecosim.scenario import Scenario, ScenarioError


@dataclass(frozen=True)
class _Search:
    """What a search is set up with: the objective, the levers and their ranges."""

    objective: ScenarioObjective
    names: list[str]
    bounds: list[tuple[float, float]]
    integer: list[bool]
    target_probability: float
    budget: float | None


def _search(scenario: Scenario, target_probability: float, levers: list[str] | None, budget: float | None,
            replications: int | None, seed: int | None, cost: str, keep_2020_floor: bool) -> _Search:
    """Check the arguments of a search and set it up (see :func:`optimize`)."""
    if not 0 < target_probability < 1:
        raise ScenarioError("--target-probability", "target_probability",
                            f"must be a share above 0 and below 1, got {target_probability!r}")
    if cost not in COSTS:
        raise ScenarioError("--cost", "cost", f"must be one of {', '.join(COSTS)}, got {cost!r}")
    names = check_levers(levers or DEFAULT_LEVERS, "--levers")
    if budget is not None and budget < 0:
        raise ScenarioError("--budget", "budget", f"must be at least 0 (100m yuan), got {budget!r}")
    horizon_scenario = scenario.until(scenario.target.year)
    replications = replications or replications_for(target_probability)
    root = scenario.seed if seed is None else seed
    objective = ScenarioObjective(horizon_scenario, tuple(names), replications, root, cost_and_probability, cost)
    return _Search(objective, names, search_bounds(scenario, names, keep_2020_floor),
                   [LEVERS[n].integer for n in names], target_probability, budget)


def plan_search(scenario: Scenario, target_probability: float, levers: list[str] | None = None,
                budget: float | None = None, replications: int | None = None, workers: int | None = None,
                maxiter: int = 10, popsize: int = 5, seed: int | None = None, cost: str = "social",
                keep_2020_floor: bool = True, dask: str | bool | None = None,
                process_start_seconds: float | None = None, measure: bool = True) -> SearchPlan:
    """The runs :func:`optimize` with the same arguments makes, and (``measure``) the time it is
    expected to take here: a few runs of the search's scenario are timed in this process (about
    half a second); nothing else is run or written.

    ``process_start_seconds``: the wall seconds a new process of this program takes to start and
    import the package here (what a command measures of itself); the workers pay it once. By
    default it is estimated from the measured speed (:data:`ecosim.explore.design.START_RUN_YEARS`).
    """
    search = _search(scenario, target_probability, levers, budget, replications, seed, cost, keep_2020_floor)
    return _plan(search, workers, dask, maxiter, popsize, process_start_seconds, measure)


def _plan(search: _Search, workers: int | None, dask: str | bool | None, maxiter: int, popsize: int,
          process_start_seconds: float | None, measure: bool) -> SearchPlan:
    """The plan of a set-up search (see :func:`plan_search`)."""
    corner = np.array([high for _, high in search.bounds], dtype=float)
    return search_plan(search.objective, corner, population_size(search.bounds, search.integer, popsize), maxiter + 1,
                       workers, dask, process_start_seconds, measure)


def optimize(scenario: Scenario, target_probability: float, levers: list[str] | None = None,
             budget: float | None = None, replications: int | None = None, workers: int | None = None,
             maxiter: int = 10, popsize: int = 5, seed: int | None = None, cost: str = "social",
             keep_2020_floor: bool = True, dask: str | bool | None = None, progress: bool | None = None,
             plan: SearchPlan | None = None) -> DesignResult:
    """The least-``cost`` mix of ``levers`` (default :data:`ecosim.analysis.design.DEFAULT_LEVERS`)
    reaching P(target) >= P.

    ``cost``: ``social`` (default) or ``government``, summed over the cost window (policy start to
    target year), mean over replications. ``budget`` caps that cost. ``keep_2020_floor``: no lever
    below its 2020 value.

    Each generation's candidates run on the executors batches use: ``workers`` local processes
    (default: the number of CPUs; 1 runs in this process), or with ``dask`` (``True``/``"local"``: a
    dask.distributed LocalCluster of ``workers`` processes; else a scheduler address such as
    ``"tcp://10.0.0.1:8786"``). Every candidate runs the same seeds, so the result does not depend on
    the executor or the number of workers.

    ``progress``: None prints the plan (:func:`plan_search`: runs and expected time) and shows a
    progress bar naming the stage when the search is expected to take more than a few seconds;
    True always; False never (and nothing is timed). ``plan``: the plan already made for these
    arguments (a command that counts its own start-up and output in it).
    """
    search = _search(scenario, target_probability, levers, budget, replications, seed, cost, keep_2020_floor)
    if plan is None:
        plan = _plan(search, workers, dask, maxiter, popsize, None, progress is not False)
    show = progress if progress is not None else plan.remaining_seconds > SHOW_AFTER_SECONDS
    if show:
        print(plan.line(), file=sys.stderr, flush=True)
    bar = StageBar(plan.runs, "starting", show)
    try:
        return _run_search(search, workers, dask, maxiter, popsize, bar)
    finally:
        bar.close()


def _run_search(search: _Search, workers: int | None, dask: str | bool | None, maxiter: int, popsize: int,
                bar: StageBar) -> DesignResult:
    """Search, then re-check the chosen mix with fresh seeds, on one executor; ``bar`` follows the runs."""
    objective, names = search.objective, search.names
    with make_executor(workers, dask) as executor:
        result = least_cost(objective, names, search.bounds, search.target_probability, search.budget,
                            search.integer, objective.root_seed, maxiter, popsize,
                            generations(executor, objective, maxiter, bar))
        chosen = result.best or result.fallback
        tables = recheck_runs(executor, objective, np.array([chosen[n] for n in names]), bar)
    return with_recheck(result, tables, objective.scenario, objective.cost, search.bounds, objective.replications,
                        objective.root_seed + 1)
