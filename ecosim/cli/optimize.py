"""``ecosim optimize``: the least-cost lever mix with P(target met) at least P.

``--dry-run`` prints the runs the search makes and the time it is expected to take here (a few
runs are timed), and writes nothing. A search shows its plan and a progress bar naming the stage.
The output files are written to a hidden folder beside ``--out`` and moved into ``--out`` at the
end, so Ctrl-C (or SIGTERM) at any point leaves no half-written output: one line, exit code 130.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sys
import tempfile
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from ecosim.analysis.design import COSTS, DEFAULT_LEVERS, DesignResult  # noqa: E402
from ecosim.api.design import optimize, plan_search  # noqa: E402
from ecosim.explore.progress import process_age_seconds  # noqa: E402
from ecosim.charts.fonts import cjk_font  # noqa: E402
from ecosim.charts.style import save  # noqa: E402
from ecosim.cli.args import (EXIT_INTERRUPTED, add_dask, add_lang, add_region, lang_suffix,  # noqa: E402
                             non_negative_int)
from ecosim.explore.provenance import read_manifest  # noqa: E402
from ecosim.outputs.folders import claim_results, result_inputs, write_manifest  # noqa: E402
from ecosim.outputs.run_folder import scenario_input  # noqa: E402
from ecosim.scenario import Scenario, load_scenario  # noqa: E402

OUTPUT_RUN_YEARS = 100
"""Closing the workers and writing the output files (tables, the frontier chart in three formats)
take about as long as this many simulated run-years (measured on a shared 2-core machine: 0.7-1.0 s
against 8-14 ms a run-year, 2.2-3.4 s against 25-28 ms under heavy load)."""


class Interrupted(KeyboardInterrupt):
    """SIGTERM, turned into an exception so the workers are stopped and the partial output removed."""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``optimize`` subcommand."""
    o = subparsers.add_parser("optimize", help="least-cost lever mix with P(target met) >= P")
    o.add_argument("scenario", help="scenario TOML or built-in name")
    o.add_argument("--target-probability", type=float, required=True,
                   help="the smallest acceptable P(target met), e.g. 0.5")
    o.add_argument("--target-year", type=int,
                   help="judge the target in this year instead of the scenario's (e.g. 2030 when 2024 is out of "
                        "reach); it must lie inside the scenario's horizon")
    o.add_argument("--levers", help=f"comma-separated levers to set (default: {', '.join(DEFAULT_LEVERS)})")
    o.add_argument("--cost", choices=COSTS, default="social",
                   help="the cost minimised over the cost window (policy start to target year), mean over "
                        "replications: social = outlay + revenue forgone + compliance (default), government = "
                        "outlay + revenue forgone")
    o.add_argument("--keep-2020-floor", action=argparse.BooleanOptionalAction, default=True,
                   help="search each lever from its value in the base year up, never below it (default on; "
                        "--no-keep-2020-floor searches its whole allowed range)")
    o.add_argument("--budget", type=float, help="most cost allowed over the cost window (100m yuan, the --cost measure)")
    o.add_argument("--replications", type=int, help="replications per mix (default: SE of P at most 0.05)")
    o.add_argument("--maxiter", type=int, default=10, help="differential-evolution generations")
    o.add_argument("--workers", type=non_negative_int,
                   help="worker processes (default: the number of CPUs; 1 runs in this process)")
    add_dask(o)
    o.add_argument("--out", type=Path, default=Path("out/optimize"),
                   help="output folder (one of other inputs is refused unless --force)")
    o.add_argument("--force", action="store_true", help="replace the results already in --out")
    o.add_argument("--dry-run", action="store_true",
                   help="print the number of runs and the expected time, run nothing, write nothing")
    add_lang(o)
    add_region(o)
    o.set_defaults(command=handle)


