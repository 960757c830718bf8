"""Sobol sensitivity benchmark: N * (2D + 2) runs of 15 levers, one replication, second order.

The full size is N = 1024, 15 factors: 1024 * 32 = 32,768 runs. ``--n`` runs it smaller; the
projection for N = 1024 scales the measured rate of the batch (model runs dominate; the SALib
analysis time is reported separately and scaled by N too).

    .venv/bin/python benchmarks/sensitivity_sobol.py --n 32 [--workers 2] [--keep DIR]

``--experiment FILE`` measures a shipped Sobol experiment instead (its factors, replications and
outputs) at ``--n`` and projects it at the file's own N, for example the chance of meeting the
target from 20 replications a point:

    .venv/bin/python benchmarks/sensitivity_sobol.py --experiment experiments/sobol-probability.toml --n 4

Prints a line per stage and, last, one JSON line: runs, seconds, runs_per_second and the
projected seconds for N = 1024. Figures depend on the machine and on what else runs on it.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import tomllib
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


def experiment_at(path: Path, n: int) -> tuple[str, int, int, int]:
    """A Sobol experiment file's text with its design's N set to ``n``, and the file's N, factor count
    and replications (the full run to project)."""
    text = path.read_text(encoding="utf-8")
    spec = tomllib.loads(text)
    design = spec.get("design", {})
    if design.get("method") != "sobol":
        raise SystemExit(f"{path}: [design] method must be 'sobol' to project a Sobol run")
    start = text.index("[design]")
    design_text = re.sub(r"(?m)^n\s*=\s*\d+", f"n = {n}", text[start:], count=1)
    return text[:start] + design_text, int(design["n"]), len(spec["factors"]), int(spec.get("replications", 1))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=FULL_N, help=f"Sobol base sample size (default {FULL_N})")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="worker processes")
    parser.add_argument("--keep", type=Path, help="keep the output in this folder (default: a temporary one)")
    parser.add_argument("--experiment", type=Path, help="measure this Sobol experiment file at --n, project its own N")
    args = parser.parse_args(argv)
    if args.n < 2:
        parser.error("--n must be at least 2")
    if args.experiment:
        text, full_n, factors, replications = experiment_at(args.experiment, args.n)
    else:
        text, full_n, factors, replications = experiment_text(args.n), FULL_N, FACTORS, 1

    from ecosim.api.sensitivity import sensitivity

    folder = Path(tempfile.mkdtemp(prefix="ecosim-sens-bench-"))
    try:
        path = folder / "experiment.toml"
        path.write_text(text)
        out = args.keep or folder / "out"
        begin = time.perf_counter()
        table = sensitivity(path, out, "sobol", workers=args.workers, force=True, charts=False)
        total = time.perf_counter() - begin
        manifest = json.loads((out / "batch-sobol" / "manifest.json").read_text())
        runs = int(manifest["total_runs"])
        analysis_start = time.perf_counter()
        sensitivity(path, out, "sobol", workers=args.workers, charts=False)  # batch done: analysis only
        analysis = time.perf_counter() - analysis_start
        batch_seconds = max(total - analysis, 1e-9)
        rate = runs / batch_seconds
        full_runs = full_n * (2 * factors + 2) * replications
        projected = full_runs / rate + analysis * full_n / args.n
        summary = table.attrs["summary"]["methods"]["sobol"]["outputs"]
        print(f"N = {args.n}, {factors} factors, {replications} replications, second order: {runs} runs on {args.workers} workers in "
              f"{total:.1f} s (batch ~{batch_seconds:.1f} s, analysis {analysis:.1f} s)", file=sys.stderr)
        for output, entry in summary.items():
            print(f"  {output}: top by ST {entry.get('top_factors')}", file=sys.stderr)
        print(json.dumps({"experiment": str(args.experiment or "15 levers, one replication"), "n": args.n,
                          "factors": factors, "replications": replications, "workers": args.workers, "runs": runs,
                          "seconds": round(total, 2), "batch_seconds": round(batch_seconds, 2),
                          "analysis_seconds": round(analysis, 2), "runs_per_second": round(rate, 2),
                          "full_n": full_n, "full_runs": full_runs,
                          "projected_seconds_full_n": round(projected, 1),
                          "projected_minutes_full_n": round(projected / 60, 1)}))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
