"""``ecosim report``: a short brief from run folders, as HTML and as a PDF typeset from it on A4."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub) -> None:
    """Add the subcommand to the ``ecosim`` command's subparsers."""
    rep = sub.add_parser("report", help="a short brief from run folders, as HTML and as an A4 PDF (one page for "
                                        "one run, a table of scenarios for several): question, answer with its "
                                        "interval, fan, comparison, cost, caveats, provenance",
                         epilog="example: ecosim report out/baseline out/go --lang zh --out out/brief",
                         formatter_class=argparse.RawDescriptionHelpFormatter)
    rep.add_argument("results", nargs="+", type=Path, metavar="RUN_DIR",
                     help="folders written by 'ecosim run'; the first is the reference")
    rep.add_argument("--lang", choices=("en", "zh"), default="en", help="language (default: en)")
    rep.add_argument("--out", type=Path, help="output path without extension (default: FIRST_RUN_DIR/report[-zh])")
    rep.add_argument("--region", metavar="DIR|NAME",
                     help="the region bundle of the runs, when the folder a run names has moved (default: the "
                          "region each run folder's scenario.toml names)")
    rep.add_argument("--allow-unpaired", action="store_true",
                     help="compare runs with different seeds or replication counts (intervals then unpaired)")
    rep.set_defaults(command=handle)


def handle(args: argparse.Namespace) -> int:
    """Write the brief from the run folders and print the files."""
    from ecosim.outputs.report import write_report

    paths = write_report(args.results, args.lang, args.out, args.allow_unpaired, region=args.region)
    print("wrote " + ", ".join(str(p) for p in paths))
    return 0
