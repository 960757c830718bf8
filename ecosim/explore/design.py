"""The runs of a least-cost search (:mod:`ecosim.analysis.design` searches and reads them): the
objective that runs a lever mix for a scenario over fixed seeds, each generation's candidates and
the re-check of the chosen mix on the executors batches use, and the plan of a search (its runs
counted, a few timed here, for the time it is expected to take).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial

import numpy as np
import pandas as pd

from ecosim.explore.executors import DaskExecutor, SerialExecutor, make_executor, map_in_order
from ecosim.explore.progress import StageBar, about, duration, time_runs, time_runs_at_once, usable_cores
from ecosim.explore.runs import run_assumptions, run_seed
from ecosim.levers import LEVERS
from ecosim.model import resolve, simulate
from ecosim.scenario import Scenario

Measure = Callable[[list[pd.DataFrame], Scenario, str], tuple[float, float]]
"""``measure(tables, scenario, cost) -> (cost, probability)`` of a mix's runs (for instance
:func:`ecosim.analysis.design.cost_and_probability`)."""
Candidates = Callable[[Callable, list[np.ndarray]], list[tuple[float, float]]]

RECHECK_FACTOR = 2
"""The chosen mix is re-estimated with fresh seeds and this many times the search's replications."""
START_RUN_YEARS = 250
"""Wall time a new process takes to start and import the package, in simulated run-years at the
speed measured (2.2-3.0 s against 9-12 ms a run-year on a 2-core machine); used when the caller
does not give the start-up it measured."""


@dataclass(frozen=True)
class ScenarioObjective:
    """(cost, P(target)) of a lever mix for a scenario, over fixed seeds (picklable for worker processes):
    its runs read by ``measure``."""

    scenario: Scenario
    names: tuple[str, ...]
    replications: int
    root_seed: int
    measure: Measure
    cost: str = "social"

    def mix(self, x: np.ndarray) -> Scenario:
        """The scenario with the levers set to ``x`` from the policy start year on."""
        changes = {f"levers.{n}": (int(round(v)) if LEVERS[n].integer else float(v)) for n, v in zip(self.names, x)}
        return self.scenario.with_changes(changes)

    def runs(self, x: np.ndarray, root_seed: int | None = None, replications: int | None = None) -> list[pd.DataFrame]:
        """The yearly tables of the mix, one per replication."""
        scenario = self.mix(x)
        root = self.root_seed if root_seed is None else root_seed
        return [_replication(scenario, root, r) for r in range(self.replications if replications is None
                                                                else replications)]

    def replication(self, x: np.ndarray, root_seed: int, replication: int) -> pd.DataFrame:
        """The yearly table of replication ``replication`` of the mix from ``root_seed`` (one item of
        :meth:`runs`, to spread a mix's replications over worker processes)."""
        return _replication(self.mix(x), root_seed, replication)

    def __call__(self, x: np.ndarray) -> tuple[float, float]:
        tables = self.runs(x)
        return self.measure(tables, self.scenario, self.cost)


def _replication(scenario: Scenario, root_seed: int, replication: int) -> pd.DataFrame:
    """One run of ``scenario``: its seed is replication ``replication`` of ``root_seed``."""
    seed = run_seed(root_seed, 0, replication)
    return simulate(resolve(scenario, run_assumptions(scenario, seed)), seed)


# --- the plan of a search ---------------------------------------------------------------------


