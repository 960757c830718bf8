"""``ecosim levers``: the policy levers with unit, allowed range, value in the region's last recorded
year, cost kinds and rules."""

from __future__ import annotations

import argparse

from ecosim.cli.args import add_region
from ecosim.data import load_region
from ecosim.levers import LEVERS


def register(sub) -> None:
    """Add the subcommand to the ``ecosim`` command's subparsers."""
    parser = sub.add_parser("levers", help="list the policy levers: unit, allowed range, value in the region's "
                                           "last recorded year, cost rule")
    add_region(parser)
    parser.set_defaults(command=handle)


def handle(args: argparse.Namespace) -> int:
    """Print the lever catalogue with the region's recorded values."""
    region = load_region(getattr(args, "region", None))
    year = region.last_year
    for lever in LEVERS.values():
        kinds = ", ".join(k.replace("_", " ") for k in lever.cost_kinds) or "none"
        print(f"{lever.name}\n  {lever.effect}\n  allowed: {lever.allowed}; {year} value ({region.name()}): "
              f"{region.lever_value(lever.name, year):g}\n  source: {lever.text}\n  cost ({kinds}): {lever.cost_rule}")
        if lever.compliance_rule:
            print(f"  compliance cost: {lever.compliance_rule}")
    return 0
