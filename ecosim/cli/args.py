"""Argument types shared by the subcommands: clear messages for bad numbers."""

from __future__ import annotations

import argparse
from pathlib import Path

EXIT_BAD_INPUT = 2
"""Bad input (a malformed file, field or argument): the error names it, nothing is written."""
EXIT_INTERRUPTED = 130
"""Ctrl-C (SIGINT), or SIGTERM for a batch: stopped cleanly; 128 + SIGINT, as shells report it."""


def non_negative_int(text: str) -> int:
    """A whole number of at least 0."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative, got {text!r}")
    return value


def positive_int(text: str) -> int:
    """A whole number of at least 1."""
    value = non_negative_int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, got {text!r}")
    return value


def lang_suffix(lang: str) -> str:
    """The file-name suffix of a chart language: none for English, ``-zh`` for Chinese."""
    return "" if lang == "en" else f"-{lang}"


def add_lang(parser: argparse.ArgumentParser, what: str = "chart language") -> None:
    """The ``--lang en|zh`` argument."""
    parser.add_argument("--lang", choices=("en", "zh"), default="en",
                        help=f"{what} (default: en; Chinese files end in -zh)")


def add_dask(parser: argparse.ArgumentParser) -> None:
    """The ``--dask [ADDRESS]`` argument of every command that runs on the executors of batches:
    ``"local"`` alone (a LocalCluster of ``--workers`` processes), else the scheduler's address."""
    parser.add_argument("--dask", nargs="?", const="local", default=None, metavar="ADDRESS",
                        help="run on Dask: a LocalCluster of --workers processes, or the scheduler at ADDRESS "
                             "(tcp://HOST:PORT)")


def add_region(parser: argparse.ArgumentParser) -> None:
    """The ``--region DIR|NAME`` argument of every command that runs the model."""
    parser.add_argument("--region", metavar="DIR|NAME",
                        help="region bundle: a built-in name (e.g. the default) or a bundle folder made with "
                             "'ecosim data init'; replaces the region the scenario names")


def common(parser: argparse.ArgumentParser, out_help: str) -> None:
    """The arguments of the subcommands that run scenarios: region, replications, seed, --set, --out, --force,
    --workers and --dask."""
    add_region(parser)
    parser.add_argument("--replications", type=positive_int,
                        help="replications per scenario (default: the (first) scenario's own, e.g. 200)")
    parser.add_argument("--seed", type=non_negative_int,
                        help="root seed; the same seed gives the same numbers (default: the (first) scenario's)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="changes",
                        help="change a field without editing a file, e.g. --set levers.rd_reward_rate=0.08 or "
                             "--set 'levers.platforms={2021=60, 2023=80}' (TOML values; repeat for several)")
    parser.add_argument("--out", type=Path, help=out_help)
    parser.add_argument("--force", action="store_true", help="replace the results already in the output folder")
    parser.add_argument("--workers", type=positive_int, default=1,
                        help="worker processes for the replications (default: 1, this process); the numbers do "
                             "not depend on it")
    add_dask(parser)
