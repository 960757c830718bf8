"""``ecosim assumptions``: the model's assumptions with unit, default, range and reason."""

from __future__ import annotations

import argparse

from ecosim.assumptions import ASSUMPTIONS


def register(sub) -> None:
    """Add the subcommand to the ``ecosim`` command's subparsers."""
    parser = sub.add_parser("assumptions", help="list the assumptions: unit, default, range, reason")
    parser.set_defaults(command=handle)


def handle(_: argparse.Namespace) -> int:
    """Print the assumption catalogue."""
    for a in ASSUMPTIONS.values():
        print(f"{a.name} = {a.default:g} ({a.unit}); range {a.low:g} to {a.high:g}  [{a.group}]\n  {a.reason}")
    return 0
