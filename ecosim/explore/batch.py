"""Batches: every (design point, replication) of an experiment, run in chunks, streamed to Parquet.

One run is (design point index, replication index): the scenario with the point's lever values
(held from the policy start year on), the point's assumption values, and the seed
``run_seed(root, point, replication)``. Runs are grouped in contiguous chunks; each finished
chunk is written to the output folder at once, so memory stays flat in the number of runs and a
killed batch resumes where it stopped (the same command on the same folder runs only the
missing chunks). Results do not depend on the executor or the number of workers.

>>> runs, summaries = batch("experiments/example-grid.toml", "out/example-grid", workers=2)  # doctest: +SKIP
>>> yearly, summaries = read_results("out/example-grid")  # doctest: +SKIP

The folder's layout and what it records are described in :mod:`ecosim.explore.store`.
"""

from __future__ import annotations

import math
import sys
import time
import traceback
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ecosim.explore.executors import LostChunk, make_executor
from ecosim.explore.experiment import Experiment, ExperimentError, experiment_file, load_experiment
from ecosim.explore.provenance import bundle_inputs
from ecosim.explore.results import SUMMARY_MEANINGS, BatchResults, labelled
from ecosim.explore.runs import run_assumptions, run_seed
from ecosim.explore.store import (FAILURES, KINDS, MANIFEST, RECORDS, BatchFolderError, FolderLock, OutputFolderError,
                                  Store, claim_folder, file_sha256, now)
from ecosim.model import resolve, simulate
from ecosim.scenario import Scenario

BATCH_RESULTS = (MANIFEST, FAILURES, *KINDS, RECORDS)
"""What a batch writes in its folder (removed by ``--force``)."""
SUMMARY_COLUMNS = tuple(SUMMARY_MEANINGS)


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

    def seed_text(self, point: int, replication: int) -> str:
        """A run's seed as written in the results: ``root:design point:replication``."""
        key = self.seed_key(point, replication)
        return f"{self.root_seed}:{key[0]}:{key[1]}"


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
    keys: list[list[Any]]
    """(point, replication, seed) of every run of the chunk, completed or not."""

    @property
    def runs(self) -> int:
        return len(self.keys)

    @property
    def failed_keys(self) -> list[list[Any]]:
        return [[f["point"], f["replication"], f["seed"]] for f in self.failures]


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
    completed: int = 0
    """Runs whose results are in the folder (counted from its files)."""
    lost: int = 0
    """Runs of chunks whose worker died twice: not in the folder; the same command runs them again."""

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
    sampled = scenario.parameter_uncertainty and scenario.region.posterior is not None
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
    """A run's summary: target-year intensity, gap, target met, government and social cost over the
    cost window (the policy start year to the target year, as ``ecosim.analysis.costs``), first year met."""
    years = table["year"].to_numpy()
    window = table["year"].between(scenario.policy_start_year, scenario.target.year)
    row = table.iloc[int(np.flatnonzero(years == scenario.target.year)[0])]
    met = table.loc[(table["year"] > scenario.base_year) & (table["target_met"] >= 1.0), "year"]
    return {
        "rd_intensity": float(row["rd_intensity"]),
        "national_rd_intensity": float(row["national_rd_intensity"]),
        "rd_intensity_gap": float(row["rd_intensity_gap"]),
        "target_met": float(row["target_met"]),
        "government_cost": float(table.loc[window, "government_cost"].sum()),
        "social_cost": float(table.loc[window, "social_cost"].sum()),
        "first_year_met": float(met.iloc[0]) if len(met) else math.nan,
    }


def run_chunk(chunk: Chunk) -> ChunkResult:
    """Run every run of a chunk; a run that raises is recorded and the others go on."""
    spec = chunk.spec
    yearly_parts, summary_rows, failures = [], [], []
    cached_values, cached = None, None
    for point, replication, values in chunk.runs:
        key = spec.seed_key(point, replication)
        seed = spec.seed_text(point, replication)
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
                             "kind": "raised", "factors": dict(zip(spec.factors, map(float, values))),
                             "traceback": traceback.format_exc()})
    yearly = (pd.concat(yearly_parts, ignore_index=True) if yearly_parts
              else _empty(spec, ["year", *spec.yearly]))
    summaries = None
    if spec.summaries:
        summaries = pd.DataFrame(summary_rows) if summary_rows else _empty(spec, list(SUMMARY_COLUMNS))
    return ChunkResult(chunk.index, yearly, summaries, failures, chunk_keys(chunk))


