"""Batches: every (design point, replication) of an experiment, run in chunks, streamed to Parquet.

One run is (design point index, replication index): the scenario with the point's lever values
(held from the policy start year on), the point's assumption values, and the seed
``run_seed(root, point, replication)``. Runs are grouped in contiguous chunks; each finished
chunk is written to the output folder at once, so memory stays flat in the number of runs and a
killed batch resumes where it stopped (the same command on the same folder runs only the
missing chunks). Results do not depend on the executor or the number of workers.

>>> summaries = batch("experiments/example-grid.toml", "out/example-grid", workers=2)  # doctest: +SKIP
>>> yearly, summaries = read_results("out/example-grid")  # doctest: +SKIP
"""

from __future__ import annotations

import math
import sys
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from importlib.metadata import version
from ecosim.explore.executors import make_executor
from ecosim.explore.experiment import Experiment, ExperimentError, load_experiment
from ecosim.assumptions import posterior_sample
from ecosim.explore.runs import run_assumptions, run_seed
from ecosim.explore.store import Store, git_commit, now
from ecosim.model import resolve, simulate
from ecosim.scenario import Scenario

SUMMARY_COLUMNS = ("rd_intensity", "national_rd_intensity", "rd_intensity_gap", "target_met",
                   "government_cost", "first_year_met")


@dataclass(frozen=True)
class RunSpec:
    """What a worker needs to run any run of an experiment (small and picklable)."""

    scenario: Scenario
    factors: tuple[str, ...]
    root_seed: int
    yearly: tuple[str, ...]
    summaries: bool
    common_random_numbers: bool = False

    @classmethod
    def of(cls, experiment: Experiment) -> "RunSpec":
        return cls(experiment.scenario, tuple(experiment.factor_names), experiment.seed, experiment.yearly,
                   experiment.summaries, experiment.common_random_numbers)

    def seed_key(self, point: int, replication: int) -> tuple[int, int]:
        """The (design point, replication) key of a run's seed: with common random numbers every
        design point uses design point 0's seeds."""
        return (0 if self.common_random_numbers else point), replication


@dataclass(frozen=True)
class Chunk:
    """A task: contiguous runs ``start..stop-1`` with their design-point values."""

    index: int
    spec: RunSpec
    runs: tuple[tuple[int, int, tuple[float, ...]], ...]
    """(point, replication, factor values) of each run."""


@dataclass
class ChunkResult:
    index: int
    yearly: pd.DataFrame
    summaries: pd.DataFrame | None
    failures: list[dict[str, Any]]
    runs: int


@dataclass
class BatchReport:
    """What a batch did."""

    out: Path
    experiment: str
    total_runs: int
    chunks: int
    chunks_skipped: int
    runs_done_now: int
    failed: int
    seconds: float
    executor: str
    failures: list[dict[str, Any]] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.runs_done_now / self.seconds if self.seconds > 0 else float("nan")


# --- one run and one chunk (in workers) -----------------------------------------------------


def inputs_for(spec: RunSpec, values: tuple[float, ...]):
    """A design point: the scenario with its lever factors, its assumption factors, and the model
    inputs when they are the same for every replication (no calibrated-parameter draws), else None."""
    levers = {name: value for name, value in zip(spec.factors, values) if name.startswith("levers.")}
    assumptions = {name.split(".", 1)[1]: value for name, value in zip(spec.factors, values)
                   if name.startswith("assumptions.")}
    scenario = spec.scenario.with_changes(levers) if levers else spec.scenario
    sampled = scenario.parameter_uncertainty and posterior_sample() is not None
    return scenario, assumptions, None if sampled else resolve(scenario, assumptions)


def run_inputs(point_inputs, seed: np.random.SeedSequence):
    """A run's model inputs: the design point's, with the calibrated parameters drawn for this seed
    when the scenario asks for parameter uncertainty (as forecasts do)."""
    scenario, assumptions, fixed = point_inputs
    return fixed or resolve(scenario, run_assumptions(scenario, seed, assumptions))


def simulate_run(spec: RunSpec, point: int, replication: int, inputs) -> pd.DataFrame:
    """The yearly table of one run (module level so tests can make it raise)."""
    return simulate(inputs, run_seed(spec.root_seed, *spec.seed_key(point, replication)))


