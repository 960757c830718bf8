"""Speed of one full-scale run of the baseline (all four agent types, base year to horizon).

Times a run (model set-up and every yearly step) after a warm-up, on one core, for the
calibrated baseline and for the smallest full-scale population the assumption ranges allow
(10,000 enterprises), and prints one JSON line last. In the same process it times the simplest
possible Mesa agent (three float updates, 10,000 agents stepped with ``shuffle_do``, best of 10)
and prints the ratio of its cost per agent-step to ecosim's per enterprise-year: how much the
array-held firms save over agents. Targets: at most 20 ms per run (calibrated baseline; stretch
10) and ``forecast(baseline, 50)`` in at most 1 s.

It also prints what bounds the run from below and what a user waits for:

* ``random_draws_ms_per_run``: the time one run's keyed random numbers take, replayed alone (the
  same events, years and slots as a baseline run; best of 5): the part of a run that is drawing;
* ``forecast_50_seconds``: ``ecosim.forecast(baseline, replications=50)`` after a warm-up (median of
  3), the interactive what-if;
* ``first_run_seconds``: a fresh process's import, set-up and first baseline run (what ``ecosim run``
  costs before its replications).

With ``--events`` it prints the CPU time of the set-up and of each event of the year (the methods
:meth:`ecosim.model.EcosystemModel.step` calls, in its order), ms per calibrated baseline run, and
adds them to the JSON line as ``cpu_ms_per_event``.

    python benchmarks/run_speed.py [--runs 50] [--events]
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time

import mesa
import numpy as np
from scipy.special import ndtri

import ecosim
import ecosim.model.model as model_module
from ecosim.model import EcosystemModel, resolve
from ecosim.model.draws import KeyedDraws
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


class RecordingDraws(KeyedDraws):
    """Keyed draws that record every call (method, arguments) before making it."""

    calls: list = []

    def uniform(self, event, t, slots):
        self.calls.append(("uniform", (event, t, np.asarray(slots).copy())))
        return super().uniform(event, t, slots)

    def uniform_all(self, event, t, size):
        self.calls.append(("uniform_all", (event, t, size)))
        return super().uniform_all(event, t, size)

    def normal(self, event, t, slots):
        self.calls.append(("normal", (event, t, np.asarray(slots).copy())))
        return ndtri(KeyedDraws.uniform(self, event, t, slots))


def recorded_draws(inputs, seed: int = 0) -> list:
    """Every keyed draw of one run (method, arguments), in order, set-up draws excepted."""
    original = model_module.random_streams

    def recording(seed, years):
        setup, fields, draws = original(seed, years)
        recorder = RecordingDraws.__new__(RecordingDraws)
        recorder.__dict__.update(draws.__dict__)
        return setup, fields, recorder

    RecordingDraws.calls = []
    model_module.random_streams = recording
    try:
        EcosystemModel(inputs, seed).run()
    finally:
        model_module.random_streams = original
    return RecordingDraws.calls


def random_draws_ms(inputs, repeats: int = 5) -> float:
    """Best-of-``repeats`` time of replaying one run's keyed draws (ms): what the random numbers
    cost a run, with the model's work taken away."""
    calls = recorded_draws(inputs)
    draws = model_module.random_streams(1, inputs.years.size)[2]
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for method, args in calls:
            getattr(draws, method)(*args)
        best = min(best, time.perf_counter() - start)
    return 1000.0 * best