def chunk_keys(chunk: Chunk) -> list[list[Any]]:
    """(point, replication, seed) of each run of a chunk, as its record stores them."""
    return [[point, replication, chunk.spec.seed_text(point, replication)] for point, replication, _ in chunk.runs]


def _empty(spec: RunSpec, columns: list[str]) -> pd.DataFrame:
    table = pd.DataFrame({"point": pd.Series(dtype="int64"), "replication": pd.Series(dtype="int64"),
                          "seed": pd.Series(dtype="str")})
    for name in [*spec.factors, *columns]:
        table[name] = pd.Series(dtype="int64" if name == "year" else "float64")
    return table


# --- the batch (in the parent) --------------------------------------------------------------


def chunk_size(total: int, workers: int) -> int:
    """Runs per task: small overhead at 1e5 runs, enough tasks to balance the workers."""
    return max(1, min(200, math.ceil(total / (workers * 8))))


def batch_inputs(experiment: Experiment) -> dict[str, Any]:
    """Everything a batch's results depend on besides the code: the content hash of the experiment
    file, the scenario file, the CSV design, every file of the region bundle and the calibration and
    posterior the region uses (those that exist), with the package version and git commit."""
    inputs: dict[str, Any] = {}
    inputs["experiment as run"] = {"path": experiment.source, "sha256": experiment.content_sha256()}
    for label, path in experiment.input_files().items():
        sha = experiment.sha256 if label == "experiment file" else (file_sha256(path) if path.is_file() else None)
        inputs[label] = {"path": str(path.resolve()), "sha256": sha}
    return {**inputs, **bundle_inputs(experiment.scenario.region)}


def check_same_runs(manifest: dict[str, Any], experiment: Experiment, total: int, out: Path) -> None:
    """Refuse to resume a folder of the same inputs but another count of runs or root seed."""
    if manifest.get("total_runs") != total or manifest.get("root_seed") != experiment.seed:
        raise OutputFolderError(str(out), "--out", f"the folder holds a batch of {manifest.get('total_runs')} runs with "
                                f"root seed {manifest.get('root_seed')}, this experiment has {total} runs with root "
                                f"seed {experiment.seed}; give --force to replace them, or choose another --out folder")


def chunk_tasks(spec: RunSpec, points: np.ndarray, replications: int, size: int, total: int,
                chunks: list[int]) -> Iterator[Chunk]:
    """The chunks to run, built lazily (memory stays flat in the number of runs)."""
    for c in chunks:
        yield chunk_at(spec, points, replications, size, total, c)


def chunk_at(spec: RunSpec, points: np.ndarray, replications: int, size: int, total: int, c: int) -> Chunk:
    """Chunk ``c``: runs ``c*size`` to ``(c+1)*size-1`` in (point, replication) order."""
    runs = []
    for i in range(c * size, min(total, (c + 1) * size)):
        point, replication = divmod(i, replications)
        runs.append((point, replication, tuple(float(v) for v in points[point])))
    return Chunk(c, spec, tuple(runs))


def verified_done(store: Store, spec: RunSpec, points: np.ndarray, replications: int, size: int, total: int,
                  chunks: int, experiment: Experiment) -> set[int]:
    """The finished chunks of a folder being resumed, each checked against this experiment's run
    keys and seeds and against its files' hashes; any mismatch refuses the resume."""
    done = set()
    for c, record in sorted(store.records().items()):
        expected = chunk_keys(chunk_at(spec, points, replications, size, total, c)) if c < chunks else []
        problem = store.verify(c, record, expected)
        if problem:
            raise ExperimentError(experiment.source, "(out)", f"{store.folder} cannot be resumed: {problem}; "
                                  "give --force to discard its results, or another --out folder")
        done.add(c)
    return done


