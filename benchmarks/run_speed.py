"""Speed of one full-scale run of the baseline (all four agent types, base year to horizon).

Times a run (model set-up and every yearly step) after a warm-up, on one core, for the
calibrated baseline and for the smallest full-scale population the assumption ranges allow
(10,000 enterprises), and prints one JSON line last. In the same process it times the simplest
possible Mesa agent (three float updates, 10,000 agents stepped with ``shuffle_do``, best of 10)
and prints the ratio of its cost per agent-step to ecosim's per enterprise-year: how much the
array-held firms save over agents. Targets: at most 10 ms per run (calibrated baseline) and a
ratio of at least 15.

    python benchmarks/run_speed.py [--runs 50]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time

import mesa

from ecosim.assumptions import ASSUMPTIONS
from ecosim.model import EcosystemModel, resolve
from ecosim.scenario import load_scenario


class TrivialAgent(mesa.Agent):
    """The simplest agent with state: three floats, three updates a step."""

    def __init__(self, model: mesa.Model):
        super().__init__(model)
        self.wealth, self.knowledge, self.rd = 1.0, 0.5, 0.1

    def step(self) -> None:
        """Three float updates."""
        self.wealth *= 1.01
        self.knowledge += 0.1 * self.rd
        self.rd = 0.02 * self.wealth


def mesa_trivial_ns_per_agent_step(agents: int = 10_000, repeats: int = 10) -> float:
    """Best-of-``repeats`` cost of one ``shuffle_do("step")`` over ``agents`` trivial agents, ns per agent-step."""
    model = mesa.Model(seed=0)
    for _ in range(agents):
        TrivialAgent(model)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        model.agents.shuffle_do("step")
        best = min(best, time.perf_counter() - start)
    return 1e9 * best / agents


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
    trivial = mesa_trivial_ns_per_agent_step()
    ratio = trivial / result["ns_per_enterprise_year"]
    print(f"trivial Mesa agent: {trivial:.0f} ns per agent-step, {ratio:.2f} times an enterprise-year")
    print(json.dumps({"benchmark": "run_speed", **result, "runs": args.runs, "minimum_full_scale": minimum,
                      "mesa_trivial_ns_per_agent_step": round(trivial, 1),
                      "mesa_trivial_over_enterprise_year": round(ratio, 2),
                      "target_ms_per_run": 10, "target_ratio": 15, "python": platform.python_version()}))


if __name__ == "__main__":
    main()