def summarise(table: pd.DataFrame, scenario: Scenario) -> dict[str, float]:
    """A run's summary: target-year intensity, gap, target met, cost from the policy start, first year met."""
    years = table["year"].to_numpy()
    row = table.iloc[int(np.flatnonzero(years == scenario.target.year)[0])]
    met = table.loc[(table["year"] > scenario.base_year) & (table["target_met"] >= 1.0), "year"]
    return {
        "rd_intensity": float(row["rd_intensity"]),
        "national_rd_intensity": float(row["national_rd_intensity"]),
        "rd_intensity_gap": float(row["rd_intensity_gap"]),
        "target_met": float(row["target_met"]),
        "government_cost": float(table.loc[table["year"] >= scenario.policy_start_year, "government_cost"].sum()),
        "first_year_met": float(met.iloc[0]) if len(met) else math.nan,
    }


def run_chunk(chunk: Chunk) -> ChunkResult:
    """Run every run of a chunk; a run that raises is recorded and the others go on."""
    spec = chunk.spec
    yearly_parts, summary_rows, failures = [], [], []
    cached_values, cached = None, None
    for point, replication, values in chunk.runs:
        key = spec.seed_key(point, replication)
        seed = f"{spec.root_seed}:{key[0]}:{key[1]}"
        try:
            if values != cached_values:
                cached_values, cached = values, None
                cached = inputs_for(spec, values)
            scenario = cached[0]
            inputs = run_inputs(cached, run_seed(spec.root_seed, *key))
            table = simulate_run(spec, point, replication, inputs)
            head = {"point": point, "replication": replication, "seed": seed,
                    **dict(zip(spec.factors, map(float, values)))}
            if spec.summaries:
                summary_rows.append({**head, **summarise(table, scenario)})
            part = table[["year", *spec.yearly]].copy()
            for i, (name, value) in enumerate(head.items()):
                part.insert(i, name, value)
            yearly_parts.append(part)
        except Exception:  # noqa: BLE001 - a failed run is recorded, the batch goes on
            failures.append({"chunk": chunk.index, "point": point, "replication": replication, "seed": seed,
                             "factors": dict(zip(spec.factors, map(float, values))),
                             "traceback": traceback.format_exc()})
    yearly = (pd.concat(yearly_parts, ignore_index=True) if yearly_parts
              else _empty(spec, ["year", *spec.yearly]))
    summaries = None
    if spec.summaries:
        summaries = pd.DataFrame(summary_rows) if summary_rows else _empty(spec, list(SUMMARY_COLUMNS))
    return ChunkResult(chunk.index, yearly, summaries, failures, len(chunk.runs))


def _empty(spec: RunSpec, columns: list[str]) -> pd.DataFrame:
    table = pd.DataFrame({"point": pd.Series(dtype="int64"), "replication": pd.Series(dtype="int64"),
                          "seed": pd.Series(dtype="object")})
    for name in [*spec.factors, *columns]:
        table[name] = pd.Series(dtype="int64" if name == "year" else "float64")
    return table


# --- the batch (in the parent) --------------------------------------------------------------


def chunk_size(total: int, workers: int) -> int:
    """Runs per task: small overhead at 1e5 runs, enough tasks to balance the workers."""
    return max(1, min(200, math.ceil(total / (workers * 8))))


