"""The ``batch`` subcommand: run an experiment's design points and replications into a folder.

``register(subparsers)`` adds it to the ``ecosim`` command; ``python -m ecosim.cli.batch`` runs it
alone (same arguments, without the word ``batch``).
"""

from __future__ import annotations

import argparse
import math
import signal
import sys
from pathlib import Path

from ecosim.cli.args import EXIT_BAD_INPUT, EXIT_INTERRUPTED, add_dask, add_region, positive_int
from ecosim.explore.batch import BatchReport, run_batch
from ecosim.explore.executors import WorkersUnavailable
from ecosim.explore.experiment import ExperimentError, load_experiment
from ecosim.explore.store import BatchFolderError, Store
from ecosim.scenario import ScenarioError

EXIT_OK = 0
EXIT_RUNS_FAILED = 1
"""Some runs raised (recorded in failures.jsonl); every other run is in the folder."""
EXIT_INFRASTRUCTURE = 3
"""Workers were lost (a chunk's worker died on the try and the retry): those runs are not in the folder."""


class Interrupted(KeyboardInterrupt):
    """SIGTERM, turned into an exception so the executor and the lock are released on the way out."""


def register(subparsers) -> argparse.ArgumentParser:
    """Add ``batch EXPERIMENT.toml --out DIR [--workers N] [--dask [ADDRESS]] [--force]``."""
    parser = subparsers.add_parser(
        "batch", help="run an experiment (design points x replications) into a folder of Parquet files; "
                      "the same command resumes an interrupted batch")
    _arguments(parser)
    parser.set_defaults(command=handle)
    return parser


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("experiment", type=Path, help="experiment TOML file (see experiments/)")
    parser.add_argument("--out", type=Path, required=True,
                        help="output folder: runs/, summaries/ (Parquet), chunks/, manifest.json, failures.jsonl")
    parser.add_argument("--workers", type=positive_int, help="worker processes (default: the number of CPUs; "
                                                          "1 runs in this process)")
    add_dask(parser)
    parser.add_argument("--force", action="store_true",
                        help="discard the results already in --out and start again (an --out of the same "
                             "inputs is resumed without it; of other inputs, refused)")
    parser.add_argument("--restart", dest="force", action="store_true", help=argparse.SUPPRESS)  # the old name
    add_region(parser)


def handle(args: argparse.Namespace) -> int:
    """Run the batch and print a short summary; the exit code says how it ended (see EXIT_*)."""
    previous = signal.signal(signal.SIGTERM, _raise_interrupted)
    try:
        experiment = load_experiment(args.experiment, args.region) if args.region else args.experiment
        report = run_batch(experiment, args.out, args.workers, args.dask, args.force)
    except (ExperimentError, ScenarioError, BatchFolderError) as error:
        print(f"ecosim: error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except WorkersUnavailable as error:
        print(f"ecosim: error: {error}; {_progress(args.out)}run the same command again to resume", file=sys.stderr)
        return EXIT_INFRASTRUCTURE
    except KeyboardInterrupt:
        print(f"ecosim: interrupted; {_progress(args.out)}run the same command again to resume", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        signal.signal(signal.SIGTERM, previous)
    print("\n".join(describe(report)))
    if report.lost:
        return EXIT_INFRASTRUCTURE
    return EXIT_RUNS_FAILED if report.failed else EXIT_OK


def _raise_interrupted(signum, frame) -> None:
    raise Interrupted()


def _progress(out: Path) -> str:
    """``N of M runs are done in OUT; `` from the folder, or nothing if it cannot be read."""
    try:
        manifest = Store(out).read_manifest()
    except (OSError, ValueError):
        return ""
    if not manifest or manifest.get("runs_completed") is None:
        return ""
    return f"{manifest['runs_completed']} of {manifest['total_runs']} runs are done in {out}; "


def describe(report: BatchReport) -> list[str]:
    """The closing lines of a batch: what ran, the answer over the completed runs, what failed."""
    summaries = Store(report.out).read("summaries")
    lines = [f"Experiment '{report.experiment}': {report.total_runs} runs in {report.chunks} chunks "
             f"on {report.executor}"]
    if report.chunks_skipped:
        lines.append(f"  resumed: {report.chunks_skipped} chunks were already done")
    rate = f", {report.rate:.1f} runs/s" if math.isfinite(report.rate) else ""
    lines.append(f"  ran {report.runs_done_now} runs in {report.seconds:.1f} s{rate}")
    lines.append(f"  completed {report.completed} of {report.total_runs} runs")
    if len(summaries):
        lines.append(f"  P(target met in the target year) over the {len(summaries)} completed of "
                     f"{report.total_runs} runs: {summaries['target_met'].mean():.0%}; "
                     f"median R&D intensity {summaries['rd_intensity'].median():.2f}% of GDP")
    lines.append(f"  results in {report.out}/runs and {report.out}/summaries "
                 "(read with ecosim.read_results or pandas.read_parquet)")
    if report.failed:
        lines.append(f"  {report.failed} of {report.total_runs} runs failed; see {report.out / 'failures.jsonl'}")
    else:
        lines.append("  no run failed")
    if report.lost:
        lines.append(f"  {report.lost} runs were lost with their worker processes (see failures.jsonl); "
                     "run the same command again to run them")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ecosim batch", description=__doc__.splitlines()[0])
    _arguments(parser)
    return handle(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
