"""Forecast a scenario: its replications run (one path, :func:`ecosim.explore.progress.run_jobs`) and
read as a :class:`~ecosim.analysis.forecast.Forecast`."""

from __future__ import annotations

from dataclasses import replace

from ecosim.analysis.costs import budget_binding, budget_to_fund, cost_window
from ecosim.analysis.forecast import Forecast
from ecosim.explore.progress import Job, run_jobs
from ecosim.explore.provenance import manifest
from ecosim.model import resolve
from ecosim.model.government import budget_share_of_gdp
from ecosim.scenario import Scenario, scenario_of


def forecast(scenario: Scenario | str, replications: int | None = None, seed: int | None = None,
             progress: bool | None = None, budget_check: bool = True, workers: int = 1,
             dask: str | bool | None = None) -> Forecast:
    """Run a scenario's replications (default: the scenario's count and seed).

    ``scenario`` is a Scenario, a scenario file or a built-in name. ``progress``: show the plan and
    a progress bar (None: when the runs are expected to take more than a few seconds).
    ``budget_check``: when the S&T budget cuts the mix, also work out the budget that would fund it
    as written (:func:`budget_to_fund_as_written`, up to :data:`BUDGET_CHECK_REPLICATIONS` more runs).
    ``workers`` > 1 (local processes) or ``dask`` (True: a LocalCluster; else a scheduler address)
    spread the replications over workers, with the same numbers as in one process.
    """
    scenario = scenario_of(scenario)
    root = scenario.seed if seed is None else seed
    count = scenario.replications if replications is None else replications
    [years] = run_jobs([Job(scenario, count, root)], f"forecast {scenario.name}", progress, workers, dask)
    result = Forecast(scenario, years, root, manifest(scenario, root, count))
    if budget_check:
        result.to_fund_as_written = budget_to_fund_as_written(result, progress=progress, workers=workers,
                                                              dask=dask)
    return result


BUDGET_CHECK_REPLICATIONS = 50
"""Runs (the forecast's first replications, paired with them) that work out the budget a mix needs."""


def budget_to_fund_as_written(result: Forecast, replications: int = BUDGET_CHECK_REPLICATIONS,
                              progress: bool | None = None, workers: int = 1,
                              dask: str | bool | None = None) -> dict | None:
    """The S&T budget (share of GDP, or yearly growth) that funds the forecast's mix as written in every
    year of its cost window (see :func:`ecosim.analysis.costs.budget_to_fund`); None when the budget
    never cuts the mix there. Runs the forecast's first ``replications`` seeds again with the budget
    reporting without cutting (``shortfall = "none"``), which is the mix as written."""
    scenario, window = result.scenario, cost_window(result.scenario)
    if budget_binding(result.years, window).max() <= 0:
        return None
    unbounded = replace(scenario, budget=replace(scenario.budget, shortfall="none"))
    count = min(replications, result.replications)
    [years] = run_jobs([Job(unbounded, count, result.seed)], "the same mix funded as written", progress,
                       workers, dask)
    inputs = resolve(scenario)  # its budget history always holds the base year
    return budget_to_fund(years, window, scenario.base_year, max(inputs.budget_history),
                          budget_share_of_gdp(inputs))