def run_batch(experiment: str | Path | Experiment, out: str | Path, workers: int | None = None,
              dask: str | bool | None = None, force: bool = False, executor=None,
              progress: bool | None = None) -> BatchReport:
    """Run (or resume) a batch; see :func:`batch`. Returns what was done.

    The folder is locked for the whole batch (a second batch on it raises BatchFolderError); a
    resume is refused unless every input, chunk key and file matches what the folder was made with.
    """
    if not isinstance(experiment, Experiment):
        experiment = load_experiment(experiment)
    points = experiment.points()
    total = len(points) * experiment.replications
    inputs = batch_inputs(experiment)
    store = Store(out, experiment.summaries)
    if not force or Path(out).is_file():
        claim_folder(out, "batch", inputs, False)  # a folder to refuse is refused before the lock writes in it
    with FolderLock(store.folder):
        manifest = claim_folder(out, "batch", inputs, force, BATCH_RESULTS)
        if manifest is not None:
            check_same_runs(manifest, experiment, total, Path(out))
        executor = executor or make_executor(workers, dask)
        size = int(manifest["chunk_size"]) if manifest else chunk_size(total, executor.workers)
        chunks = math.ceil(total / size)
        spec = RunSpec.of(experiment)
        done = (verified_done(store, spec, points, experiment.replications, size, total, chunks, experiment)
                if manifest else set())
        store.prepare()
        store.remove_stale(done)
        store.keep_failures_of(done)
        record = _manifest(experiment, inputs, len(points), total, size, chunks, manifest, bool(done))
        store.write_manifest(record)
        return _run_chunks(experiment, store, executor, record, spec, points, done, progress)


def _manifest(experiment: Experiment, inputs: dict[str, Any], points: int, total: int, size: int, chunks: int,
              previous: dict[str, Any] | None, resumed: bool) -> dict[str, Any]:
    """The manifest of a batch as it starts (counts filled in when it stops)."""
    return {
        "kind": "batch",
        "experiment": experiment.name,
        "experiment_file": experiment_file(experiment),
        "experiment_sha256": experiment.sha256,
        "scenario": experiment.scenario_ref,
        "inputs": inputs,
        "ecosim_version": inputs["ecosim version"],
        "git_commit": inputs["git commit"],
        "root_seed": experiment.seed,
        "design": {"method": experiment.method, **experiment.design},
        "factors": experiment.factor_names,
        "design_points": points,
        "replications": experiment.replications,
        "total_runs": total,
        "chunk_size": size,
        "chunks": chunks,
        "yearly_columns": ["year", *experiment.yearly],
        "years_per_run": int(experiment.scenario.years.size),
        "summaries": experiment.summaries,
        "started": previous.get("started") if previous else now(),
        "resumed": [*(previous.get("resumed", []) if previous else []), now()] if resumed else [],
        "status": "running",
        "finished": None,
        "runs_completed": None,
        "runs_failed": None,
        "runs_lost": None,
        "runs_not_done": None,
    }


def _run_chunks(experiment: Experiment, store: Store, executor, record: dict[str, Any], spec: RunSpec,
                points: np.ndarray, done: set[int], progress: bool | None) -> BatchReport:
    """Run the chunks not done, write each as it finishes, and record the counts however it stops."""
    total, size, chunks = record["total_runs"], record["chunk_size"], record["chunks"]
    todo = [c for c in range(chunks) if c not in done]
    todo_runs = sum(min(size, total - c * size) for c in todo)
    show = sys.stderr.isatty() if progress is None else progress
    meter = _Progress(todo_runs, len(done) and total - todo_runs, show)
    failed_now: list[dict[str, Any]] = []
    lost = 0
    status = "interrupted"
    begin = time.perf_counter()
    try:
        with executor:
            tasks = chunk_tasks(spec, points, experiment.replications, size, total, todo)
            for result in executor.map_chunks(run_chunk, tasks):
                if isinstance(result, LostChunk):
                    lost += len(result.chunk.runs)
                    store.append_failures(_lost_records(result))
                else:
                    store.append_failures(result.failures)
                    store.write_chunk(result.index, result.yearly, result.summaries, result.keys, result.failed_keys)
                    failed_now.extend({k: v for k, v in f.items() if k != "traceback"} for f in result.failures)
                meter.update(len(result.chunk.runs) if isinstance(result, LostChunk) else result.runs)
        status = "finished" if not lost else "incomplete"
    finally:
        meter.close()
        counts = folder_counts(store, record)
        record.update(status=status, finished=now() if status == "finished" else None, **counts)
        store.write_manifest(record)
    seconds = time.perf_counter() - begin
    return BatchReport(store.folder, experiment.name, total, chunks, len(done), todo_runs, counts["runs_failed"],
                       seconds, executor.describe(), failed_now, counts["runs_completed"], lost)