def forecast_seconds(replications: int = 50, repeats: int = 3) -> float:
    """Median wall time of ``ecosim.forecast(baseline, replications)`` after one warm-up (seconds)."""
    scenario = load_scenario("baseline")
    ecosim.forecast(scenario, replications, progress=False)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        ecosim.forecast(scenario, replications, progress=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


FIRST_RUN = ("import time; start = time.perf_counter(); "
             "from ecosim.model import simulate; from ecosim.scenario import load_scenario; "
             "simulate(load_scenario('baseline')); print(time.perf_counter() - start)")


def first_run_seconds() -> float:
    """A fresh process's import, set-up and first baseline run (seconds)."""
    out = subprocess.run([sys.executable, "-c", FIRST_RUN], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


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


def event_names() -> list[str]:
    """The events of a year in the order :meth:`EcosystemModel.step` calls them: its ``self.<event>()``
    calls (``government.step`` for an agent's own step)."""
    return re.findall(r"self\.([\w.]+)\(\)", inspect.getsource(EcosystemModel.step))


def event_cpu_ms(inputs, runs: int = 10) -> dict[str, float]:
    """CPU time of the set-up, of each event of the year and of the yearly table (``results``), ms per
    run (mean over ``runs`` runs after a warm-up): each event's method timed where the model calls it."""
    names = [*event_names(), "results"]
    totals = dict.fromkeys(["set-up", *names], 0.0)
    probe = EcosystemModel(inputs, 0)
    probe.release()
    patched = []
    for name in names:
        *path, attr = name.split(".")
        owner = type(probe) if not path else type(getattr(probe, path[0]))
        original = owner.__dict__[attr]

        def timed(*args, _original=original, _name=name, **kwargs):
            start = time.process_time()
            try:
                return _original(*args, **kwargs)
            finally:
                totals[_name] += time.process_time() - start
        setattr(owner, attr, timed)
        patched.append((owner, attr, original))
    try:
        EcosystemModel(inputs, 1).run()
        for name in totals:
            totals[name] = 0.0
        for seed in range(runs):
            start = time.process_time()
            model = EcosystemModel(inputs, 2000 + seed)
            totals["set-up"] += time.process_time() - start
            model.run()
    finally:
        for owner, attr, original in patched:
            setattr(owner, attr, original)
    return {name: round(1000.0 * total / runs, 2) for name, total in totals.items()}


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
    parser.add_argument("--events", action="store_true", help="also time the set-up and each event of the year")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    scenario = load_scenario("baseline")
    baseline = resolve(scenario)
    catalogue = scenario.region.catalogue()  # the region's own ranges ([place] in its bundle)
    smallest = resolve(scenario, {"n_above_scale_firms": catalogue["n_above_scale_firms"].low,
                                  "n_tech_smes": catalogue["n_tech_smes"].low})
    result = figures(baseline, time_runs(baseline, args.runs, args.warmup))
    minimum = figures(smallest, time_runs(smallest, args.runs, args.warmup))
    model = EcosystemModel(baseline, 0)
    print(f"baseline (calibrated population): {result['enterprises']} enterprises, {result['ms_per_run_median']} ms/run; "
          f"smallest full-scale population: {minimum['enterprises']} enterprises, {minimum['ms_per_run_median']} ms/run; "
          f"{len(model.institutions.agents)} institutions, {len(model.agents)} Mesa agents")
    trivial = mesa_trivial_ns_per_agent_step()
    ratio = trivial / result["ns_per_enterprise_year"]
    print(f"trivial Mesa agent: {trivial:.0f} ns per agent-step, {ratio:.2f} times an enterprise-year")
    draws = random_draws_ms(baseline)
    print(f"one run's random numbers alone: {draws:.1f} ms")
    what_if = forecast_seconds()
    print(f"ecosim.forecast(baseline, 50): {what_if:.2f} s")
    first = first_run_seconds()
    print(f"first run in a fresh process: {first:.1f} s")
    events = event_cpu_ms(baseline) if args.events else {}
    for name, ms in events.items():
        print(f"  {name:32s} {ms:7.2f} ms CPU per run")
    print(json.dumps({"benchmark": "run_speed", **result, "runs": args.runs, "minimum_full_scale": minimum,
                      "mesa_trivial_ns_per_agent_step": round(trivial, 1),
                      "mesa_trivial_over_enterprise_year": round(ratio, 2),
                      "random_draws_ms_per_run": round(draws, 2), "forecast_50_seconds": round(what_if, 3),
                      "first_run_seconds": round(first, 2), **({"cpu_ms_per_event": events} if events else {}),
                      "target_ms_per_run": 20, "stretch_ms_per_run": 10, "target_forecast_50_seconds": 1.0,
                      "python": platform.python_version()}))


if __name__ == "__main__":
    main()
