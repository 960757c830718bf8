"""The ``ecosim plot`` subcommand: charts from the folders written by ``ecosim run``.

Kinds: ``fan`` (one run folder), ``compare`` and ``cost`` (several run folders, or one folder
holding run folders; the first is the reference), ``contribution`` (runs the scenario again with
each lever switched back to its base-year value, ``--replications`` each, default 20). The scenario, seed and
provenance are read from the folder's ``scenario.toml`` and ``manifest.json``, never rebuilt by name.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import matplotlib

from ecosim.analysis.forecast import Forecast
from ecosim.cli.args import EXIT_BAD_INPUT, positive_int

KINDS = ("fan", "compare", "cost", "contribution")


def register(subparsers) -> argparse.ArgumentParser:
    """Add the ``plot`` subcommand to the ``ecosim`` command's subparsers."""
    plot = subparsers.add_parser(
        "plot", help="draw a chart from the output of 'ecosim run': fan, compare, cost or contribution")
    plot.add_argument("results", nargs="+", type=Path, metavar="RESULTS_DIR",
                      help="folder written by 'ecosim run' (years.csv, summary.json); for compare and cost, "
                           "several folders or one folder of run folders (the first is the reference)")
    plot.add_argument("--kind", choices=KINDS, default="fan", help="chart kind (default: fan)")
    plot.add_argument("--lang", choices=("en", "zh"), default="en", help="label language (default: en)")
    plot.add_argument("--format", choices=("png", "pdf", "svg"), action="append", dest="formats",
                      help="file format; repeat for several (default: png, pdf and svg; PDF and SVG keep text editable)")
    plot.add_argument("--out", type=Path,
                      help="output path without extension (default: RESULTS_DIR/<kind>[-zh])")
    plot.add_argument("--replications", type=positive_int, default=20,
                      help="replications per run for --kind contribution (default: 20)")
    plot.add_argument("--allow-unpaired", action="store_true",
                      help="for compare and cost: accept runs with different seeds or replication counts "
                           "(the chart is stamped NOT PAIRED and the intervals are unpaired)")
    plot.epilog = "example: ecosim plot out/baseline out/go --kind compare --lang zh --format pdf"
    plot.set_defaults(command=run_plot)
    return plot


def load_run(folder: Path) -> Forecast:
    """A Forecast rebuilt from a run folder (see :func:`ecosim.outputs.run_folder.read_run`)."""
    from ecosim.outputs.run_folder import read_run

    return read_run(folder)


def run_folders(paths: list[Path]) -> list[Path]:
    """The run folders named, expanding a folder of run folders into its sub-folders (baseline first)."""
    folders: list[Path] = []
    for path in paths:
        if (path / "years.csv").exists():
            folders.append(path)
        elif path.is_dir():
            # sorted by name, a run folder named "baseline" first (the reference)
            inner = sorted((p for p in path.iterdir() if (p / "years.csv").exists()),
                           key=lambda p: (p.name != "baseline", p.name))
            if not inner:
                raise FileNotFoundError(f"{path}: neither a run folder nor a folder of run folders")
            folders.extend(inner)
        else:
            raise FileNotFoundError(f"{path}: no such folder")
    return folders


def load_comparison(folders: list[Path], allow_unpaired: bool = False):
    """A Comparison of run folders (the first is the reference); refused when the runs do not share
    random numbers unless ``allow_unpaired`` (then a warning is printed)."""
    from ecosim.outputs.run_folder import read_comparison

    comparison = read_comparison(folders, allow_unpaired)
    if not comparison.paired:
        print(f"ecosim: WARNING: the runs do not share random numbers ({comparison.pairing_problem()}); "
              "differences and their intervals are unpaired", file=sys.stderr)
    return comparison


def make_figure(kind: str, folders: list[Path], lang: str = "en", replications: int = 20,
                allow_unpaired: bool = False):
    """The Figure of a chart kind for the given run folders."""
    from ecosim.api.contribution import contribution

    if kind in ("compare", "cost"):
        return load_comparison(folders, allow_unpaired).plot(lang, kind)
    runs = [load_run(f) for f in folders]
    if kind == "fan":
        if len(runs) != 1:
            raise ValueError("--kind fan takes one run folder")
        return runs[0].plot(lang)
    if kind == "contribution":
        if len(runs) != 1:
            raise ValueError("--kind contribution takes one run folder")
        return contribution(runs[0].scenario, replications, runs[0].seed).plot(lang)
    raise ValueError(f"unknown kind {kind!r}; kinds are {', '.join(KINDS)}")


def run_plot(args: argparse.Namespace) -> int:
    """Draw and save the chart; print the files written."""
    from ecosim.charts import CJKFontMissing, save

    matplotlib.use("Agg")
    try:
        folders = run_folders(args.results)
        fig = make_figure(args.kind, folders, args.lang, args.replications, args.allow_unpaired)
    except (FileNotFoundError, ValueError, CJKFontMissing) as error:
        print(f"ecosim plot: error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    suffix = "" if args.lang == "en" else f"-{args.lang}"
    if args.out:
        out = args.out
    elif args.kind in ("compare", "cost") and len(folders) > 1:
        out = folders[0].parent / f"{args.kind}{suffix}"
    else:
        out = folders[0] / f"{args.kind}{suffix}"
    paths = save(fig, out, tuple(args.formats or ("png", "pdf", "svg")))
    import matplotlib.pyplot as plt

    plt.close(fig)
    print("wrote " + ", ".join(str(p) for p in paths))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run ``plot`` alone (``python -m ecosim.cli.plot RESULTS_DIR ...``)."""
    parser = argparse.ArgumentParser(prog="ecosim")
    sub = parser.add_subparsers()
    register(sub)
    args = parser.parse_args(["plot", *(sys.argv[1:] if argv is None else argv)])
    return args.command(args)


if __name__ == "__main__":
    sys.exit(main())
