"""Batch scaling: one fixed batch run with 1 and 2 local processes and a 2-worker Dask LocalCluster.

Prints a line per executor and, last, one JSON line with runs per second and speed-ups over one
process. Start-up of the pool or cluster is included in the time (it is what a user waits for).

    .venv/bin/python benchmarks/batch_scaling.py [--points 300] [--replications 2]

Figures depend on the machine and on what else runs on it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=300)
    parser.add_argument("--replications", type=int, default=2)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="ecosim-batch-scaling-"))
    try:
        path = folder / "experiment.toml"
        path.write_text(EXPERIMENT.format(points=args.points, replications=args.replications))
        executors = {
            "processes_1": lambda: ProcessExecutor(1),
            "processes_2": lambda: ProcessExecutor(2),
            "dask_local_2": lambda: DaskExecutor(None, 2),
        }
        rates, reference = {}, None
        for name, make in executors.items():
            out = folder / name
            start = time.perf_counter()
            report = run_batch(path, out, executor=make(), progress=False)
            seconds = time.perf_counter() - start
            rates[name] = report.total_runs / seconds
            _, summaries = read_results(out)
            if reference is None:
                reference = summaries
            identical = summaries.equals(reference)
            print(f"{name}: {report.total_runs} runs in {seconds:.1f} s = {rates[name]:.1f} runs/s "
                  f"(failed {report.failed}, identical to processes_1: {identical})", file=sys.stderr)
        base = rates["processes_1"]
        print(json.dumps({
            "runs": args.points * args.replications,
            "cpus": os.cpu_count(),
            "runs_per_second": {k: round(v, 2) for k, v in rates.items()},
            "speedup_vs_processes_1": {k: round(v / base, 2) for k, v in rates.items()},
        }))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
