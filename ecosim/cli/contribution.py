"""``ecosim contribution``: each lever's own contribution to the target-year intensity, the S&T budget
cap's effect apart, and the interactions, which add up to the mix's total effect."""

from __future__ import annotations

import argparse
from pathlib import Path

from ecosim.checks import check_levers
from ecosim.cli.args import common
from ecosim.cli.run import load_with_changes
from ecosim.outputs.run_folder import CONTRIBUTION_FILES, claim_out, folder_inputs, write_contribution


def register(sub) -> None:
    """Add the subcommand to the ``ecosim`` command's subparsers."""
    con = sub.add_parser("contribution", help="each lever's own contribution to the target-year intensity, the "
                                              "budget cap's effect and the interactions (CSV)",
                         epilog="example: ecosim contribution guiding-opinions --replications 50 --out out/contrib",
                         formatter_class=argparse.RawDescriptionHelpFormatter)
    con.add_argument("scenario", help="scenario TOML file or built-in name")
    con.add_argument("--levers", help="comma-separated levers to compute (default: every lever the scenario changes)")
    common(con, "output folder for contribution.csv, the scenario and the manifest "
                 "(default: out/<scenario name>-contribution)")
    con.set_defaults(command=handle)


def _interval(row) -> str:
    """``+0.052 (+0.048 to +0.056)``: the mean paired drop and its 95% interval, pp."""
    return f"{row['drop_mean']:+.3f} ({row['drop_low']:+.3f} to {row['drop_high']:+.3f})"


def summary_lines(result, only_changed: bool = True) -> list[str]:
    """The printed decomposition: one line per lever (only those the scenario changes, with
    ``only_changed``), the budget cap and the interactions with what each means, and the total as their sum."""
    table = result.table()
    scenario = result.scenario
    shown = result.lever_rows()
    shown = shown[shown["changed"].astype(bool)] if only_changed else shown
    lines = [f"Contribution to the {scenario.target.year} intensity of '{scenario.name}' ({result.replications} "
             f"replications, root seed {result.seed}): mean paired drop in pp (95% interval), median drop after ';'.",
             f"Each lever alone back at its {scenario.base_year} value, every outlay funded as scheduled "
             f"(its own effect):"]
    for lever, row in shown.sort_values("drop_mean", ascending=False).iterrows():
        lines.append(f"  {lever}: {_interval(row)}; median {row['drop']:+.3f}")
    budget, interactions, total = (table.loc[n] for n in ("budget_cap", "interactions", "total"))
    rest = "interactions" if result.complete else "other levers and interactions"
    lines += [f"  budget cap: {_interval(budget)}; median {budget['drop']:+.3f}",
              f"  {rest}: {_interval(interactions)}; median {interactions['drop']:+.3f}",
              f"  total, every changed lever at once: {_interval(total)}; median {total['drop']:+.3f}",
              f"  = levers {result.levers_sum:+.3f} + budget cap {result.budget_cap:+.3f} "
              f"+ {rest} {result.interaction:+.3f} (means add up in every replication)",
              "",
              f"Budget cap {result.budget_cap:+.3f} pp: the mix as written minus the same mix with every outlay "
              f"funded as scheduled. The S&T budget binds in {result.budget_binding_share:.0%} of replications; "
              f"in {scenario.target.year} the median replication funds {result.funded_share_median:.0%} of the "
              f"requested outlay increases. Switching an outlay lever back frees money for the others, so on "
              f"the mix as written a lever's drop would include that reallocation: it is counted here, not in "
              f"the levers' bars.",
              f"Interactions {result.interaction:+.3f} pp: effects of levers together that are not the sum of "
              f"their separate effects. Positive when levers overlap (switched back alone, the others make up "
              f"part of its effect); negative when they need each other (a fund's money and its leverage: each "
              f"one's drop contains their joint effect, so the sum counts it twice)."
              + ("" if result.complete else " Here it also holds the levers not computed.")]
    return lines


def handle(args: argparse.Namespace) -> int:
    """Compute the decomposition, write contribution.csv and the provenance, print them."""
    from ecosim.api.contribution import contribution

    scenario = load_with_changes(args.scenario, args.changes, args.region)
    levers = check_levers([s.strip() for s in args.levers.split(",")], "--levers") if args.levers else None
    out = args.out or Path("out") / f"{scenario.name}-contribution"
    seed = scenario.seed if args.seed is None else args.seed
    replications = scenario.replications if args.replications is None else args.replications
    inputs = folder_inputs([scenario], seed, replications, levers=levers)
    claim_out(out, "contribution", inputs, args.force, CONTRIBUTION_FILES)
    result = contribution(scenario, replications, seed, levers, workers=args.workers, dask=args.dask)
    written = write_contribution(result, out, inputs)
    print("\n".join(summary_lines(result, only_changed=levers is None)))
    print("\nwrote " + ", ".join(str(p) for p in written))
    return 0
