"""At which population scale do the outputs stay within their replication noise?

Runs ``--replications`` replications of the baseline (and of the baseline with the R&D reward rate
at 8%, paired on the same seeds) at each population scale (``firms_per_agent``), and compares each
output's mean at that scale with its mean at full scale: the difference and its standard error
(the two scales' replications are independent draws of the same seeds' parameters but not of the
same firms). A scale passes an output when the difference is within two standard errors and below
a tenth of the output's replication spread (sd). Outputs: intensity in the target year and at the
horizon, enterprise R&D, the counts a planner tracks, local technology contracts, government cost,
and the paired effect of the lever on intensity.

    python benchmarks/population_scale.py [--replications 200] [--scales 1 2 5 10 20]

Prints a table, seconds per run at each scale, and one JSON line last.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np
import pandas as pd

from ecosim.model import simulate
from ecosim.scenario import load_scenario

OUTPUTS = ("rd_intensity", "rd_by_enterprises", "firms_doing_rd", "high_tech_enterprises",
           "industrial_firms_doing_rd", "tech_contracts_local", "government_cost")


def runs(scale: int, replications: int, year: int, horizon: int) -> tuple[pd.DataFrame, float]:
    """Outputs of each replication at ``scale`` (columns ``<output>_<year>``, the horizon's
    intensity and the lever's paired effect) and seconds per run."""
    base = load_scenario("baseline").with_changes({"firms_per_agent": scale})
    lever = base.with_changes({"levers": {"rd_reward_rate": 0.08}})
    rows = []
    start = time.perf_counter()
    for seed in range(replications):
        table = simulate(base, seed).set_index("year")
        changed = simulate(lever, seed).set_index("year")
        row = {f"{name}_{year}": float(table.loc[year, name]) for name in OUTPUTS}
        row[f"rd_intensity_{horizon}"] = float(table.loc[horizon, "rd_intensity"])
        row["reward_effect_pp"] = float(changed.loc[year, "rd_intensity"] - table.loc[year, "rd_intensity"])
        rows.append(row)
    return pd.DataFrame(rows), (time.perf_counter() - start) / (2 * replications)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--replications", type=int, default=200)
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 2, 5, 10, 20])
    args = parser.parse_args(argv)
    scenario = load_scenario("baseline")
    year, horizon = scenario.target.year, scenario.horizon
    tables, seconds = {}, {}
    for scale in args.scales:
        tables[scale], seconds[scale] = runs(scale, args.replications, year, horizon)
        print(f"scale {scale:>2}: {1000 * seconds[scale]:.1f} ms per run", flush=True)
    full = tables[args.scales[0]]
    result: dict[str, dict] = {}
    for scale in args.scales[1:]:
        table = tables[scale]
        verdicts = {}
        for column in full.columns:
            a, b = full[column], table[column]
            difference = float(b.mean() - a.mean())
            error = float(np.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size))
            spread = float(a.std(ddof=1))
            verdicts[column] = {"difference": round(difference, 4), "standard_error": round(error, 4),
                                "sd": round(spread, 4),
                                "within_noise": bool(abs(difference) <= 2 * error and abs(difference) <= 0.1 * spread)}
        result[str(scale)] = verdicts
        print(f"\nscale {scale} against scale {args.scales[0]} ({args.replications} replications each)")
        for column, v in verdicts.items():
            mark = "ok" if v["within_noise"] else "OUTSIDE"
            print(f"  {column:>32}: {v['difference']:+10.4f} (se {v['standard_error']:.4f}, sd {v['sd']:.4f}) {mark}")
    print(json.dumps({"replications": args.replications,
                      "ms_per_run": {str(s): round(1000 * v, 2) for s, v in seconds.items()},
                      "against_full_scale": result}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