@dataclass(frozen=True)
class SearchPlan:
    """The runs a search makes and the wall seconds each stage is expected to take here."""

    scenario: str
    levers: tuple[str, ...]
    replications: int
    mixes_per_generation: int
    generations: int
    """The first population and ``maxiter`` more."""
    executor: str
    """Where the runs go, e.g. ``2 local processes``."""
    workers: int = 1
    run_years: int = 0
    """Simulated years of one run (the policy years up to the target year)."""
    seconds_per_run: float = 0.0
    """Wall seconds of one run of the search's scenario, measured in this process."""
    seconds_per_run_at_once: float = 0.0
    """Wall seconds of one run in each worker when all the workers run at once, measured."""
    measuring_seconds: float = 0.0
    workers_seconds: float = 0.0
    """Starting the worker processes (or the Dask cluster)."""
    search_seconds: float = 0.0
    recheck_seconds: float = 0.0
    startup_seconds: float = 0.0
    """The command's start-up (interpreter and imports), when a command counts it."""
    writing_seconds: float = 0.0
    """Writing the command's output files, when a command counts it."""

    @property
    def mixes(self) -> int:
        """Mixes the search evaluates at most: every lever at its highest, then each generation's."""
        return 1 + self.mixes_per_generation * self.generations

    @property
    def recheck_replications(self) -> int:
        """Runs of the chosen mix with fresh seeds."""
        return RECHECK_FACTOR * self.replications

    @property
    def runs(self) -> int:
        """Model runs at most (fewer when the search stops early: its mixes agreed)."""
        return self.mixes * self.replications + self.recheck_replications

    @property
    def remaining_seconds(self) -> float:
        """Expected wall seconds from the end of the measuring to the end of the command."""
        return self.workers_seconds + self.search_seconds + self.recheck_seconds + self.writing_seconds

    @property
    def seconds(self) -> float:
        """Expected wall seconds of the whole command, start-up and measuring included."""
        return self.startup_seconds + self.measuring_seconds + self.remaining_seconds

    def line(self) -> str:
        """The plan line a search prints as it starts."""
        return (f"optimize {self.scenario}: {self.runs} runs at most ({self.mixes} mixes x {self.replications} "
                f"replications, {self.recheck_replications} to re-check the chosen mix), "
                f"{about(self.remaining_seconds)} on {self.executor}")

    def dry_run_lines(self) -> list[str]:
        """What ``optimize --dry-run`` prints: the runs, and the expected time by stage."""
        stages = [("start-up", self.startup_seconds), ("measuring speed", self.measuring_seconds),
                  ("starting workers", self.workers_seconds), ("search", self.search_seconds),
                  ("re-check", self.recheck_seconds), ("writing", self.writing_seconds)]
        breakdown = ", ".join(f"{name} {duration(seconds)}" for name, seconds in stages if seconds > 0)
        return [f"search: {self.mixes} mixes (every lever at its highest, then {self.generations} generations of "
                f"{self.mixes_per_generation}) x {self.replications} replications = "
                f"{self.mixes * self.replications} runs",
                f"re-check of the chosen mix with fresh seeds: {self.recheck_replications} runs",
                f"total: {self.runs} runs at most (the search stops early once its mixes agree); expected time "
                f"{about(self.seconds)} on {self.executor} ({breakdown}; from runs timed here: "
                f"{self._speeds()})"]

    def _speeds(self) -> str:
        """The measured speeds: ``42 ms a run`` and, with workers, ``55 ms each with 2 at once``."""
        text = f"{self.seconds_per_run * 1000:.0f} ms a run"
        if self.workers > 1:
            text += f", {self.seconds_per_run_at_once * 1000:.0f} ms each with {self.workers} at once"
        return text


def search_plan(objective: ScenarioObjective, corner: np.ndarray, mixes_per_generation: int, generations: int,
                workers: int | None, dask: str | bool | None, process_start_seconds: float | None,
                measure: bool) -> SearchPlan:
    """The plan of a search of ``generations`` generations of ``mixes_per_generation`` mixes after the
    ``corner`` (every lever at its highest), on the executor of ``workers`` and ``dask``; with
    ``measure``, runs of the corner timed here give the expected time (see
    :func:`ecosim.api.design.plan_search`)."""
    executor = make_executor(workers, dask)
    plan = SearchPlan(objective.scenario.name, objective.names, objective.replications, mixes_per_generation,
                      generations, _where(executor), executor.workers, len(objective.scenario.years))
    if not measure:
        return plan
    started = time.perf_counter()

    def run(r: int) -> None:
        objective.replication(corner, objective.root_seed, r)

    alone = time_runs(run, plan.run_years).seconds_per_run_year * plan.run_years
    at_once = _seconds_per_run_at_once(run, plan.run_years, executor.workers, alone)
    measuring = time.perf_counter() - started
    start = START_RUN_YEARS * alone / plan.run_years if process_start_seconds is None else process_start_seconds
    count = executor.workers
    corner_seconds = plan.replications * alone if count == 1 else math.ceil(plan.replications / count) * at_once
    generation = _generation_seconds(plan.mixes_per_generation, count, alone, at_once)
    return replace(plan, seconds_per_run=alone, seconds_per_run_at_once=at_once, measuring_seconds=measuring,
                   workers_seconds=_workers_start_seconds(executor, start),
                   search_seconds=corner_seconds + plan.replications * plan.generations * generation,
                   recheck_seconds=math.ceil(plan.recheck_replications / count) * at_once)


