"""Does this code give the same forecast distribution as another checkout of it?

Runs ``--replications`` replications (seeds 0..n-1) of a scenario (default: the calibrated baseline
with parameter uncertainty) in this checkout and in the one at ``--against`` (each in its own
process, with that checkout first on the path), and compares the distributions of the rd_intensity
of ``--year``: medians, 5% and 95% quantiles, and the two-sample Kolmogorov-Smirnov statistic and
p-value. A change of the random numbers' realisation (keyed draws instead of sequential streams,
say) must leave the distribution where it was: the realised numbers differ, their law must not.

    git worktree add /tmp/before <commit>
    python benchmarks/equivalence.py --against /tmp/before [--replications 400] [--year 2024]

Prints one JSON line last.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
from scipy.stats import ks_2samp

RUN = """
import json, sys
sys.path.insert(0, {root!r})
from ecosim.model import simulate
from ecosim.scenario import load_scenario
scenario = load_scenario({scenario!r}).with_changes({{"horizon": {year}, "target": {{"year": {year}}}}})
values = [float(simulate(scenario, seed).set_index("year").loc[{year}, {column!r}]) for seed in range({n})]
print(json.dumps(values))
"""


def sample(root: Path, scenario: str, year: int, column: str, n: int) -> np.ndarray:
    """``column`` in ``year`` for seeds 0..n-1, computed by the checkout at ``root``."""
    code = RUN.format(root=str(root), scenario=scenario, year=year, column=column, n=n)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root)
    return np.array(json.loads(out.stdout.strip().splitlines()[-1]))


def summary(values: np.ndarray) -> dict[str, float]:
    """Median and 5-95% band."""
    q05, q50, q95 = np.quantile(values, [0.05, 0.5, 0.95])
    return {"median": round(float(q50), 4), "q05": round(float(q05), 4), "q95": round(float(q95), 4)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--against", type=Path, required=True, help="another checkout of the project")
    parser.add_argument("--scenario", default="baseline")
    parser.add_argument("--year", type=int, default=2024)
    parser.add_argument("--column", default="rd_intensity")
    parser.add_argument("--replications", type=int, default=400)
    args = parser.parse_args(argv)
    here = Path(__file__).resolve().parents[1]
    new = sample(here, args.scenario, args.year, args.column, args.replications)
    old = sample(args.against.resolve(), args.scenario, args.year, args.column, args.replications)
    test = ks_2samp(new, old)
    now, before = summary(new), summary(old)
    result = {"column": args.column, "year": args.year, "replications": args.replications,
              "this": now, "against": before,
              "median_difference": round(now["median"] - before["median"], 4),
              "q05_difference": round(now["q05"] - before["q05"], 4),
              "q95_difference": round(now["q95"] - before["q95"], 4),
              "ks_statistic": round(float(test.statistic), 4), "ks_p_value": round(float(test.pvalue), 4)}
    print(f"{args.column} {args.year}, {args.replications} replications each")
    for name, values in (("this checkout", now), (str(args.against), before)):
        print(f"  {name:>30}: median {values['median']:.4f}, 5-95% {values['q05']:.4f}-{values['q95']:.4f}")
    print(f"  KS statistic {test.statistic:.4f} (p = {test.pvalue:.3f})")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
