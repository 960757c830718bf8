"""`ecosim discover` and `ecosim optimize`: which mixes reach the target, and the least-cost one."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from ecosim.analysis.design import optimize  # noqa: E402
from ecosim.analysis.discovery import (  # noqa: E402
    classification_tree,
    points_of_interest,
    prim,
    tree_rules,
)
from ecosim.charts import design as design_charts  # noqa: E402
from ecosim.charts.fonts import cjk_font  # noqa: E402
from ecosim.charts.style import save  # noqa: E402
from ecosim.explore.batch import read_results  # noqa: E402
from ecosim.scenario import ScenarioError, load_scenario  # noqa: E402


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``discover`` and ``optimize`` subcommands."""
    d = subparsers.add_parser("discover", help="PRIM boxes and a tree: where in the batch's factor space the target is met")
    d.add_argument("results", type=Path, help="a batch output folder (ecosim batch ... --out DIR)")
    d.add_argument("--outcome", default="target_met",
                   help="per-run summary column: target_met (default), rd_intensity, rd_intensity_gap, ...")
    d.add_argument("--threshold", type=float,
                   help="a design point is of interest when its mean outcome over replications is at least this "
                        "(default 0.5 for target_met, else the median of the design points)")
    d.add_argument("--peel-alpha", type=float, default=0.05)
    d.add_argument("--out", type=Path, help="output folder (default RESULTS/discovery)")
    d.add_argument("--lang", choices=("en", "zh"), default="en",
                   help="chart language (default: en; Chinese chart files end in -zh)")
    d.set_defaults(command=run_discover)
    o = subparsers.add_parser("optimize", help="least-cost lever mix with P(target met) >= P")
    o.add_argument("scenario", help="scenario TOML or built-in name")
    o.add_argument("--target-probability", type=float, required=True,
                   help="the smallest acceptable P(target met), e.g. 0.5")
    o.add_argument("--target-year", type=int,
                   help="judge the target in this year instead of the scenario's (e.g. 2030 when 2024 is out of "
                        "reach); it must lie inside the scenario's horizon")
    o.add_argument("--levers", help="comma-separated levers to set (default: rd_reward_rate, hte_cultivation_firms, "
                                    "open_competition_budget, innovation_full_coverage)")
    o.add_argument("--budget", type=float, help="most total government cost allowed (100m yuan)")
    o.add_argument("--replications", type=int, help="replications per mix (default: SE of P at most 0.05)")
    o.add_argument("--maxiter", type=int, default=10, help="differential-evolution generations")
    o.add_argument("--workers", type=int)
    o.add_argument("--out", type=Path, default=Path("out/optimize"))
    o.add_argument("--lang", choices=("en", "zh"), default="en",
                   help="chart language (default: en; Chinese chart files end in -zh)")
    o.set_defaults(command=run_optimize)


def _suffix(lang: str) -> str:
    """The file-name suffix of a chart language (none for English)."""
    return "" if lang == "en" else f"-{lang}"


def batch_footer(folder: Path, lang: str) -> dict:
    """Footer values of a chart of a batch folder: the experiment as source, its scenario and seed."""
    from ecosim.charts.labels import text

    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    scenario = Path(str(manifest.get("scenario", ""))).stem or None
    return {"source": text(lang, "source_batch", name=manifest.get("experiment") or folder.name),
            "scenario": scenario, "seed": manifest.get("root_seed"), "replications": manifest.get("replications")}


def run_discover(args: argparse.Namespace) -> int:
    """Describe the design points that meet the outcome with PRIM and a classification tree."""
    lang = getattr(args, "lang", "en")
    if lang != "en":
        cjk_font()
    _, summaries = read_results(args.results)
    try:
        points, interest, threshold = points_of_interest(summaries, args.outcome, args.threshold)
    except KeyError as error:
        raise ScenarioError(str(args.results), "--outcome", str(error).strip("'\"")) from None
    out = args.out or args.results / "discovery"
    out.mkdir(parents=True, exist_ok=True)
    if not interest.any():
        print(f"no design point has mean {args.outcome} >= {threshold:g}: nothing to describe")
        return 1
    result = prim(points, interest, peel_alpha=args.peel_alpha)
    trajectory, box = result.trajectory_table(), result.box_table()
    trajectory.to_csv(out / "prim_trajectory.csv", index=False)
    box.to_csv(out / "prim_box.csv", index=False)
    rules = tree_rules(classification_tree(points, interest))
    (out / "tree.txt").write_text("\n".join(rules) + "\n")
    save(design_charts.peeling_trajectory(trajectory, lang=lang, **batch_footer(args.results, lang)),
         out / f"prim_trajectory{_suffix(lang)}")
    summary = {"outcome": args.outcome, "threshold": threshold, "design_points": int(len(points)),
               "of_interest": int(interest.sum()), "box_coverage": result.box.coverage,
               "box_density": result.box.density, "box_mass": result.box.mass,
               "box": box.to_dict("records")}
    (out / "discovery.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(f"{int(interest.sum())} of {len(points)} design points have mean {args.outcome} >= {threshold:g}")
    print(f"PRIM box: coverage {result.box.coverage:.2f}, density {result.box.density:.2f}, "
          f"mass {result.box.mass:.2f}")
    print(box.to_string(index=False) if len(box) else "(no factor restricted)")
    print("\n".join(rules))
    print(f"\nwrote {out}")
    return 0


def run_optimize(args: argparse.Namespace) -> int:
    """Search the least-cost mix and report it, its cost by lever and year, and the frontier."""
    lang = getattr(args, "lang", "en")
    if lang != "en":
        cjk_font()
    scenario = load_scenario(args.scenario)
    if getattr(args, "target_year", None) is not None:
        scenario = scenario.with_changes({"target.year": args.target_year}, name=f"{scenario.name}-{args.target_year}")
    levers = [s.strip() for s in args.levers.split(",")] if args.levers else None
    result = optimize(scenario, args.target_probability, levers, args.budget, args.replications, args.workers,
                      args.maxiter)
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    frontier = result.frontier()
    frontier.to_csv(out / "frontier.csv", index=False)
    result.evaluations.to_csv(out / "evaluations.csv", index=False)
    result.cost_by_lever.to_csv(out / "cost_by_lever_and_year.csv")
    save(design_charts.frontier(frontier, args.target_probability, result.best_cost, lang=lang,
                                scenario=scenario.name), out / f"frontier{_suffix(lang)}")
    mix = result.best or result.fallback
    report = {"scenario": scenario.name, "target_year": scenario.target.year,
              "target_probability": args.target_probability, "budget": args.budget, "feasible": result.feasible,
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
    print(f"  re-estimated with fresh seeds: P = {fresh['probability']:.2f} (SE {fresh['standard_error']:.2f}, "
          f"{fresh['replications']} replications), cost {fresh['cost']:.1f} (100m yuan)")
    print(f"\nwrote {out}")
    return 0 if result.feasible else 1