def _seconds_per_run_at_once(run: Callable[[int], None], run_years: int, workers: int, alone: float) -> float:
    """Wall seconds of a run in each of ``workers`` workers busy at once: timed in as many forked
    copies of this process as there are cores for them (more workers than cores share them);
    ``alone`` (a run timed in this process alone) for one worker, or scaled by workers per core
    where processes cannot be forked."""
    if workers <= 1:
        return alone
    copies = min(workers, usable_cores())
    speed = time_runs_at_once(run, run_years, copies)
    per_run = alone if speed is None else speed.seconds_per_run_year * run_years
    return per_run * workers / copies


def _generation_seconds(mixes: int, workers: int, alone: float, at_once: float) -> float:
    """Wall seconds per replication of a generation of ``mixes`` candidates, one candidate to a
    worker at a time: full rounds of ``workers`` at once, then a last round of the rest, whose runs
    go between the speed of a run alone and that of all workers at once."""
    full, rest = divmod(mixes, workers)
    last = 0.0 if rest == 0 else alone + (at_once - alone) * (rest - 1) / max(workers - 1, 1)
    return full * at_once + last


def _where(executor) -> str:
    """Where the executor runs the runs, as a plan names it: ``this process``, ``2 local processes``, ..."""
    return "this process" if isinstance(executor, SerialExecutor) else executor.describe()


def _workers_start_seconds(executor, process_start_seconds: float) -> float:
    """Expected wall seconds to start the executor's workers, all at once, when one process start
    takes ``process_start_seconds``: none in this process; one for a local pool (each worker imports
    the package; measured, they do so side by side about as fast as one alone); two for a Dask
    LocalCluster (a nanny and a worker process each); none for a running cluster."""
    if isinstance(executor, SerialExecutor):
        return 0.0
    if isinstance(executor, DaskExecutor):
        return 2 * process_start_seconds if executor.address is None else 0.0
    return process_start_seconds


# --- the runs of a search ---------------------------------------------------------------------


def generations(executor, objective: ScenarioObjective, maxiter: int, bar: StageBar) -> Candidates:
    """The ``map_fn`` a search evaluates each batch of candidates with on ``executor`` (see
    :func:`ecosim.analysis.design.least_cost`): the box's upper corner first (its runs spread over
    every worker), then one candidate a chunk for each of ``maxiter + 1`` generations; ``bar``
    names the stage and follows the runs."""
    replications, root = objective.replications, objective.root_seed
    calls = iter(range(maxiter + 2))

    def evaluate_all(evaluate: Callable, candidates: list[np.ndarray]) -> list[tuple[float, float]]:
        call = next(calls)
        bar.stage(_search_stage(call, maxiter + 1, executor))
        if call == 0 and executor.workers > 1:  # one mix: its runs go to every worker, which starts them all
            return [objective.measure(_spread_runs(executor, objective, x, root, replications, bar),
                                      objective.scenario, objective.cost) for x in candidates]
        # one candidate a chunk: each is many runs
        return map_in_order(executor, evaluate, candidates, progress=_runs_done(bar, replications))

    return evaluate_all


def recheck_runs(executor, objective: ScenarioObjective, x: np.ndarray, bar: StageBar) -> list[pd.DataFrame]:
    """The runs that re-check the chosen mix ``x`` with fresh seeds: :data:`RECHECK_FACTOR` times the
    search's replications from the root seed after the search's, spread over the executor's workers."""
    bar.stage("re-checking the chosen mix with fresh seeds")
    return _spread_runs(executor, objective, x, objective.root_seed + 1, RECHECK_FACTOR * objective.replications, bar)


def _spread_runs(executor, objective: ScenarioObjective, x: np.ndarray, root_seed: int, replications: int,
                 bar: StageBar) -> list[pd.DataFrame]:
    """The yearly tables of ``replications`` runs of the mix ``x`` from ``root_seed``, spread over
    the executor's workers in four chunks a worker (so the bar moves), in replication order."""
    return map_in_order(executor, partial(objective.replication, x, root_seed), range(replications),
                        size=math.ceil(replications / (4 * executor.workers)), progress=_runs_done(bar, 1))


def _search_stage(call: int, generations: int, executor) -> str:
    """The bar's label for the search's ``call``-th evaluation of a batch of mixes."""
    if call == 0:
        starting = f"starting {executor.workers} workers, then " if executor.workers > 1 else ""
        return f"search: {starting}every lever at its highest"
    return f"search: generation {call} of {generations}"


def _runs_done(bar: StageBar, runs_per_item: int):
    """A ``progress(done, total)`` for :func:`map_in_order` that advances ``bar`` by the runs of
    the items done since its last call."""
    counted = 0

    def progress(done: int, total: int) -> None:
        nonlocal counted
        bar.advance((done - counted) * runs_per_item)
        counted = done

    return progress
