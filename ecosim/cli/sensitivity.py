"""The ``sensitivity`` subcommand: Sobol, Morris and delta indices of an experiment's factors.

``register(subparsers)`` adds it to the ``ecosim`` command; ``python -m ecosim.cli.sensitivity``
runs it alone (same arguments, without the word ``sensitivity``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ecosim.explore.progress import duration
from ecosim.charts.fonts import CJKFontMissing, cjk_font
from ecosim.cli.args import EXIT_BAD_INPUT, add_dask, add_lang, add_region, positive_int
from ecosim.explore.experiment import ExperimentError, load_experiment
from ecosim.model import OUTPUT_COLUMNS
from ecosim.scenario import ScenarioError

EXIT_NOT_CONVERGED = 0
"""Not converging is a warning, not a failure: the indices are written either way."""


def register(subparsers) -> argparse.ArgumentParser:
    """Add ``sensitivity EXPERIMENT.toml --out DIR [--method ...] [--workers N] [--dask [ADDRESS]] [--force]``."""
    parser = subparsers.add_parser(
        "sensitivity", help="global sensitivity indices (Sobol, Morris, delta) of an experiment's levers and "
                            "assumptions; runs go through the batch engine (parallel, resumable)")
    _arguments(parser)
    parser.set_defaults(command=handle)
    return parser


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("experiment", type=Path, help="experiment TOML file (see experiments/sobol-levers.toml)")
    parser.add_argument("--out", type=Path, required=True,
                        help="output folder: manifest.json, indices.csv, sensitivity.json, charts/, batch-<method>/")
    parser.add_argument("--method", choices=("sobol", "morris", "delta", "all"),
                        help="sensitivity method (default: the experiment's design: sobol, morris, or delta "
                             "for an lhs design)")
    parser.add_argument("--dry-run", action="store_true",
                        help="print the number of runs and the expected time, run nothing, write nothing")
    add_lang(parser)
    parser.add_argument("--workers", type=positive_int, help="worker processes (default: the number of CPUs; "
                                                          "1 runs in this process)")
    add_dask(parser)
    parser.add_argument("--yearly", action="append", default=[], metavar="COLUMN",
                        help="also analyse this yearly column year by year (repeatable), e.g. rd_intensity")
    parser.add_argument("--force", action="store_true",
                        help="discard the results already in --out and start again (an --out of the same "
                             "inputs is resumed without it, adding this method's indices to those there; of "
                             "other inputs, refused)")
    parser.add_argument("--no-charts", action="store_true", help="do not draw the charts")
    parser.add_argument("--restart", dest="force", action="store_true", help=argparse.SUPPRESS)  # the old name
    add_region(parser)


def handle(args: argparse.Namespace) -> int:
    """Run the analysis and print the top factors; exit 2 on bad input."""
    from ecosim.api.sensitivity import sensitivity

    for column in args.yearly:
        if column == "year" or column not in OUTPUT_COLUMNS:
            print(f"ecosim: error: --yearly: unknown column {column!r}; known columns are "
                  f"{', '.join(c for c in OUTPUT_COLUMNS if c != 'year')}", file=sys.stderr)
            return EXIT_BAD_INPUT
    dask = True if args.dask == "local" else args.dask
    try:
        if args.region:
            args.experiment = load_experiment(args.experiment, args.region)
        if args.dry_run:
            return dry_run(args)
        if args.lang != "en" and not args.no_charts:
            cjk_font()
        table = sensitivity(args.experiment, args.out, args.method, args.workers, dask, yearly=args.yearly,
                            force=args.force, charts=not args.no_charts, lang=args.lang)
    except (ExperimentError, ScenarioError, CJKFontMissing) as error:
        print(f"ecosim: error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    summary = table.attrs["summary"]
    lines = [f"Experiment '{summary['experiment']}': {len(summary['factors'])} factors"]
    for method, info in summary["methods"].items():
        lines.append(f"{method}: {info['design_points']} design points x {info['replications']} replications "
                     f"= {info['runs']} runs" + (f" ({info['failed_runs']} failed)" if info["failed_runs"] else ""))
        for output, entry in info["outputs"].items():
            noise = entry.get("replication_noise_share")
            noise_text = f"; replication noise {noise:.0%} of run variance" if noise is not None else ""
            if entry.get("analysed"):
                verdict = entry["convergence"]
                mark = "converged" if verdict["converged"] else "NOT converged"
                lines.append(f"  {output}: top by {verdict['index']}: {', '.join(entry['top_factors'])} "
                             f"[{mark}]{noise_text}")
            else:
                lines.append(f"  {output}: not analysed ({entry.get('reason')}){noise_text}")
    lines.append(f"wrote {args.out / 'indices.csv'} and {args.out / 'sensitivity.json'}"
                 + ("" if args.no_charts else f" and charts in {args.out / 'charts'}"))
    print("\n".join(lines))
    for warning in summary["warnings"]:
        print(f"WARNING: {warning}", file=sys.stderr)
    return EXIT_NOT_CONVERGED


def dry_run(args: argparse.Namespace) -> int:
    """Print the runs each method needs and the expected time (one timed run x runs / workers)."""
    import os

    from ecosim.explore.sensitivity import plan, seconds_per_run

    runs = plan(args.experiment, args.method)
    total = sum(entry["runs"] for entry in runs.values())
    workers = args.workers or os.cpu_count() or 1
    seconds = seconds_per_run(args.experiment) * total / workers
    for method, entry in runs.items():
        shared = f" (the {entry['shared_with']} runs)" if "shared_with" in entry else ""
        print(f"{method}: {entry['design_points']} design points x {entry['replications']} replications = "
              f"{entry['runs']} runs{shared}")
    print(f"total: {total} runs; expected time about {duration(seconds)} on {workers} worker"
          f"{'s' if workers != 1 else ''} (from a timed run here; runs already in --out are skipped)")
    print("dry run: nothing was run or written")
    return 0




def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ecosim sensitivity", description=__doc__.splitlines()[0])
    _arguments(parser)
    return handle(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
