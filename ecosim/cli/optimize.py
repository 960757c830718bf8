"""``ecosim optimize``: the least-cost lever mix with P(target met) at least P."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from ecosim.analysis.design import COSTS, DEFAULT_LEVERS, optimize  # noqa: E402
from ecosim.charts.fonts import cjk_font  # noqa: E402
from ecosim.charts.style import save  # noqa: E402
from ecosim.cli.args import add_dask, add_lang, add_region, lang_suffix, non_negative_int  # noqa: E402
from ecosim.scenario import load_scenario  # noqa: E402


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``optimize`` subcommand."""
    o = subparsers.add_parser("optimize", help="least-cost lever mix with P(target met) >= P")
    o.add_argument("scenario", help="scenario TOML or built-in name")
    o.add_argument("--target-probability", type=float, required=True,
                   help="the smallest acceptable P(target met), e.g. 0.5")
    o.add_argument("--target-year", type=int,
                   help="judge the target in this year instead of the scenario's (e.g. 2030 when 2024 is out of "
                        "reach); it must lie inside the scenario's horizon")
    o.add_argument("--levers", help=f"comma-separated levers to set (default: {', '.join(DEFAULT_LEVERS)})")
    o.add_argument("--cost", choices=COSTS, default="social",
                   help="the cost minimised over the cost window (policy start to target year), mean over "
                        "replications: social = outlay + revenue forgone + compliance (default), government = "
                        "outlay + revenue forgone")
    o.add_argument("--keep-2020-floor", action=argparse.BooleanOptionalAction, default=True,
                   help="search each lever from its value in the base year up, never below it (default on; "
                        "--no-keep-2020-floor searches its whole allowed range)")
    o.add_argument("--budget", type=float, help="most cost allowed over the cost window (100m yuan, the --cost measure)")
    o.add_argument("--replications", type=int, help="replications per mix (default: SE of P at most 0.05)")
    o.add_argument("--maxiter", type=int, default=10, help="differential-evolution generations")
    o.add_argument("--workers", type=non_negative_int,
                   help="worker processes (default: the number of CPUs; 1 runs in this process)")
    add_dask(o)
    o.add_argument("--out", type=Path, default=Path("out/optimize"))
    add_lang(o)
    add_region(o)
    o.set_defaults(command=handle)




def handle(args: argparse.Namespace) -> int:
    """Search the least-cost mix and report it, its cost by lever and year, and the frontier."""
    lang = getattr(args, "lang", "en")
    if lang != "en":
        cjk_font()
    scenario = load_scenario(args.scenario, region=args.region)
    if getattr(args, "target_year", None) is not None:
        scenario = scenario.with_changes({"target.year": args.target_year}, name=f"{scenario.name}-{args.target_year}")
    levers = [s.strip() for s in args.levers.split(",")] if args.levers else None
    result = optimize(scenario, args.target_probability, levers, args.budget, args.replications, args.workers,
                      args.maxiter, cost=args.cost, keep_2020_floor=args.keep_2020_floor, dask=args.dask)
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    frontier = result.frontier()
    frontier.to_csv(out / "frontier.csv", index=False)
    result.evaluations.to_csv(out / "evaluations.csv", index=False)
    result.cost_by_lever.to_csv(out / "cost_by_lever_and_year.csv")
    save(result.plot(lang, scenario=scenario.name), out / f"frontier{lang_suffix(lang)}")
    mix = result.best or result.fallback
    report = {"scenario": scenario.name, "target_year": scenario.target.year,
              "target_probability": args.target_probability, "budget": args.budget, "feasible": result.feasible,
              "cost_measure": f"{result.cost}_cost_mean", "cost_window": result.window,
              "keep_2020_floor": args.keep_2020_floor, "bounds": result.bounds,
              "mix": mix, "search_probability": result.best_probability, "search_cost": result.best_cost,
              "fresh": result.fresh, "evaluations": int(len(result.evaluations))}
    (out / "optimize.json").write_text(json.dumps(report, indent=2) + "\n")
    fresh = result.fresh
    if result.feasible:
        print(f"Least-cost mix reaching P(target met in {scenario.target.year}) >= {args.target_probability:g}:")
    else:
        print(f"No mix within the levers' ranges reached P >= {args.target_probability:g}; "
              f"best probability found {result.best_probability:.2f}, with:")
    for name, value in mix.items():
        print(f"  {name} = {value:.4g}")
    c = fresh
    print(f"  re-estimated with fresh seeds: P = {fresh['probability']:.2f} (SE {fresh['standard_error']:.2f}, "
          f"{fresh['replications']} replications), {result.cost} cost {fresh['cost']:.1f} (100m yuan, mean)")
    print(f"  cost {result.window} (100m yuan, mean | median over replications): "
          + "; ".join(f"{m} {c[m + '_cost_mean']:.1f} | {c[m + '_cost_median']:.1f}"
                      for m in ("outlay", "revenue_forgone", "compliance", "government", "social")))
    if fresh["budget_binding_share"] > 0:
        print(f"  the S&T budget cuts this mix's outlays in {fresh['budget_binding_share']:.0%} of replications "
              f"(the levers above are what is asked; what is funded is in cost_by_lever_and_year.csv)")
    print(f"\nwrote {out}")
    return 0 if result.feasible else 1
