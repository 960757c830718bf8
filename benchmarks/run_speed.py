"""Speed of one full-scale run of the baseline (all four agent types, base year to horizon).

Times a run (model set-up and every yearly step) after a warm-up, on one core, for the
calibrated baseline and for the smallest full-scale population the assumption ranges allow
(10,000 enterprises), and prints one JSON line last. Target: at most 30 ms per run with at
least 10,000 enterprises, 2015-2030.

    python benchmarks/run_speed.py [--runs 50]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time

from ecosim.assumptions import ASSUMPTIONS
from ecosim.model import EcosystemModel, resolve
from ecosim.scenario import load_scenario


def time_runs(inputs, runs: int, warmup: int) -> list[float]:
    """Seconds per run (set-up and every year) after ``warmup`` runs."""
    for seed in range(warmup):
        EcosystemModel(inputs, seed).run()
    times = []
    for seed in range(runs):
        start = time.perf_counter()
        EcosystemModel(inputs, 1000 + seed).run()
        times.append(time.perf_counter() - start)
    return times


def figures(inputs, times: list[float]) -> dict:
    """The JSON figures of one configuration."""
    enterprises = int(inputs.assumptions["n_above_scale_firms"] + inputs.assumptions["n_tech_smes"])
    years = int(inputs.years.size)
    median = statistics.median(times)
    return {
        "enterprises": enterprises,
        "years": years,
        "ms_per_run_median": round(1000 * median, 2),
        "ms_per_run_p90": round(1000 * sorted(times)[max(int(0.9 * len(times)) - 1, 0)], 2),
        "ns_per_enterprise_year": round(1e9 * median / (enterprises * years), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=5)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    baseline = resolve(load_scenario("baseline"))
    smallest = resolve(load_scenario("baseline"), {"n_above_scale_firms": ASSUMPTIONS["n_above_scale_firms"].low,
                                                   "n_tech_smes": ASSUMPTIONS["n_tech_smes"].low})
    result = figures(baseline, time_runs(baseline, args.runs, args.warmup))
    minimum = figures(smallest, time_runs(smallest, args.runs, args.warmup))
    model = EcosystemModel(baseline, 0)
    print(f"baseline (calibrated population): {result['enterprises']} enterprises, {result['ms_per_run_median']} ms/run; "
          f"smallest full-scale population: {minimum['enterprises']} enterprises, {minimum['ms_per_run_median']} ms/run; "
          f"{len(model.institutions.agents)} institutions, {len(model.agents)} Mesa agents")
    print(json.dumps({"benchmark": "run_speed", **result, "runs": args.runs, "minimum_full_scale": minimum,
                      "target_ms_per_run": 30, "python": platform.python_version()}))


if __name__ == "__main__":
    main()
