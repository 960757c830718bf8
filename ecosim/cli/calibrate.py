"""`ecosim calibrate`: fit the behavioural assumptions to a region's record (ABC); ``--install`` writes
the estimates into the region's bundle, never into the package."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ecosim.api.calibration import calibrate, calibration_fit
from ecosim.charts.fonts import cjk_font
from ecosim.cli.args import add_dask, add_region, non_negative_int
from ecosim.errors import ScenarioError
from ecosim.explore.calibration import CalibrationConfig, config_scenario
from ecosim.outputs.calibration import (CALIBRATION_FILES_WRITTEN, calibration_inputs, draw_fit, install_calibration,
                                        write_calibration)
from ecosim.outputs.folders import claim_results, write_manifest


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``calibrate`` subcommand."""
    parser = subparsers.add_parser("calibrate", help="fit the behavioural assumptions to a region's record (ABC)")
    parser.add_argument("config", nargs="?", type=Path,
                        help="calibration config TOML (default: the built-in one, as experiments/calibration.toml)")
    parser.add_argument("--out", type=Path, default=Path("out/calibration"),
                        help="output folder (one of other inputs is refused unless --force)")
    parser.add_argument("--force", action="store_true", help="replace the results already in --out")
    parser.add_argument("--workers", type=non_negative_int, help="processes (default: the config's, 0 = all cores)")
    add_dask(parser)
    parser.add_argument("--install", action="store_true",
                        help="copy the parameter file and posterior into the region's bundle folder, so runs on it "
                             "load them by default (a built-in region is refused: copy it with 'ecosim data init')")
    add_region(parser)
    parser.add_argument("--lang", choices=("en", "zh"), default="en",
                        help="also draw the fit chart in this language (zh: fit-zh.png, .pdf, .svg)")
    parser.set_defaults(command=run)


def run(args: argparse.Namespace) -> int:
    """Run the calibration, write its outputs, print the estimates and the fit."""
    if getattr(args, "lang", "en") != "en":
        cjk_font()
    config = CalibrationConfig.load(args.config, region=args.region)
    region = config_scenario(config).region
    if args.install and region.builtin:
        raise ScenarioError("--install", "--region", f"the region {region.ref!r} is built into the package and is "
                            f"not overwritten; copy it with 'ecosim data init DIR --from {region.ref}' and calibrate "
                            "that folder with --region DIR --install")
    if args.workers is not None:
        config.workers = args.workers
    inputs = calibration_inputs(config, region)
    claim_results(args.out, "calibration", inputs, args.force, CALIBRATION_FILES_WRITTEN)
    interactive = sys.stderr.isatty()

    def progress(done: int, total: int) -> None:
        if interactive:
            print(f"\r{done}/{total} draws", end="", file=sys.stderr, flush=True)

    result = calibrate(config, progress, dask=args.dask)
    if interactive:
        print(file=sys.stderr)
    paths = write_calibration(result, args.out, calibration_fit(result))
    print(f"{len(result.draws)} draws x {config.replications} seeds in {result.runtime_seconds:.0f} s; "
          f"{int(result.draws['accepted'].sum())} accepted; best distance {result.posterior['distance'].iloc[0]:.3f}")
    print(result.uncertainty().round(4).to_string(index=False))
    if getattr(args, "lang", "en") != "en":
        paths["chart_" + args.lang] = draw_fit(args.out, args.lang, config)
    paths["manifest"] = write_manifest(args.out, "calibration", inputs,
                                       [n for n in CALIBRATION_FILES_WRITTEN if (args.out / n).exists()])
    print(f"\nwrote {', '.join(str(p) for p in paths.values())}")
    if args.install:
        dropped = sorted(set(region.calibrated) - set(result.estimates) - set(result.point)) \
            if region.has_own_calibration else []
        install_calibration(args.out, region)
        print(f"installed the estimates into the bundle {region.root}")
        if dropped:
            print(f"note: the bundle's previous calibration also set {', '.join(dropped)}; this one does not "
                  "estimate them, so they return to their place or catalogue defaults")
    return 0
