"""Sobol sensitivity benchmark: N * (2D + 2) runs of 15 levers, one replication, second order.

The full size is N = 1024, 15 factors: 1024 * 32 = 32,768 runs. ``--n`` runs it smaller; the
projection for N = 1024 scales the measured rate of the batch (model runs dominate; the SALib
analysis time is reported separately and scaled by N too).

    .venv/bin/python benchmarks/sensitivity_sobol.py --n 32 [--workers 2] [--keep DIR]

Prints a line per stage and, last, one JSON line: runs, seconds, runs_per_second and the
projected seconds for N = 1024. Figures depend on the machine and on what else runs on it.
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

from ecosim.levers import LEVERS

FACTORS = 15
FULL_N = 1024


def experiment_text(n: int) -> str:
    lines = ['name = "sensitivity-sobol-benchmark"', 'scenario = "guiding-opinions"', "replications = 1",
             "seed = 1"]
    for name in list(LEVERS)[:FACTORS]:
        lines += [f'[factors."levers.{name}"]', 'distribution = "uniform"']
        if name == "rd_reward_rate":  # above 0.25 the user cost of R&D can turn negative (NaN runs)
            lines += ["low = 0.0", "high = 0.2"]
    lines += ["[design]", 'method = "sobol"', f"n = {n}", "second_order = true"]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=FULL_N, help=f"Sobol base sample size (default {FULL_N})")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="worker processes")
    parser.add_argument("--keep", type=Path, help="keep the output in this folder (default: a temporary one)")
    args = parser.parse_args(argv)
    if args.n < 2:
        parser.error("--n must be at least 2")

    from ecosim.analysis.sensitivity import sensitivity

    folder = Path(tempfile.mkdtemp(prefix="ecosim-sens-bench-"))
    try:
        path = folder / "experiment.toml"
        path.write_text(experiment_text(args.n))
        out = args.keep or folder / "out"
        begin = time.perf_counter()
        table = sensitivity(path, out, "sobol", workers=args.workers, restart=True, charts=False)
        total = time.perf_counter() - begin
        manifest = json.loads((out / "batch-sobol" / "manifest.json").read_text())
        runs = int(manifest["total_runs"])
        analysis_start = time.perf_counter()
        sensitivity(path, out, "sobol", workers=args.workers, charts=False)  # batch done: analysis only
        analysis = time.perf_counter() - analysis_start
        batch_seconds = max(total - analysis, 1e-9)
        rate = runs / batch_seconds
        full_runs = FULL_N * (2 * FACTORS + 2)
        projected = full_runs / rate + analysis * FULL_N / args.n
        summary = table.attrs["summary"]["methods"]["sobol"]["outputs"]
        print(f"N = {args.n}, {FACTORS} factors, second order: {runs} runs on {args.workers} workers in "
              f"{total:.1f} s (batch ~{batch_seconds:.1f} s, analysis {analysis:.1f} s)", file=sys.stderr)
        for output, entry in summary.items():
            print(f"  {output}: top by ST {entry.get('top_factors')}", file=sys.stderr)
        print(json.dumps({"n": args.n, "factors": FACTORS, "workers": args.workers, "runs": runs,
                          "seconds": round(total, 2), "batch_seconds": round(batch_seconds, 2),
                          "analysis_seconds": round(analysis, 2), "runs_per_second": round(rate, 2),
                          "full_n": FULL_N, "full_runs": full_runs,
                          "projected_seconds_full_n": round(projected, 1),
                          "projected_minutes_full_n": round(projected / 60, 1)}))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
