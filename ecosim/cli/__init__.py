"""The command line: one module per subcommand (``ecosim.cli.run``, ``ecosim.cli.compare``, ...),
each thin: parse, call the API, print. Each module has ``register(subparsers)``; the modules are
imported when the parser is built, so ``python -m ecosim.cli.batch`` loads only what it needs."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import warnings

from ecosim.version import __version__
from ecosim.charts.fonts import CJKFontMissing
from ecosim.cli.args import EXIT_BAD_INPUT, EXIT_INTERRUPTED
from ecosim.scenario import ScenarioError

SUBCOMMANDS = ("run", "compare", "contribution", "report", "batch", "sensitivity", "calibrate", "backtest", "plot",
               "discover", "optimize", "levers", "assumptions", "data", "app")
"""The subcommands, in the order of the help, each the module ``ecosim.cli.<name>``."""

EXAMPLES = """examples:
  ecosim run                                        baseline, its 200 replications, into out/baseline
  ecosim run guiding-opinions --out out/go          the same seed and replications: paired with it
  ecosim run baseline --set levers.rd_reward_rate=0.08 --set levers.platforms=80 --out out/reward
  ecosim compare baseline guiding-opinions --replications 200 --out out/cmp
  ecosim contribution guiding-opinions --replications 50 --out out/contrib
  ecosim plot out/go --kind fan --lang zh
  ecosim report out/baseline out/go --lang zh
"""
EXIT_CLOSED_PIPE = 141
"""The reader of the output went away (``ecosim levers | head``): 128 + SIGPIPE, as shells report it."""


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``ecosim`` command."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "command"):
        parser.print_help()
        return EXIT_BAD_INPUT
    warnings.formatwarning = _note
    try:
        return args.command(args)
    except KeyboardInterrupt:
        print("ecosim: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        _discard_stdout()
        return EXIT_CLOSED_PIPE
    except (ScenarioError, ValueError, KeyError, OSError, CJKFontMissing) as error:
        message = error.args[0] if isinstance(error, KeyError) and error.args else error
        print(f"ecosim: error: {message}", file=sys.stderr)
        return EXIT_BAD_INPUT


def _note(message, category, filename, lineno, line=None) -> str:
    """A warning printed as ``ecosim: note: ...`` (no source line: users did not write that code)."""
    return f"ecosim: note: {message}\n"


def _discard_stdout() -> None:
    """Point stdout at /dev/null, so flushing it at exit does not raise a second BrokenPipeError."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ecosim", epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Simulate a regional innovation ecosystem: does a policy mix reach the R&D-intensity target?")
    parser.add_argument("--version", action="version", version=f"ecosim {__version__}")
    sub = parser.add_subparsers()
    for name in SUBCOMMANDS:
        importlib.import_module(f"ecosim.cli.{name}").register(sub)
    return parser


