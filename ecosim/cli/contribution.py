"""``ecosim contribution``: each lever's contribution to the target-year intensity."""

from __future__ import annotations

import argparse
from pathlib import Path

from ecosim.analysis.names import check_levers
from ecosim.analysis.provenance import MANIFEST, SCENARIO_FILE, manifest, write_provenance
from ecosim.cli.args import common
from ecosim.cli.run import load_with_changes, prepare_out, write_table


def register(sub) -> None:
    """Add the subcommand to the ``ecosim`` command's subparsers."""
    con = sub.add_parser("contribution", help="each lever's contribution to the target-year intensity (CSV)",
                         epilog="example: ecosim contribution guiding-opinions --replications 50 --out out/contrib",
                         formatter_class=argparse.RawDescriptionHelpFormatter)
    con.add_argument("scenario", help="scenario TOML file or built-in name")
    con.add_argument("--levers", help="comma-separated levers to compute (default: every lever the scenario changes)")
    common(con, "output folder for contribution.csv, the scenario and the manifest "
                 "(default: out/<scenario name>-contribution)")
    con.set_defaults(command=handle)


def handle(args: argparse.Namespace) -> int:
    """Compute each lever's contribution, write contribution.csv and the provenance, print them."""
    from ecosim.analysis.contribution import contribution

    scenario = load_with_changes(args.scenario, args.changes, args.region)
    levers = check_levers([s.strip() for s in args.levers.split(",")], "--levers") if args.levers else None
    out = args.out or Path("out") / f"{scenario.name}-contribution"
    prepare_out(out, args.force, ("contribution.csv", "contribution-columns.csv", SCENARIO_FILE, MANIFEST))
    result = contribution(scenario, args.replications, args.seed, levers)
    out.mkdir(parents=True, exist_ok=True)
    written = write_table(result.table(), out, "contribution")
    written += write_provenance(out, scenario, manifest(scenario, result.seed, result.replications))
    shown = result.table()
    shown = shown[shown["changed"]] if levers is None else shown
    print(f"Contribution to the median {scenario.target.year} intensity of '{scenario.name}' "
          f"({result.replications} replications, root seed {result.seed}); drop in pp, 95% interval of the mean drop:")
    for lever, row in shown.sort_values("drop", ascending=False).iterrows():
        print(f"  {lever}: {row['drop']:+.3f} (mean {row['drop_mean']:+.3f}, {row['drop_low']:+.3f} to "
              f"{row['drop_high']:+.3f})")
    print(f"  all changed levers at once: {result.total:+.3f}; interactions {result.interaction:+.3f}")
    print("\nwrote " + ", ".join(str(p) for p in written))
    return 0
