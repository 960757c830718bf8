"""The ``batch`` subcommand: run an experiment's design points and replications into a folder.

``register(subparsers)`` adds it to the ``ecosim`` command; ``python -m ecosim.cli_batch`` runs it
alone (same arguments, without the word ``batch``).
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from ecosim.cli_args import positive_int
from ecosim.explore.batch import run_batch
from ecosim.explore.experiment import ExperimentError
from ecosim.explore.store import Store
from ecosim.scenario import ScenarioError

EXIT_BAD_INPUT = 2
EXIT_RUNS_FAILED = 1


def register(subparsers) -> argparse.ArgumentParser:
    """Add ``batch EXPERIMENT.toml --out DIR [--workers N] [--dask [ADDRESS]] [--restart]``."""
    parser = subparsers.add_parser(
        "batch", help="run an experiment (design points x replications) into a folder of Parquet files; "
                      "the same command resumes an interrupted batch")
    _arguments(parser)
    parser.set_defaults(command=handle)
    return parser


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("experiment", type=Path, help="experiment TOML file (see experiments/)")
    parser.add_argument("--out", type=Path, required=True,
                        help="output folder: runs-*.parquet, summaries-*.parquet, manifest.json, failures.jsonl")
    parser.add_argument("--workers", type=positive_int, help="worker processes (default: the number of CPUs; "
                                                          "1 runs in this process)")
    parser.add_argument("--dask", nargs="?", const="local", default=None, metavar="ADDRESS",
                        help="run on Dask: a LocalCluster of --workers processes, or the scheduler at ADDRESS "
                             "(tcp://HOST:PORT)")
    parser.add_argument("--restart", action="store_true",
                        help="discard the results already in --out and start again")


def handle(args: argparse.Namespace) -> int:
    """Run the batch and print a short summary; exit 2 on a bad experiment, 1 if any run failed."""
    try:
        report = run_batch(args.experiment, args.out, args.workers, args.dask, args.restart)
    except (ExperimentError, ScenarioError) as error:
        print(f"ecosim: error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    summaries = Store(report.out).read("summaries")
    lines = [f"Experiment '{report.experiment}': {report.total_runs} runs in {report.chunks} chunks "
             f"on {report.executor}"]
    if report.chunks_skipped:
        lines.append(f"  resumed: {report.chunks_skipped} chunks were already done")
    rate = f", {report.rate:.1f} runs/s" if math.isfinite(report.rate) else ""
    lines.append(f"  ran {report.runs_done_now} runs in {report.seconds:.1f} s{rate}")
    if len(summaries):
        lines.append(f"  P(target met in the target year) over all runs: {summaries['target_met'].mean():.0%}; "
                     f"median R&D intensity {summaries['rd_intensity'].median():.2f}% of GDP")
    lines.append(f"  results in {report.out} (read with ecosim.explore.batch.read_results)")
    if report.failed:
        lines.append(f"  {report.failed} of {report.total_runs} runs failed; see {report.out / 'failures.jsonl'}")
    else:
        lines.append("  no run failed")
    print("\n".join(lines))
    return EXIT_RUNS_FAILED if report.failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ecosim batch", description=__doc__.splitlines()[0])
    _arguments(parser)
    return handle(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
