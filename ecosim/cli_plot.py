"""The ``ecosim plot`` subcommand: charts from the folders written by ``ecosim run``.

Kinds: ``fan`` (one run folder), ``compare`` and ``cost`` (several run folders, or one folder
holding run folders; the first is the reference), ``contribution`` (runs the scenario again with
each lever switched back to 2020, ``--replications`` each, default 20).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import matplotlib
import pandas as pd

from ecosim.analysis.forecast import Forecast
from ecosim.cli_args import positive_int
from ecosim.scenario import BUILTIN_SCENARIOS, Scenario, Target, load_scenario

KINDS = ("fan", "compare", "cost", "contribution")
EXIT_BAD_INPUT = 2


def register(subparsers) -> argparse.ArgumentParser:
    """Add the ``plot`` subcommand to the ``ecosim`` command's subparsers."""
    plot = subparsers.add_parser(
        "plot", help="draw a chart from the output of 'ecosim run': fan, compare, cost or contribution")
    plot.add_argument("results", nargs="+", type=Path, metavar="RESULTS_DIR",
                      help="folder written by 'ecosim run' (years.csv, summary.json); for compare and cost, "
                           "several folders or one folder of run folders (the first is the reference)")
    plot.add_argument("--kind", choices=KINDS, default="fan", help="chart kind (default: fan)")
    plot.add_argument("--lang", choices=("en", "zh"), default="en", help="label language (default: en)")
    plot.add_argument("--format", choices=("png", "svg"), action="append", dest="formats",
                      help="file format; repeat for several (default: png and svg)")
    plot.add_argument("--out", type=Path,
                      help="output path without extension (default: RESULTS_DIR/<kind>[-zh])")
    plot.add_argument("--replications", type=positive_int, default=20,
                      help="replications per run for --kind contribution (default: 20)")
    plot.set_defaults(command=run_plot)
    return plot


def load_run(folder: Path) -> Forecast:
    """A Forecast rebuilt from a run folder (years.csv and summary.json).

    The scenario is read from ``scenario.toml`` in the folder if there is one, else the built-in
    scenario of that name, else rebuilt from the summary (name, target, seed).
    """
    years_csv, summary_json = folder / "years.csv", folder / "summary.json"
    if not years_csv.exists() or not summary_json.exists():
        raise FileNotFoundError(f"{folder}: not a run folder (needs years.csv and summary.json from 'ecosim run')")
    summary = json.loads(summary_json.read_text(encoding="utf-8"))
    years = pd.read_csv(years_csv)
    if (folder / "scenario.toml").exists():
        scenario = load_scenario(folder / "scenario.toml")
    elif summary.get("scenario") in BUILTIN_SCENARIOS:
        scenario = load_scenario(summary["scenario"])
    else:
        scenario = Scenario(name=summary.get("scenario", folder.name), base_year=int(years["year"].min()),
                            horizon=int(years["year"].max()), seed=int(summary.get("seed", 0)),
                            target=Target(int(summary["target_year"]), summary["target"]), source=str(folder))
    return Forecast(scenario, years, int(summary.get("seed", scenario.seed)))


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


def make_figure(kind: str, folders: list[Path], lang: str = "en", replications: int = 20):
    """The Figure of a chart kind for the given run folders."""
    from ecosim.analysis.compare import Comparison
    from ecosim.analysis.contribution import contribution

    runs = [load_run(f) for f in folders]
    if kind == "fan":
        if len(runs) != 1:
            raise ValueError("--kind fan takes one run folder")
        return runs[0].plot(lang)
    if kind in ("compare", "cost"):
        names = [r.scenario.name for r in runs]
        keys = names if len(set(names)) == len(names) else [f.name for f in folders]
        comparison = Comparison(dict(zip(keys, runs)), runs[0].seed)
        return comparison.plot(lang, kind)
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
        fig = make_figure(args.kind, folders, args.lang, args.replications)
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
    paths = save(fig, out, tuple(args.formats or ("png", "svg")))
    import matplotlib.pyplot as plt

    plt.close(fig)
    print("wrote " + ", ".join(str(p) for p in paths))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run ``plot`` alone (``python -m ecosim.cli_plot RESULTS_DIR ...``) until the main CLI registers it."""
    parser = argparse.ArgumentParser(prog="ecosim")
    sub = parser.add_subparsers()
    register(sub)
    args = parser.parse_args(["plot", *(sys.argv[1:] if argv is None else argv)])
    return args.command(args)


if __name__ == "__main__":
    sys.exit(main())
