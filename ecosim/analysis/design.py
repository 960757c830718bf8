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

:func:`plan_search` counts the runs a search makes and times a few of them here, for the time it
is expected to take (``ecosim optimize --dry-run``); a search prints that plan and a progress bar
naming its stage.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial

import numpy as np
import pandas as pd
from scipy.optimize import differential_evolution

from ecosim.analysis.costs import MEASURES, budget_binding, cost_window, scenario_cost
from ecosim.explore.progress import SHOW_AFTER_SECONDS, StageBar, about, duration, time_runs, time_runs_at_once, usable_cores
from ecosim.explore.executors import DaskExecutor, SerialExecutor, make_executor, map_in_order
from ecosim.explore.runs import run_assumptions, run_seed
from ecosim.levers import LEVERS
from ecosim.model import resolve, simulate
from ecosim.scenario import Scenario, ScenarioError

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


@dataclass(frozen=True)
class ScenarioObjective:
    """(cost, P(target)) of a lever mix for a scenario, over fixed seeds (picklable for worker processes)."""

    scenario: Scenario
    names: tuple[str, ...]
    replications: int
    root_seed: int
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
        return cost_and_probability(tables, self.scenario, self.cost)


def _replication(scenario: Scenario, root_seed: int, replication: int) -> pd.DataFrame:
    """One run of ``scenario``: its seed is replication ``replication`` of ``root_seed``."""
    seed = run_seed(root_seed, 0, replication)
    return simulate(resolve(scenario, run_assumptions(scenario, seed)), seed)


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


RECHECK_FACTOR = 2
"""The chosen mix is re-estimated with fresh seeds and this many times the search's replications."""
START_RUN_YEARS = 250
"""Wall time a new process takes to start and import the package, in simulated run-years at the
speed measured (2.2-3.0 s against 9-12 ms a run-year on a 2-core machine); used when the caller
does not give the start-up it measured."""


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
    names = list(levers or DEFAULT_LEVERS)
    for name in names:
        if name not in LEVERS:
            raise ScenarioError("--levers", name, f"unknown lever; known levers are {', '.join(LEVERS)}")
    if budget is not None and budget < 0:
        raise ScenarioError("--budget", "budget", f"must be at least 0 (100m yuan), got {budget!r}")
    horizon_scenario = scenario.until(scenario.target.year)
    replications = replications or replications_for(target_probability)
    root = scenario.seed if seed is None else seed
    objective = ScenarioObjective(horizon_scenario, tuple(names), replications, root, cost)
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
    default it is estimated from the measured speed (:data:`START_RUN_YEARS`).
    """
    search = _search(scenario, target_probability, levers, budget, replications, seed, cost, keep_2020_floor)
    return _plan(search, workers, dask, maxiter, popsize, process_start_seconds, measure)


def _plan(search: _Search, workers: int | None, dask: str | bool | None, maxiter: int, popsize: int,
          process_start_seconds: float | None, measure: bool) -> SearchPlan:
    """The plan of a set-up search (see :func:`plan_search`)."""
    objective = search.objective
    executor = make_executor(workers, dask)
    plan = SearchPlan(objective.scenario.name, objective.names, objective.replications,
                      population_size(search.bounds, search.integer, popsize), maxiter + 1, _where(executor),
                      executor.workers, len(objective.scenario.years))
    if not measure:
        return plan
    started = time.perf_counter()
    corner = np.array([high for _, high in search.bounds], dtype=float)

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


def optimize(scenario: Scenario, target_probability: float, levers: list[str] | None = None,
             budget: float | None = None, replications: int | None = None, workers: int | None = None,
             maxiter: int = 10, popsize: int = 5, seed: int | None = None, cost: str = "social",
             keep_2020_floor: bool = True, dask: str | bool | None = None, progress: bool | None = None,
             plan: SearchPlan | None = None) -> DesignResult:
    """The least-``cost`` mix of ``levers`` (default :data:`DEFAULT_LEVERS`) reaching P(target) >= P.

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
    replications, root = objective.replications, objective.root_seed
    with make_executor(workers, dask) as executor:
        calls = iter(range(maxiter + 2))

        def evaluate_all(evaluate: Evaluate, candidates: list[np.ndarray]) -> list[tuple[float, float]]:
            call = next(calls)
            bar.stage(_search_stage(call, maxiter + 1, executor))
            if call == 0 and executor.workers > 1:  # one mix: its runs go to every worker, which starts them all
                return [cost_and_probability(_spread_runs(executor, objective, x, root, replications, bar),
                                             objective.scenario, objective.cost) for x in candidates]
            # one candidate a chunk: each is many runs
            return map_in_order(executor, evaluate, candidates, progress=_runs_done(bar, replications))

        result = least_cost(objective, names, search.bounds, search.target_probability, search.budget,
                            search.integer, root, maxiter, popsize, evaluate_all)
        chosen = result.best or result.fallback
        fresh_reps = RECHECK_FACTOR * replications
        bar.stage("re-checking the chosen mix with fresh seeds")
        tables = _spread_runs(executor, objective, np.array([chosen[n] for n in names]), root + 1, fresh_reps, bar)
    window = cost_window(objective.scenario)
    costs = scenario_cost(tables, window)
    p = float(np.mean([float(t.loc[t["year"] == window.last, "target_met"].iloc[0]) for t in tables]))
    result.fresh = {"probability": p, "standard_error": math.sqrt(max(p * (1 - p), 1e-12) / fresh_reps),
                    "replications": fresh_reps, "cost": costs[f"{objective.cost}_cost_mean"], "root_seed": root + 1,
                    "budget_binding_share": float(budget_binding(tables, window).mean()),
                    **{k: v for k, v in costs.items() if k != "window"}}
    result.cost, result.window = objective.cost, window.label
    result.bounds = dict(zip(names, search.bounds))
    result.runs = result.mixes_evaluated * replications + fresh_reps
    stacked = pd.concat(tables)
    columns = [c for c in stacked.columns if c.startswith(("outlay_", "revenue_forgone_", "compliance_"))]
    columns += [MEASURES["government"], MEASURES["social"]]
    inside = stacked[stacked["year"].between(window.first, window.last)]
    result.cost_by_lever = inside.groupby("year")[columns].mean()
    return result


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
