"""The ``sensitivity`` subcommand: Sobol, Morris and delta indices of an experiment's factors.

``register(subparsers)`` adds it to the ``ecosim`` command; ``python -m ecosim.cli_sensitivity``
runs it alone (same arguments, without the word ``sensitivity``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ecosim.cli_args import positive_int
from ecosim.explore.experiment import ExperimentError
from ecosim.model import OUTPUT_COLUMNS
from ecosim.scenario import ScenarioError

EXIT_BAD_INPUT = 2
EXIT_NOT_CONVERGED = 0
"""Not converging is a warning, not a failure: the indices are written either way."""


def register(subparsers) -> argparse.ArgumentParser:
    """Add ``sensitivity EXPERIMENT.toml --out DIR [--method ...] [--workers N] [--dask [ADDRESS]]``."""
    parser = subparsers.add_parser(
        "sensitivity", help="global sensitivity indices (Sobol, Morris, delta) of an experiment's levers and "
                            "assumptions; runs go through the batch engine (parallel, resumable)")
    _arguments(parser)
    parser.set_defaults(command=handle)
    return parser


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("experiment", type=Path, help="experiment TOML file (see experiments/sobol-levers.toml)")
    parser.add_argument("--out", type=Path, required=True,
                        help="output folder: indices.csv, sensitivity.json, charts/, batch-<method>/")
    parser.add_argument("--method", choices=("sobol", "morris", "delta", "all"), default="sobol",
                        help="sensitivity method (default: sobol)")
    parser.add_argument("--workers", type=positive_int, help="worker processes (default: the number of CPUs; "
                                                          "1 runs in this process)")
    parser.add_argument("--dask", nargs="?", const="local", default=None, metavar="ADDRESS",
                        help="run on Dask: a LocalCluster of --workers processes, or the scheduler at ADDRESS")
    parser.add_argument("--yearly", action="append", default=[], metavar="COLUMN",
                        help="also analyse this yearly column year by year (repeatable), e.g. rd_intensity")
    parser.add_argument("--restart", action="store_true", help="discard the batch results in --out first")
    parser.add_argument("--no-charts", action="store_true", help="do not draw the charts")


def handle(args: argparse.Namespace) -> int:
    """Run the analysis and print the top factors; exit 2 on bad input."""
    from ecosim.analysis.sensitivity import sensitivity

    for column in args.yearly:
        if column == "year" or column not in OUTPUT_COLUMNS:
            print(f"ecosim: error: --yearly: unknown column {column!r}; known columns are "
                  f"{', '.join(c for c in OUTPUT_COLUMNS if c != 'year')}", file=sys.stderr)
            return EXIT_BAD_INPUT
    dask = True if args.dask == "local" else args.dask
    try:
        table = sensitivity(args.experiment, args.out, args.method, args.workers, dask, yearly=args.yearly,
                            restart=args.restart, charts=not args.no_charts)
    except (ExperimentError, ScenarioError) as error:
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ecosim sensitivity", description=__doc__.splitlines()[0])
    _arguments(parser)
    return handle(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
