"""The ``ecosim backtest`` subcommand: the model's forecast against outcomes it did not see.

Two modes: ``--actuals FILE`` scores the forecast of the years after the region's record against a
file of outcomes; ``--origin YEAR`` recalibrates on the region's history up to YEAR only, forecasts
the years after it to the region's last recorded year under the recorded policy and scores it against
the bundle's record (rolling origin). ``--region DIR|NAME`` picks the bundle.
Wire with ``register(subparsers)``; the handler returns 0, or 2 for bad input (a malformed
actuals file or scenario, an origin out of range), printing the error naming the file or field.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ecosim.analysis.backtest import CONDITIONS
from ecosim.api.backtest import DEFAULT_SCENARIO, ORIGIN_SEED, backtest, check_origin, rolling_origin
from ecosim.charts.fonts import CJKFontMissing, cjk_font
from ecosim.cli.args import EXIT_BAD_INPUT, add_dask, add_region, non_negative_int, positive_int
from ecosim.data.actuals import ActualsError
from ecosim.explore.provenance import read_manifest
from ecosim.outputs.backtest import BACKTEST_FILES, actuals_inputs, origin_inputs, write_backtest, write_origin_backtest
from ecosim.outputs.calibration import calibration_inputs
from ecosim.outputs.folders import claim_results, write_manifest
from ecosim.scenario import ScenarioError, scenario_of


def register(subparsers) -> argparse.ArgumentParser:
    """Add the ``backtest`` subcommand to an argparse subparsers object; returns its parser."""
    parser = subparsers.add_parser(
        "backtest", help="score the model's forecast against outcomes it did not see (and against naive forecasts)")
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--origin", type=int, metavar="YEAR",
                      help="rolling origin: recalibrate on the region's record up to YEAR, forecast YEAR+1 to its "
                           "last recorded year, score against the record (YEAR from two years after the region's "
                           "first base year to the year before its last); e.g. --origin 2016")
    mode.add_argument("--actuals", type=Path,
                        help="CSV with the columns of history.csv (region, year, variable, value, unit, source) "
                             "for years after the region's last recorded year")
    parser.add_argument("--scenario", default=DEFAULT_SCENARIO,
                        help=f"scenario TOML file or built-in name (default: {DEFAULT_SCENARIO})")
    parser.add_argument("--replications", type=positive_int, default=200, help="number of replications (default 200)")
    parser.add_argument("--seed", type=non_negative_int, help="root seed (default: the scenario's)")
    parser.add_argument("--condition-on", dest="condition_on",
                        help="with --actuals: gdp (the region's actual GDP and the benchmark's intensity as the "
                             "paths); "
                             "with --origin: gdp, coal or gdp,coal (the recorded paths after the origin)")
    parser.add_argument("--calibration", type=Path,
                        help="with --origin: calibration config TOML (default: experiments/calibration.toml's "
                             "built-in equivalent)")
    parser.add_argument("--workers", type=non_negative_int,
                        help="with --origin: processes for the recalibration (default: the config's, 0 = all cores)")
    add_dask(parser)
    parser.add_argument("--out", type=Path, default=Path("out") / "backtest",
                        help="output folder (default: out/backtest; one of other inputs is refused unless --force)")
    parser.add_argument("--force", action="store_true", help="replace the results already in --out")
    parser.add_argument("--no-charts", dest="charts", action="store_false", help="skip the charts")
    parser.add_argument("--lang", choices=("en", "zh"), default="en",
                        help="chart language (default: en; Chinese chart files end in -zh)")
    add_region(parser)
    parser.set_defaults(command=run_backtest)
    return parser


def run_origin(args: argparse.Namespace) -> int:
    """``ecosim backtest --origin YEAR``: recalibrate up to YEAR, forecast to the last recorded year, score."""
    from ecosim.data import load_region
    from ecosim.explore.calibration import CalibrationConfig

    conditions = tuple(c.strip() for c in (args.condition_on or "").split(",") if c.strip())
    seed = ORIGIN_SEED if args.seed is None else args.seed
    try:  # everything checked, and the folder claimed, before the recalibration runs
        region = load_region(args.region)
        check_origin(region, args.origin, conditions)
        config = CalibrationConfig.load(args.calibration, region=args.region)
        if args.workers is not None:
            config.workers = args.workers
        inputs = origin_inputs(args.origin, calibration_inputs(config, region), scenario_of(args.scenario, region),
                               args.replications, seed, conditions)
        claim_results(args.out, "backtest-origin", inputs, args.force, BACKTEST_FILES)
    except ScenarioError as error:
        print(f"ecosim backtest: error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    [result] = rolling_origin(args.origin, config, (conditions,), args.scenario, args.replications, seed,
                              region=args.region, dask=args.dask)
    paths = write_origin_backtest(result, args.out)
    paths.append(write_manifest(args.out, "backtest-origin", inputs, paths))
    print(f"origin {args.origin}, conditioned on {', '.join(conditions) or 'nothing'}: "
          f"{args.replications} replications")
    for variable, v in result.scores().items():
        print(f"  {variable:32s} MAE model {v['mae_model']:.4g}, walk {v['mae_random_walk']:.4g}, trend "
              f"{v['mae_linear_trend']:.4g}; CRPS model {v['crps_model']:.4g}, walk {v['crps_random_walk']:.4g}, "
              f"walk with drift {v['crps_random_walk_drift']:.4g}; skill {v['skill_random_walk']:+.2f} / "
              f"{v['skill_random_walk_drift']:+.2f}; in 90%: {v['coverage_90']:.0%}")
    print("  skill: 1 - CRPS model / CRPS of the Gaussian random walk / with drift (above 0: the model is better)")
    print(f"wrote {', '.join(str(p) for p in paths)}")
    return 0


def run_backtest(args: argparse.Namespace) -> int:
    """Handler of ``ecosim backtest``."""
    if getattr(args, "origin", None) is not None:
        return run_origin(args)
    if args.condition_on not in (None, *CONDITIONS):
        print(f"ecosim backtest: error: --condition-on: with --actuals allowed is {', '.join(CONDITIONS)}, "
              f"got {args.condition_on!r}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        if args.charts and args.lang != "en":
            cjk_font()
        inputs = actuals_inputs(args.actuals, scenario_of(args.scenario, args.region), args.replications, args.seed,
                                args.condition_on)
        claim_results(args.out, "backtest", inputs, args.force, BACKTEST_FILES)
        result = backtest(args.actuals, args.scenario, args.replications, args.condition_on, args.seed,
                          region=args.region)
    except (ActualsError, ScenarioError, CJKFontMissing) as error:
        print(f"ecosim backtest: error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    paths = write_backtest(result, args.out, charts=getattr(args, "charts", True), lang=getattr(args, "lang", "en"))
    previous = read_manifest(args.out).get("files", [])  # charts of the other language stay listed
    paths.append(write_manifest(args.out, "backtest", inputs, [*previous, *paths]))
    print(result.describe())
    print(f"\nwrote {', '.join(str(p) for p in paths[:2])} and {len(paths) - 2} chart files in {args.out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the subcommand alone: ``python -m ecosim.cli.backtest --actuals FILE.csv ...``."""
    parser = argparse.ArgumentParser(prog="ecosim")
    register(parser.add_subparsers())
    args = parser.parse_args(["backtest", *(sys.argv[1:] if argv is None else argv)])
    return args.command(args)


if __name__ == "__main__":
    sys.exit(main())
