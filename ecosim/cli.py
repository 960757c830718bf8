"""The command line: one subcommand per user task. Thin: parse, call the API, print."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import pandas as pd

from ecosim import cli_backtest, cli_batch, cli_calibrate, cli_design, cli_plot, cli_sensitivity
from ecosim.analysis.forecast import Forecast, forecast
from ecosim.assumptions import ASSUMPTIONS
from ecosim.cli_args import non_negative_int, positive_int
from ecosim.levers import LEVERS, baseline_value
from ecosim.model import OUTPUT_COLUMNS
from ecosim.scenario import ScenarioError, load_scenario

EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130
"""Ctrl-C: 128 + SIGINT, as shells report it."""
EXIT_CLOSED_PIPE = 141
"""The reader of the output went away (``ecosim levers | head``): 128 + SIGPIPE, as shells report it."""


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``ecosim`` command."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "command"):
        parser.print_help()
        return EXIT_BAD_INPUT
    try:
        return args.command(args)
    except KeyboardInterrupt:
        print("ecosim: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        _discard_stdout()
        return EXIT_CLOSED_PIPE
    except (ScenarioError, ValueError, KeyError, OSError) as error:
        message = error.args[0] if isinstance(error, KeyError) and error.args else error
        print(f"ecosim: error: {message}", file=sys.stderr)
        return EXIT_BAD_INPUT


def _discard_stdout() -> None:
    """Point stdout at /dev/null, so flushing it at exit does not raise a second BrokenPipeError."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ecosim",
        description="Simulate Shanxi's innovation ecosystem: does a policy mix reach the R&D-intensity target?")
    sub = parser.add_subparsers()
    run = sub.add_parser("run", help="forecast a scenario: P(target met), intensity bands, yearly table")
    run.add_argument("scenario", nargs="?", default="baseline",
                     help="scenario TOML file or built-in name (baseline, guiding-opinions, actual-2021-2024); "
                          "default: baseline")
    run.add_argument("--replications", type=positive_int, help="number of replications (default: the scenario's)")
    run.add_argument("--seed", type=non_negative_int, help="root seed (default: the scenario's)")
    run.add_argument("--out", type=Path, help="output folder (default: out/<scenario name>)")
    run.set_defaults(command=_run)
    for module in (cli_batch, cli_sensitivity, cli_calibrate, cli_backtest, cli_plot, cli_design):
        module.register(sub)
    levers = sub.add_parser("levers", help="list the policy levers: unit, allowed range, 2020 value, cost rule")
    levers.set_defaults(command=_levers)
    assumptions = sub.add_parser("assumptions", help="list the assumptions: unit, default, range, reason")
    assumptions.set_defaults(command=_assumptions)
    return parser


def _run(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario)
    result = forecast(scenario, args.replications, args.seed)
    out = args.out or Path("out") / scenario.name
    write_forecast(result, out)
    print(describe(result))
    print(f"\nwrote {out / 'years.csv'}, {out / 'summary.json'}, {out / 'columns.csv'}")
    return 0


def write_forecast(result: Forecast, out: Path) -> None:
    """Write the yearly table, the summary and the column dictionary of a forecast to ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    result.years.to_csv(out / "years.csv", index=False)
    (out / "summary.json").write_text(json.dumps(result.summary(), indent=2, ensure_ascii=False) + "\n")
    columns = pd.DataFrame([(name, unit, meaning) for name, (unit, meaning) in OUTPUT_COLUMNS.items()],
                           columns=["column", "unit", "meaning"])
    columns.to_csv(out / "columns.csv", index=False)


def describe(result: Forecast) -> str:
    """A short summary a person can read."""
    s = result.summary()
    target = "the national average" if s["target"] == "national_average" else f"{s['target']}% of GDP"
    shanxi, national = s["rd_intensity"], s["national_rd_intensity"]
    first = s["first_year_met"]
    return "\n".join([
        f"Scenario '{s['scenario']}': {s['replications']} replications, root seed {s['seed']}",
        f"Question: does Shanxi's R&D intensity reach {target} in {s['target_year']}?",
        f"  P(target met in {s['target_year']}) = {s['probability_target_met']:.0%}",
        f"  Shanxi R&D / GDP in {s['target_year']}: median {shanxi['q50']:.2f}% "
        f"(90% range {shanxi['q05']:.2f}-{shanxi['q95']:.2f}%)",
        f"  National R&D / GDP in {s['target_year']}: median {national['q50']:.2f}% "
        f"(90% range {national['q05']:.2f}-{national['q95']:.2f}%)",
        f"  First year met in at least half the replications: {first if first else 'none up to the horizon'}",
        f"  Government cost of the levers from {result.scenario.policy_start_year} on (median): "
        f"{s['government_cost_from_policy_start_median']:.1f} (100m yuan)",
    ])


def _levers(_: argparse.Namespace) -> int:
    for lever in LEVERS.values():
        print(f"{lever.name}\n  {lever.effect}\n  allowed: {lever.allowed}; 2020 value: "
              f"{baseline_value(lever.name):g}\n  source: {lever.text}\n  cost: {lever.cost_rule}")
    return 0


def _assumptions(_: argparse.Namespace) -> int:
    for a in ASSUMPTIONS.values():
        print(f"{a.name} = {a.default:g} ({a.unit}); range {a.low:g} to {a.high:g}  [{a.group}]\n  {a.reason}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