def _lost_records(lost: LostChunk) -> list[dict[str, Any]]:
    """One failure line per run of a chunk whose worker died twice."""
    spec = lost.chunk.spec
    return [{"chunk": lost.chunk.index, "point": point, "replication": replication,
             "seed": spec.seed_text(point, replication), "kind": "worker_lost",
             "factors": dict(zip(spec.factors, map(float, values))), "reason": lost.reason}
            for point, replication, values in lost.chunk.runs]


def folder_counts(store: Store, manifest: dict[str, Any]) -> dict[str, int]:
    """Runs completed (counted in the Parquet files of finished chunks), failed (in their records),
    lost with a worker (in the failure log) and not done, of a batch folder."""
    records = store.records()
    completed = store.completed_runs(set(records), int(manifest.get("years_per_run") or 1))
    failed = sum(len(r.get("failed", [])) for r in records.values())
    lost = sum(1 for f in store.read_failures() if f.get("kind") == "worker_lost" and f.get("chunk") not in records)
    total = int(manifest["total_runs"])
    return {"runs_completed": completed, "runs_failed": failed, "runs_lost": lost,
            "runs_not_done": total - completed - failed}


def batch(experiment: str | Path | Experiment, out: str | Path, workers: int | None = None,
          dask: str | bool | None = None, force: bool = False) -> BatchResults:
    """Run (or resume) every run of an experiment into ``out``; its results, as :func:`read_results` gives them.

    ``workers``: local processes (default: the number of CPUs; 1 runs in this process).
    ``dask``: ``True`` for a dask.distributed LocalCluster of ``workers`` processes, or a scheduler
    address such as ``"tcp://10.0.0.1:8786"``. ``force``: discard the results in ``out`` (see :data:`ecosim.explore.store.FOLDER_RULE`).
    The summaries' ``attrs["failed"]`` is the number of runs that raised (see
    ``out/failures.jsonl``); a batch that lost workers raises BatchFolderError from ``read_results``.
    """
    report = run_batch(experiment, out, workers, dask, force)
    results = read_results(out)
    results.summaries.attrs["failed"] = report.failed
    return results


def read_results(out: str | Path, allow_partial: bool = False) -> BatchResults:
    """The runs (one row per run and year) and summaries (one row per run) of a batch folder, with every
    column's unit and meaning and the batch's manifest in their ``attrs``; unpacks as ``(runs, summaries)``.

    An unfinished folder (a batch killed, interrupted or short of workers: some runs neither
    completed nor failed) raises BatchFolderError with the counts, unless ``allow_partial=True``,
    which returns the completed runs with a warning. Both frames carry the counts in ``attrs``
    (``total_runs``, ``runs_completed``, ``runs_failed``, ``runs_not_done``).
    """
    store = Store(out)
    manifest = store.read_manifest()
    if manifest is None:
        raise FileNotFoundError(f"{out} holds no batch (no manifest.json)")
    store.summaries = bool(manifest.get("summaries", True))
    counts = folder_counts(store, manifest)
    missing = counts["runs_not_done"]
    if missing:
        message = (f"{out} is unfinished: {counts['runs_completed']} of {manifest['total_runs']} runs completed, "
                   f"{counts['runs_failed']} failed, {missing} not done")
        if not allow_partial:
            raise BatchFolderError(f"{message}; run the same batch command to finish it, or read the completed "
                                   "runs with read_results(..., allow_partial=True)")
        warnings.warn(f"{message}; these results cover the completed runs only", stacklevel=2)
    yearly, summaries = store.read("runs"), store.read("summaries")
    for table in (yearly, summaries):
        table.attrs.update(total_runs=int(manifest["total_runs"]), **counts)
    return labelled(yearly, summaries, manifest)


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