def handle(args: argparse.Namespace) -> int:
    """Search the least-cost mix and report it, its cost by lever and year, and the frontier
    (or, with ``--dry-run``, print the plan only); Ctrl-C or SIGTERM ends it with one line."""
    startup = _own_startup_seconds()
    previous = signal.signal(signal.SIGTERM, _raise_interrupted)
    try:
        return _optimize(args, startup)
    except KeyboardInterrupt:
        print(f"ecosim: interrupted; nothing was written to {args.out} (run the same command again to "
              "search again)", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        signal.signal(signal.SIGTERM, previous)


def _raise_interrupted(signum, frame) -> None:
    raise Interrupted()


def _own_startup_seconds() -> float | None:
    """Wall seconds this process took to start (interpreter and imports) before the command began,
    when it was started to be the ``ecosim`` command; None when ``main`` was called from another
    program (a notebook, a test), whose age says nothing about a start-up."""
    from ecosim.cli import main

    if getattr(sys.modules.get("__main__"), "main", None) is not main:
        return None
    return process_age_seconds()


def _optimize(args: argparse.Namespace, startup: float | None) -> int:
    """Plan, then (unless ``--dry-run``) search, write the outputs and print the answer."""
    lang = getattr(args, "lang", "en")
    scenario = load_scenario(args.scenario, region=args.region)
    if getattr(args, "target_year", None) is not None:
        scenario = scenario.with_changes({"target.year": args.target_year}, name=f"{scenario.name}-{args.target_year}")
    levers = [s.strip() for s in args.levers.split(",")] if args.levers else None
    search = dict(levers=levers, budget=args.budget, replications=args.replications, workers=args.workers,
                  maxiter=args.maxiter, cost=args.cost, keep_2020_floor=args.keep_2020_floor, dask=args.dask)
    plan = plan_search(scenario, args.target_probability, **search, process_start_seconds=startup)
    plan = replace(plan, startup_seconds=startup or 0.0,
                   writing_seconds=OUTPUT_RUN_YEARS * plan.seconds_per_run / max(plan.run_years, 1))
    if args.dry_run:
        print("\n".join(plan.dry_run_lines()))
        print("dry run: nothing was run or written")
        return 0
    if lang != "en":
        cjk_font()
    inputs = search_inputs(scenario, args)
    claim_results(args.out, "optimize", inputs, args.force, OPTIMIZE_FILES)
    result = optimize(scenario, args.target_probability, **search, plan=plan)
    write_outputs(result, scenario, args, args.out, inputs)
    print_answer(result, scenario, args.target_probability)
    print(f"\nwrote {args.out}")
    return 0 if result.feasible else 1


OPTIMIZE_FILES = ("frontier.csv", "evaluations.csv", "cost_by_lever_and_year.csv", "optimize.json",
                  *(f"frontier{lang}.{ext}" for lang in ("", "-zh") for ext in ("png", "pdf", "svg")))
"""The files ``ecosim optimize`` writes into its folder."""


def search_inputs(scenario: Scenario, args: argparse.Namespace) -> dict:
    """What a search's results depend on: the scenario as run (its target year included) and every
    setting of the search (not the workers, which change no number, nor the charts' language)."""
    settings = {"scenario": scenario_input(scenario), "target probability": args.target_probability,
                "levers": args.levers, "cost": args.cost, "budget": args.budget,
                "keep 2020 floor": args.keep_2020_floor, "replications": args.replications,
                "maxiter": args.maxiter}
    return result_inputs(scenario.region, settings)


def write_outputs(result: DesignResult, scenario: Scenario, args: argparse.Namespace, out: Path,
                  inputs: dict) -> None:
    """Write the frontier, the evaluations, the cost by lever and year, the chart, ``optimize.json``
    and the manifest into ``out``: all of them, or (interrupted, or failing) none."""
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        _write(result, scenario, args, staging)
        listed = read_manifest(out).get("files", [])  # the other language's chart stays listed
        write_manifest(staging, "optimize", inputs, [*listed, *(p.name for p in staging.iterdir())])
        with _ctrl_c_deferred():
            out.mkdir(exist_ok=True)
            for path in staging.iterdir():
                os.replace(path, out / path.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


@contextmanager
def _ctrl_c_deferred():
    """Hold Ctrl-C until the block ends (the few renames that put the files in place), then raise it."""
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        raise KeyboardInterrupt


def _write(result: DesignResult, scenario: Scenario, args: argparse.Namespace, folder: Path) -> None:
    """The output files of a search, into ``folder``."""
    lang = getattr(args, "lang", "en")
    result.frontier().to_csv(folder / "frontier.csv", index=False)
    result.evaluations.to_csv(folder / "evaluations.csv", index=False)
    result.cost_by_lever.to_csv(folder / "cost_by_lever_and_year.csv")
    save(result.plot(lang, scenario=scenario.name), folder / f"frontier{lang_suffix(lang)}")
    mix = result.best or result.fallback
    report = {"scenario": scenario.name, "target_year": scenario.target.year,
              "target_probability": args.target_probability, "budget": args.budget, "feasible": result.feasible,
              "cost_measure": f"{result.cost}_cost_mean", "cost_window": result.window,
              "keep_2020_floor": args.keep_2020_floor, "bounds": result.bounds,
              "mix": mix, "search_probability": result.best_probability, "search_cost": result.best_cost,
              "fresh": result.fresh, "evaluations": int(len(result.evaluations)),
              "mixes_evaluated": result.mixes_evaluated, "runs": result.runs}
    (folder / "optimize.json").write_text(json.dumps(report, indent=2) + "\n")


def print_answer(result: DesignResult, scenario: Scenario, target_probability: float) -> None:
    """The chosen mix, its re-estimate with fresh seeds, and its cost by measure."""
    mix = result.best or result.fallback
    fresh = result.fresh
    if result.feasible:
        print(f"Least-cost mix reaching P(target met in {scenario.target.year}) >= {target_probability:g}:")
    else:
        print(f"No mix within the levers' ranges reached P >= {target_probability:g}; "
              f"best probability found {result.best_probability:.2f}, with:")
    for name, value in mix.items():
        print(f"  {name} = {value:.4g}")
    print(f"  re-estimated with fresh seeds: P = {fresh['probability']:.2f} (SE {fresh['standard_error']:.2f}, "
          f"{fresh['replications']} replications), {result.cost} cost {fresh['cost']:.1f} (100m yuan, mean)")
    print(f"  cost {result.window} (100m yuan, mean | median over replications): "
          + "; ".join(f"{m} {fresh[m + '_cost_mean']:.1f} | {fresh[m + '_cost_median']:.1f}"
                      for m in ("outlay", "revenue_forgone", "compliance", "government", "social")))
    if fresh["budget_binding_share"] > 0:
        print(f"  the S&T budget cuts this mix's outlays in {fresh['budget_binding_share']:.0%} of replications "
              f"(the levers above are what is asked; what is funded is in cost_by_lever_and_year.csv)")
