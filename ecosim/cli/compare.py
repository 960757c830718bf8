"""``ecosim compare``: policy mixes on common random numbers, paired differences with intervals."""

from __future__ import annotations

import argparse
from pathlib import Path

from ecosim.cli.args import common
from ecosim.cli.run import parse_changes
from ecosim.outputs.run_folder import COMPARE_FILES, claim_out, folder_inputs, write_comparison
from ecosim.scenario import scenario_of


def register(sub) -> None:
    """Add the subcommand to the ``ecosim`` command's subparsers."""
    cmp = sub.add_parser("compare", help="compare policy mixes on common random numbers: P(target met) and "
                                         "paired differences with intervals (CSV)",
                         epilog="example: ecosim compare baseline guiding-opinions --replications 200 --out out/cmp",
                         formatter_class=argparse.RawDescriptionHelpFormatter)
    cmp.add_argument("scenarios", nargs="+", metavar="SCENARIO",
                     help="scenario files or built-in names; the first is the reference. With --set, the first "
                          "scenario with the changes is added as '<name>-modified'")
    common(cmp, "output folder for compare.csv, the scenarios and the manifest (default: out/compare)")
    cmp.set_defaults(command=handle)


def handle(args: argparse.Namespace) -> int:
    """Compare the scenarios, write compare.csv, the scenarios and the manifest, print the differences."""
    from ecosim.api.compare import compare
    from ecosim.analysis.intervals import format_difference, format_share

    scenarios = [scenario_of(name, args.region) for name in args.scenarios]
    if args.changes:
        scenarios.append(scenarios[0].with_changes(parse_changes(args.changes)))
    out = args.out or Path("out") / "compare"
    seed = scenarios[0].seed if args.seed is None else args.seed
    replications = scenarios[0].replications if args.replications is None else args.replications
    inputs = folder_inputs(scenarios, seed, replications)
    claim_out(out, "compare", inputs, args.force, COMPARE_FILES)
    result = compare(scenarios, replications, seed, workers=args.workers, dask=args.dask)
    table = result.table()
    written = write_comparison(result, out, inputs)
    first = result.forecasts[result.baseline]
    print(f"{len(result.forecasts)} scenarios, {first.replications} replications each, root seed {result.seed} "
          f"(common random numbers; differences paired by replication)")
    for name, row in table.iterrows():
        line = f"  {name}: P(target met in {first.scenario.target.year}) = " \
               f"{format_share(int(row['target_met_count']), int(row['replications']))}"
        if name != result.baseline:
            p_diff, x_diff = result.differences(name)
            line += (f"; vs {result.baseline}: {format_difference(p_diff)}, intensity "
                     f"{format_difference(x_diff, unit='pp', scale=1.0, digits=2)}")
        print(line)
        print(f"    cost {row['cost_window']} (100m yuan, median over replications): government "
              f"{row['government_cost_median']:.1f} (outlay {row['outlay_cost_median']:.1f}, revenue forgone "
              f"{row['revenue_forgone_cost_median']:.1f}), social {row['social_cost_median']:.1f}; S&T budget binds in "
              f"{row['budget_binding_share']:.0%} of replications")
    print("\nwrote " + ", ".join(str(p) for p in written))
    return 0
