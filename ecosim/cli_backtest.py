"""The ``ecosim backtest`` subcommand: the model's forecast of 2021 on against actual outcomes.

Wire with ``register(subparsers)``; the handler returns 0, or 2 for bad input (a malformed
actuals file or scenario), printing the error naming the file.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ecosim.analysis.backtest import (
    CONDITIONS,
    DEFAULT_SCENARIO,
    ActualsError,
    backtest,
)
from ecosim.cli_args import non_negative_int, positive_int
from ecosim.scenario import ScenarioError

EXIT_BAD_INPUT = 2


def register(subparsers) -> argparse.ArgumentParser:
    """Add the ``backtest`` subcommand to an argparse subparsers object; returns its parser."""
    parser = subparsers.add_parser(
        "backtest", help="score the model's forecast against actual outcomes after 2020 (and against naive forecasts)")
    parser.add_argument("--actuals", type=Path, required=True,
                        help="CSV with the columns of history.csv (region, year, variable, value, unit, source) "
                             "for years after 2020")
    parser.add_argument("--scenario", default=DEFAULT_SCENARIO,
                        help=f"scenario TOML file or built-in name (default: {DEFAULT_SCENARIO})")
    parser.add_argument("--replications", type=positive_int, default=200, help="number of replications (default 200)")
    parser.add_argument("--seed", type=non_negative_int, help="root seed (default: the scenario's)")
    parser.add_argument("--condition-on", dest="condition_on", choices=CONDITIONS,
                        help="gdp: use the actual Shanxi GDP (and China's intensity) as the scenario's paths")
    parser.add_argument("--out", type=Path, default=Path("out") / "backtest",
                        help="output folder (default: out/backtest)")
    parser.add_argument("--no-charts", dest="charts", action="store_false", help="skip the charts")
    parser.set_defaults(command=run_backtest)
    return parser


def run_backtest(args: argparse.Namespace) -> int:
    """Handler of ``ecosim backtest``."""
    try:
        result = backtest(args.actuals, args.scenario, args.replications, args.condition_on, args.seed)
    except (ActualsError, ScenarioError) as error:
        print(f"ecosim backtest: error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    paths = result.write(args.out, charts=getattr(args, "charts", True))
    print(result.describe())
    print(f"\nwrote {', '.join(str(p) for p in paths[:2])} and {len(paths) - 2} chart files in {args.out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the subcommand alone: ``python -m ecosim.cli_backtest --actuals FILE.csv ...``."""
    parser = argparse.ArgumentParser(prog="ecosim")
    register(parser.add_subparsers())
    args = parser.parse_args(["backtest", *(sys.argv[1:] if argv is None else argv)])
    return args.command(args)


if __name__ == "__main__":
    sys.exit(main())