def run_batch(experiment: str | Path | Experiment, out: str | Path, workers: int | None = None,
              dask: str | bool | None = None, restart: bool = False, executor=None,
              progress: bool | None = None) -> BatchReport:
    """Run (or resume) a batch; see :func:`batch`. Returns what was done."""
    if not isinstance(experiment, Experiment):
        experiment = load_experiment(experiment)
    points = experiment.points()
    replications = experiment.replications
    total = len(points) * replications
    store = Store(out, experiment.summaries)
    manifest = store.read_manifest()
    if manifest is not None and not restart:
        if manifest.get("experiment_sha256") != experiment.sha256:
            raise ExperimentError(experiment.source, "(out)",
                                  f"{out} holds results of a different experiment file (sha256 "
                                  f"{str(manifest.get('experiment_sha256'))[:12]}..., this file "
                                  f"{experiment.sha256[:12]}...); give --restart to discard them, "
                                  "or another --out folder")
        if manifest.get("total_runs") != total or manifest.get("root_seed") != experiment.seed:
            raise ExperimentError(experiment.source, "(out)",
                                  f"{out} holds a batch of {manifest.get('total_runs')} runs with root seed "
                                  f"{manifest.get('root_seed')}, this experiment has {total} runs with root seed "
                                  f"{experiment.seed} (has the scenario or design file changed?); give --restart")
    executor = executor or make_executor(workers, dask)
    store.folder.mkdir(parents=True, exist_ok=True)
    if restart:
        store.clear()
        manifest = None
    size = int(manifest["chunk_size"]) if manifest else chunk_size(total, executor.workers)
    chunks = math.ceil(total / size)
    done = {c for c in store.done_chunks() if c < chunks}
    store.remove_stale(done)
    kept_failures = store.keep_failures_of(done)
    started = manifest.get("started") if manifest else now()
    record = {
        "experiment": experiment.name,
        "experiment_file": str(Path(experiment.source).resolve()),
        "experiment_sha256": experiment.sha256,
        "scenario": experiment.scenario_ref,
        "ecosim_version": version("ecosim"),
        "git_commit": git_commit(),
        "root_seed": experiment.seed,
        "design": {"method": experiment.method, **experiment.design},
        "factors": experiment.factor_names,
        "design_points": len(points),
        "replications": replications,
        "total_runs": total,
        "chunk_size": size,
        "chunks": chunks,
        "yearly_columns": ["year", *experiment.yearly],
        "summaries": experiment.summaries,
        "started": started,
        "resumed": [*(manifest.get("resumed", []) if manifest else []), now()] if done else [],
        "finished": None,
        "runs_completed": None,
        "runs_failed": None,
    }
    store.write_manifest(record)
    spec = RunSpec.of(experiment)
    todo = [c for c in range(chunks) if c not in done]
    todo_runs = sum(min(size, total - c * size) for c in todo)

    def tasks() -> Iterator[Chunk]:
        for c in todo:
            runs = []
            for i in range(c * size, min(total, (c + 1) * size)):
                point, replication = divmod(i, replications)
                runs.append((point, replication, tuple(float(v) for v in points[point])))
            yield Chunk(c, spec, tuple(runs))

    show = sys.stderr.isatty() if progress is None else progress
    meter = _Progress(todo_runs, len(done) and total - todo_runs, show)
    failed_now: list[dict[str, Any]] = []
    begin = time.perf_counter()
    with executor:
        for result in executor.map_chunks(run_chunk, tasks()):
            store.append_failures(result.failures)
            store.write_chunk(result.index, result.yearly, result.summaries)
            failed_now.extend({k: v for k, v in f.items() if k != "traceback"} for f in result.failures)
            meter.update(result.runs)
    seconds = time.perf_counter() - begin
    meter.close()
    failed = kept_failures + len(failed_now)
    record.update(finished=now(), runs_completed=total - failed, runs_failed=failed)
    store.write_manifest(record)
    return BatchReport(Path(out), experiment.name, total, chunks, len(done), todo_runs, failed, seconds,
                       executor.describe(), failed_now)


def batch(experiment: str | Path | Experiment, out: str | Path, workers: int | None = None,
          dask: str | bool | None = None, restart: bool = False) -> pd.DataFrame:
    """Run (or resume) every run of an experiment into ``out``; the per-run summaries.

    ``workers``: local processes (default: the number of CPUs; 1 runs in this process).
    ``dask``: ``True`` for a dask.distributed LocalCluster of ``workers`` processes, or a scheduler
    address such as ``"tcp://10.0.0.1:8786"``. ``restart``: discard the results in ``out``.
    The returned frame's ``attrs["failed"]`` is the number of runs that raised (see
    ``out/failures.jsonl``).
    """
    report = run_batch(experiment, out, workers, dask, restart)
    summaries = Store(out).read("summaries")
    summaries.attrs["failed"] = report.failed
    return summaries


def read_results(out: str | Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(yearly table: one row per run and year, summaries: one row per run) of a batch folder."""
    store = Store(out)
    if store.read_manifest() is None:
        raise FileNotFoundError(f"{out} holds no batch (no manifest.json)")
    return store.read("runs"), store.read("summaries")


class _Progress:
    """Runs done, rate and ETA on stderr (only when asked, i.e. stderr is a terminal)."""

    def __init__(self, todo: int, already: int, show: bool):
        self.todo, self.already, self.show = todo, already, show
        self.done = 0
        self.start = time.perf_counter()
        self.last = 0.0

    def update(self, runs: int) -> None:
        self.done += runs
        if not self.show:
            return
        elapsed = time.perf_counter() - self.start
        if elapsed - self.last < 0.5 and self.done < self.todo:
            return
        self.last = elapsed
        rate = self.done / elapsed if elapsed > 0 else 0.0
        eta = (self.todo - self.done) / rate if rate > 0 else float("nan")
        sys.stderr.write(f"\r{self.already + self.done}/{self.already + self.todo} runs, "
                         f"{rate:.1f} runs/s, ETA {_duration(eta)}   ")
        sys.stderr.flush()

    def close(self) -> None:
        if self.show:
            sys.stderr.write("\n")
            sys.stderr.flush()


def _duration(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "?"
    seconds = int(round(seconds))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
