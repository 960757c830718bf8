"""``ecosim app``: the what-if page in a browser (Solara, the ``app`` extra)."""

from __future__ import annotations

import argparse
from pathlib import Path

from ecosim.cli.args import add_region
from ecosim.data import load_region
from ecosim.scenario import ScenarioError

DEFAULT_HOST = "127.0.0.1"
"""The page serves this machine only unless told otherwise."""
DEFAULT_PORT = 8765


def register(sub) -> None:
    """Add the subcommand to the ``ecosim`` command's subparsers."""
    parser = sub.add_parser("app", help="the what-if page: move a lever, see the fan, the chance and the cost "
                                        "(in a browser)",
                            epilog="Open the address it prints in a browser; Ctrl-C stops the page. It needs the "
                                   "app extra: pip install -e '.[app]'",
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    add_region(parser)
    parser.add_argument("--host", default=DEFAULT_HOST,
                        help=f"address to listen on (default: {DEFAULT_HOST}, this machine only)")
    parser.add_argument("--port", type=port_number, default=DEFAULT_PORT,
                        help=f"port to listen on (default: {DEFAULT_PORT})")
    parser.set_defaults(command=handle)


def port_number(text: str) -> int:
    """A TCP port, 1 to 65535."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number from 1 to 65535, got {text!r}") from None
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be a whole number from 1 to 65535, got {text!r}")
    return value


def region_reference(region: str | None) -> str | None:
    """The ``--region`` checked now (a bad bundle exits 2 before the page starts), a folder made absolute."""
    if region is None:
        return None
    load_region(region)
    return str(Path(region).resolve()) if Path(region).is_dir() else region


def handle(args: argparse.Namespace) -> int:
    """Serve the page until Ctrl-C."""
    region = region_reference(args.region)
    try:
        from ecosim.app.server import serve
    except ImportError as error:
        raise ScenarioError("ecosim app", "(install)", f"the page needs Solara ({error}); install it with: "
                                                       "pip install -e '.[app]'") from None
    return serve(args.host, args.port, region)
