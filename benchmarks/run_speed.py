"""Speed of one full-scale run of the baseline (all four agent types, base year to horizon).

Times ``simulate`` (model set-up and every yearly step) after a warm-up, on one core, and
prints one JSON line last. Target: at most 30 ms per run with at least 10,000 enterprises,
2015-2030.

    python benchmarks/run_speed.py [--runs 50]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time

from ecosim.model import EcosystemModel, resolve
from ecosim.scenario import load_scenario


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=5)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    inputs = resolve(load_scenario("baseline"))
    for seed in range(args.warmup):
        EcosystemModel(inputs, seed).run()
    times = []
    for seed in range(args.runs):
        start = time.perf_counter()
        model = EcosystemModel(inputs, 1000 + seed)
        model.run()
        times.append(time.perf_counter() - start)
    enterprises = int(inputs.assumptions["n_above_scale_firms"] + inputs.assumptions["n_tech_smes"])
    years = int(inputs.years.size)
    median = statistics.median(times)
    print(f"{args.runs} runs, {enterprises} enterprises at start, {years} years, "
          f"{len(model.institutions.agents)} institutions, agents in Mesa: {len(model.agents)}")
    print(json.dumps({
        "benchmark": "run_speed",
        "enterprises": enterprises,
        "years": years,
        "runs": args.runs,
        "ms_per_run_median": round(1000 * median, 2),
        "ms_per_run_p90": round(1000 * sorted(times)[int(0.9 * len(times)) - 1], 2),
        "ns_per_enterprise_year": round(1e9 * median / (enterprises * years), 1),
        "target_ms_per_run": 30,
        "python": platform.python_version(),
    }))


if __name__ == "__main__":
    main()
