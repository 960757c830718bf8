"""``ecosim levers``: the policy levers with unit, allowed range, 2020 value, cost kinds and rules."""

from __future__ import annotations

import argparse

from ecosim.levers import LEVERS, baseline_value


def register(sub) -> None:
    """Add the subcommand to the ``ecosim`` command's subparsers."""
    parser = sub.add_parser("levers", help="list the policy levers: unit, allowed range, 2020 value, cost rule")
    parser.set_defaults(command=handle)


def handle(_: argparse.Namespace) -> int:
    """Print the lever catalogue."""
    for lever in LEVERS.values():
        kinds = ", ".join(k.replace("_", " ") for k in lever.cost_kinds) or "none"
        print(f"{lever.name}\n  {lever.effect}\n  allowed: {lever.allowed}; 2020 value: "
              f"{baseline_value(lever.name):g}\n  source: {lever.text}\n  cost ({kinds}): {lever.cost_rule}")
        if lever.compliance_rule:
            print(f"  compliance cost: {lever.compliance_rule}")
    return 0
