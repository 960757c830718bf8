"""Decompose a scenario's effect into each lever's own effect, the budget cap and the interactions: the
variants run on the same random numbers (:func:`ecosim.explore.progress.run_jobs`) and read by
:func:`ecosim.analysis.contribution.decompose`."""

from __future__ import annotations

from collections.abc import Iterable

from ecosim.analysis.contribution import DEFAULT_OUTPUT, Contribution, decompose, variants
from ecosim.explore.progress import Job, run_jobs
from ecosim.scenario import Scenario, scenario_of


def contribution(scenario: Scenario | str, replications: int | None = None, seed: int | None = None,
                 levers: Iterable[str] | None = None, skip_unchanged: bool = True,
                 progress: bool | None = None, output: str = DEFAULT_OUTPUT, workers: int = 1,
                 dask: str | bool | None = None) -> Contribution:
    """Decomposition of the scenario's effect on the target-year ``output`` (default: R&D intensity)
    into each lever's own effect (default: all levers), the budget cap and the interactions.

    A lever's term is the drop in the target-year output when that lever alone is switched back to
    its base-year value, both runs with every outlay funded as scheduled. Levers the scenario does not
    change contribute exactly 0; with ``skip_unchanged`` they are not run (the run would repeat the
    scenario's exactly). ``scenario`` is a Scenario, a file or a built-in name.
    ``workers`` > 1 (local processes) or ``dask`` (True: a LocalCluster; else a scheduler address)
    spread the replications over workers, with the same numbers as in one process.
    """
    scenario = scenario_of(scenario)
    root = scenario.seed if seed is None else seed
    count = scenario.replications if replications is None else replications
    plan = variants(scenario, levers, skip_unchanged)
    tables = run_jobs([Job(v, count, root) for v in plan.scenarios()], f"contribution {scenario.name}", progress,
                      workers, dask)
    return decompose(plan, tables, root, output)
