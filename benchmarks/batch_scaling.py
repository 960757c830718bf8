"""Batch scaling: one fixed batch run with 1 and 2 local processes and a 2-worker Dask LocalCluster.

Prints a line per executor and, last, one JSON line with runs per second and speed-ups over one
process. Start-up of the pool or cluster is included in the time (it is what a user waits for);
the Dask cluster's start and close are also given apart (``dask_cluster_seconds``), and
``dask_local_2_vs_processes_2`` is the Dask rate over the 2-process pool's. With ``--repeat N``
every executor runs N times, in turn, and the figures are medians (timings on a shared machine are noisy).

Peak memory: the same batch at two sizes (``--points`` and twice that), each in a fresh process
running it on one worker process; ``peak_rss_mb`` is the larger of the batch process's and its
worker's peak resident memory at the larger size, and ``peak_rss_mb_per_1000_runs`` the slope
between the two sizes, which projects the peak of a larger batch (``projected_peak_rss_mb`` at
``--project-runs``, default 100,000).

    .venv/bin/python benchmarks/batch_scaling.py [--points 300] [--replications 2] [--repeat 1] [--project-runs 100000]

Figures depend on the machine and on what else runs on it.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ecosim.explore.batch import read_results, run_batch
from ecosim.explore.executors import DaskExecutor, ProcessExecutor

EXPERIMENT = """\
name = "batch-scaling"
scenario = "baseline"
replications = {replications}
seed = 1
[factors."levers.rd_reward_rate"]
distribution = "uniform"
[factors."levers.guidance_fund_capital"]
distribution = "uniform"
low = 0.0
high = 50.0
[factors.assumptions.rd_user_cost_elasticity]
distribution = "uniform"
[design]
method = "lhs"
points = {points}
"""


class TimedExecutor:
    """An executor whose start (entering it: the cluster is up) and close are timed; a process pool
    starts its workers at its first chunk, so only the Dask figures say anything."""

    def __init__(self, executor):
        self.executor = executor
        self.start_seconds = self.close_seconds = 0.0

    def __getattr__(self, name: str):
        return getattr(self.executor, name)

    def __enter__(self) -> "TimedExecutor":
        begin = time.perf_counter()
        self.executor.__enter__()
        self.start_seconds = time.perf_counter() - begin
        return self

    def __exit__(self, *exc) -> None:
        begin = time.perf_counter()
        try:
            self.executor.__exit__(*exc)
        finally:
            self.close_seconds = time.perf_counter() - begin


def timed_batch(path: Path, out: Path, executor) -> dict:
    """Run the batch into ``out`` on ``executor``: runs per second (start-up and close included),
    the executor's start and close seconds, the failed runs and the summaries."""
    timed = TimedExecutor(executor)
    start = time.perf_counter()
    report = run_batch(path, out, executor=timed, progress=False)
    seconds = time.perf_counter() - start
    _, summaries = read_results(out)
    return {"runs": report.total_runs, "seconds": seconds, "rate": report.total_runs / seconds,
            "start": timed.start_seconds, "close": timed.close_seconds, "failed": report.failed,
            "summaries": summaries}


def peak_rss_mb_of_batch(points: int, replications: int) -> float:
    """Peak resident memory (MB) of a batch of ``points`` x ``replications`` runs on one worker
    process: the larger of the batch process's and the worker's, measured in a fresh process."""
    done = subprocess.run([sys.executable, __file__, "--points", str(points), "--replications", str(replications),
                           "--measure-rss"], capture_output=True, text=True, check=True)
    return float(done.stdout.split()[-1])


def measure_rss(points: int, replications: int) -> None:
    """Run the batch on one worker process and print the peak resident memory (MB) of this process
    and its worker, whichever is larger (``ru_maxrss`` is in kB on Linux)."""
    folder = Path(tempfile.mkdtemp(prefix="ecosim-batch-rss-"))
    try:
        path = folder / "experiment.toml"
        path.write_text(EXPERIMENT.format(points=points, replications=replications))
        run_batch(path, folder / "out", executor=ProcessExecutor(1), progress=False)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    worker = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(max(own, worker) / 1024.0)


def memory_figures(points: int, replications: int, project_runs: int) -> dict:
    """Peak RSS at two batch sizes, the slope per 1000 runs and the projection to ``project_runs`` runs."""
    small, large = points * replications, 2 * points * replications
    rss_small = peak_rss_mb_of_batch(points, replications)
    rss_large = peak_rss_mb_of_batch(2 * points, replications)
    slope = (rss_large - rss_small) / (large - small) * 1000.0
    return {"peak_rss_mb": round(rss_large, 1), "peak_rss_runs": large,
            "peak_rss_mb_at": {str(small): round(rss_small, 1), str(large): round(rss_large, 1)},
            "peak_rss_mb_per_1000_runs": round(slope, 2), "projected_runs": project_runs,
            "projected_peak_rss_mb": round(rss_large + slope * (project_runs - large) / 1000.0, 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=300)
    parser.add_argument("--replications", type=int, default=2)
    parser.add_argument("--project-runs", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=1, help="runs of each executor, in turn; medians are given")
    parser.add_argument("--measure-rss", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure_rss:
        measure_rss(args.points, args.replications)
        return 0
    folder = Path(tempfile.mkdtemp(prefix="ecosim-batch-scaling-"))
    try:
        path = folder / "experiment.toml"
        path.write_text(EXPERIMENT.format(points=args.points, replications=args.replications))
        executors = {
            "processes_1": lambda: ProcessExecutor(1),
            "processes_2": lambda: ProcessExecutor(2),
            "dask_local_2": lambda: DaskExecutor(None, 2),
        }
        timings: dict[str, list[dict]] = {name: [] for name in executors}
        reference = None
        for round_ in range(args.repeat):
            for name, make in executors.items():
                out = folder / f"{name}-{round_}"
                timing = timed_batch(path, out, make())
                shutil.rmtree(out, ignore_errors=True)
                if reference is None:
                    reference = timing["summaries"]
                identical = timing["summaries"].equals(reference)
                timings[name].append(timing)
                print(f"{name}: {timing['runs']} runs in {timing['seconds']:.1f} s = {timing['rate']:.1f} runs/s "
                      f"(failed {timing['failed']}, identical to processes_1: {identical})", file=sys.stderr)
        rates = {name: statistics.median(t["rate"] for t in runs) for name, runs in timings.items()}
        dask_runs = timings["dask_local_2"]
        cluster = {"start": round(statistics.median(t["start"] for t in dask_runs), 2),
                   "close": round(statistics.median(t["close"] for t in dask_runs), 2)}
        print(f"Dask LocalCluster: {cluster['start']} s to start, {cluster['close']} s to close (included above)",
              file=sys.stderr)
        base = rates["processes_1"]
        memory = memory_figures(args.points, args.replications, args.project_runs)
        print(f"peak RSS {memory['peak_rss_mb']} MB at {memory['peak_rss_runs']} runs, "
              f"{memory['peak_rss_mb_per_1000_runs']} MB per 1000 runs more; projected "
              f"{memory['projected_peak_rss_mb']} MB at {args.project_runs} runs", file=sys.stderr)
        print(json.dumps({
            "runs": args.points * args.replications,
            "cpus": os.cpu_count(),
            "repeat": args.repeat,
            "runs_per_second": {k: round(v, 2) for k, v in rates.items()},
            "speedup_vs_processes_1": {k: round(v / base, 2) for k, v in rates.items()},
            "dask_local_2_vs_processes_2": round(rates["dask_local_2"] / rates["processes_2"], 3),
            "dask_cluster_seconds": cluster,
            **memory,
        }))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
