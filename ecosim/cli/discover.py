"""``ecosim discover``: PRIM boxes and a tree: where in a batch's factor space the target is met."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from ecosim.analysis.discovery import (  # noqa: E402
    classification_tree,
    points_of_interest,
    prim,
    tree_rules,
)
from ecosim.charts.fonts import cjk_font  # noqa: E402
from ecosim.charts.style import save  # noqa: E402
from ecosim.cli.args import add_lang, lang_suffix  # noqa: E402
from ecosim.explore.batch import read_results  # noqa: E402
from ecosim.scenario import ScenarioError  # noqa: E402


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``discover`` subcommand."""
    d = subparsers.add_parser("discover", help="PRIM boxes and a tree: where in the batch's factor space the target is met")
    d.add_argument("results", type=Path, help="a batch output folder (ecosim batch ... --out DIR)")
    d.add_argument("--outcome", default="target_met",
                   help="per-run summary column: target_met (default), rd_intensity, rd_intensity_gap, ...")
    d.add_argument("--threshold", type=float,
                   help="a design point is of interest when its mean outcome over replications is at least this "
                        "(default 0.5 for target_met, else the median of the design points)")
    d.add_argument("--peel-alpha", type=float, default=0.05)
    d.add_argument("--out", type=Path, help="output folder (default RESULTS/discovery)")
    add_lang(d)
    d.set_defaults(command=handle)


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


def handle(args: argparse.Namespace) -> int:
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
    save(result.plot(lang, **batch_footer(args.results, lang)), out / f"prim_trajectory{lang_suffix(lang)}")
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
