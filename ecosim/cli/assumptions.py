"""``ecosim assumptions``: the model's assumptions with unit, default, range and reason, for a region
(the place's own values from its bundle, calibrated values from its calibration)."""

from __future__ import annotations

import argparse

from ecosim.cli.args import add_region
from ecosim.data import load_region


def register(sub) -> None:
    """Add the subcommand to the ``ecosim`` command's subparsers."""
    parser = sub.add_parser("assumptions", help="list the assumptions: unit, default, range, reason")
    add_region(parser)
    parser.set_defaults(command=handle)


def handle(args: argparse.Namespace) -> int:
    """Print the assumption catalogue as the region sees it."""
    region = load_region(getattr(args, "region", None))
    defaults = region.defaults()
    for a in region.catalogue().values():
        note = "  (calibrated)" if a.name in region.calibrated else ""
        print(f"{a.name} = {defaults[a.name]:g} ({a.unit}); range {a.low:g} to {a.high:g}  [{a.group}]{note}\n"
              f"  {a.reason}")
    return 0
